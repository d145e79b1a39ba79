"""Classic Incident API of the simulator (logpoint-api.md §8, §14, §18): reads, lifecycle, comments, shapes."""

import json
import pathlib
import time

import pytest
from logpoint_simulator import seed
from shapes import shape
from simtools import ADMIN_CREDENTIALS

REAL_RESPONSES = pathlib.Path(__file__).parents[2] / "fixtures" / "real-responses"
ANALYST_CREDENTIALS = {"username": "analyst", "secret_key": seed.ANALYST_SECRET}
ALL_TIME = {"ts_from": 0, "ts_to": 4102444800}
CRITICAL_OF_ANALYST = "65b000000000000000000001"
CRITICAL_OF_ADMIN = "65b000000000000000000002"
RESOLVED_OF_ADMIN = "65b000000000000000000004"
LOW_OF_ADMIN = "65b000000000000000000007"
CLOSED_OF_ADMIN = "65b000000000000000000010"
# the keys every normalised log row carries (the rest depends on the log type)
COMMON_ROW_KEYS = ("_identifier", "_labels", "_offset", "_type_ip", "_type_num", "_type_str", "_tz", "col_ts",
                   "col_type", "device_ip", "device_name", "log_ts", "logpoint_name", "msg", "norm_id", "repo_name",
                   "sig_id", "source_name")


def real_response(name):
    return json.loads((REAL_RESPONSES / name).read_text())


def read(api, path, request_data=None, credentials=None, query=""):
    body = dict(credentials or ADMIN_CREDENTIALS)
    body["requestData"] = dict(ALL_TIME) if request_data is None else request_data
    return api.get(path + query, json=body).json()


def write(api, path, request_data, credentials=None):
    return api.post(path, json={**(credentials or ADMIN_CREDENTIALS), "requestData": {"version": "0.1", **request_data}}).json()


def statuses(api):
    return {incident["id"]: incident["status"] for incident in api.control("GET", "state")["incidents"].values()}


def test_seeds_cover_every_status_risk_and_type(api):
    incidents = api.control("GET", "state")["incidents"].values()
    assert {i["status"] for i in incidents} == {"unresolved", "resolved", "closed"}
    assert {i["risk_level"] for i in incidents} == {"low", "medium", "high", "critical"}
    assert {i["type"] for i in incidents} == {"Alert", "Search", "UEBA"}
    assert all(i["rows"] for i in incidents) and any(i["comments"] for i in incidents)


@pytest.mark.parametrize("version", ["0.1", 0.1, None])
def test_incidents_is_a_get_with_a_json_body_and_any_version_form(api, version):
    data = dict(ALL_TIME, **({} if version is None else {"version": version}))
    body = read(api, "/incidents", data)
    assert body["success"] is True and len(body["incidents"]) == 9


def test_incidents_hides_closed_ones_and_incident_states_answers_states(api):
    open_ids = {incident["id"] for incident in read(api, "/incidents")["incidents"]}
    assert CLOSED_OF_ADMIN not in open_ids and CRITICAL_OF_ADMIN in open_ids
    states = read(api, "/incident_states")
    assert "incidents" not in states
    by_id = {state["id"]: state for state in states["states"]}
    assert by_id[CLOSED_OF_ADMIN]["status"] == "closed"
    assert CRITICAL_OF_ADMIN not in by_id  # no state history yet: never assigned, commented or changed


def test_the_time_window_selects_by_detection_time(api):
    now = time.time()
    last_day = read(api, "/incidents", {"ts_from": int(now - 86400), "ts_to": int(now)})["incidents"]
    assert sorted(i["id"] for i in last_day) == ["65b000000000000000000001", "65b000000000000000000002",
                                                 "65b000000000000000000003", "65b000000000000000000004"]


@pytest.mark.parametrize("request_data", [{"ts_from": 10, "ts_to": 5}, {"ts_from": "a", "ts_to": 5}, {}])
def test_bad_time_ranges_are_200_success_false(api, request_data):
    response = api.get("/incidents", json={**ADMIN_CREDENTIALS, "requestData": request_data})
    assert response.status_code == 200 and response.json() == {"success": False, "message": "Invalid time range"}


@pytest.mark.parametrize("path", ["/incidents", "/incident_states", "/get_data_from_incident", "/get_users"])
def test_bad_credentials_are_200_authentication_failed(api, path):
    response = api.get(path, json={"username": "admin", "secret_key": "wrong", "requestData": ALL_TIME})
    assert response.status_code == 200
    assert response.json() == {"success": False, "message": "Authentication Failed"}


@pytest.mark.parametrize("query,expected", [
    ("?risk=critical", {"65b000000000000000000001", "65b000000000000000000002"}),
    ("?risk=low,medium&type=ueba", {"65b000000000000000000006", "65b000000000000000000009"}),
    ("?status=resolved&type=search", {"65b000000000000000000004"}),
    ("?name=vpn", {"65b000000000000000000005"}),
    ("?name=5eed65b0000000000000000000000003", {"65b000000000000000000003"}),
    ("?attack_tag=Brute%20Force", {"65b000000000000000000001", "65b000000000000000000005"}),
])
def test_url_filters_on_incidents(api, query, expected):
    assert {i["id"] for i in read(api, "/incidents", query=query)["incidents"]} == expected


def test_incidents_have_the_real_shape(api):
    uncommented = next(i for i in read(api, "/incidents")["incidents"] if not i["comments"])
    assert shape({"success": True, "incidents": [uncommented]}) == shape(real_response("incidents.json"))


def test_incident_states_have_the_real_shape(api):
    commented = next(s for s in read(api, "/incident_states")["states"] if s["comments"])
    assert shape({"success": True, "states": [commented]}) == shape(real_response("incident_states.json"))


def test_incident_data_rows_carry_the_common_keys_with_the_real_types(api):
    incident = read(api, "/incidents")["incidents"][0]
    body = read(api, "/get_data_from_incident", {"incident_obj_id": incident["id"],
                                                 "incident_id": incident["incident_id"],
                                                 "date": incident["detection_timestamp"]})
    real_row = real_response("get_data_from_incident.json")["rows"][0]
    assert body["success"] is True and len(body["rows"]) == incident["rows_count"]
    for row in body["rows"]:
        assert {key: shape(row[key]) for key in COMMON_ROW_KEYS} == {
            key: shape(real_row[key]) for key in COMMON_ROW_KEYS}


def test_incident_data_needs_both_matching_ids(api):
    body = read(api, "/get_data_from_incident", {"incident_obj_id": LOW_OF_ADMIN,
                                                 "incident_id": "5eed65b0000000000000000000000001"})
    assert body["success"] is False and "not found" in body["message"]


def test_lifecycle_resolve_then_close_then_reopen(api):
    assert write(api, "/close_incident", {"incident_ids": [LOW_OF_ADMIN]})["success"] is False  # not resolved yet
    assert write(api, "/resolve_incident", {"incident_ids": [LOW_OF_ADMIN]}) == {
        "success": True, "message": "Incidents resolved"}
    assert write(api, "/close_incident", {"incident_ids": [LOW_OF_ADMIN]}) == {
        "success": True, "message": "Incidents closed"}
    assert statuses(api)[LOW_OF_ADMIN] == "closed"
    assert write(api, "/reopen_incident", {"incident_ids": [LOW_OF_ADMIN]}) == {
        "success": True, "message": "Incidents reopened"}
    assert statuses(api)[LOW_OF_ADMIN] == "unresolved"
    assert write(api, "/reopen_incident", {"incident_ids": [LOW_OF_ADMIN]})["success"] is False


def test_only_the_assignee_resolves_and_a_refused_batch_changes_nothing(api):
    body = write(api, "/resolve_incident", {"incident_ids": [CRITICAL_OF_ADMIN, CRITICAL_OF_ANALYST]})
    assert body["success"] is False and "Only the assignee (analyst)" in body["message"]
    assert statuses(api)[CRITICAL_OF_ADMIN] == "unresolved"
    assert write(api, "/resolve_incident", {"incident_ids": [CRITICAL_OF_ANALYST]},
                 credentials=ANALYST_CREDENTIALS)["success"] is True


def test_assign_takes_a_user_id_and_unknown_ids_refuse_the_batch(api):
    assert write(api, "/assign_incident", {"incident_ids": [CRITICAL_OF_ANALYST], "new_assignee": seed.ADMIN_ID}) == {
        "success": True, "message": "Incidents re-assigned"}
    state = api.control("GET", "state")["incidents"][CRITICAL_OF_ANALYST]
    assert state["assigned_to"] == seed.ADMIN_ID and state["state_history"] is True
    unknown = write(api, "/assign_incident", {"incident_ids": [LOW_OF_ADMIN, "65b0ffffffffffffffffffff"],
                                              "new_assignee": seed.ANALYST_ID})
    assert unknown == {"success": False, "message": "Incident(s) not found: 65b0ffffffffffffffffffff"}
    nobody = write(api, "/assign_incident", {"incident_ids": [LOW_OF_ADMIN], "new_assignee": "nobody"})
    assert nobody == {"success": False, "message": "User 'nobody' not found"}
    assert api.control("GET", "state")["incidents"][LOW_OF_ADMIN]["assigned_to"] == seed.ADMIN_ID


def test_comments_have_title_comment_time_and_are_audited(api):
    body = write(api, "/add_incident_comment", {"states": [{"_id": LOW_OF_ADMIN, "comments": ["first", "second"]}]})
    assert body == {"success": True, "message": "Comments added"}
    state = {s["id"]: s for s in read(api, "/incident_states")["states"]}[LOW_OF_ADMIN]
    assert [(c["title"], c["comment"]) for c in state["comments"]] == [("admin", "first"), ("admin", "second")]
    assert all(isinstance(c["time"], int) for c in state["comments"])
    audit = [e for e in api.control("GET", "state")["audit_events"] if e["type"] == "Incident"]
    assert [(e["user"], e["action"], e["object"]) for e in audit] == [
        ("admin", "incident commented", "Disk usage above 85% on LogPoint-Primary")] * 2


@pytest.mark.parametrize("path,request_data", [
    ("/add_incident_comment", {"states": [{"_id": LOW_OF_ADMIN}]}),
    ("/add_incident_comment", {"states": []}),
    ("/resolve_incident", {"incident_ids": LOW_OF_ADMIN}),
    ("/close_incident", {}),
    ("/resolve_incident", {"incident_ids": [LOW_OF_ADMIN], "version": "2.0"}),
])
def test_malformed_writes_are_refused_and_change_nothing(api, path, request_data):
    before = api.control("GET", "state")["generation"]
    body = write(api, path, request_data)
    assert body["success"] is False and body["message"]
    assert api.control("GET", "state")["generation"] == before


def test_bulk_helper_makes_incidents_and_is_not_counted(api):
    api.control("DELETE", "requests")
    made = api.post("/_simulator/incidents", json={"count": 100, "risk": "low", "assignee": "analyst"}).json()
    assert len(made["ids"]) == 100 and made["ids"][0] == "65c000000000000000000001"
    assert api.control("GET", "requests")["total"] == 0
    open_ids = {i["id"] for i in read(api, "/incidents")["incidents"]}
    assert set(made["ids"]) <= open_ids
    assert api.post("/_simulator/incidents", json={"count": 2, "risk": "severe"}).status_code == 400
