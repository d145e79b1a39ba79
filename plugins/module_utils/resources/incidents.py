# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incidents as a resource: options, which API, which incidents, what to change, the engine plan.

* ``choose_api`` / ``backend_for``: the classic Incident API or Director (``api/incidents.py``,
  ``api/director.py``; both backends offer ``users``, ``read`` and ``data``).
* ``Selection``: ``ids`` or ``filters`` checked before any request; the time window is read in
  slices of ``SLICE_SECONDS`` so that no single request asks for an unbounded period.
* ``plan_incident``: the steps that bring one incident to the desired state, touching nothing
  that is already there.
* ``plan_state``: the engine plan of incident_state. Classic steps are batched id-list writes, one
  phase per action in ``CLASSIC_ORDER``. Director steps are orders, one phase per action in
  ``DIRECTOR_ORDER``: the first order of a phase that the engine runs submits every order of that
  phase concurrently and polls them together (``OrderGroup``), so each order is one change with its
  own outcome - written, failed, or still pending at the deadline.
* ``describe`` / ``report``: incidents as the modules return them (user names, ISO 8601 times).
"""

from __future__ import annotations

import html
import math
import re
import threading
import time

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY
from ansible_collections.logpoint.siem.plugins.module_utils._bounds import control_character
from ansible_collections.logpoint.siem.plugins.module_utils._converge import CONVERGE_ARGSPEC, Batch, Change, Plan
from ansible_collections.logpoint.siem.plugins.module_utils._host_state import Ledger, host_lock
from ansible_collections.logpoint.siem.plugins.module_utils.api.director import DirectorIncidents, order_data
from ansible_collections.logpoint.siem.plugins.module_utils.api.incidents import BATCH_SIZE, ClassicIncidents
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import resolve_user, user_name
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.state import managed_diff
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc, parse_instant, shown

STATUSES = ("unresolved", "resolved", "closed")
RISKS = ("low", "medium", "high", "critical")
TYPES = ("alert", "search", "ueba")
APIS = ("auto", "classic", "director")
DIRECTOR_OPTIONS = ("director_url", "director_token", "pool_uuid", "logpoint_identifier")
DEFAULT_SINCE = "7d"
SLICE_SECONDS = 86400
# Bounds of one task (stated in the incident_selection doc fragment): the window is read in one-day slices,
# one request (classic: two, /incidents and /incident_states; Director: one fetch order) per slice.
MAX_WINDOW_DAYS = 366
MAX_SLICES = MAX_WINDOW_DAYS
MAX_IDS = 1000
MAX_SELECTED = 5000
MAX_COMMENT_LENGTH = 10000
MAX_NAME_PATTERN = 1000
DEFAULT_WAIT_TIMEOUT = 60
MAX_WAIT_TIMEOUT = 3600
LOCK_TIMEOUT = 120.0  # seconds to wait for another run on this host writing the same incidents' comments
_ID = re.compile(r"^(?:[0-9a-f]{24}|[0-9a-f]{32})$")

FILTERS_SPEC = {
    "name": {"type": "str"},
    "status": {"type": "list", "elements": "str", "choices": list(STATUSES)},
    "risk": {"type": "list", "elements": "str", "choices": list(RISKS)},
    "type": {"type": "list", "elements": "str", "choices": list(TYPES)},
    "since": {"type": "raw", "default": DEFAULT_SINCE},
    "until": {"type": "raw"},
    "assigned_to": {"type": "list", "elements": "str"},
}
SELECTION_SPEC = {
    "ids": {"type": "list", "elements": "str"},
    "filters": {"type": "dict", "options": FILTERS_SPEC},
    "api": {"type": "str", "choices": list(APIS), "default": "auto"},
}
STATE_ARGSPEC = dict(SELECTION_SPEC, **CONVERGE_ARGSPEC, **{
    "state": {"type": "str", "choices": list(STATUSES)},
    "assignee": {"type": "str"},
    "comment": {"type": "str"},
    "send_for_investigation": {"type": "bool", "default": False},
    "take_ownership": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": DEFAULT_WAIT_TIMEOUT},
})
INFO_ARGSPEC = dict(SELECTION_SPEC, **{
    "include_comments": {"type": "bool", "default": False},
    "include_data": {"type": "bool", "default": False},
})
# The order the writes go out in, one engine phase each; planning puts each incident's steps in this order too.
CLASSIC_ORDER = ("take_over", "reopen", "comment", "resolve", "close", "assign")
DIRECTOR_ORDER = ("assign", "reopen", "comment", "resolve", "close", "send_for_investigation")
BLOCKED_LIMIT = 10


# ---- which API ----------------------------------------------------------------------------------

def choose_api(params, *, needs_director=False):
    """``classic`` or ``director`` for the ``api`` option; auto means Director when its options are set."""
    api = params.get("api") or "auto"
    given = [name for name in DIRECTOR_OPTIONS if params.get(name)]
    missing = [name for name in DIRECTOR_OPTIONS if not params.get(name)]
    if api == "auto":
        if given and missing:
            raise ConfigError("api: auto found some Director options (%s) but not %s; set them all for the Director "
                              "API, or api: classic" % (", ".join(given), ", ".join(missing)))
        api = "director" if given else "classic"
    if needs_director and api != "director":
        raise ConfigError("send_for_investigation needs the Director API: set %s (api: director or auto)"
                          % ", ".join(DIRECTOR_OPTIONS))
    if api == "director" and missing:
        raise ConfigError("api: director needs %s (or their LOGPOINT_* environment variables)" % ", ".join(missing))
    return api


def backend_for(api, client, wait_timeout=DEFAULT_WAIT_TIMEOUT, max_concurrency=DEFAULT_CONCURRENCY):
    if api == "director":
        backend = DirectorIncidents(client, wait_timeout, max_concurrency=max_concurrency)
        backend.ledger = Ledger("orders:" + backend.server())
        return backend
    return ClassicIncidents(client, max_concurrency)


# ---- which incidents ----------------------------------------------------------------------------

class TimeSlices:
    """``[since, until]`` as consecutive windows of at most ``size`` seconds, computed when asked for.

    A sequence (``len``, indexing, iteration) that holds two numbers, never the windows themselves;
    more than ``MAX_SLICES`` windows is a ConfigError (the Selection refuses such a window first).
    """

    def __init__(self, since, until, size=SLICE_SECONDS):
        self.since, self.until, self.size = since, until, size
        self.count = max(0, int(math.ceil((until - since) / float(size)))) if until > since else 0
        if self.count > MAX_SLICES:
            raise ConfigError("filters.since: the window holds %d one-day slices, more than the %d a task may read"
                              % (self.count, MAX_SLICES))

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        if not 0 <= index < self.count:
            raise IndexError(index)
        start = self.since + index * self.size
        return start, min(start + self.size, self.until)

    def __iter__(self):
        return (self[index] for index in range(self.count))

    def __eq__(self, other):
        return isinstance(other, (list, tuple, TimeSlices)) and len(other) == self.count and list(self) == list(other)

    __hash__ = None


def time_windows(since, until, size=SLICE_SECONDS):
    """``[since, until]`` cut into consecutive windows of at most ``size`` seconds (a lazy ``TimeSlices``)."""
    return TimeSlices(since, until, size)


def detection_windows(incidents, fallback):
    """The windows to read ``incidents`` again: a second around each known detection time, merged;
    the ``fallback`` windows (the selection's slices) when one has no detection time (closed incidents on
    the classic API) or when they are fewer."""
    if any(incident.get("detection_timestamp") is None for incident in incidents):
        return fallback
    moments = sorted(set(int(math.floor(incident["detection_timestamp"])) for incident in incidents))
    windows = []
    for moment in moments:
        if windows and moment - 1 <= windows[-1][1]:
            windows[-1] = (windows[-1][0], moment + 1)
        else:
            windows.append((moment - 1, moment + 1))
    return fallback if fallback and len(windows) > len(fallback) else windows  # never more reads than the first


class Selection:
    """The ``ids`` and ``filters`` options, checked; ``since``/``until`` as epoch seconds."""

    def __init__(self, params, now):
        filters = dict((k, v) for k, v in (params.get("filters") or {}).items() if v not in (None, []))
        self.ids = self._check_ids(params.get("ids"))
        narrowing = sorted(set(filters) - {"since", "until"})
        if self.ids is not None and narrowing:
            raise ConfigError("filters.%s cannot be combined with ids: ids name the incidents; with ids, filters "
                              "only give the time window (since, until)" % ", filters.".join(narrowing))
        self.statuses = filters.get("status")
        self.risks = filters.get("risk")
        self.types = filters.get("type")
        self.assigned_to = filters.get("assigned_to")
        self.name = self._check_name(filters.get("name"))
        self.since, self.until = self._check_window(filters, now)
        self.dropped = 0  # incidents of unknown detection time left out (see placed)

    @staticmethod
    def _check_window(filters, now):
        try:
            since = parse_instant(filters.get("since", DEFAULT_SINCE), now=now, option="filters.since")
            until = parse_instant(filters.get("until", "now"), now=now, option="filters.until")
        except ValueError as exc:
            raise ConfigError(str(exc))
        if since >= until:
            raise ConfigError("filters.since (%s) must be before filters.until (%s)" % (iso_utc(since), iso_utc(until)))
        if until - since > MAX_WINDOW_DAYS * SLICE_SECONDS:
            raise ConfigError("filters.since: the window from %s to %s is %.0f days long; at most %d days are read in "
                              "one task (one request per day and API call, so that a task's requests stay bounded); "
                              "split it into several tasks" % (iso_utc(since), iso_utc(until),
                                                               (until - since) / SLICE_SECONDS, MAX_WINDOW_DAYS))
        return since, until

    @staticmethod
    def _check_name(pattern):
        if not pattern:
            return None
        if len(pattern) > MAX_NAME_PATTERN or control_character(pattern):
            raise ConfigError("filters.name: at most %d characters, without control characters (got %d)"
                              % (MAX_NAME_PATTERN, len(pattern)))
        try:
            return re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ConfigError("filters.name: %r is not a regular expression: %s" % (pattern, exc))

    @staticmethod
    def _check_ids(ids):
        if ids is None:
            return None
        if len(ids) > MAX_IDS:
            raise ConfigError("ids: %d ids given; at most %d a task (select larger sets with filters)"
                              % (len(ids), MAX_IDS))
        wrong = [value for value in ids if not _ID.fullmatch(str(value).lower())]
        if wrong:
            raise ConfigError("ids: %s: an incident is named by its 24-hex id (5af12974007da85b99a3230b) or its "
                              "32-hex incident_id (347b897e1f752cab7ae380918690b11e)"
                              % ", ".join(shown(value) for value in wrong[:10]))
        return list(dict.fromkeys(str(value).lower() for value in ids))

    def window_text(self):
        return "between %s and %s" % (iso_utc(self.since), iso_utc(self.until))

    def slices(self):
        return time_windows(self.since, self.until)

    def placed(self, incident, states_by_modification=False):
        """Whether the incident was detected in the window: True, False, or None when nobody can tell.

        Known detection times are compared. A closed incident the classic API lists only in
        ``/incident_states`` has none (logpoint-api.md §19.6); it was detected before its first
        comment (``detected_by``), so a comment older than ``since`` places it before the window. When
        ``/incident_states`` was seen selecting by modification, the others cannot be placed (None).
        """
        detected = incident["detection_timestamp"]
        if detected is not None:
            return self.since <= detected <= self.until
        detected_by = incident.get("detected_by")
        if detected_by is not None and detected_by < self.since:
            return False
        return None if states_by_modification else True

    def matches(self, incident, assignee_ids):
        """Whether an incident passes the filters (checked here too: older servers ignore URL filters)."""
        checks = ((self.statuses, "status"), (self.risks, "risk"), (self.types, "type"), (assignee_ids, "assignee_id"))
        if any(wanted and incident[key] not in wanted for wanted, key in checks):
            return False
        if self.name and not (incident["name"] and self.name.search(incident["name"])):
            return False
        return self.placed(incident) is not False


def select(backend, selection, client, users):
    """The incidents the selection names, detected in its window, in detection order.

    An id that is not found there is a ConfigError; an incident whose detection time nobody can tell
    (see ``Selection.placed``) is left out, counted in ``selection.dropped`` and warned about.
    """
    if selection.ids == []:
        return []
    assignee_ids = [resolve_user(client, value, "filters.assigned_to", users=users)
                    for value in selection.assigned_to or []]
    filters = {"status": selection.statuses, "risk": selection.risks, "type": selection.types,
               "assigned_to": assignee_ids}
    incidents = backend.read(selection.slices(), filters=filters, wanted_ids=selection.ids)
    inside = _detected_inside(selection, incidents, getattr(backend, "states_by_modification", False), client)
    if selection.ids is None:
        chosen = [incident for incident in inside if selection.matches(incident, assignee_ids)]
    else:
        chosen = _by_ids(backend, selection, inside)
    if len(chosen) > MAX_SELECTED:
        raise ConfigError("filters: %d incidents selected, more than the %d a task may act on or return; narrow the "
                          "filters or the window (since, until)" % (len(chosen), MAX_SELECTED))
    return sorted(chosen, key=lambda incident: (incident["detection_timestamp"] or float("inf"), incident["id"]))


def _detected_inside(selection, incidents, by_modification, client):
    """The incidents detected in the selection's window; those nobody can place are counted and warned about."""
    placed = [(incident, selection.placed(incident, bool(by_modification))) for incident in incidents]
    selection.dropped = sum(1 for _incident, where in placed if where is None)
    if selection.dropped:
        client.warn("%d closed incident(s) listed by /incident_states were left out: this Logpoint's /incident_states "
                    "selects incidents modified in the window, and the classic API does not tell when these were "
                    "detected; use api: director to select closed incidents by detection time" % selection.dropped)
    return [incident for incident, where in placed if where]


def _by_ids(backend, selection, incidents):
    index = {}
    for incident in incidents:
        index[incident["id"]] = incident
        if incident["incident_id"]:
            index[incident["incident_id"]] = incident
    missing = [value for value in selection.ids if value not in index]
    if missing:
        hint = ""
        if backend.name == "classic" and any(len(value) == 32 for value in missing):
            hint = (" On the classic API a closed incident is only listed by /incident_states, which shows its "
                    "24-hex id but not its 32-hex incident_id: give the 24-hex id.")
        raise ConfigError("ids: no incident %s was detected %s (the window of filters.since and filters.until, by "
                          "default the last %s); widen it if the incident is older.%s"
                          % (", ".join(missing), selection.window_text(), DEFAULT_SINCE, hint))
    return list(dict((index[value]["id"], index[value]) for value in selection.ids).values())


# ---- what to change -----------------------------------------------------------------------------

def lifecycle_steps(status, target):
    """The transitions from ``status`` to ``target`` (§18: resolve before close, reopen to go back)."""
    steps = []
    if target is None or status == target:
        return steps
    if status in ("resolved", "closed") and (target == "unresolved" or status == "closed"):
        steps.append("reopen")
        status = "unresolved"
    if target in ("resolved", "closed") and status == "unresolved":
        steps.append("resolve")
        status = "resolved"
    if target == "closed" and status == "resolved":
        steps.append("close")
    return steps


def comment_text(text):
    """A comment as compared for "already there": the UI double-escapes quotes, <, > and &."""
    return html.unescape(html.unescape(str(text or ""))).strip()


def has_comment(incident, text):
    wanted = comment_text(text)
    return any(comment_text(comment["comment"]) == wanted for comment in incident["comments"])


def plan_incident(incident, *, api, state=None, assignee_id=None, comment=None, send_for_investigation=False,
                  api_user_id=None, take_ownership=False):
    """``{"steps": [(action, value)], "after": {"status", "assignee_id"}, "blocked": reason or None}``.

    Classic: resolve and close need the API user as assignee, so an incident of someone else is taken
    over first (``take_ownership``) and handed to ``assignee_id`` at the end. Director acts on behalf
    of the assignee, so a new assignee is set first.
    """
    transitions = lifecycle_steps(incident["status"], state)
    middle = _lifecycle_and_comment(incident, transitions, comment)
    if api == "director":
        steps, owner, blocked = _director_steps(incident, middle, assignee_id)
    else:
        steps, owner, blocked = _classic_steps(incident, transitions, middle, assignee_id, api_user_id, take_ownership)
    if send_for_investigation:
        steps.append(("send_for_investigation", None))
    if api == "director" and steps and not owner:
        blocked = "unassigned"
    return {"steps": steps, "after": {"status": state or incident["status"], "assignee_id": owner},
            "blocked": blocked}


def _lifecycle_and_comment(incident, transitions, comment):
    """Reopen first, then the comment (so it lands on the reopened incident), then resolve and close."""
    steps = [("reopen", None)] if "reopen" in transitions else []
    if comment and not has_comment(incident, comment):
        steps.append(("comment", comment))
    return steps + [(action, None) for action in transitions if action != "reopen"]


def _director_steps(incident, middle, assignee_id):
    owner = incident["assignee_id"]
    if assignee_id and assignee_id != owner:
        return [("assign", assignee_id)] + middle, assignee_id, None
    return list(middle), owner, None


def _classic_steps(incident, transitions, middle, assignee_id, api_user_id, take_ownership):
    owner, steps, blocked = incident["assignee_id"], [], None
    if {"resolve", "close"} & set(transitions) and owner != api_user_id:
        if take_ownership:
            steps.append(("take_over", api_user_id))
            owner = api_user_id
        else:
            blocked = "assigned"
    steps.extend(middle)
    if assignee_id and assignee_id != owner:
        steps.append(("assign", assignee_id))
        owner = assignee_id
    return steps, owner, blocked


# ---- what the modules return --------------------------------------------------------------------

def describe(incident, client, users, include_comments=False):
    """An incident for the user: names instead of user ids, ISO 8601 UTC times."""
    detected = incident["detection_timestamp"]
    described = {
        "id": incident["id"],
        "incident_id": incident["incident_id"],
        "name": incident["name"],
        "description": incident["description"],
        "status": incident["status"],
        "risk": incident["risk"],
        "type": incident["type"],
        "assignee": assignee_name(client, incident["assignee_id"], users),
        "assignee_id": incident["assignee_id"],
        "detection_time": iso_utc(detected) if detected is not None else None,
        "detection_timestamp": detected,
        "rows_count": incident["rows_count"],
    }
    if include_comments:
        described["comments"] = [
            {"user": c["user"], "comment": c["comment"], "time": iso_utc(c["time"]) if c["time"] is not None else None}
            for c in incident["comments"]]
    return described


def assignee_name(client, user_id, users):
    return user_name(client, user_id, users=users) if user_id else None


# ---- incident_state: checks, the plan, the report -----------------------------------------------

def check_desired(params):
    """The desired state of incident_state makes sense, before any request."""
    if not (params["state"] or params["assignee"] or params["comment"] is not None
            or params["send_for_investigation"]):
        raise ConfigError("nothing to change: set state, assignee, comment or send_for_investigation")
    comment = params["comment"]
    if comment is not None and not comment.strip():
        raise ConfigError("comment: an empty comment cannot be added; give the text or leave comment out")
    if comment is not None and (len(comment) > MAX_COMMENT_LENGTH or "\x00" in comment):
        raise ConfigError("comment: at most %d characters and no NUL character (got %d characters)"
                          % (MAX_COMMENT_LENGTH, len(comment)))
    _check_assignee(params["assignee"])
    if not 1 <= params["wait_timeout"] <= MAX_WAIT_TIMEOUT:
        raise ConfigError("wait_timeout: %s must be a number of seconds from 1 to %d (Director orders are polled "
                          "until then)" % (params["wait_timeout"], MAX_WAIT_TIMEOUT))


def _check_assignee(assignee):
    if assignee is not None and (not assignee.strip() or len(assignee) > 256 or control_character(assignee)):
        raise ConfigError("assignee: %s must be a user name or id of 1 to 256 characters without control characters"
                          % shown(assignee))


def resolve_people(client, params, api, users):
    """``(assignee id or None, API user id on the classic API or None)``; an unknown user is a ConfigError."""
    assignee_id = resolve_user(client, params["assignee"], "assignee", users=users) if params["assignee"] else None
    api_user_id = resolve_user(client, client.username, "username", users=users) if api == "classic" else None
    return assignee_id, api_user_id


def blocked_error(blocked, describe_user, api_user):
    """One error for every incident the plan cannot handle, naming their assignees."""
    listed = ", ".join("%s %r (%s)" % (incident["id"], incident["name"], describe_user(incident["assignee_id"]))
                       for incident, reason in blocked[:BLOCKED_LIMIT])
    more = " and %d more" % (len(blocked) - BLOCKED_LIMIT) if len(blocked) > BLOCKED_LIMIT else ""
    if blocked[0][1] == "unassigned":
        return ConfigError("Director acts on behalf of an incident's assignee, and these incidents have none: %s%s; "
                           "set assignee" % (listed, more))
    return ConfigError("only the assignee can resolve or close an incident on the classic API, and these incidents "
                       "are assigned to other users (in brackets): %s%s; set take_ownership: true to assign them to "
                       "%s first, or use the Director API" % (listed, more, api_user))


def _what(action, incident_id):
    return "%s of incident %s" % (action, incident_id)


def took_effect(action, value, incident):
    """Whether a re-read incident shows the step ``(action, value)`` as done."""
    if action in ("take_over", "assign"):
        return incident["assignee_id"] == value
    if action == "comment":
        return has_comment(incident, value)
    wanted = {"reopen": ("unresolved",), "resolve": ("resolved", "closed"), "close": ("closed",)}
    return incident["status"] in wanted[action]


def lock_names(backend, incident_ids):
    """The host-lock names of incidents: their server and id (see ``_host_state.host_lock``)."""
    server = backend.server()
    return ["incident:%s:%s" % (server, incident_id) for incident_id in incident_ids]


class _ClassicWrites:
    """Classic steps as changes of the id-list endpoint of their action, one phase per action.

    A comment is re-checked just before it is written: under a host lock on each incident (so that
    overlapping runs on this host take turns), the incidents are read again and the comment is only
    sent to those that still lack it; the others are ``skipped`` (``(id, "comment")``).
    """

    def __init__(self, plan, backend, reread):
        self.plan = plan
        self.backend = backend
        self.reread = reread
        self.skipped = set()

    def add(self, incident, steps):
        changes = []
        for action, value in steps:
            key = (action, value)
            if key not in self.plan.batches:
                self.plan.add_batch(Batch(key, send=lambda ids, key=key: self._send(key, ids),
                                          applied=lambda ids, key=key: self._applied(key, ids), size=BATCH_SIZE))
            changes.append(self.plan.add(Change(_what(action, incident["id"]), action, batch=key,
                                                item=incident["id"], phase=CLASSIC_ORDER.index(action))))
        return changes

    def _send(self, key, ids):
        if key[0] != "comment":
            return self.backend.write(key[0], key[1], ids)
        with host_lock(lock_names(self.backend, ids), timeout=LOCK_TIMEOUT, what="comments of these incidents"):
            current = dict((incident["id"], incident) for incident in self.reread(ids))
            missing = [incident_id for incident_id in ids
                       if not (incident_id in current and has_comment(current[incident_id], key[1]))]
            self.skipped.update((incident_id, "comment") for incident_id in ids if incident_id not in missing)
            if not missing:
                return {"success": True, "already_there": len(ids)}
            return self.backend.write("comment", key[1], missing)

    def _applied(self, key, ids):
        """After a lost reply: the write took effect when every incident, read again, shows it."""
        current = dict((incident["id"], incident) for incident in self.reread(ids, after_write=True))
        if all(incident_id in current and took_effect(key[0], key[1], current[incident_id]) for incident_id in ids):
            return {"success": True, "reread": len(ids)}
        return None


class OrderGroup:
    """The Director orders of one phase; the first ``outcome`` asked for sends them all and waits for them together.

    Each order's outcome is handed to its own change: the order id, or its error (the unfinished ones
    share one OrderTimeoutError naming them all). A comment group first re-checks its incidents under
    a host lock (``recheck(ids)`` -> the ids that already carry the comment): those orders are not
    sent and their outcome is None.
    """

    def __init__(self, backend, recheck=None):
        self.backend = backend
        self.recheck = recheck
        self.requests = []
        self.incident_ids = []
        self.skipped = set()
        self._outcomes = None
        self._lock = threading.Lock()

    def add(self, request, incident_id=None):
        self.requests.append(request)
        self.incident_ids.append(incident_id)
        return len(self.requests) - 1

    def _run(self):
        if self.recheck is None:
            return self.backend.run_orders(self.requests)
        with host_lock(lock_names(self.backend, self.incident_ids), timeout=LOCK_TIMEOUT,
                       what="comments of these incidents"):
            self.skipped = set(self.recheck(self.incident_ids))
            todo = [index for index, incident_id in enumerate(self.incident_ids) if incident_id not in self.skipped]
            outcomes = [(None, None)] * len(self.requests)
            for index, outcome in zip(todo, self.backend.run_orders([self.requests[index] for index in todo])):
                outcomes[index] = outcome
            return outcomes

    def outcome(self, index):
        with self._lock:
            if self._outcomes is None:
                self._outcomes = self._run()
                errors = dict((id(error), error) for _order, error in self._outcomes if error is not None)
                for error in errors.values():
                    error.message += "; no further order was sent"
        order, error = self._outcomes[index]
        if error is not None:
            raise error
        return order.id if order is not None else None


class _DirectorWrites:
    """Director steps as orders, acting as the assignee at that step; one phase (one OrderGroup) per action."""

    def __init__(self, plan, backend, recheck):
        self.plan = plan
        self.backend = backend
        self.recheck = recheck
        self.groups = {}

    def add(self, incident, steps):
        acting, changes = incident["assignee_id"], []
        for action, value in steps:
            if action == "assign":
                acting = value
            group = self.groups.setdefault(action, OrderGroup(
                self.backend, recheck=(lambda ids, value=value: self.recheck(ids, value)) if action == "comment" else None))
            index = group.add(self.backend.write_request(action, incident["id"], order_data(action, acting, value)),
                              incident["id"])
            changes.append(self.plan.add(Change(_what(action, incident["id"]), action, phase=DIRECTOR_ORDER.index(action),
                                                send=lambda group=group, index=index: group.outcome(index))))
        return changes

    @property
    def skipped(self):
        group = self.groups.get("comment")
        return set((incident_id, "comment") for incident_id in group.skipped) if group else set()


def plan_state(backend, selection, incidents, desired, describe_user):
    """The engine plan bringing ``incidents`` to ``desired`` (the plan_incident keywords but ``api``).

    ``plan.entries`` holds ``{"incident", "plan", "changes"}`` per incident, for ``report``. Incidents
    the plan cannot handle are one ConfigError, before any write.
    """
    planned = [(incident, plan_incident(incident, api=backend.name, **desired)) for incident in incidents]
    blocked = [(incident, steps["blocked"]) for incident, steps in planned if steps["blocked"]]
    if blocked:
        raise blocked_error(blocked, describe_user, backend.client.username)
    plan = Plan()
    known = dict((incident["id"], incident) for incident in incidents)

    planned_at = time.time()

    def reread(ids, after_write=False):
        windows = list(detection_windows([known[incident_id] for incident_id in ids],
                                         selection.slices() if selection is not None else ()))
        if after_write and backend.name == "classic":
            # /incident_states may select by last change (logpoint-api.md §19.6): this task's own writes
            # happened after the selection's window, so the re-read also covers the time since planning
            windows.append((int(planned_at) - 1, int(time.time()) + 1))
        return backend.read(windows, filters={}, wanted_ids=ids)

    if backend.name == "director":
        def commented(ids, text):
            return [incident["id"] for incident in reread(list(dict.fromkeys(ids))) if has_comment(incident, text)]
        writes = _DirectorWrites(plan, backend, commented)
    else:
        writes = _ClassicWrites(plan, backend, reread)
    for incident, steps in planned:
        plan.entries.append({"incident": incident, "plan": steps, "changes": writes.add(incident, steps["steps"])})
    plan.writes = writes
    return plan


def _without(steps, incident_id, skipped):
    """The planned steps less those found done just before their write (another run made them)."""
    if not any((incident_id, action) in skipped for action, _value in steps["steps"]):
        return steps
    return dict(steps, steps=[(action, value) for action, value in steps["steps"]
                              if (incident_id, action) not in skipped])


def report(api, plan, describe_user):
    """The module's result (per incident, summary) and the diff of the incidents that change."""
    incidents, before, after = [], {}, {}
    actions = {}
    writes = getattr(plan, "writes", None)
    skipped = writes.skipped if writes is not None else set()
    for entry in plan.entries:
        incident = entry["incident"]
        steps = _without(entry["plan"], incident["id"], skipped)
        states = [{"status": state["status"], "assignee": describe_user(state["assignee_id"])}
                  for state in (incident, steps["after"])]
        described = {"id": incident["id"], "incident_id": incident["incident_id"], "name": incident["name"],
                     "risk": incident["risk"], "changed": bool(steps["steps"]),
                     "actions": [action for action, value in steps["steps"]], "before": states[0], "after": states[1]}
        if api == "director":
            described["order_ids"] = [change.result for change in entry["changes"] if change.result]
        incidents.append(described)
        for action in described["actions"]:
            actions[action] = actions.get(action, 0) + 1
        if steps["steps"]:
            before[incident["id"]] = states[0]
            after[incident["id"]] = dict(states[1])
            after[incident["id"]].update(("comment", value) for action, value in steps["steps"] if action == "comment")
    changed = len(before)
    summary = {"selected": len(incidents), "changed": changed, "unchanged": len(incidents) - changed,
               "actions": actions}
    return {"api": api, "incidents": incidents, "summary": summary}, managed_diff(before, after)
