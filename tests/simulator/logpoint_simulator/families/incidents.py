"""Classic Incident API (logpoint-api.md §8): username + secret_key in a JSON body, also on GET.

Reads: `GET /incidents` (open incidents only; URL filters), `GET /incident_states` (answers `states`,
closed incidents included when they have a state history; URL filters ignored, §16; the window
selects by detection or, with `incident_states_window: modified`, by the last change),
`GET /get_data_from_incident`. Writes (POST, id lists, all-or-nothing: one id that cannot be changed
refuses the whole request and changes nothing): `/add_incident_comment`, `/assign_incident`,
`/resolve_incident`, `/close_incident`, `/reopen_incident`. The acting user is the API user.
Every refusal is HTTP 200 with `success: false`.

Test helper (control API, loopback, not counted): `POST /_simulator/incidents` with
`{"count": N, "name": "...", "status", "risk", "type", "assignee": "<user name>", "hours_ago"}`
creates N incidents (ids 65c0...) and answers their ids; `"assignee_id"` instead of `assignee` sets
any id (an incident of a deleted user).
"""

import time

import flask

from .. import control, seed_incidents
from .. import incident_store as store
from ..frontends import classic_credentials
from ..responses import success_false
from ..state import current_state

blueprint = flask.Blueprint("incidents", __name__)

ACCEPTED_VERSIONS = ("0.1", 0.1)
# URL filters of /incidents that are not plain fields of the classic row.
FILTER_FIELDS = {"risk": "risk_level", "attack_category": "attack_category", "attack_tag": "attack_tag",
                 "log_source": "log_source"}
WRITE_MESSAGES = {"resolve": "Incidents resolved", "close": "Incidents closed", "reopen": "Incidents reopened"}


class Refused(Exception):
    """A request the server answers with 200 + success false."""


@blueprint.errorhandler(Refused)
def refused(error):
    return success_false(str(error))


@blueprint.get("/incidents")
@classic_credentials("json")
def incidents():
    ts_from, ts_to = _time_range(_request_data())
    sim = current_state()
    with sim.lock:
        rows = [
            store.render_classic(incident)
            for incident in sim.incidents.values()
            if incident["status"] != "closed" and store.in_window(incident, ts_from, ts_to)
            and _matches_url_filters(incident)
        ]
    return {"success": True, "incidents": rows}


@blueprint.get("/incident_states")
@classic_credentials("json")
def incident_states():
    ts_from, ts_to = _time_range(_request_data())
    sim = current_state()
    with sim.lock:
        states = [
            store.render_state(incident)
            for incident in sim.incidents.values()
            if incident["state_history"]
            and store.in_window(incident, ts_from, ts_to, by=sim.settings["incident_states_window"])
        ]
    return {"success": True, "states": states}


@blueprint.get("/get_data_from_incident")
@classic_credentials("json")
def incident_data():
    data = _request_data(versioned=False)
    obj_id, incident_id = data.get("incident_obj_id"), data.get("incident_id")
    if not isinstance(obj_id, str) or not isinstance(incident_id, str):
        raise Refused("incident_obj_id and incident_id are required")
    sim = current_state()
    with sim.lock:
        incident = sim.incidents.get(obj_id)
        if incident is None or incident["incident_id"] != incident_id:
            raise Refused(f"Incident {obj_id} with incident_id {incident_id} not found")
        return {"success": True, "rows": [dict(row) for row in incident["rows"]]}


@blueprint.post("/add_incident_comment")
@classic_credentials("json")
def add_comment():
    states = _request_data().get("states")
    if not isinstance(states, list) or not states or not all(_is_comment_state(item) for item in states):
        raise Refused('states must be a list of {"_id": "<incident id>", "comments": ["text", ...]}')
    sim = current_state()
    with sim.lock:
        _existing(sim, [item["_id"] for item in states])
        now = time.time()
        for item in states:
            for text in item["comments"]:
                store.add_comment(sim, sim.incidents[item["_id"]], text, flask.g.user, now)
    return {"success": True, "message": "Comments added"}


@blueprint.post("/assign_incident")
@classic_credentials("json")
def assign_incident():
    data = _request_data()
    ids = _incident_ids(data)
    sim = current_state()
    with sim.lock:
        user = store.user_by_id(sim, data.get("new_assignee"))
        if user is None:
            raise Refused(f"User {data.get('new_assignee')!r} not found")
        for incident in _existing(sim, ids):
            store.assign(sim, incident, user, flask.g.user)
    return {"success": True, "message": "Incidents re-assigned"}


@blueprint.post("/resolve_incident")
@blueprint.post("/close_incident")
@blueprint.post("/reopen_incident")
@classic_credentials("json")
def lifecycle():
    action = flask.request.path.strip("/").split("_")[0]
    ids = _incident_ids(_request_data())
    sim = current_state()
    with sim.lock:
        chosen = _existing(sim, ids)
        problems = [store.transition_error(sim, incident, action, flask.g.user["id"]) for incident in chosen]
        problems = [problem for problem in problems if problem]
        if problems:
            raise Refused("; ".join(problems))
        for incident in chosen:
            store.apply_transition(sim, incident, action, flask.g.user)
    return {"success": True, "message": WRITE_MESSAGES[action]}


@blueprint.post("/_simulator/incidents")
def create_incidents():
    """Test helper: make `count` incidents at once (see the module docstring)."""
    rejected = control.loopback_only()
    if rejected:
        return rejected
    spec = flask.request.get_json(silent=True) or {}
    problem = _bulk_spec_problem(spec)
    if problem:
        return flask.jsonify({"error": problem}), 400
    sim = current_state()
    with sim.lock:
        assignee = sim.user_by_name(spec.get("assignee", "admin"))
        if assignee is None:
            return flask.jsonify({"error": f"unknown assignee {spec.get('assignee')!r}"}), 400
        assignee_id = spec.get("assignee_id", assignee["id"])
        start = sum(1 for incident_id in sim.incidents if incident_id.startswith("65c0")) + 1
        detected = time.time() - spec.get("hours_ago", 1) * seed_incidents.HOUR
        made = [
            seed_incidents.make_incident(
                number, f"{spec.get('name', 'Bulk incident')} {number}", kind=spec.get("type", "Alert"),
                risk=spec.get("risk", "low"), status=spec.get("status", "unresolved"), assignee=assignee_id,
                detection_timestamp=detected)
            for number in range(start, start + spec.get("count", 1))
        ]
        for incident in made:
            sim.incidents[incident["id"]] = incident
    return {"ids": [incident["id"] for incident in made]}


def _bulk_spec_problem(spec):
    count = spec.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= 10000:
        return "count must be an integer from 1 to 10000"
    for key, choices in (("status", store.STATUSES), ("risk", store.RISKS), ("type", store.TYPES)):
        if key in spec and spec[key] not in choices:
            return f"{key} must be one of {', '.join(choices)}"
    if not isinstance(spec.get("hours_ago", 1), (int, float)):
        return "hours_ago must be a number"
    return None


def _request_data(versioned=True):
    body = flask.request.get_json(silent=True) or {}
    data = body.get("requestData", {})
    if not isinstance(data, dict):
        raise Refused("requestData must be an object")
    if versioned and "version" in data and data["version"] not in ACCEPTED_VERSIONS:
        raise Refused(f"Unsupported version {data['version']!r}")
    return data


def _time_range(data):
    ts_from, ts_to = data.get("ts_from"), data.get("ts_to")
    numbers = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (ts_from, ts_to))
    if not numbers or ts_from > ts_to:
        raise Refused("Invalid time range")
    return ts_from, ts_to


def _incident_ids(data):
    ids = data.get("incident_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(item, str) for item in ids):
        raise Refused("incident_ids must be a non-empty list of incident ids")
    return ids


def _is_comment_state(item):
    return (isinstance(item, dict) and isinstance(item.get("_id"), str) and isinstance(item.get("comments"), list)
            and all(isinstance(text, str) and text for text in item["comments"]))


def _existing(sim, ids):
    unknown = [incident_id for incident_id in ids if incident_id not in sim.incidents]
    if unknown:
        raise Refused(f"Incident(s) not found: {', '.join(unknown)}")
    return [sim.incidents[incident_id] for incident_id in dict.fromkeys(ids)]


def _matches_url_filters(incident):
    """The documented URL filters: name, status, type, risk, attack_category, attack_tag, log_source and
    any field of the row; several values comma-separated."""
    for key, raw in flask.request.args.items():
        wanted = [value for value in raw.split(",") if value]
        if not wanted:
            continue
        if key == "name":
            if not any(store.matches_name(incident, value, regex=False) for value in wanted):
                return False
            continue
        value = incident.get(FILTER_FIELDS.get(key, key))
        values = value if isinstance(value, list) else [value]
        if not any(store.matches_values(item, wanted) for item in values):
            return False
    return True
