# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incident events for the event source ``logpoint.siem.incidents`` (extensions/eda): options, the tracker, the bookmark file.

The Logpoint incident APIs have no change feed: the classic API selects incidents by detection time,
Director's fetch likewise. So every poll reads the incidents detected in one window and compares them
with what the tracker remembers of each (``Snapshot``: status, assignee, number of comments and the
fields an event names), which makes the three kinds of event:

* ``created``: an incident not known yet (detected at or after ``since``; older ones are the baseline);
* ``state_changed``: its status or assignee differ from the snapshot (``previous`` tells the old ones);
* ``commented``: it has more comments than the snapshot (one event per new comment).

The window is ``[min(now - track, bookmark - overlap), now + CLOCK_SLACK]``: ``track`` is how long an
incident is watched for changes after its detection, ``overlap`` how far before the bookmark (the time
of the last finished poll) an incident may have been detected and still turn up late. Snapshots older
than the window's start are dropped once the poll is finished: they cannot come back, so memory holds
at most the incidents of one window. Each event carries ``key`` (incident id and a per-incident
sequence number), the same key for the same change even across restarts.

The tracker only moves to the state after an event once that event is handled (``apply``): the event
source applies it when the engine's feedback for that event arrives, or once the event is on the queue
when there is no feedback. ``to_json``/``from_json`` and ``save_state``/``load_state`` keep the
snapshots, the bookmark and ``since`` in the ``state_file``, so a restart resumes after the last event
handled and replays none of them.
"""

from __future__ import annotations

import collections
import json
import os
import tempfile

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.options import WITH_DIRECTOR, check_credentials, connection_argspec
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import (
    APIS, DEFAULT_WAIT_TIMEOUT, choose_api)
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc, parse_duration, parse_instant

EVENT_TYPES = ("created", "state_changed", "commented")
STATE_VERSION = 1
CLOCK_SLACK = 300  # seconds past "now" that a window reaches, for an appliance clock ahead of ours
SOURCE_ARGSPEC = dict(connection_argspec(WITH_DIRECTOR), **{
    "api": {"type": "str", "choices": list(APIS), "default": "auto"},
    "interval": {"type": "float", "default": 30.0},
    "overlap": {"type": "raw", "default": "10m"},
    "track": {"type": "raw", "default": "24h"},
    "since": {"type": "raw", "default": "now"},
    "events": {"type": "list", "elements": "str", "choices": list(EVENT_TYPES), "default": list(EVENT_TYPES)},
    "state_file": {"type": "path"},
    "feedback": {"type": "bool", "default": False},
    "feedback_timeout": {"type": "float", "default": 60.0},
    "wait_timeout": {"type": "int", "default": DEFAULT_WAIT_TIMEOUT},
    "max_concurrency": {"type": "int", "default": DEFAULT_CONCURRENCY},
})
# What the tracker remembers of an incident: ``time`` is its detection (or, when a row does not tell it,
# when it was first seen), ``version`` the number of events made for it so far.
Snapshot = collections.namedtuple("Snapshot", "time status assignee_id comments version name risk type incident_id")
Change = collections.namedtuple("Change", "incident_id snapshot event")


def source_settings(args, now):
    """The event source's arguments checked and typed (LOGPOINT_* environment for the connection).

    Returns the options dict (connection options as the client takes them) with ``overlap``, ``track``
    and ``since`` as seconds and epoch; raises ConfigError naming the option.
    """
    # "" is "not set": a rulebook passes an unset variable as {{ var | default('') }}
    given = dict((key, value) for key, value in (args or {}).items()
                 if key != "eda_feedback_queue" and value not in (None, ""))
    result = ArgumentSpecValidator(SOURCE_ARGSPEC).validate(given)
    if result.error_messages:
        raise ConfigError("logpoint.siem.incidents: %s" % "; ".join(result.error_messages))
    options = result.validated_parameters
    check_credentials(options)
    if not options.get("url") and choose_api(options) == "classic":
        raise ConfigError("url not set: give url (or LOGPOINT_URL)")
    options["api"] = choose_api(options)
    for name in ("interval", "feedback_timeout"):
        if options[name] <= 0:
            raise ConfigError("%s: must be more than 0 seconds, not %r" % (name, options[name]))
    if not 1 <= options["max_concurrency"] <= 32:
        raise ConfigError("max_concurrency: must be from 1 to 32, not %r" % options["max_concurrency"])
    try:
        options["overlap"] = _seconds(options["overlap"], "overlap")
        options["track"] = _seconds(options["track"], "track")
        options["since"] = parse_instant(options["since"], now=now, option="since")
    except ValueError as exc:
        raise ConfigError(str(exc))
    return options


def _seconds(value, option):
    """A duration in seconds; 0 (or "0") switches the feature off."""
    if value in (0, "0"):
        return 0
    return parse_duration(value, option=option)


class Tracker:
    """The snapshots of the incidents in the window, the bookmark, and the events their changes make."""

    def __init__(self, *, since, overlap, track, kinds=EVENT_TYPES, source=None):
        self.since = float(since)
        self.overlap = overlap
        self.track = track
        self.kinds = frozenset(kinds)
        self.source = source or {}
        self.bookmark = None
        self.incidents = {}

    # ---- the window -------------------------------------------------------------------------

    def window(self, now):
        """``(start, until)`` of the next read."""
        start = now - self.track
        if self.bookmark is not None:
            start = min(start, self.bookmark - self.overlap)
        else:
            start = min(start, self.since - self.overlap)
        return start, now + CLOCK_SLACK

    def finish(self, start, now):
        """The poll that read from ``start`` is done: the bookmark moves to ``now``, older snapshots go."""
        self.bookmark = now
        for incident_id in [key for key, known in self.incidents.items() if known.time < start]:
            del self.incidents[incident_id]

    # ---- changes ----------------------------------------------------------------------------

    def diff(self, incidents, now):
        """The changes (``Change``: id, snapshot after it, event or None) that ``incidents`` make, in order.

        A change whose event is None (the baseline, a kind not in ``events``) is applied without an event.
        """
        changes = []
        for incident in sorted(incidents, key=_order):
            changes.extend(self._changes(incident, now))
        return changes

    def _changes(self, incident, now):
        known = self.incidents.get(incident["id"])
        if known is None:
            return self._first_sight(incident, now)
        current = _snapshot(incident, known, known.version)
        changes = []
        if (current.status, current.assignee_id) != (known.status, known.assignee_id):
            after = current._replace(comments=known.comments, version=known.version + 1)
            event = self._event("state_changed", incident, after, previous={
                "status": known.status, "assignee_id": known.assignee_id})
            if event is not None:
                event["changed"] = [name for name in ("status", "assignee_id")
                                    if getattr(after, name) != getattr(known, name)]
            changes.append(Change(incident["id"], after, event))
            known = after
        changes.extend(self._comments(incident, known))
        return changes

    def _first_sight(self, incident, now):
        detected = incident.get("detection_timestamp")
        base = Snapshot(detected if detected is not None else now, None, None, 0, 0, None, None, None, None)
        snapshot = _snapshot(incident, base, 0)
        if detected is None or detected < self.since:
            # the baseline; or a closed incident known only from /incident_states, whose detection
            # time the classic API does not tell: new or long known, it cannot be said, so no event
            return [Change(incident["id"], snapshot._replace(comments=len(incident["comments"])), None)]
        created = snapshot._replace(version=1)
        changes = [Change(incident["id"], created, self._event("created", incident, created))]
        return changes + self._comments(incident, created)

    def _comments(self, incident, known):
        changes = []
        comments = incident["comments"]
        if len(comments) < known.comments:  # fewer than before (deleted): start counting again
            return [Change(incident["id"], known._replace(comments=len(comments)), None)]
        for index in range(known.comments, len(comments)):
            known = known._replace(comments=index + 1, version=known.version + 1)
            event = self._event("commented", incident, known, comment=dict(comments[index], index=index))
            changes.append(Change(incident["id"], known, event))
        return changes

    def _event(self, kind, incident, snapshot, **extra):
        if kind not in self.kinds:
            return None
        event = {"type": kind, "key": "%s:%d" % (incident["id"], snapshot.version),
                 "incident": _view(incident, snapshot), "logpoint": dict(self.source)}
        event.update(extra)
        return event

    def apply(self, change):
        """The incident is now as ``change`` left it (unless a later change of it was applied already)."""
        known = self.incidents.get(change.incident_id)
        if known is None or change.snapshot.version >= known.version:
            self.incidents[change.incident_id] = change.snapshot

    # ---- the state file ---------------------------------------------------------------------

    def to_json(self):
        return {"version": STATE_VERSION, "source": self.source, "since": self.since, "bookmark": self.bookmark,
                "incidents": dict((key, list(value)) for key, value in self.incidents.items())}

    def restore(self, data, path):
        """Take the bookmark and snapshots of a state file written by ``to_json``."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("incidents"), dict):
            raise ConfigError("state_file: %s is not a state file of logpoint.siem.incidents (version %d); remove it to "
                              "start again from since" % (path, STATE_VERSION))
        if data.get("source") != self.source:
            raise ConfigError("state_file: %s belongs to %s, not to %s; give each event source its own state_file"
                              % (path, _describe(data.get("source")), _describe(self.source)))
        self.since = float(data["since"])
        self.bookmark = data.get("bookmark")
        self.incidents = dict((key, Snapshot(*value)) for key, value in data["incidents"].items())


def _describe(source):
    if not isinstance(source, dict):
        return "another source"
    return "%s (%s API)" % (source.get("url"), source.get("api"))


def _order(incident):
    detected = incident.get("detection_timestamp")
    return (detected is None, detected or 0.0, incident["id"])


def _snapshot(incident, known, version):
    """The snapshot of a row, fields the row does not tell (closed rows of /incident_states) from ``known``."""
    def pick(name, default):
        value = incident.get(name)
        return default if value is None else value
    return Snapshot(known.time, incident.get("status") or known.status, incident.get("assignee_id"),
                    known.comments, version, pick("name", known.name), pick("risk", known.risk),
                    pick("type", known.type), pick("incident_id", known.incident_id))


def _view(incident, snapshot):
    """The incident as an event shows it: no log rows, no comment bodies (only their number)."""
    detected = incident.get("detection_timestamp")
    return {"id": incident["id"], "incident_id": snapshot.incident_id, "name": snapshot.name,
            "description": incident.get("description"), "status": snapshot.status, "risk": snapshot.risk,
            "type": snapshot.type, "assignee_id": snapshot.assignee_id, "detection_timestamp": detected,
            "detected_at": iso_utc(detected) if detected is not None else None,
            "rows_count": incident.get("rows_count"), "comment_count": len(incident["comments"])}


def load_state(path):
    """The JSON of a state file, or None when there is none yet."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError("state_file: cannot read %s: %s" % (path, exc))


def save_state(path, data):
    """Write the state file atomically (a temporary file beside it, then renamed), readable by its owner only."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".incidents-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
