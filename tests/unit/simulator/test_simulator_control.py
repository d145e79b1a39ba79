"""The control API: health, reset, state, request counters, settings."""

import json

from logpoint_simulator.app import create_app
from logpoint_simulator.state import DEFAULT_SETTINGS


def test_health(api):
    assert api.control("GET", "health") == {"status": "ok"}


def test_counters_count_api_requests_by_method_and_path_but_not_control_calls(api):
    api.get_users()
    api.get("/get_users?debug=1", json={})
    api.allowed_data("loginspects")
    api.get("/no/such/path")
    api.control("GET", "state")
    api.control("GET", "health")

    assert api.control("GET", "requests") == {
        "total": 4,
        "by_endpoint": {"GET /get_users": 2, "POST /getalloweddata": 1, "GET /no/such/path": 1},
    }


def test_delete_requests_zeroes_the_counters(api):
    api.get_users()
    assert api.control("DELETE", "requests") == {"total": 0, "by_endpoint": {}}
    assert api.control("GET", "requests")["total"] == 0


def test_state_is_the_whole_state_as_json(api):
    state = api.control("GET", "state")
    assert [user["name"] for user in state["users"]] == ["admin", "analyst"]
    assert [logpoint["ip"] for logpoint in state["logpoints"]] == ["192.0.2.10", "192.0.2.20"]
    for name in ("alert_rules", "notifications", "director_orders", "searches"):
        assert state[name] == {}
    assert len(state["incidents"]) == 12  # seed_incidents.SEEDS
    lists = [entry["name"] for entry in state["lists"].values()]
    assert lists == ["KNOWN_SCANNERS", "VIP_USERS", "RECENT_FAILED_LOGONS"]
    assert len(state["lm_entries"]) == 3000
    assert state["audit_events"] == []
    assert state["settings"] == DEFAULT_SETTINGS
    assert isinstance(state["generation"], int)


def test_reset_restores_seed_settings_faults_and_counters(api):
    api.get_users()  # an audit row and a counted request
    api.control("POST", "settings", json={"validation_style": "detail"})
    api.control("POST", "faults", json={"status_5xx": 3})
    before = api.control("GET", "state")
    assert before["audit_events"] and before["settings"]["validation_style"] == "detail"

    assert api.control("POST", "reset") == {"status": "ok"}

    after = api.control("GET", "state")
    assert after["audit_events"] == []
    assert after["settings"] == DEFAULT_SETTINGS
    assert api.control("GET", "faults")["status_5xx"] == 0
    assert api.control("GET", "requests") == {"total": 0, "by_endpoint": {}}
    assert api.get_users().status_code == 200


def test_settings_merge(api):
    merged = api.control("POST", "settings", json={"jwt_error_style": "success_false", "director_pending_polls": 3})
    assert merged == DEFAULT_SETTINGS | {"jwt_error_style": "success_false", "director_pending_polls": 3}
    api.control("POST", "settings", json={"list_values": False})
    assert api.control("GET", "settings") == merged | {"list_values": False}


def test_unknown_or_invalid_settings_are_400_and_change_nothing(api):
    cases = {
        "no_such_setting": "unknown setting 'no_such_setting'",
        "validation_style": "validation_style must be one of 422, success_false, detail",
        "director_never_finish": "director_never_finish must be true or false",
        "director_pending_polls": "director_pending_polls must be an integer >= 0",
        "lm_rate_limit": "lm_rate_limit must be null or an integer >= 1",
    }
    for key, message in cases.items():
        response = api.post("/_simulator/settings", json={"jwt_error_style": "success_false", key: "bogus"})
        assert response.status_code == 400
        assert message in response.json()["error"]
    assert api.control("GET", "settings") == DEFAULT_SETTINGS


def test_settings_body_must_be_an_object(api):
    assert api.post("/_simulator/settings", json=["jwt_error_style"]).status_code == 400


def test_control_api_refuses_clients_that_are_not_on_loopback():
    client = create_app().test_client()
    remote = client.get("/_simulator/health", environ_base={"REMOTE_ADDR": "192.0.2.99"})
    local = client.get("/_simulator/health", environ_base={"REMOTE_ADDR": "::1"})
    assert remote.status_code == 403
    assert "loopback" in json.loads(remote.data)["error"]
    assert local.status_code == 200
