# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real ansible-rulebook 1.3 runs of logpoint.siem.incidents against the simulator (Java 17 needed).

Three runs: the closing-loop rulebook (a new low-risk incident of a noisy rule is commented and
closed through incident_state, the rest printed), then a stop and a start on the same state file
with the engine's feedback (--persistence-id): what was handled before the stop is not sent again,
what was made while stopped is sent once. And the access-request webhook rulebook refusing to start
without a token of 16 or more characters (it stops before the rule engine starts: about 3 s).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import harness
from rulebook_process import RulebookProcess

ROOT = harness.ROOT
RULEBOOK = ROOT / 'extensions' / 'eda' / 'rulebooks' / 'close_noisy_incidents.yml'
BIN = Path(sys.executable).parent
RULEBOOK_COMMAND = BIN / 'ansible-rulebook'
ADMIN_ID = '65a000000000000000000001'

pytestmark = [
    pytest.mark.skipif(shutil.which('java') is None, reason='ansible-rulebook needs Java 17 (no java on PATH)'),
    pytest.mark.skipif(not RULEBOOK_COMMAND.exists(), reason='ansible-rulebook is not installed in this venv '
                       '(requirements-dev.txt installs it)'),
    pytest.mark.xdist_group('eda-rulebook'),
]


class Rulebook(RulebookProcess):
    """ansible-rulebook in the background on RULEBOOK; its output collected line by line."""

    def __init__(self, sim, workdir, variables):
        inventory = workdir / 'inventory.yml'
        inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}), encoding='utf-8')
        extra = workdir / 'vars.yml'
        extra.write_text(yaml.safe_dump(variables), encoding='utf-8')
        env = dict((key, value) for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'LOGPOINT_', 'LM_')))
        env.update(harness.with_simulator.connection_env(sim.url, sim.ca_path))
        for name in ('LOGPOINT_DIRECTOR_URL', 'LOGPOINT_DIRECTOR_TOKEN', 'LOGPOINT_POOL_UUID', 'LOGPOINT_IDENTIFIER'):
            env.pop(name)
        env.update(PATH='%s:%s' % (BIN, env.get('PATH', '')), ANSIBLE_COLLECTIONS_PATH=str(harness.COLLECTIONS_PATH),
                   ANSIBLE_LOCAL_TEMP=str(workdir / 'tmp'), HOME=env.get('HOME', str(workdir)))
        super().__init__([RULEBOOK_COMMAND, '-i', inventory, '--rulebook', RULEBOOK, '--vars', extra,
                          '--persistence-id', 'test', '-v'], env, workdir)

    def polling(self):
        return any('polling the classic API' in line for line in self.lines)


def make_incidents(sim, count, **spec):
    reply = sim.api('POST', '/_simulator/incidents', json=dict({'count': count, 'hours_ago': 0}, **spec))
    assert reply.status_code == 200, reply.text
    return reply.json()['ids']


def incident(sim, incident_id):
    return sim.state()['incidents'][incident_id]


def test_rulebook_closes_noisy_incidents(sim, tmp_path):
    rulebook = Rulebook(sim, tmp_path, {'noisy_rules_pattern': '^Noisy rule', 'incidents_interval': 0.5})
    rulebook.wait_for(rulebook.polling, what='first poll')
    noisy = make_incidents(sim, 2, name='Noisy rule', risk='low', assignee='analyst')
    other = make_incidents(sim, 1, name='Real attack', risk='high')
    rulebook.wait_for(lambda: all(incident(sim, one)['status'] == 'closed' for one in noisy), what='noisy incidents closed')
    rulebook.wait_for(lambda: sum(1 for _key, kind in rulebook.events() if kind == 'state_changed') >= 2,
                      what='state_changed events of the closed incidents')
    output = rulebook.stop()
    for one in noisy:
        closed = incident(sim, one)
        assert closed['assigned_to'] == ADMIN_ID  # taken over from analyst: the classic API closes as the assignee
        assert [comment['comment'] for comment in closed['comments']] == [
            'Closed by Event-Driven Ansible: low-risk incident of the known-noisy rule %s' % closed['name']]
    assert incident(sim, other[0])['status'] == 'unresolved'
    printed = rulebook.events()
    assert ('%s:1' % other[0], 'created') in printed
    assert not [key for key, kind in printed if kind == 'created' and key.split(':')[0] in noisy]
    assert not [secret for secret in harness.SECRETS if secret in output]


def test_rulebook_restart_replays_nothing(sim, tmp_path):
    variables = {'noisy_rules_pattern': '^Noisy rule', 'incidents_interval': 0.5,
                 'incidents_state_file': str(tmp_path / 'incidents-state.json')}
    first = Rulebook(sim, tmp_path, variables)
    first.wait_for(first.polling, what='first poll')
    before = make_incidents(sim, 3, name='Before the stop', risk='medium')
    first.wait_for(lambda: len(first.events()) >= 3, what='3 events')
    time.sleep(1.2)  # two more polls: nothing more to send
    assert any('polling the classic API every 0.5s with engine feedback' in line for line in first.lines)
    first.stop()
    assert sorted(first.events()) == sorted(('%s:1' % one, 'created') for one in before)

    while_stopped = make_incidents(sim, 2, name='While stopped', risk='medium')
    second = Rulebook(sim, tmp_path, variables)
    second.wait_for(lambda: len(second.events()) >= 2, what='the events made while stopped')
    time.sleep(1.5)
    output = second.stop()
    assert sorted(second.events()) == sorted(('%s:1' % one, 'created') for one in while_stopped), output


def test_access_request_rulebook_needs_a_token(tmp_path):
    """The webhook rulebook does not start without ACCESS_REQUEST_WEBHOOK_TOKEN (nor with a short one)."""
    rulebook = ROOT / 'extensions' / 'eda' / 'rulebooks' / 'access_request_incident.yml'
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local'}}}}), encoding='utf-8')
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'ACCESS_REQUEST_')))
    env.update(PATH='%s:%s' % (BIN, env.get('PATH', '')), ANSIBLE_COLLECTIONS_PATH=str(harness.COLLECTIONS_PATH),
               ACCESS_REQUEST_WEBHOOK_TOKEN='short')
    done = subprocess.run([str(RULEBOOK_COMMAND), '-i', str(inventory), '--rulebook', str(rulebook),
                           '-E', 'ACCESS_REQUEST_WEBHOOK_TOKEN'], cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert 'ACCESS_REQUEST_WEBHOOK_TOKEN_must_be_set_to_a_secret_of_16_or_more_characters' in done.stdout + done.stderr
