# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What incident_state and incident_info share: which API, which incidents, what to change.

* ``choose_api`` / ``backend_for``: the classic Incident API or Director (``api/incidents.py``,
  ``api/director.py``; both backends offer ``users``, ``read``, ``data`` and ``apply``).
* ``Selection``: ``ids`` or ``filters`` checked before any request; the time window is read in
  slices of ``SLICE_SECONDS`` so that no single request asks for an unbounded period.
* ``plan_incident``: the steps that bring one incident to the desired state, touching nothing
  that is already there.
* ``describe``: an incident as the modules return it (user names, ISO 8601 times).
"""

from __future__ import annotations

import html
import re

from ansible_collections.logpoint.siem.plugins.module_utils.api.director import DirectorIncidents
from ansible_collections.logpoint.siem.plugins.module_utils.api.incidents import ClassicIncidents
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import resolve_user, user_name
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc, parse_instant

STATUSES = ("unresolved", "resolved", "closed")
RISKS = ("low", "medium", "high", "critical")
TYPES = ("alert", "search", "ueba")
APIS = ("auto", "classic", "director")
DIRECTOR_OPTIONS = ("director_url", "director_token", "pool_uuid", "logpoint_identifier")
DEFAULT_SINCE = "7d"
SLICE_SECONDS = 86400
DEFAULT_WAIT_TIMEOUT = 60
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


def backend_for(api, client, wait_timeout=DEFAULT_WAIT_TIMEOUT):
    return DirectorIncidents(client, wait_timeout) if api == "director" else ClassicIncidents(client)


# ---- which incidents ----------------------------------------------------------------------------

def time_windows(since, until, size=SLICE_SECONDS):
    """``[since, until]`` cut into consecutive windows of at most ``size`` seconds."""
    windows = []
    start = since
    while start < until:
        end = min(start + size, until)
        windows.append((start, end))
        start = end
    return windows


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
        self.name = None
        if filters.get("name"):
            try:
                self.name = re.compile(filters["name"], re.IGNORECASE)
            except re.error as exc:
                raise ConfigError("filters.name: %r is not a regular expression: %s" % (filters["name"], exc))
        try:
            self.since = parse_instant(filters.get("since", DEFAULT_SINCE), now=now, option="filters.since")
            self.until = parse_instant(filters.get("until", "now"), now=now, option="filters.until")
        except ValueError as exc:
            raise ConfigError(str(exc))
        if self.since >= self.until:
            raise ConfigError("filters.since (%s) must be before filters.until (%s)"
                              % (iso_utc(self.since), iso_utc(self.until)))

    @staticmethod
    def _check_ids(ids):
        if ids is None:
            return None
        wrong = [value for value in ids if not _ID.match(str(value).lower())]
        if wrong:
            raise ConfigError("ids: %s: an incident is named by its 24-hex id (5af12974007da85b99a3230b) or its "
                              "32-hex incident_id (347b897e1f752cab7ae380918690b11e)" % ", ".join(map(repr, wrong)))
        return list(dict.fromkeys(str(value).lower() for value in ids))

    def window_text(self):
        return "between %s and %s" % (iso_utc(self.since), iso_utc(self.until))

    def matches(self, incident, assignee_ids):
        """Whether an incident passes the filters (checked here too: older servers ignore URL filters)."""
        checks = ((self.statuses, "status"), (self.risks, "risk"), (self.types, "type"), (assignee_ids, "assignee_id"))
        if any(wanted and incident[key] not in wanted for wanted, key in checks):
            return False
        if self.name and not (incident["name"] and self.name.search(incident["name"])):
            return False
        detected = incident["detection_timestamp"]
        return detected is None or self.since <= detected <= self.until


def select(backend, selection, client, users):
    """The incidents the selection names, in detection order; an id that is not found is a ConfigError."""
    if selection.ids == []:
        return []
    assignee_ids = [resolve_user(client, value, "filters.assigned_to", users=users)
                    for value in selection.assigned_to or []]
    filters = {"status": selection.statuses, "risk": selection.risks, "type": selection.types,
               "assigned_to": assignee_ids}
    incidents = backend.read(time_windows(selection.since, selection.until), filters=filters,
                             wanted_ids=selection.ids)
    if selection.ids is None:
        chosen = [incident for incident in incidents if selection.matches(incident, assignee_ids)]
    else:
        chosen = _by_ids(backend, selection, incidents)
    return sorted(chosen, key=lambda incident: (incident["detection_timestamp"] or float("inf"), incident["id"]))


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
    owner = incident["assignee_id"]
    transitions = lifecycle_steps(incident["status"], state)
    steps = []
    blocked = None
    if api == "director" and assignee_id and assignee_id != owner:
        steps.append(("assign", assignee_id))
        owner = assignee_id
    if api == "classic" and {"resolve", "close"} & set(transitions) and owner != api_user_id:
        if take_ownership:
            steps.append(("take_over", api_user_id))
            owner = api_user_id
        else:
            blocked = "assigned"
    if "reopen" in transitions:
        steps.append(("reopen", None))
    if comment and not has_comment(incident, comment):
        steps.append(("comment", comment))
    steps.extend((action, None) for action in transitions if action != "reopen")
    if api == "classic" and assignee_id and assignee_id != owner:
        steps.append(("assign", assignee_id))
        owner = assignee_id
    if send_for_investigation:
        steps.append(("send_for_investigation", None))
    if api == "director" and steps and not owner:
        blocked = "unassigned"
    return {"steps": steps, "after": {"status": state or incident["status"], "assignee_id": owner},
            "blocked": blocked}


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
