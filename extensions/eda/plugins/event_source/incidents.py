# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event source logpoint.siem.incidents: Logpoint incidents as Event-Driven Ansible events."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: incidents
short_description: Logpoint incidents as events - created, state changed, commented
version_added: 0.2.0
description:
  - Polls the classic Incident API (C(/incidents) and C(/incident_states)) or Director (C(Incidents/fetch)
    orders) every O(interval) seconds and puts one event on the rulebook's queue for each new incident
    (C(created)), each change of an incident's status or assignee (C(state_changed), with the previous
    ones) and each new comment (C(commented)).
  - Each poll reads the incidents detected from O(track) ago (at least from O(overlap) before the
    previous poll) and compares them with what it remembers of each; what it remembers of older
    incidents is dropped, so memory holds one window's incidents however long the source runs.
  - Nothing is lost or sent twice. An event is handled once the engine has taken it (with O(feedback),
    once the engine confirms it); only then does the source remember the change. With O(state_file) it
    keeps that memory across restarts, so a restarted rulebook sends exactly the changes it had not
    handled, including those made while it was down.
  - The connection options and their C(LOGPOINT_*) environment variables are those of every
    logpoint.siem module; an EDA credential of the type in C(extensions/eda/credential_type) sets
    them. Secrets never appear in events or logs.
  - Every event has C(type), C(key) (the incident id and a sequence number, the same for the same change
    after a restart), C(incident) (id, incident_id, name, description, status, risk, type, assignee_id,
    detection_timestamp, detected_at, rows_count, comment_count) and C(logpoint) (url, api);
    C(state_changed) also C(previous) (status, assignee_id) and C(changed) (the names of what changed);
    C(commented) also C(comment) (user, comment, time, index).
author:
  - logpoint.siem maintainers (@logpoint-siem)
options:
  url:
    description: Base URL of the Logpoint (classic Incident API).
    type: str
    env: [{name: LOGPOINT_URL}]
  username:
    description: Logpoint user name, the classic Incident API body credential.
    type: str
    env: [{name: LOGPOINT_USERNAME}]
  secret_key:
    description: The user's API access key. Never logged nor put in an event.
    type: str
    env: [{name: LOGPOINT_SECRET_KEY}]
  token:
    description: A JWT minted earlier; not used by the incident APIs (accepted for the shared environment).
    type: str
    env: [{name: LOGPOINT_TOKEN}]
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
    env: [{name: LOGPOINT_VALIDATE_CERTS}]
  ca_path:
    description: A PEM file with the CA certificate(s) of the Logpoint (and Director).
    type: path
    env: [{name: LOGPOINT_CA_PATH}]
  timeout:
    description: Seconds to wait for each HTTP request.
    type: int
    default: 30
    env: [{name: LOGPOINT_TIMEOUT}]
  director_url:
    description: Base URL of the Director API server.
    type: str
    env: [{name: LOGPOINT_DIRECTOR_URL}]
  director_token:
    description: Director Console bearer token. Never logged nor put in an event.
    type: str
    env: [{name: LOGPOINT_DIRECTOR_TOKEN}]
  pool_uuid:
    description: The Logpoint pool UUID (Director).
    type: str
    env: [{name: LOGPOINT_POOL_UUID}]
  logpoint_identifier:
    description: The Logpoint identifier inside the pool (Director).
    type: str
    env: [{name: LOGPOINT_IDENTIFIER}]
  api:
    description:
      - V(classic), V(director), or V(auto) (Director when all its options are set).
    type: str
    choices: [auto, classic, director]
    default: auto
  interval:
    description: Seconds between the start of one poll and the next.
    type: float
    default: 30.0
  overlap:
    description:
      - How long before the previous poll an incident may have been detected and still appear only now
        (the appliance's processing delay). A duration such as V(10m); V(0) for none.
    type: raw
    default: 10m
  track:
    description:
      - How long after its detection an incident is watched for state changes and comments (V(24h), V(7d)).
        Changes of incidents detected longer ago make no event. V(0) gives C(created) events only, reading
        just the overlap window.
    type: raw
    default: 24h
  since:
    description:
      - Where the first run (without a state file) starts. V(now) makes the incidents that exist already the
        baseline (no events); V(1h) or an epoch or ISO 8601 time announces those detected since then as
        C(created). Incidents detected before it never make a C(created) event.
    type: raw
    default: now
  events:
    description: The kinds of event to send; the changes of the others are remembered without an event.
    type: list
    elements: str
    choices: [created, state_changed, commented]
    default: [created, state_changed, commented]
  state_file:
    description:
      - A JSON file that keeps the bookmark and what the source knows of each incident in the window,
        written (atomically, mode 0600) after every poll once its events are handled, and when the source
        stops. A restart reads it and sends only what was not handled. Without it a restart begins
        again at O(since). One file per source.
    type: path
  feedback:
    description:
      - Read by ansible-rulebook (1.3 or later), which then confirms each event once the rule engine has
        taken it; the source remembers a change only then. Needs persistence (C(--persistence-id) on the
        command line; the activation's persistence in EDA controller). Without it an event counts as
        handled once it is on the queue.
      - An event that is not confirmed within O(feedback_timeout) is sent again at the next poll.
    type: bool
    default: false
  feedback_timeout:
    description: Seconds to wait for the engine to confirm the events of one poll.
    type: float
    default: 60.0
  wait_timeout:
    description: Director only, seconds to wait for the fetch orders of one poll.
    type: int
    default: 60
  max_concurrency:
    description: At most this many requests at a time (one per day of the window, Director orders).
    type: int
    default: 4
notes:
  - The classic API lists closed incidents only in C(/incident_states), without their detection time; an
    incident created and closed between two polls is remembered but makes no C(created) event there
    (Director's fetch tells every status).
  - A read that fails (network, 5xx after retries, a refused credential) is logged and tried again at the
    next poll; nothing is remembered from it, so nothing is lost.
seealso:
  - module: logpoint.siem.incident_state
  - module: logpoint.siem.incident_info
"""

EXAMPLES = r"""
# Connection from LOGPOINT_URL, LOGPOINT_USERNAME, LOGPOINT_SECRET_KEY, LOGPOINT_CA_PATH (or an EDA credential)
- name: Logpoint incidents
  hosts: localhost
  sources:
    - name: logpoint_incidents
      logpoint.siem.incidents:
        interval: 30
        track: 24h
        state_file: /var/lib/eda/logpoint-incidents.json
        feedback: true   # ansible-rulebook --persistence-id ... (or persistence in EDA controller)
  rules:
    - name: A new critical incident
      condition: event.type == "created" and event.incident.risk == "critical"
      action:
        debug:
          msg: "{{ event.incident.name }} ({{ event.incident.id }})"
    - name: An incident closed
      condition: event.type == "state_changed" and event.incident.status == "closed"
      action:
        debug:
          msg: "{{ event.incident.id }} closed, was {{ event.previous.status }}"

# Director: the same events from the Director API
- name: Logpoint incidents through Director
  hosts: localhost
  sources:
    - logpoint.siem.incidents:
        api: director
        director_url: https://director.example.com
        director_token: "{{ LOGPOINT_DIRECTOR_TOKEN }}"
        pool_uuid: 00000000-0000-4000-8000-000000000001
        logpoint_identifier: lp-simulator-01
        events: [created]
  rules:
    - name: Print
      condition: event.type == "created"
      action:
        print_event:
"""

# pylint: disable=wrong-import-position  # the imports follow the documentation strings, as in modules
import asyncio
import logging
import os
import sys
import time


def _collection_importable():
    """ansible-rulebook runs this file by path: put the tree holding ansible_collections/ on sys.path."""
    try:
        import ansible_collections.logpoint.siem.plugins.module_utils  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, os.path.abspath(os.path.join(here, *[os.pardir] * 7)))


_collection_importable()

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient  # noqa: E402
from ansible_collections.logpoint.siem.plugins.module_utils.errors import LogpointError, scrub  # noqa: E402
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incident_events import (  # noqa: E402
    Tracker, load_state, save_state, source_settings)
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import (  # noqa: E402
    backend_for, time_windows)

LOGGER = logging.getLogger("logpoint.siem.incidents")


class IncidentSource:
    """One event source: the backend it reads, the tracker, the state file; ``poll`` makes one round."""

    def __init__(self, args, *, clock=time.time):
        self.clock = clock
        self.options = source_settings(args, clock())
        self.client = LogpointClient.from_options(self.options, warn=LOGGER.warning)
        self.backend = backend_for(self.options["api"], self.client, self.options["wait_timeout"],
                                   self.options["max_concurrency"])
        source = {"api": self.options["api"], "url": self.options.get("url")}
        if self.options["api"] == "director":
            source.update(url=self.options.get("director_url"), pool_uuid=self.options.get("pool_uuid"),
                          logpoint_identifier=self.options.get("logpoint_identifier"))
        self.tracker = Tracker(since=self.options["since"], overlap=self.options["overlap"],
                               track=self.options["track"], kinds=self.options["events"], source=source)
        self.state_file = self.options.get("state_file")
        if self.state_file:
            data = load_state(self.state_file)
            if data is not None:
                self.tracker.restore(data, self.state_file)
        self.sent = 0
        self.failures = 0

    def read(self, start, until):
        return self.backend.read(time_windows(start, until), filters={})

    async def poll(self, queue, feedback=None):
        """Read, put the events on the queue, remember what was handled; returns the number of events sent."""
        now = self.clock()
        start, until = self.tracker.window(now)
        try:
            incidents = await asyncio.to_thread(self.read, start, until)
        except LogpointError as exc:
            self.failures += 1
            LOGGER.warning("logpoint.siem.incidents: reading the incidents failed (%d in a row), trying again in %ss: %s",
                           self.failures, self.options["interval"], exc)
            return 0
        self.failures = 0
        sent = 0
        for change in self.tracker.diff(incidents, now):
            if change.event is None:
                self.tracker.apply(change)
                continue
            if feedback is not None:
                feedback.expect(change)
            await queue.put(change.event)
            sent += 1
            if feedback is None:
                self.tracker.apply(change)
        if feedback is not None and not await feedback.settled(self.options["feedback_timeout"]):
            LOGGER.warning("logpoint.siem.incidents: the engine did not confirm %d event(s) within %ss; they are sent "
                           "again at the next poll", feedback.pending_count(), self.options["feedback_timeout"])
            feedback.forget()
        self.tracker.finish(start, now)
        await self.save()
        self.sent += sent
        return sent

    async def save(self):
        if self.state_file:
            await asyncio.to_thread(save_state, self.state_file, self.tracker.to_json())

    def scrubbed(self, text):
        return scrub(text, self.client.secrets)


class Feedback:
    """The engine's confirmations (ansible-rulebook ``eda_feedback_queue``): applies each event's change."""

    def __init__(self, queue, tracker):
        self.queue = queue
        self.tracker = tracker
        self.pending = {}
        self.done = asyncio.Event()
        self.done.set()
        self.task = asyncio.create_task(self._drain())

    def expect(self, change):
        self.pending[change.event["key"]] = change
        self.done.clear()

    async def _drain(self):
        while True:
            data = await self.queue.get()
            change = self.pending.pop(data.get("key"), None) if isinstance(data, dict) else None
            if change is not None:
                self.tracker.apply(change)
            if not self.pending:
                self.done.set()

    async def settled(self, timeout):
        """Whether every expected confirmation came within ``timeout`` seconds.

        asyncio.wait, not wait_for: before Python 3.12 wait_for can swallow the task's cancellation when
        the confirmation arrives at the same moment, and the source would not stop with the rulebook.
        """
        waiter = asyncio.ensure_future(self.done.wait())
        try:
            finished, _unfinished = await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()
        return bool(finished)

    def pending_count(self):
        return len(self.pending)

    def forget(self):
        self.pending.clear()
        self.done.set()

    def close(self):
        self.task.cancel()


async def main(queue, args):
    """ansible-rulebook's entry point: poll until the rulebook stops the source."""
    try:
        source = IncidentSource(args)
    except LogpointError as exc:  # bad options: the message names the option, never a secret
        LOGGER.error("logpoint.siem.incidents: %s", exc)
        raise
    feedback = Feedback(args["eda_feedback_queue"], source.tracker) if args.get("eda_feedback_queue") else None
    LOGGER.info("logpoint.siem.incidents: polling the %s API every %ss%s", source.options["api"],
                source.options["interval"], " with engine feedback" if feedback else "")
    try:
        while True:
            started = time.monotonic()
            await source.poll(queue, feedback)
            await asyncio.sleep(max(0.0, source.options["interval"] - (time.monotonic() - started)))
    finally:
        if feedback is not None:
            feedback.close()
        try:
            if source.state_file:
                save_state(source.state_file, source.tracker.to_json())
        except OSError as exc:
            LOGGER.error("logpoint.siem.incidents: could not write state_file: %s", source.scrubbed(str(exc)))
