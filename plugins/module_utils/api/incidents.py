# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classic Incident API (logpoint-api.md §8): body credentials, GET with a JSON body, id-list writes.

Also the incident parser both incident APIs share (Director fetch results carry the same fields)
and the helper that runs reads concurrently. Every incident becomes one plain dict::

    {"id", "incident_id", "name", "description", "status", "risk", "type", "assignee_id",
     "detection_timestamp", "rows_count", "comments": [{"user", "comment", "time"}]}

with None for what the source does not tell (closed incidents known only from ``/incident_states``).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.logpoint.siem.plugins.module_utils.api.users import list_users
from ansible_collections.logpoint.siem.plugins.module_utils._response import rows_of

VERSION = "0.1"
READ_WORKERS = 4
BATCH_SIZE = 500  # ids per write request
WRITE_ENDPOINTS = {
    "take_over": "/assign_incident",
    "assign": "/assign_incident",
    "reopen": "/reopen_incident",
    "resolve": "/resolve_incident",
    "close": "/close_incident",
}
URL_FILTERS = ("status", "risk", "type")
# The order the classic writes go out in; planning puts each incident's steps in this order too.
CLASSIC_ORDER = ("take_over", "reopen", "comment", "resolve", "close", "assign")


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


def concurrently(function, items, workers=READ_WORKERS):
    """``[function(item) for item in items]``, at most ``workers`` at a time; the first error is raised."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))


def window_bounds(window):
    """A ``(since, until)`` window as whole epoch seconds that contain it."""
    return int(math.floor(window[0])), int(math.ceil(window[1]))


def _window_body(window):
    ts_from, ts_to = window_bounds(window)
    return {"requestData": {"version": VERSION, "ts_from": ts_from, "ts_to": ts_to}}


class ClassicIncidents:
    """The incident backend for the classic API; the acting user of every write is the API user."""

    name = "classic"

    def __init__(self, client):
        self.client = client

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
            params = dict((key, ",".join(filters[key])) for key in URL_FILTERS if filters.get(key))
            for body in concurrently(lambda window: self._get("/incidents", window, params), windows):
                for incident in map(parse_incident, body.get("incidents") or []):
                    found.setdefault(incident["id"], incident)
        known = set(found) | set(incident["incident_id"] for incident in found.values())
        if (not statuses or "closed" in statuses) and (wanted_ids is None or set(wanted_ids) - known):
            for body in concurrently(lambda window: self._get("/incident_states", window), windows):
                for row in body.get("states", body.get("incidents")) or []:
                    state = parse_incident(row)
                    if state["status"] == "closed":
                        found.setdefault(state["id"], state)
        return list(found.values())

    def data(self, incident):
        """The incident's log rows (``/get_data_from_incident``)."""
        request = {"incident_obj_id": incident["id"], "incident_id": incident["incident_id"]}
        if incident["detection_timestamp"] is not None:
            request["date"] = incident["detection_timestamp"]
        body = self.client.call("GET", "/get_data_from_incident", auth="classic_json", json={"requestData": request})
        return rows_of(body)

    def apply(self, plans):
        """Send the planned steps batched per action (``plans``: ``[(incident, steps)]``); no order ids."""
        for action in CLASSIC_ORDER:
            batches = {}
            for incident, steps in plans:
                for step_action, value in steps:
                    if step_action == action:
                        batches.setdefault(value, []).append(incident["id"])
            for value, ids in batches.items():
                for start in range(0, len(ids), BATCH_SIZE):
                    self._write(action, value, ids[start:start + BATCH_SIZE])
        return {}

    def _write(self, action, value, ids):
        if action == "comment":
            data = {"states": [{"_id": incident_id, "comments": [value]} for incident_id in ids]}
            path = "/add_incident_comment"
        else:
            data = {"incident_ids": ids}
            if value is not None:
                data["new_assignee"] = value
            path = WRITE_ENDPOINTS[action]
        data["version"] = VERSION
        self.client.call("POST", path, auth="classic_json", json={"requestData": data})

    def _get(self, path, window, params=None):
        return self.client.call("GET", path, auth="classic_json", params=params, json=_window_body(window))
