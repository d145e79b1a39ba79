# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Director (Fabric) configapi incidents and their monitorapi orders (logpoint-api.md §9, §18).

Every incident call is asynchronous: the POST answers the path of an order
(``/monitorapi/{pool}/{lp}/orders/{id}[/...]``, sometimes without its leading slash), which is polled
until its ``response`` carries ``success`` or ``errors``, or until the deadline. Writes act on behalf
of ``data.incident_user_id``: the incident's assignee (for reassign, the new assignee), since Director
only lets the assignee resolve and close. Writes run per incident, incidents concurrently (at most
``WRITE_WORKERS``); after a failed or timed-out order no further order is sent.
"""

from __future__ import annotations

import re
import threading
import time

from ansible_collections.logpoint.siem.plugins.module_utils.api.incidents import (
    concurrently, parse_incident, window_bounds)
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import parse_users
from ansible_collections.logpoint.siem.plugins.module_utils._response import rows_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, ConfigError, LogpointError, OrderTimeoutError, ResponseFormatError)
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc

WRITE_WORKERS = 6
POLL_FIRST_DELAY = 0.2
POLL_MAX_DELAY = 2.0
ENDPOINTS = {"assign": "reassign", "reopen": "reopen", "comment": "comment", "resolve": "resolve",
             "close": "close", "send_for_investigation": "sendForInvestigation"}
FETCH_FILTERS = (("status", "status"), ("risk", "risk"), ("type", "type"), ("assigned_to", "assigned_to_users"))
RESULT_KEYS = ("result", "results", "data", "rows", "incidents")
_ORDER_ID = re.compile(r"orders/([^/]+)")


def order_id_of(path):
    match = _ORDER_ID.search(path or "")
    return match.group(1) if match else None


def order_outcome(body):
    """The ``response`` of a finished order, or None while it is pending (§18: ``"response": {}``)."""
    response = body.get("response") if isinstance(body, dict) else None
    if isinstance(response, dict) and ("success" in response or response.get("errors")):
        return response
    return None


def order_errors(response):
    """The failure text of a finished order, or None when it succeeded."""
    errors = response.get("errors") or []
    if not isinstance(errors, list):
        errors = [errors]
    texts = [str(e.get("message") or e.get("error") or e) if isinstance(e, dict) else str(e) for e in errors]
    if texts or response.get("success") in (False, "false", "False"):
        return "; ".join(texts) or str(response.get("message") or "the order failed without details")
    return None


def result_rows(response):
    """The rows a fetch order delivers, under whichever key this Director version uses."""
    for key in RESULT_KEYS:
        if isinstance(response.get(key), list):
            return response[key]
    return rows_of(response)


class DirectorIncidents:
    """The incident backend for the Director API."""

    name = "director"

    def __init__(self, client, wait_timeout, *, sleep=time.sleep, clock=time.monotonic):
        if not (client.pool_uuid and client.logpoint_identifier):
            raise ConfigError("the Director API needs pool_uuid and logpoint_identifier (or LOGPOINT_POOL_UUID "
                              "and LOGPOINT_IDENTIFIER) as the Director Console shows them")
        self.client = client
        self.wait_timeout = wait_timeout
        self.sleep = sleep
        self.clock = clock

    # ---- reads ----------------------------------------------------------------------------

    def users(self):
        return self.client.cached(("users", "director"), lambda: parse_users(
            {"users": self.client.call("GET", self._path("Users"), auth="director", api="director")}))

    def read(self, windows, *, filters, wanted_ids=None):
        """Incidents of every status detected in the time ``windows``, one fetch order per window.

        ``filters`` (``status``, ``risk``, ``type``, ``assigned_to`` lists of ids) become fetch filters.
        ``wanted_ids`` are found among them by the caller.
        """
        base = {}
        for option, key in FETCH_FILTERS:
            if filters.get(option):
                base[key] = ["UEBA" if value == "ueba" else value for value in filters[option]]

        def fetch(window):
            start_date, end_date = window_bounds(window)
            data = dict(base, start_date=start_date, end_date=end_date)
            response = self._order("POST", self._path("Incidents", "fetch"), data, read=True,
                                   what="fetch of the incidents detected from %s" % iso_utc(start_date))
            return [parse_incident(row) for row in result_rows(response)]

        found = {}
        for incidents in concurrently(fetch, windows):
            for incident in incidents:
                found.setdefault(incident["id"], incident)
        return list(found.values())

    def data(self, incident):
        """The incident's log rows: fetchIncidentData (an order), then IncidentData."""
        self._order("POST", self._path("Incidents", incident["id"], "fetchIncidentData"), {}, read=True,
                    what="fetchIncidentData of incident %s" % incident["id"])
        return rows_of(self.client.call("GET", self._path("Incidents", "IncidentData", incident["id"]),
                                        auth="director", api="director"))

    # ---- writes ---------------------------------------------------------------------------

    def apply(self, plans):
        """Run each incident's steps in order, incidents concurrently; returns ``{incident id: [order ids]}``.

        The first failed or timed-out order stops every worker before its next order; its error is
        raised with the orders that had already completed.
        """
        orders = dict((incident["id"], []) for incident, steps in plans)
        completed = []
        errors = []
        stop = threading.Event()

        def run(plan):
            incident, steps = plan
            acting = incident["assignee_id"]
            for action, value in steps:
                if stop.is_set():
                    return
                if action == "assign":
                    acting = value
                data = {"incident_user_id": acting}
                if action == "comment":
                    data["comment"] = value
                try:
                    self._order("POST", self._path("Incidents", incident["id"], ENDPOINTS[action]), data,
                                read=False, what="%s of incident %s" % (action, incident["id"]),
                                started=orders[incident["id"]].append)
                except LogpointError as exc:
                    stop.set()
                    errors.append(exc)
                    return
                completed.append(action)

        concurrently(run, plans, WRITE_WORKERS)
        if errors:
            error = errors[0]
            error.message += "; no further order was sent (%d order(s) had completed)" % len(completed)
            raise error
        return orders

    # ---- orders ---------------------------------------------------------------------------

    def _order(self, method, path, data, *, read, what, started=None):
        """Submit an order and wait for its outcome; returns the order's ``response``."""
        body = self.client.call(method, path, auth="director", api="director", json={"data": data}, read=read)
        order_path = body.get("message") if isinstance(body, dict) else None
        order_id = order_id_of(order_path)
        if not order_id:
            raise ResponseFormatError("Director did not answer with a monitorapi order path: %r"
                                      % (str(order_path)[:200],), method=method, path=path)
        if started:
            started(order_id)
        response = self._wait(order_path, order_id, what)
        problem = order_errors(response)
        if problem:
            raise ApiError("Director order %s (%s) failed: %s" % (order_id, what, problem),
                           method=method, path=path, server_message=problem)
        return response

    def _wait(self, order_path, order_id, what):
        deadline = self.clock() + self.wait_timeout
        delay = POLL_FIRST_DELAY
        while True:
            response = order_outcome(self.client.call("GET", order_path, auth="director", api="director"))
            if response is not None:
                return response
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise OrderTimeoutError(
                    "Director order %s (%s) was still pending after %ss (wait_timeout)"
                    % (order_id, what, self.wait_timeout),
                    order_id=order_id, method="GET", path=order_path,
                    advice="Director may still carry it out; check the order in the Director Console or run "
                           "the task again later (it only sends what is still missing).")
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, POLL_MAX_DELAY)

    def _path(self, *parts):
        return "configapi/%s/%s/%s" % (self.client.pool_uuid, self.client.logpoint_identifier, "/".join(parts))
