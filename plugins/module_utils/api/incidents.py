# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classic Incident API (logpoint-api.md §8): body credentials, GET with a JSON body, id-list writes.

Also the incident parser both incident APIs share (Director fetch results carry the same fields).
Every incident becomes one plain dict::

    {"id", "incident_id", "name", "description", "status", "risk", "type", "assignee_id",
     "detection_timestamp", "rows_count", "comments": [{"user", "comment", "time"}]}

with None for what the source does not tell (closed incidents known only from ``/incident_states``).
Which incidents to read and what to write is resource logic (``resources/incidents.py``).
"""

from __future__ import annotations

import math

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY, fan_out
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import list_users
from ansible_collections.logpoint.siem.plugins.module_utils._response import rows_of

VERSION = "0.1"
BATCH_SIZE = 500  # ids per write request
WRITE_ENDPOINTS = {
    "take_over": "/assign_incident",
    "assign": "/assign_incident",
    "reopen": "/reopen_incident",
    "resolve": "/resolve_incident",
    "close": "/close_incident",
}
URL_FILTERS = ("status", "risk", "type")


def _lower(value):
    return str(value).lower() if value not in (None, "") else None


def _number(value, kind):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def parse_comments(comments):
    """``[{"title": user, "comment": text, "time": epoch}]`` (or plain strings) -> ``[{"user", "comment", "time"}]``."""
    parsed = []
    for comment in comments or []:
        if isinstance(comment, dict):
            parsed.append({"user": comment.get("title"), "comment": comment.get("comment"),
                           "time": _number(comment.get("time"), int)})
        else:
            parsed.append({"user": None, "comment": str(comment), "time": None})
    return parsed


def parse_incident(row):
    """An incident row (classic ``/incidents``, a ``/incident_states`` entry, a Director fetch result)."""
    return {
        "id": str(row.get("id") or row.get("_id")),
        "incident_id": row.get("incident_id"),
        "name": row.get("name"),
        "description": row.get("description"),
        "status": _lower(row.get("status")),
        "risk": _lower(row.get("risk_level") or row.get("risk")),
        "type": _lower(row.get("type")),
        "assignee_id": row.get("assigned_to") or None,
        "detection_timestamp": _number(row.get("detection_timestamp"), float),
        "rows_count": _number(row.get("rows_count"), int),
        "comments": parse_comments(row.get("comments")),
    }


def log_rows(rows):
    """IncidentData as log rows, whichever shape it comes in (logpoint-api.md §19.7; both incident APIs).

    Flat rows are kept as they are; a group ``{"log_ts": ..., "_participating_events": [rows]}`` gives
    its events, in order (a group without events is kept as one row).
    """
    flat = []
    for row in rows or []:
        events = row.get("_participating_events") if isinstance(row, dict) else None
        if isinstance(events, list) and events:
            flat.extend(event for event in events if isinstance(event, dict))
        elif isinstance(row, dict):
            flat.append(row)
    return flat


def window_bounds(window):
    """A ``(since, until)`` window as whole epoch seconds that contain it."""
    return int(math.floor(window[0])), int(math.ceil(window[1]))


def _window_body(window):
    ts_from, ts_to = window_bounds(window)
    return {"requestData": {"version": VERSION, "ts_from": ts_from, "ts_to": ts_to}}


def index_by_id(found, incidents):
    """Add ``incidents`` to the dict ``found`` by id; an id already there keeps its first entry."""
    for incident in incidents:
        found.setdefault(incident["id"], incident)
    return found


class ClassicIncidents:
    """The incident backend for the classic API; the acting user of every write is the API user."""

    name = "classic"

    def __init__(self, client, max_concurrency=DEFAULT_CONCURRENCY):
        self.client = client
        self.max_concurrency = max_concurrency
        self.states_by_modification = False

    def server(self):
        """Names the server the writes go to (for locks shared by the runs on this host)."""
        return "classic:%s" % getattr(self.client, "url", None)

    def users(self):
        return list_users(self.client)

    def read(self, windows, *, filters, wanted_ids=None):
        """Incidents detected in the time ``windows``; closed ones from ``/incident_states``.

        ``filters`` (``status``, ``risk``, ``type`` lists, None for any) go to ``/incidents`` as URL
        parameters; older servers ignore them, so the caller filters again. ``/incident_states`` is
        only read when closed incidents may be selected and, for ``wanted_ids``, only when some of
        them are not open incidents.
        """
        statuses = filters.get("status")
        found = {}
        if not statuses or set(statuses) - {"closed"}:
            index_by_id(found, self._open(windows, filters))
        known = set(found) | set(incident["incident_id"] for incident in found.values())
        if (not statuses or "closed" in statuses) and (wanted_ids is None or set(wanted_ids) - known):
            index_by_id(found, self._closed(windows))
        return list(found.values())

    def _open(self, windows, filters):
        params = dict((key, ",".join(filters[key])) for key in URL_FILTERS if filters.get(key))
        bodies = fan_out(lambda window: self._get("/incidents", window, params), windows, self.max_concurrency)
        return [parse_incident(row) for body in bodies for row in body.get("incidents") or []]

    def _closed(self, windows):
        """The closed incidents of ``/incident_states``, each with ``detected_by`` (its first comment's time).

        Their rows carry no detection time (logpoint-api.md §19.6). A state whose comment is older than
        the window it was listed for shows that this server selects by modification, not detection:
        ``states_by_modification`` becomes true.
        """
        bodies = fan_out(lambda window: self._get("/incident_states", window), windows, self.max_concurrency)
        closed = []
        for window, body in zip(windows, bodies):
            for row in body.get("states", body.get("incidents")) or []:
                state = parse_incident(row)
                times = [comment["time"] for comment in state["comments"] if comment["time"] is not None]
                state["detected_by"] = min(times) if times else None
                if times and min(times) < window_bounds(window)[0]:
                    self.states_by_modification = True
                if state["status"] == "closed":
                    closed.append(state)
        return closed

    def data(self, incidents):
        """``{incident id: log rows}`` (``/get_data_from_incident``, concurrently)."""
        return dict(zip((incident["id"] for incident in incidents),
                        fan_out(self._data, incidents, self.max_concurrency)))

    def _data(self, incident):
        request = {"incident_obj_id": incident["id"], "incident_id": incident["incident_id"]}
        if incident["detection_timestamp"] is not None:
            request["date"] = incident["detection_timestamp"]
        body = self.client.call("GET", "/get_data_from_incident", auth="classic_json", json={"requestData": request})
        return log_rows(rows_of(body))

    def write(self, action, value, ids):
        """One id-list write (at most ``BATCH_SIZE`` ids): a comment ``value``, or the new assignee's id."""
        if action == "comment":
            data = {"states": [{"_id": incident_id, "comments": [value]} for incident_id in ids]}
            path = "/add_incident_comment"
        else:
            data = {"incident_ids": list(ids)}
            if value is not None:
                data["new_assignee"] = value
            path = WRITE_ENDPOINTS[action]
        data["version"] = VERSION
        return self.client.call("POST", path, auth="classic_json", json={"requestData": data})

    def _get(self, path, window, params=None):
        return self.client.call("GET", path, auth="classic_json", params=params, json=_window_body(window))
