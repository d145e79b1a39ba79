# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Director (Fabric) configapi incidents and their monitorapi orders (logpoint-api.md §9, §18).

Every incident call is asynchronous: the POST answers the path of an order
(``/monitorapi/{pool}/{lp}/orders/{id}[/...]``, sometimes without its leading slash), which is polled
until its ``response`` carries ``success`` or ``errors``. Orders go in groups: ``run_orders`` submits
all orders of a group concurrently (at most ``max_concurrency`` requests at a time), then polls every
order still pending in rounds - at once, then after 0.2 s, 0.4 s... up to 2 s apart - until all have
finished or one deadline, ``wait_timeout`` seconds after the submits, has passed. Each order's outcome
comes back on its own: its response, its failure, or one OrderTimeoutError naming every order of the
group that did not finish.

Writes act on behalf of ``data.incident_user_id`` (``order_data``): the incident's assignee (for
reassign, the new assignee), since Director only lets the assignee resolve and close.
"""

from __future__ import annotations

import json
import re
import time

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import (
    DEFAULT_CONCURRENCY, fan_out, fan_out_settled)
from ansible_collections.logpoint.siem.plugins.module_utils.api.incidents import (
    index_by_id, log_rows, parse_incident, window_bounds)
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import parse_users
from ansible_collections.logpoint.siem.plugins.module_utils._response import rows_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, ConfigError, NotFoundError, OrderTimeoutError, ResponseFormatError)
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc

POLL_FIRST_DELAY = 0.2
POLL_MAX_DELAY = 2.0
ENDPOINTS = {"assign": "reassign", "reopen": "reopen", "comment": "comment", "resolve": "resolve",
             "close": "close", "send_for_investigation": "sendForInvestigation"}
FETCH_FILTERS = (("status", "status"), ("risk", "risk"), ("type", "type"), ("assigned_to", "assigned_to_users"))
RESULT_KEYS = ("result", "results", "data", "rows", "incidents")
TIMEOUT_ADVICE = ("Director may still carry it out; check the order in the Director Console or run the task again "
                  "later (it only sends what is still missing).")
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


def order_data(action, acting_user_id, value=None):
    """The ``data`` of a write order: on behalf of ``acting_user_id``, with the comment text for a comment."""
    data = {"incident_user_id": acting_user_id}
    if action == "comment":
        data["comment"] = value
    return data


class Order:
    """A submitted order: ``id``, the ``path`` to poll, ``what`` it does; ``response`` once it has finished."""

    def __init__(self, order_id, path, what, earlier=False):
        self.id = order_id
        self.path = path
        self.what = what
        self.earlier = earlier
        self.response = None
        self.error = None


def order_key(request):
    """What identifies a write order across runs: its path and data (``request`` is ``(path, data, what)``)."""
    return json.dumps([request[0], request[1]], sort_keys=True)


class DirectorIncidents:
    """The incident backend for the Director API."""

    name = "director"

    def __init__(self, client, wait_timeout, *, max_concurrency=DEFAULT_CONCURRENCY, sleep=time.sleep,
                 clock=time.monotonic, ledger=None):
        if not (client.pool_uuid and client.logpoint_identifier):
            raise ConfigError("the Director API needs pool_uuid and logpoint_identifier (or LOGPOINT_POOL_UUID "
                              "and LOGPOINT_IDENTIFIER) as the Director Console shows them")
        self.client = client
        self.wait_timeout = wait_timeout
        self.max_concurrency = max_concurrency
        self.sleep = sleep
        self.clock = clock
        self.ledger = ledger

    def server(self):
        """Names the Logpoint the orders go to (for what the runs on this host share)."""
        return "director:%s/%s/%s" % (getattr(self.client, "director_url", None), self.client.pool_uuid,
                                      self.client.logpoint_identifier)

    # ---- reads ----------------------------------------------------------------------------

    def users(self):
        return self.client.cached(("users", "director"), lambda: parse_users(
            {"users": self.client.call("GET", self._path("Users"), auth="director", api="director")}))

    def read(self, windows, *, filters, wanted_ids=None):
        """Incidents of every status detected in the time ``windows``: one fetch order per window, together.

        ``filters`` (``status``, ``risk``, ``type``, ``assigned_to`` lists of ids) become fetch filters.
        ``wanted_ids`` are found among them by the caller.
        """
        base = {}
        for option, key in FETCH_FILTERS:
            if filters.get(option):
                base[key] = ["UEBA" if value == "ueba" else value for value in filters[option]]
        requests = []
        for window in windows:
            start_date, end_date = window_bounds(window)
            requests.append((self._path("Incidents", "fetch"), dict(base, start_date=start_date, end_date=end_date),
                             "fetch of the incidents detected from %s" % iso_utc(start_date)))
        found = {}
        for order in _raise_first(self.run_orders(requests, read=True)):
            index_by_id(found, (parse_incident(row) for row in result_rows(order.response)))
        return list(found.values())

    def data(self, incidents):
        """``{incident id: log rows}``: the fetchIncidentData orders together, then each IncidentData."""
        requests = [(self._path("Incidents", incident["id"], "fetchIncidentData"), {},
                     "fetchIncidentData of incident %s" % incident["id"]) for incident in incidents]
        _raise_first(self.run_orders(requests, read=True))
        rows = fan_out(self._incident_data, incidents, self.max_concurrency)
        return dict(zip((incident["id"] for incident in incidents), rows))

    def _incident_data(self, incident):
        return log_rows(rows_of(self.client.call("GET", self._path("Incidents", "IncidentData", incident["id"]),
                                                 auth="director", api="director")))

    # ---- writes ---------------------------------------------------------------------------

    def write_request(self, action, incident_id, data):
        """The ``(path, data, what)`` of a write order for ``run_orders``."""
        return self._path("Incidents", incident_id, ENDPOINTS[action]), data, "%s of incident %s" % (action, incident_id)

    # ---- orders ---------------------------------------------------------------------------

    def run_orders(self, requests, *, read=False):
        """Submit ``requests`` (``(path, data, what)``) together, wait for them together.

        Returns ``[(Order, None) or (None, error)]`` in request order: a finished order, or the error of
        its submit, its failure, or the OrderTimeoutError of the group's unfinished orders.

        With a ``ledger`` (``_host_state.Ledger``), a write order still pending when its run ended is on
        record: the same request (path and data) in a later run polls that order instead of sending a
        new one. A recorded order the server no longer knows (404) is forgotten and the request sent.
        """
        recorded = self.ledger is not None and not read
        earlier = self._earlier(requests) if recorded else {}
        submitted = fan_out_settled(
            lambda request: earlier.get(order_key(request)) or self._submit(*request, read=read), requests,
            self.max_concurrency)
        pending = self._wait([order for order, error in submitted if error is None and order.response is None])
        if recorded:
            self._record(requests, submitted)
        return self._outcomes(submitted, self._timeout(pending) if pending else None)

    def _outcomes(self, submitted, timeout):
        outcomes = []
        for order, error in submitted:
            if order is not None:
                error = order.error or (timeout if order.response is None else self._failure(order))
            outcomes.append((None, error) if error else (order, None))
        return outcomes

    def _earlier(self, requests):
        """``{order key: Order}`` of the requests whose order an earlier run left pending (polled once)."""
        recorded = self.ledger.entries(order_key(request) for request in requests)
        orders = {}
        for request in requests:
            path = recorded.get(order_key(request))
            if path:
                orders[order_key(request)] = Order(order_id_of(path), path, "%s, sent by an earlier run and not sent "
                                                   "again" % request[2], earlier=True)
        fan_out_settled(self._poll, list(orders.values()), self.max_concurrency)
        gone = [key for key, order in orders.items() if isinstance(order.error, NotFoundError)
                or (order.response is not None and order_errors(order.response))]  # unknown or failed: send anew
        if gone:
            self.ledger.update(drop=gone)
        return dict((key, order) for key, order in orders.items() if key not in gone)

    def _record(self, requests, submitted):
        """Keep the orders still pending on record, forget the finished ones."""
        put, drop = {}, []
        for request, (order, _error) in zip(requests, submitted):
            if order is None:
                continue
            if order.response is None and order.error is None:
                put[order_key(request)] = order.path
            else:
                drop.append(order_key(request))
        if put or drop:
            self.ledger.update(put=put, drop=drop)

    def _submit(self, path, data, what, *, read):
        body = self.client.call("POST", path, auth="director", api="director", json={"data": data}, read=read)
        order_path = body.get("message") if isinstance(body, dict) else None
        order_id = order_id_of(order_path)
        if not order_id:
            raise ResponseFormatError("Director did not answer with a monitorapi order path: %r"
                                      % (str(order_path)[:200],), method="POST", path=path)
        return Order(order_id, order_path, what)

    def _wait(self, orders):
        """Poll every pending order each round until all finished or the deadline; returns the unfinished."""
        deadline = self.clock() + self.wait_timeout
        delay = POLL_FIRST_DELAY
        pending = list(orders)
        while pending:
            started = self.clock()
            fan_out_settled(self._poll, pending, self.max_concurrency)
            pending = [order for order in pending if order.response is None and order.error is None]
            now = self.clock()
            if not pending or now >= deadline:
                break
            self.sleep(max(0.0, min(started + delay, deadline) - now))
            delay = min(delay * 2, POLL_MAX_DELAY)
        return pending

    def _poll(self, order):
        try:
            order.response = order_outcome(self.client.call("GET", order.path, auth="director", api="director"))
        except Exception as exc:  # pylint: disable=broad-except  # kept as this order's outcome
            order.error = exc

    @staticmethod
    def _failure(order):
        problem = order_errors(order.response)
        if not problem:
            return None
        return ApiError("Director order %s (%s) failed: %s" % (order.id, order.what, problem),
                        method="GET", path=order.path, server_message=problem)

    def _timeout(self, pending):
        first = pending[0]
        message = "Director order %s (%s) was still pending after %ss (wait_timeout)" % (
            first.id, first.what, self.wait_timeout)
        if len(pending) > 1:
            message += ", and so were %d more: %s" % (
                len(pending) - 1, ", ".join("%s (%s)" % (order.id, order.what) for order in pending[1:]))
        return OrderTimeoutError(message, order_id=first.id, order_ids=[order.id for order in pending],
                                 method="GET", path=first.path, advice=TIMEOUT_ADVICE)

    def _path(self, *parts):
        return "configapi/%s/%s/%s" % (self.client.pool_uuid, self.client.logpoint_identifier, "/".join(parts))


def _raise_first(outcomes):
    """The results of ``[(result, None) or (None, error)]``, or the first error raised."""
    for _result, error in outcomes:
        if error is not None:
            raise error
    return [result for result, _error in outcomes]
