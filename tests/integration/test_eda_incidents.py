"""The event source logpoint.siem.incidents against the simulator (in-process tier, a mock queue).

The plugin file is loaded the way ansible-rulebook loads it (``runpy.run_path``) and its ``main`` or
``IncidentSource.poll`` is driven with an asyncio queue; ``Engine`` plays the rule engine's part with
feedback (it takes each event and confirms it on the feedback queue).
"""

from __future__ import annotations

import asyncio
import json
import runpy
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import harness

PLUGIN = Path(__file__).resolve().parents[2] / 'extensions' / 'eda' / 'plugins' / 'event_source' / 'incidents.py'


@pytest.fixture(scope='module')
def plugin():
    return runpy.run_path(str(PLUGIN))


@pytest.fixture
def args(sim, monkeypatch):
    """The connection from the LOGPOINT_* environment, as an EDA credential injects it; classic API."""
    for name, value in harness.with_simulator.connection_env(sim.url, sim.ca_path).items():
        monkeypatch.setenv(name, value)
    return {'api': 'classic', 'interval': 0.05, 'overlap': '10m', 'track': '24h'}


class Recorder(asyncio.Queue):
    """The rulebook's source queue: keeps every event put on it."""

    def __init__(self):
        super().__init__()
        self.events = []

    async def put(self, item):
        self.events.append(item)
        await super().put(item)


class Engine:
    """Takes events off the source queue and confirms each on the feedback queue (ansible-rulebook 1.3)."""

    def __init__(self, source_queue):
        self.source_queue = source_queue
        self.feedback = asyncio.Queue(1)
        self.taken = []
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        while True:
            event = await self.source_queue.get()
            self.taken.append(event)
            await self.feedback.put(dict(event, meta={'source': {'name': 'logpoint_incidents'}}))


def make_incidents(sim, count, **spec):
    reply = sim.api('POST', '/_simulator/incidents', json=dict({'count': count, 'hours_ago': 0}, **spec))
    assert reply.status_code == 200, reply.text
    return reply.json()['ids']


def classic(sim, path, data):
    body = {'username': harness.ADMIN_USERNAME, 'secret_key': harness.ADMIN_SECRET_KEY,
            'requestData': dict(data, version='0.1')}
    reply = sim.api('POST', path, json=body).json()
    assert reply.get('success') is True, reply


def run(coroutine):
    return asyncio.run(coroutine)


def keys(events):
    return [event['key'] for event in events]


def test_created_state_changed_commented(plugin, sim, args, tmp_path):
    async def scenario():
        source = plugin['IncidentSource'](dict(args))
        queue = Recorder()
        assert await source.poll(queue) == 0  # the seeded incidents are the baseline
        new = make_incidents(sim, 3, name='Noisy rule', risk='low')
        assert await source.poll(queue) == 3
        classic(sim, '/add_incident_comment', {'states': [{'_id': new[0], 'comments': ['looked at it']}]})
        classic(sim, '/resolve_incident', {'incident_ids': [new[1]]})
        assert await source.poll(queue) == 2
        classic(sim, '/close_incident', {'incident_ids': [new[1]]})  # now only in /incident_states
        assert await source.poll(queue) == 1
        assert await source.poll(queue) == 0
        return queue.events

    events = run(scenario())
    assert [(event['type'], event['incident']['id']) for event in events[:3]] == [
        ('created', incident_id) for incident_id in sorted(events[i]['incident']['id'] for i in range(3))]
    created = events[0]
    assert created['incident']['name'].startswith('Noisy rule') and created['incident']['risk'] == 'low'
    assert created['incident']['status'] == 'unresolved' and created['key'].endswith(':1')
    assert created['logpoint'] == {'api': 'classic', 'url': sim.url}
    comment, resolved, closed = events[3:]
    assert comment['type'] == 'commented' and comment['comment']['comment'] == 'looked at it'
    assert comment['comment']['user'] == harness.ADMIN_USERNAME and comment['comment']['index'] == 0
    assert resolved['type'] == 'state_changed' and resolved['previous']['status'] == 'unresolved'
    assert resolved['incident']['status'] == 'resolved' and resolved['changed'] == ['status']
    assert closed['previous']['status'] == 'resolved' and closed['incident']['status'] == 'closed'
    assert closed['incident']['name'] == resolved['incident']['name']  # from the snapshot: states rows lack it
    assert len(set(keys(events))) == len(events)
    text = json.dumps(events)
    assert not [secret for secret in harness.SECRETS if secret in text]


def test_events_option_and_since(plugin, sim, args):
    async def scenario():
        made = make_incidents(sim, 2, hours_ago=2)
        source = plugin['IncidentSource'](dict(args, since='3h', events=['created']))
        queue = Recorder()
        await source.poll(queue)
        first = [event for event in queue.events if event['incident']['id'] in made]
        incident_id = made[0]
        classic(sim, '/add_incident_comment', {'states': [{'_id': incident_id, 'comments': ['x']}]})
        assert await source.poll(queue) == 0  # commented is not asked for: remembered, not sent
        return first, source

    first, source = run(scenario())
    assert len(first) == 2 and {event['type'] for event in first} == {'created'}
    assert source.tracker.incidents[first[0]['incident']['id']].comments == 1
    assert all(event['incident']['detection_timestamp'] >= time.time() - 3 * 3600 for event in first)


def test_director(plugin, sim, args):
    async def scenario():
        source = plugin['IncidentSource'](dict(args, api='director', wait_timeout=10))
        queue = Recorder()
        await source.poll(queue)
        new = make_incidents(sim, 2)
        classic(sim, '/add_incident_comment', {'states': [{'_id': new[0], 'comments': ['seen']}]})
        await source.poll(queue)
        return queue.events

    events = run(scenario())
    assert sorted(event['type'] for event in events) == ['commented', 'created', 'created']
    assert events[0]['logpoint']['api'] == 'director'
    assert events[0]['logpoint']['pool_uuid'] == harness.POOL_UUID


@pytest.mark.parametrize('bad, expected', [
    ({'interval': 0}, 'interval: must be more than 0'),
    ({'events': ['deleted']}, 'events'),
    ({'track': 'soon'}, "track: 'soon' is not a duration"),
    ({'since': 'yesterday'}, "since: 'yesterday' is not a time"),
    ({'max_concurrency': 99}, 'max_concurrency'),
])
def test_bad_options(plugin, sim, args, bad, expected):
    with pytest.raises(Exception) as failure:
        plugin['IncidentSource'](dict(args, **bad))
    assert expected in str(failure.value)
    assert not [secret for secret in harness.SECRETS if secret in str(failure.value)]


def test_state_file_of_another_source_is_refused(plugin, sim, args, tmp_path):
    state = tmp_path / 'state.json'
    run(plugin['IncidentSource'](dict(args, state_file=str(state))).poll(Recorder()))
    with pytest.raises(Exception, match='belongs to'):
        plugin['IncidentSource'](dict(args, state_file=str(state), api='director'))


def test_failed_read_loses_nothing(plugin, sim, args, caplog):
    async def scenario():
        source = plugin['IncidentSource'](dict(args, timeout=5))
        queue = Recorder()
        await source.poll(queue)
        make_incidents(sim, 4)
        sim.faults(success_false=1, path_prefix='/incidents')  # a refusal: not retried
        assert await source.poll(queue) == 0
        sim.clear_faults()
        assert await source.poll(queue) == 4
        return source

    source = run(scenario())
    assert 'reading the incidents failed (1 in a row)' in caplog.text
    assert not [secret for secret in harness.SECRETS if secret in caplog.text]
    assert source.failures == 0


def test_main_with_feedback_and_restart(plugin, sim, args, tmp_path):
    """main() as ansible-rulebook runs it, with the engine's feedback; stopped and started again."""
    state = str(tmp_path / 'state.json')
    options = dict(args, state_file=state, feedback=True)

    def polled_since(moment):
        try:
            return (json.loads(Path(state).read_text(encoding='utf-8'))['bookmark'] or 0) >= moment
        except (OSError, ValueError):
            return False

    async def session(before_start=None, settle=None, events=0):
        """main() until ``settle`` seconds passed, or until ``events`` were taken and a later poll finished."""
        queue = asyncio.Queue(1)
        engine = Engine(queue)
        if before_start:
            before_start()
        started = time.time()
        runner = asyncio.create_task(plugin['main'](queue, dict(options, eda_feedback_queue=engine.feedback)))
        if settle is not None:
            await asyncio.sleep(settle)
        else:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (len(engine.taken) >= events and polled_since(started)):
                await asyncio.sleep(0.05)
            if len(engine.taken) >= events:  # one more poll after the one that sent them: nothing more comes
                settled = time.time()
                while time.monotonic() < deadline and not polled_since(settled):
                    await asyncio.sleep(0.05)
        runner.cancel()
        engine.task.cancel()
        _finished, unfinished = await asyncio.wait({runner, engine.task}, timeout=10)
        assert not unfinished, 'the source did not stop when cancelled'
        return engine.taken

    assert run(session()) == []  # the seeded incidents are the baseline
    for settle in (0.13, 0.27, 0.31):  # cancelled at different points of a poll: it always stops
        run(session(settle=settle))
    # made while stopped: announced at the next start, once
    made = []
    events = run(session(lambda: made.extend(make_incidents(sim, 5)), events=5))
    assert sorted(event['incident']['id'] for event in events) == sorted(made)
    assert run(session()) == []  # nothing handled is replayed


def test_no_loss_no_duplicates(plugin, sim, args, tmp_path, record_property):
    """1,000 incidents in bursts while the source polls (restarted half way), with comments and state changes."""
    state = str(tmp_path / 'state.json')
    total, burst = 1000, 50
    made, commented, resolved = [], [], []
    stop = threading.Event()

    def producer():
        while len(made) < total and not stop.is_set():
            ids = make_incidents(sim, burst, name='Burst')
            made.extend(ids)
            classic(sim, '/add_incident_comment', {'states': [{'_id': ids[0], 'comments': ['burst head']}]})
            commented.append(ids[0])
            classic(sim, '/resolve_incident', {'incident_ids': [ids[1]]})
            resolved.append(ids[1])
            time.sleep(0.03)

    async def first_run():
        """One source until half the incidents are made, then a restarted one (same state_file) until the end."""
        queue = Recorder()
        source = plugin['IncidentSource'](dict(args, state_file=state))
        await source.poll(queue)
        thread = threading.Thread(target=producer)
        thread.start()
        polls, restarted = 0, False
        while thread.is_alive():
            await source.poll(queue)
            polls += 1
            if not restarted and len(made) >= total // 2:
                source, restarted = plugin['IncidentSource'](dict(args, state_file=state)), True
            await asyncio.sleep(0.01)
        thread.join()
        await source.poll(queue)
        assert restarted
        return queue.events, polls, source

    started = time.monotonic()
    events, polls, source = run(first_run())
    elapsed = time.monotonic() - started
    stop.set()
    counted = Counter(keys(events))
    created = Counter(event['incident']['id'] for event in events if event['type'] == 'created')
    lost = set(made) - set(created)
    duplicated = sum(count - 1 for count in counted.values() if count > 1) + sum(
        count - 1 for count in created.values() if count > 1)
    # replay the events of each incident: every change in order, ending as the server has it
    status, comments = {}, Counter()
    for event in events:
        incident = event['incident']
        if event['type'] == 'created':
            status[incident['id']] = incident['status']
        elif event['type'] == 'state_changed':
            assert event['previous']['status'] == status[incident['id']]
            status[incident['id']] = incident['status']
        else:
            comments[incident['id']] += 1
    assert status == dict((incident_id, 'resolved' if incident_id in resolved else 'unresolved') for incident_id in made)
    assert comments == Counter(commented)
    folded = sum(1 for event in events if event['type'] == 'created' and event['incident']['status'] == 'resolved')
    expected = len(made) + len(commented) + len(resolved) - folded

    async def restart():
        queue = Recorder()
        again = plugin['IncidentSource'](dict(args, state_file=state))
        await again.poll(queue)
        return queue.events, len(again.tracker.incidents)

    replayed, remembered = run(restart())
    figures = {'incidents': len(made), 'events': len(events), 'expected_events': expected, 'lost': len(lost),
               'duplicated': duplicated, 'restart_replays': len(replayed), 'polls': polls,
               'resolved_before_first_seen': folded,
               'seconds': round(elapsed, 2)}
    record_property('eda_loss_duplicates', figures)
    print('eda loss/duplicate figures: %s' % figures)  # noqa: T201
    assert len(made) == total and polls > 3
    assert (len(lost), duplicated, len(events)) == (0, 0, expected)
    assert replayed == [] and remembered >= total


def test_one_incident_lifecycle_under_the_tier_profile(plugin, sim, args):
    """Under both profiles (make test runs this tier under default and strict: /incident_states by
    modification time, Director's grouped rows...)."""
    async def scenario(api):
        source = plugin['IncidentSource'](dict(args, api=api, wait_timeout=10))
        queue = Recorder()
        await source.poll(queue)
        new = make_incidents(sim, 2, name='Strict', risk='low')
        await source.poll(queue)
        classic(sim, '/add_incident_comment', {'states': [{'_id': new[0], 'comments': ['strict comment']}]})
        classic(sim, '/resolve_incident', {'incident_ids': [new[0]]})
        await source.poll(queue)
        classic(sim, '/close_incident', {'incident_ids': [new[0]]})
        await source.poll(queue)
        await source.poll(queue)
        return [(event['type'], event['incident']['status']) for event in queue.events if event['incident']['id'] == new[0]]

    for api in ('classic', 'director'):
        sim.reset()
        assert run(scenario(api)) == [('created', 'unresolved'), ('state_changed', 'resolved'),
                                      ('commented', 'resolved'), ('state_changed', 'closed')], api
