"""Fault injection: each fault, its counter, path_prefix, and that control calls are never faulted."""

import concurrent.futures
import time

import flask
import pytest
import requests
from logpoint_simulator.app import create_app
from logpoint_simulator.state import current_state
from simtools import mint_jwt

WRITE_PATH = "/_test/write"


@pytest.fixture(scope="module")
def simulator(simulator):
    """The module's simulator plus a route that writes: the API families of this issue only read."""
    writes = flask.Blueprint("test_writes", __name__)

    @writes.post(WRITE_PATH)
    def write():
        state = current_state()
        with state.lock:
            state.lm_entries.append({"written": True})
            state.mutated()
        return {"success": True}

    # Before the first request, while Flask still accepts routes.
    simulator.app.register_blueprint(writes)
    return simulator


def audit_rows(api):
    return len(api.control("GET", "state")["audit_events"])


def test_status_5xx_answers_html_502_without_running_the_handler(api):
    api.control("POST", "faults", json={"status_5xx": 2})
    for attempt in range(2):
        response = api.get_users()
        assert response.status_code == 502, attempt
        assert response.headers["Content-Type"].startswith("text/html")
        assert "<h1>502 Bad Gateway</h1>" in response.text
    assert audit_rows(api) == 0  # the login never happened
    assert api.get_users().status_code == 200
    assert api.control("GET", "faults")["status_5xx"] == 0


def test_counted_faults_are_spent_exactly_once_under_concurrent_requests(api):
    api.control("POST", "faults", json={"status_5xx": 5})
    url = api.base_url + "/no/such/path"
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:  # one connection per request
        statuses = list(pool.map(lambda _: requests.get(url, verify=api.ca_path, timeout=10).status_code, range(24)))
    assert statuses.count(502) == 5
    assert statuses.count(404) == 19


def test_success_false_answers_200_without_running_the_handler(api):
    api.control("POST", "faults", json={"success_false": 1})
    response = api.get_users()
    assert response.status_code == 200
    assert response.json() == {"success": False, "message": "simulated failure"}
    assert audit_rows(api) == 0
    assert api.get_users().json()["success"] is True


def test_truncate_cuts_json_bodies_in_half_with_a_matching_length(api):
    whole = api.get_users().content
    api.control("POST", "faults", json={"truncate": 1})
    response = api.get_users()
    assert response.status_code == 200
    assert response.content == whole[: len(whole) // 2]
    assert int(response.headers["Content-Length"]) == len(whole) // 2
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert api.get_users().content == whole


def test_truncate_leaves_bodies_that_are_not_json_alone(api):
    api.control("POST", "faults", json={"truncate": 1, "path_prefix": "/no"})
    assert api.get("/no/such/path").status_code == 404  # Flask's HTML 404 page
    assert api.control("GET", "faults")["truncate"] == 1


def test_drop_after_write_applies_the_write_and_closes_without_a_reply(api):
    seeded = len(api.control("GET", "state")["lm_entries"])
    api.control("POST", "faults", json={"drop_after_write": 1})
    assert api.get_users().status_code == 200  # a read, even with a login audit row, is not dropped
    assert api.control("GET", "faults")["drop_after_write"] == 1

    with pytest.raises(requests.ConnectionError):
        api.post(WRITE_PATH)
    assert api.control("GET", "state")["lm_entries"][seeded:] == [{"written": True}]
    assert api.control("GET", "faults")["drop_after_write"] == 0

    assert api.post(WRITE_PATH).json() == {"success": True}
    assert len(api.control("GET", "state")["lm_entries"]) == seeded + 2


def test_path_prefix_restricts_every_counter(api):
    api.control(
        "POST", "faults", json={"status_5xx": 1, "success_false": 1, "drop_after_write": 1, "path_prefix": "/Repo/"}
    )
    assert api.get_users().status_code == 200
    assert api.post(WRITE_PATH).status_code == 200
    assert api.control("GET", "faults") == {
        "latency_ms": 0,
        "status_5xx": 1,
        "drop_after_write": 1,
        "truncate": 0,
        "success_false": 1,
        "path_prefix": "/Repo/",
    }
    token = mint_jwt()
    assert api.jwt_post("/Repo/get_all_searchable_logpoint", token).status_code == 502
    assert api.jwt_post("/Repo/get_all_searchable_logpoint", token).json()["message"] == "simulated failure"
    assert api.jwt_post("/Repo/get_all_searchable_logpoint", token).json()["rows"]


def test_latency_delays_matching_api_requests(api):
    api.control("POST", "faults", json={"latency_ms": 300, "path_prefix": "/get_users"})
    started = time.monotonic()
    api.get_users()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.allowed_data("loginspects")
    api.control("GET", "health")
    assert time.monotonic() - started < 0.3


def test_command_line_latency_delays_every_api_request_but_not_control_calls():
    client = create_app(latency_ms=200).test_client()
    started = time.monotonic()
    client.get("/_simulator/health")
    assert time.monotonic() - started < 0.2
    client.get("/get_users", json={})
    assert time.monotonic() - started >= 0.2


def test_faults_never_touch_control_calls(api):
    api.control("POST", "faults", json={"status_5xx": 1, "success_false": 1, "truncate": 1})
    assert api.control("GET", "health") == {"status": "ok"}
    assert api.control("GET", "faults")["status_5xx"] == 1


def test_post_faults_replaces_the_configuration(api):
    api.control("POST", "faults", json={"status_5xx": 1, "path_prefix": "/AlertRules"})
    assert api.control("POST", "faults", json={"truncate": 2}) == {
        "latency_ms": 0,
        "status_5xx": 0,
        "drop_after_write": 0,
        "truncate": 2,
        "success_false": 0,
        "path_prefix": None,
    }


def test_delete_faults_clears_them(api):
    api.control("POST", "faults", json={"status_5xx": 5, "latency_ms": 10})
    cleared = api.control("DELETE", "faults")
    assert cleared["status_5xx"] == 0 and cleared["latency_ms"] == 0
    assert api.get_users().status_code == 200


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"status_500": 1}, "unknown fault 'status_500'"),
        ({"truncate": -1}, "truncate must be an integer >= 0"),
        ({"truncate": True}, "truncate must be an integer >= 0"),
        ({"path_prefix": 5}, "path_prefix must be a string or null"),
        (["status_5xx"], "faults must be a JSON object"),
    ],
)
def test_invalid_faults_are_400(api, config, message):
    response = api.post("/_simulator/faults", json=config)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert api.control("GET", "faults")["truncate"] == 0
