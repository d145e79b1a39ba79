"""Director configapi incidents and monitorapi orders of the simulator (logpoint-api.md §9, §18)."""

import pytest
from logpoint_simulator import seed
from simtools import DIRECTOR_AUTH, DIRECTOR_BASE

INCIDENTS = DIRECTOR_BASE + "/Incidents"
CRITICAL_OF_ANALYST = "65b000000000000000000001"
LOW_OF_ADMIN = "65b000000000000000000007"
CLOSED_OF_ADMIN = "65b000000000000000000010"


def submit(api, path, data):
    response = api.post(INCIDENTS + path, json={"data": data}, headers=DIRECTOR_AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "Success"
    return body["message"]


def poll(api, order_path):
    return api.get("/" + order_path.lstrip("/"), headers=DIRECTOR_AUTH).json()


def finish(api, order_path):
    """Poll until the order has a result (at most 10 polls); returns the response part."""
    for attempt in range(10):
        body = poll(api, order_path)
        if body["response"]:
            return body["response"]
    raise AssertionError("order never finished")


def fetch(api, **filters):
    return finish(api, submit(api, "/fetch", filters))["result"]


def test_orders_are_pending_for_the_set_number_of_polls_then_answer(api):
    api.control("POST", "settings", json={"director_pending_polls": 2})
    path = submit(api, f"/{LOW_OF_ADMIN}/resolve", {"incident_user_id": seed.ADMIN_ID})
    assert path.startswith(f"/monitorapi/{seed.DIRECTOR_POOL}/{seed.DIRECTOR_LOGPOINT}/orders/")
    assert [poll(api, path)["response"], poll(api, path)["response"]] == [{}, {}]
    assert api.control("GET", "state")["incidents"][LOW_OF_ADMIN]["status"] == "unresolved"  # not done yet
    body = poll(api, path)
    assert body["response"] == {"success": True, "message": "Incident is resolved",
                                "audit_data": [{"action": "incident resolved",
                                                "document": "Disk usage above 85% on LogPoint-Primary"}]}
    assert body["pool_uuid"] == seed.DIRECTOR_POOL and body["logpoint_identifier"] == seed.DIRECTOR_LOGPOINT
    assert api.control("GET", "state")["incidents"][LOW_OF_ADMIN]["status"] == "resolved"


def test_never_finishing_orders_and_the_path_without_leading_slash(api):
    api.control("POST", "settings", json={"director_never_finish": True, "director_order_slash": False})
    path = submit(api, f"/{LOW_OF_ADMIN}/resolve", {"incident_user_id": seed.ADMIN_ID})
    assert path.startswith("monitorapi/")
    assert all(poll(api, path)["response"] == {} for attempt in range(5))
    assert api.control("GET", "state")["incidents"][LOW_OF_ADMIN]["status"] == "unresolved"
    assert len(fetch(api)) == 12  # reads still finish, so a client gets as far as its write


def test_orders_of_listed_incidents_never_finish_and_the_others_do(api):
    api.control("POST", "settings", json={"director_never_finish_incidents": [LOW_OF_ADMIN]})
    stuck = submit(api, f"/{LOW_OF_ADMIN}/resolve", {"incident_user_id": seed.ADMIN_ID})
    done = submit(api, f"/{CRITICAL_OF_ANALYST}/comment", {"incident_user_id": seed.ADMIN_ID, "comment": "x"})
    assert all(poll(api, stuck)["response"] == {} for attempt in range(5))
    assert finish(api, done)["success"] is True
    response = api.post("/_simulator/settings", json={"director_never_finish_incidents": "all"})
    assert response.status_code == 400 and "must be a list of incident ids" in response.json()["error"]


def test_fetch_orders_carry_the_incidents_of_every_status_and_a_data_node_suffix(api):
    path = submit(api, "/fetch", {})
    assert path.endswith("/datanode-01")
    incidents = finish(api, path)["result"]
    assert len(incidents) == 12 and {i["status"] for i in incidents} == {"unresolved", "resolved", "closed"}
    assert {"attack_tag", "log_source", "alertrule_id"} <= set(incidents[0])


@pytest.mark.parametrize("filters,expected", [
    ({"risk": ["critical"], "status": ["closed"]}, ["65b000000000000000000012"]),
    ({"type": ["UEBA"], "risk": ["low"]}, ["65b000000000000000000009"]),
    ({"assigned_to_users": [seed.ANALYST_ID], "status": ["closed", "resolved"]},
     ["65b000000000000000000006", "65b000000000000000000011"]),
    ({"name": "^(port|usb) "}, ["65b000000000000000000009", "65b000000000000000000011"]),
    ({"name": "5eed65b0000000000000000000000003"}, ["65b000000000000000000003"]),
    ({"attack_category": ["impact"]}, ["65b000000000000000000002"]),
    ({"log_source": ["Firewall"], "attack_tag": ["Application Layer Protocol"]},
     ["65b000000000000000000003", "65b000000000000000000008", "65b000000000000000000011"]),
])
def test_fetch_filters(api, filters, expected):
    assert sorted(i["id"] for i in fetch(api, **filters)) == expected


def test_fetch_time_window(api):
    everything = fetch(api)
    newest = max(i["detection_timestamp"] for i in everything)
    window = fetch(api, start_date=int(newest) - 1, end_date=int(newest) + 1)
    assert [i["id"] for i in window] == [CRITICAL_OF_ANALYST]


@pytest.mark.parametrize("path,data,message", [
    ("/fetch", {"start_date": 1}, "start_date and end_date must be given together"),
    ("/fetch", {"risk": "low"}, "risk must be a list"),
    ("/fetch", {"risk": ["severe"]}, "risk: invalid value(s) severe"),
    ("/fetch", {"name": "(["}, "name is not a valid regular expression"),
    (f"/{LOW_OF_ADMIN}/close", {}, "data.incident_user_id is required"),
    (f"/{LOW_OF_ADMIN}/comment", {"incident_user_id": seed.ADMIN_ID}, "data.comment is required"),
])
def test_malformed_calls_are_400(api, path, data, message):
    response = api.post(INCIDENTS + path, json={"data": data}, headers=DIRECTOR_AUTH)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "Failed" and body["message"].startswith(message)


def test_the_body_must_wrap_data(api):
    response = api.post(INCIDENTS + "/fetch", json={"risk": ["low"]}, headers=DIRECTOR_AUTH)
    assert response.status_code == 400 and "data" in response.json()["message"]


@pytest.mark.parametrize("incident,action,user,error", [
    (LOW_OF_ADMIN, "close", seed.ADMIN_ID, "it can only be closed when resolved"),
    (LOW_OF_ADMIN, "resolve", seed.ANALYST_ID, "Only the assignee (admin) can resolve"),
    (LOW_OF_ADMIN, "reopen", seed.ADMIN_ID, "it can only be reopened when resolved or closed"),
    (LOW_OF_ADMIN, "resolve", "65a0ffffffffffffffffffff", "Invalid user id"),
    ("65b0ffffffffffffffffffff", "resolve", seed.ADMIN_ID, "not found"),
])
def test_failing_orders_carry_errors(api, incident, action, user, error):
    response = finish(api, submit(api, f"/{incident}/{action}", {"incident_user_id": user}))
    assert response["success"] is False and error in response["errors"][0]
    assert api.control("GET", "state")["incidents"][LOW_OF_ADMIN]["status"] == "unresolved"


def test_an_incident_of_a_deleted_user_cannot_be_resolved_on_its_behalf(api):
    made = api.post("/_simulator/incidents", json={"assignee_id": "65a0ffffffffffffffffffff"}).json()["ids"]
    response = finish(api, submit(api, f"/{made[0]}/resolve", {"incident_user_id": "65a0ffffffffffffffffffff"}))
    assert response == {"success": False, "errors": ["Invalid user id"], "message": "Order failed"}


def test_reassign_makes_incident_user_id_the_assignee_who_may_then_close(api):
    finish(api, submit(api, f"/{LOW_OF_ADMIN}/reassign", {"incident_user_id": seed.ANALYST_ID}))
    for action in ("resolve", "close"):
        assert finish(api, submit(api, f"/{LOW_OF_ADMIN}/{action}", {"incident_user_id": seed.ANALYST_ID}))["success"]
    state = api.control("GET", "state")
    assert state["incidents"][LOW_OF_ADMIN]["assigned_to"] == seed.ANALYST_ID
    assert state["incidents"][LOW_OF_ADMIN]["status"] == "closed"
    assert [(e["user"], e["action"]) for e in state["audit_events"]] == [
        ("admin", "incident reassigned"), ("analyst", "incident resolved"), ("analyst", "incident closed")]


def test_reopen_comment_and_send_for_investigation(api):
    assert finish(api, submit(api, f"/{CLOSED_OF_ADMIN}/reopen", {"incident_user_id": seed.ADMIN_ID}))["success"]
    response = finish(api, submit(api, f"/{CLOSED_OF_ADMIN}/comment",
                                  {"incident_user_id": seed.ANALYST_ID, "comment": "Reopened for review"}))
    assert response["message"] == "Comment added."
    response = finish(api, submit(api, f"/{CLOSED_OF_ADMIN}/sendForInvestigation", {"incident_user_id": seed.ADMIN_ID}))
    assert response["message"] == "Incident sent for investigation"
    state = api.control("GET", "state")
    incident = state["incidents"][CLOSED_OF_ADMIN]
    assert incident["status"] == "unresolved" and incident["comments"][-1]["title"] == "analyst"
    assert state["audit_events"][-1]["action"] == "incident sent for investigation"


def test_incident_data_after_fetch_incident_data(api):
    response = api.get(f"{INCIDENTS}/IncidentData/{CRITICAL_OF_ANALYST}", headers=DIRECTOR_AUTH)
    assert response.status_code == 404 and "fetchIncidentData" in response.json()["message"]
    path = submit(api, f"/{CRITICAL_OF_ANALYST}/fetchIncidentData", {})
    assert path.endswith("/datanode-01-Logs/fetchLogData")
    assert finish(api, path)["success"] is True
    rows = api.get(f"{INCIDENTS}/IncidentData/{CRITICAL_OF_ANALYST}", headers=DIRECTOR_AUTH).json()
    assert isinstance(rows, list) and len(rows) == 2 and rows[0]["device_name"] == "dc-01"


def test_director_needs_its_token_and_known_pool(api):
    assert api.post(INCIDENTS + "/fetch", json={"data": {}}).status_code == 401
    wrong_pool = INCIDENTS.replace(seed.DIRECTOR_POOL, "00000000-0000-4000-8000-00000000000f")
    assert api.post(wrong_pool + "/fetch", json={"data": {}}, headers=DIRECTOR_AUTH).status_code == 404
    assert api.get(f"/monitorapi/{seed.DIRECTOR_POOL}/{seed.DIRECTOR_LOGPOINT}/orders/nope",
                   headers=DIRECTOR_AUTH).status_code == 404
