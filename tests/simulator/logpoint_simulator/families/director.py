"""Director configapi incidents and monitorapi orders (logpoint-api.md §9, §18).

Served by the same process under the same base URL as the Logpoint itself, for pool
`00000000-0000-4000-8000-000000000001`, Logpoint `lp-simulator-01`, bearer `simulator-director-token`
(checked by `frontends.director_bearer`). The incidents are the classic API's (`incident_store`).

Every incident call is asynchronous: it answers `{"status": "Success", "message": "<order path>"}`
and the work happens when the order finishes. `GET /monitorapi/{pool}/{lp}/orders/{id}[/<suffix>]`
answers `{"request": {...}, "response": {}}` while pending (`director_pending_polls` polls, default
1; write orders forever with `director_never_finish`, or those of the incidents listed in
`director_never_finish_incidents`, while fetches still finish, so that a client can find incidents
and then meet its deadline on a write), then the result: `response.success`, `message`,
`audit_data`, and `errors` on failure; fetch results carry the incidents in `response.result`.
The order path has a leading slash unless `director_order_slash` is false (as seen live).
Malformed bodies are refused at once with HTTP 400 `{"status": "Failed", "message": ...}`; failures
of the work itself (unknown incident or user, lifecycle, §18) are order results with `errors`.
Writes act on behalf of `data.incident_user_id`; for reassign it is the new assignee (§18).

Open questions (profiles.py): `director_incident_data` (IncidentData rows flat as stored, flat with
text timestamps, or grouped as `{log_ts, _participating_events}`), `director_fetch_key` (fetch
results under `result` or `rows`), `director_pool_id` (the pool named by its dashed UUID, or by the
32-hex form seen live, in which case both forms are accepted in request paths) and
`director_messages` (the simulator's texts, or the texts of the public record where it has one).
"""

import datetime
import re
import time
import uuid

import flask

from .. import incident_store as store
from .. import seed
from ..frontends import director_bearer
from ..state import current_state

blueprint = flask.Blueprint("director", __name__)

INCIDENTS = "/configapi/<pool>/<lp>/Incidents"
DATA_NODE = "datanode-01"
WRITE_ACTIONS = ("close", "comment", "reassign", "reopen", "resolve", "sendForInvestigation")
READ_ACTIONS = ("fetch", "fetchIncidentData")
FETCH_LIST_FILTERS = ("assigned_to_users", "attack_category", "attack_tag", "log_source", "risk", "status", "type")
FETCH_CHOICES = {"risk": store.RISKS, "status": store.STATUSES, "type": ("alert", "search", "ueba")}
MESSAGES = {
    "close": "Incident is closed", "resolve": "Incident is resolved", "reopen": "Incident is reopened",
    "reassign": "Incident is reassigned", "comment": "Comment added.",
    "sendForInvestigation": "Incident sent for investigation", "fetch": "Incidents fetched",
    "fetchIncidentData": "Incident data fetched",
}
# director_messages: record, the texts the public record shows where they differ (logpoint-api.md §19.7).
RECORD_MESSAGES = {"sendForInvestigation": "Successfully sent for investigation"}
TEXT_TIME = "%Y/%m/%d %H:%M:%S"
AUDIT_ACTIONS = {"close": "incident closed", "resolve": "incident resolved", "reopen": "incident reopened",
                 "reassign": "incident reassigned", "comment": "comment added",
                 "sendForInvestigation": "incident sent for investigation"}


class BadRequest(Exception):
    pass


@blueprint.errorhandler(BadRequest)
def bad_request(error):
    return flask.jsonify({"status": "Failed", "message": str(error)}), 400


@blueprint.post(f"{INCIDENTS}/fetch")
@director_bearer
def fetch():
    data = _data()
    _check_fetch_filters(data)
    return _submit("fetch", None, data, suffix=f"/{DATA_NODE}")


@blueprint.post(f"{INCIDENTS}/<incident_id>/fetchIncidentData")
@director_bearer
def fetch_incident_data(incident_id):
    return _submit("fetchIncidentData", incident_id, _data(), suffix=f"/{DATA_NODE}-Logs/fetchLogData")


@blueprint.post(f"{INCIDENTS}/<incident_id>/<action>")
@director_bearer
def write(incident_id, action):
    if action not in WRITE_ACTIONS:
        return flask.jsonify({"status": "Failed", "message": f"Unknown incident action {action!r}"}), 404
    data = _data()
    if not isinstance(data.get("incident_user_id"), str):
        raise BadRequest("data.incident_user_id is required")
    if action == "comment" and not (isinstance(data.get("comment"), str) and data["comment"].strip()):
        raise BadRequest("data.comment is required")
    return _submit(action, incident_id, data)


@blueprint.get(f"{INCIDENTS}/IncidentData/<incident_id>")
@director_bearer
def incident_data(incident_id):
    sim = current_state()
    with sim.lock:
        incident = sim.incidents.get(incident_id)
        if incident is None:
            return flask.jsonify({"status": "Failed", "message": f"Incident {incident_id} not found"}), 404
        if not _data_fetched(sim, incident_id):
            return flask.jsonify({"status": "Failed", "message": "Incident data not fetched; call "
                                  "fetchIncidentData and wait for its order first"}), 404
        return flask.jsonify(_incident_data_rows(incident["rows"], sim.settings["director_incident_data"]))


@blueprint.get("/monitorapi/<pool>/<lp>/orders/<order_id>")
@blueprint.get("/monitorapi/<pool>/<lp>/orders/<order_id>/<path:suffix>")
@director_bearer
def order(order_id, suffix=None):
    sim = current_state()
    with sim.lock:
        order = sim.director_orders.get(order_id)
        if order is None:
            return flask.jsonify({"status": "Failed", "message": f"Order {order_id} not found"}), 404
        body = {"request": order["request"], "logpoint_identifier": seed.DIRECTOR_LOGPOINT,
                "pool_uuid": _pool_id(sim)}
        if order["never_finish"]:
            return {**body, "response": {}}
        if order["pending_polls"] > 0:
            order["pending_polls"] -= 1
            return {**body, "response": {}}
        if order["result"] is None:
            order["result"] = _execute(sim, order)
        return {**body, "response": order["result"]}


def _data():
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise BadRequest('the body must be {"data": {...}}')
    return body["data"]


def _check_fetch_filters(data):
    if ("start_date" in data) != ("end_date" in data):
        raise BadRequest("start_date and end_date must be given together")
    for key in ("start_date", "end_date"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], (int, float))):
            raise BadRequest(f"{key} must be an epoch number")
    if "start_date" in data and data["start_date"] > data["end_date"]:
        raise BadRequest("start_date must not be after end_date")
    for key in FETCH_LIST_FILTERS:
        if key in data and not isinstance(data[key], list):
            raise BadRequest(f"{key} must be a list")
        invalid = [value for value in data.get(key, []) if key in FETCH_CHOICES
                   and str(value).lower() not in FETCH_CHOICES[key]]
        if invalid:
            raise BadRequest(f"{key}: invalid value(s) {', '.join(map(str, invalid))}; "
                             f"valid: {', '.join(FETCH_CHOICES[key])}")
    if "name" in data:
        try:
            re.compile(str(data["name"]))
        except re.error as error:
            raise BadRequest(f"name is not a valid regular expression: {error}") from None


def _submit(action, incident_id, data, suffix=""):
    sim = current_state()
    order_id = str(uuid.uuid4())
    with sim.lock:
        sim.director_orders[order_id] = {
            "id": order_id, "action": action, "incident_id": incident_id, "data": dict(data),
            "request": {"action": action, "incident": incident_id, "data": dict(data)},
            "pending_polls": sim.settings["director_pending_polls"],
            "never_finish": action not in READ_ACTIONS and (
                sim.settings["director_never_finish"] or incident_id in sim.settings["director_never_finish_incidents"]),
            "result": None,
        }
        slash = "/" if sim.settings["director_order_slash"] else ""
        pool = _pool_id(sim)
    return {"status": "Success",
            "message": f"{slash}monitorapi/{pool}/{seed.DIRECTOR_LOGPOINT}/orders/{order_id}{suffix}"}


def _pool_id(sim):
    """The pool id as the server names it (setting director_pool_id)."""
    return seed.DIRECTOR_POOL_HEX if sim.settings["director_pool_id"] == "hex32" else seed.DIRECTOR_POOL


def _incident_data_rows(rows, style):
    """IncidentData as the director_incident_data setting shapes it."""
    rows = [dict(row) for row in rows]
    if style == "grouped":
        return [{"log_ts": max(row["log_ts"] for row in rows), "_participating_events": rows}] if rows else []
    if style == "flat_text":
        for row in rows:
            for key in ("log_ts", "col_ts"):
                if isinstance(row.get(key), (int, float)):
                    moment = datetime.datetime.fromtimestamp(row[key], tz=datetime.timezone.utc)
                    row[key] = moment.strftime(TEXT_TIME)
    return rows


def _message(sim, action):
    if sim.settings["director_messages"] == "record":
        return RECORD_MESSAGES.get(action, MESSAGES[action])
    return MESSAGES[action]


def _execute(sim, order):
    """Do the order's work now (it finished); return its `response`."""
    action, data = order["action"], order["data"]
    if action == "fetch":
        incidents = [store.render_director(incident) for incident in sim.incidents.values()
                     if _matches_fetch(incident, data)]
        return {"success": True, "message": _message(sim, action), sim.settings["director_fetch_key"]: incidents}
    incident = sim.incidents.get(order["incident_id"])
    if incident is None:
        return _failure(f"Incident {order['incident_id']} not found")
    if action == "fetchIncidentData":
        return {"success": True, "message": _message(sim, action)}
    user = store.user_by_id(sim, data["incident_user_id"])
    if user is None:
        return _failure("Invalid user id")
    if action in store.TRANSITIONS:
        problem = store.transition_error(sim, incident, action, user["id"])
        if problem:
            return _failure(problem)
        store.apply_transition(sim, incident, action, user)
    elif action == "reassign":
        store.assign(sim, incident, user, sim.user_by_name("admin"))
    elif action == "comment":
        store.add_comment(sim, incident, data["comment"], user, time.time())
    else:  # sendForInvestigation fires the rule's notifications; the incident itself is unchanged
        sim.audit(user["name"], AUDIT_ACTIONS[action], incident["name"], "Incident")
        sim.mutated()
    return {"success": True, "audit_data": [{"action": AUDIT_ACTIONS[action], "document": incident["name"]}],
            "message": _message(sim, action)}


def _failure(error):
    return {"success": False, "errors": [error], "message": "Order failed"}


def _matches_fetch(incident, data):
    """All filters of §9.1; list filters match any of their values (case-insensitively)."""
    if "start_date" in data and not store.in_window(incident, data["start_date"], data["end_date"]):
        return False
    if "name" in data and not store.matches_name(incident, str(data["name"]), regex=True):
        return False
    fields = {"assigned_to_users": "assigned_to", "risk": "risk_level"}
    for key in FETCH_LIST_FILTERS:
        if not data.get(key):
            continue
        value = incident[fields.get(key, key)]
        values = value if isinstance(value, list) else [value]
        if not any(store.matches_values(item, data[key]) for item in values):
            return False
    return True


def _data_fetched(sim, incident_id):
    return any(order["action"] == "fetchIncidentData" and order["incident_id"] == incident_id
               and order["result"] and order["result"]["success"] for order in sim.director_orders.values())
