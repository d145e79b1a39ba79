"""The open questions of logpoint-api.md §19 as settings, and the default and strict profiles.

Each setting is proven in its default answer and each alternative over a real HTTPS simulator
(the module's `api` fixture, default profile, reset before every test); `strict_api` talks to a
simulator started with `profile="strict"`, which must keep that profile over resets.
"""

import re
import time

import pytest
import requests
from logpoint_simulator import seed, serve_in_thread
from logpoint_simulator.__main__ import main
from logpoint_simulator.app import create_app
from logpoint_simulator.profiles import OPEN_QUESTIONS, PROFILES
from logpoint_simulator.state import DEFAULT_SETTINGS
from simtools import (
    ADMIN_CREDENTIALS,
    DIRECTOR_AUTH,
    DIRECTOR_BASE,
    cli_simulator,
    fresh_client,
    get,
    mint_jwt,
    post,
    running_simulator,
)
from test_alert_rules import RULE, create, rule
from test_alert_rules_notifications import EMAIL, HTTP, http_body
from test_director import INCIDENTS, finish, submit
from test_logicmonitor import V3, lmv1
from test_logicmonitor import get as lm_get
from test_search import DOCUMENTED_AUDIT_QUERIES, finished

STRICT = DEFAULT_SETTINGS | PROFILES["strict"]
# post/get/create send simtools' alert-rule tokens, issued two minutes ago: the strict server's clock is
# 30 s behind, so a token issued "now" is refused.


@pytest.fixture(scope="module")
def strict_simulator(tmp_path_factory):
    with running_simulator(tmp_path_factory, "strict", profile="strict") as running:
        yield running


@pytest.fixture
def strict_api(strict_simulator):
    with fresh_client(strict_simulator) as client:
        yield client


def settings(api, **changes):
    return api.control("POST", "settings", json=changes)


# --- profiles -----------------------------------------------------------------------------------

def test_every_open_question_has_a_default_a_different_strict_answer_and_both_validate():
    for name, (default, strict, _allowed) in OPEN_QUESTIONS.items():
        assert DEFAULT_SETTINGS[name] == default and PROFILES["strict"][name] == strict != default
    assert create_app(profile="strict").test_client().get("/_simulator/settings").get_json() == STRICT


def test_the_default_profile_is_the_default_settings(api):
    assert api.control("GET", "profile") == {"profile": "default", "profiles": ["default", "strict"],
                                             "settings": DEFAULT_SETTINGS}
    assert api.control("GET", "settings") == DEFAULT_SETTINGS


def test_a_simulator_started_strict_answers_strict_and_resets_to_strict(strict_api):
    assert strict_api.control("GET", "settings") == STRICT
    settings(strict_api, alert_rule_owner_field="owner", validation_style="detail")
    strict_api.control("POST", "reset")
    assert strict_api.control("GET", "settings") == STRICT
    assert strict_api.control("GET", "state")["profile"] == "strict"


def test_switching_profile_through_the_control_api_keeps_data_and_survives_reset(api):
    rule_id = create(api)["id"]
    assert api.control("POST", "profile", json={"profile": "strict"})["settings"] == STRICT
    assert api.control("GET", "settings") == STRICT
    assert rule_id in api.control("GET", "state")["alert_rules"]  # data untouched
    api.control("POST", "reset")
    assert api.control("GET", "profile")["profile"] == "strict"
    assert api.control("GET", "settings") == STRICT
    api.control("POST", "profile", json={"profile": "default"})
    api.control("POST", "reset")
    assert api.control("GET", "settings") == DEFAULT_SETTINGS


@pytest.mark.parametrize("body", [{"profile": "lenient"}, {"profile": 1}, {}, ["strict"]])
def test_an_unknown_profile_is_400_and_changes_nothing(api, body):
    response = api.post("/_simulator/profile", json=body)
    assert response.status_code == 400 and "profile" in response.json()["error"]
    assert api.control("GET", "profile")["profile"] == "default"


def test_start_up_settings_go_on_top_of_the_profile_and_survive_reset_and_switches():
    client = create_app(profile="strict", settings={"alert_rule_owner_field": "owner"}).test_client()
    expected = STRICT | {"alert_rule_owner_field": "owner"}
    assert client.get("/_simulator/settings").get_json() == expected
    client.post("/_simulator/settings", json={"alert_rule_owner_field": "user"})
    client.post("/_simulator/reset")
    assert client.get("/_simulator/settings").get_json() == expected
    client.post("/_simulator/profile", json={"profile": "default"})
    assert client.get("/_simulator/settings").get_json() == DEFAULT_SETTINGS | {"alert_rule_owner_field": "owner"}


@pytest.mark.parametrize("kwargs,message", [
    ({"profile": "lenient"}, "unknown profile 'lenient'"),
    ({"settings": {"alert_rule_owner_field": "owner_id"}}, "alert_rule_owner_field must be one of owner, user"),
    ({"settings": {"no_such": 1}}, "unknown setting 'no_such'"),
])
def test_bad_profiles_and_start_up_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        create_app(**kwargs)
    with pytest.raises(ValueError, match=message):
        serve_in_thread(tls=False, **kwargs)


@pytest.mark.parametrize("key,value,message", [
    ("alert_rule_created_active", "no", "must be true or false"),
    ("alert_rule_list_rows", "everything", "must be one of full, summary"),
    ("alert_rule_timerange", True, "must be one of single_unit, per_unit"),
    ("notification_missing", 404, "must be one of empty, success_false, 404"),
    ("notification_secrets", None, "must be one of echo, mask, omit"),
    ("incident_states_window", "changed", "must be one of detected, modified"),
    ("director_incident_data", "nested", "must be one of flat, flat_text, grouped"),
    ("director_fetch_key", "data", "must be one of result, rows"),
    ("director_pool_id", "hex", "must be one of uuid, hex32"),
    ("director_messages", "real", "must be one of simulator, record"),
    ("lm_page_cap", 0, "must be null (off) or an integer >= 1"),
    ("jwt_clock_behind", -1, "must be an integer >= 0 (seconds)"),
    ("search_default_limit", False, "must be null (off) or an integer >= 1"),
    ("log_ts_format", "iso", "must be one of int, float, text"),
    ("jwt_clock_behind", 1.5, "must be an integer >= 0 (seconds)"),
    ("lm_offset_limit", "10000", "must be null (off) or an integer >= 1"),
])
def test_open_question_settings_are_validated(api, key, value, message):
    response = api.post("/_simulator/settings", json={key: value})
    assert response.status_code == 400 and message in response.json()["error"]
    assert api.control("GET", "settings") == DEFAULT_SETTINGS


def test_cli_starts_strict_with_settings_on_top_and_keeps_them_over_reset():
    with cli_simulator("--no-tls", "--profile", "strict", "--setting", "notification_missing=404",
                       "--setting", "lm_page_cap=20", "--setting", "search_default_limit=null",
                       "--setting", "alert_rule_owner_field=owner") as (url, _line):
        control = f"{url}/_simulator"
        expected = STRICT | {"notification_missing": "404", "lm_page_cap": 20, "search_default_limit": None,
                             "alert_rule_owner_field": "owner"}
        assert requests.get(f"{control}/settings", timeout=10).json() == expected
        requests.post(f"{control}/settings", json={"lm_page_cap": None}, timeout=10)
        requests.post(f"{control}/reset", timeout=10)
        assert requests.get(f"{control}/profile", timeout=10).json()["profile"] == "strict"
        assert requests.get(f"{control}/settings", timeout=10).json() == expected


@pytest.mark.parametrize("argv,message", [
    (["--profile", "lenient"], "invalid choice: 'lenient'"),
    (["--setting", "lm_page_cap"], "is not KEY=VALUE"),
    (["--setting", "lm_page_cap=0"], "--setting lm_page_cap=0: lm_page_cap must be null (off) or an integer >= 1"),
    (["--setting", "no_such=1"], "unknown setting 'no_such'"),
    (["--setting", "director_fetch_key=data"], "director_fetch_key must be one of result, rows"),
])
def test_cli_refuses_unknown_profiles_and_bad_settings(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


# --- §19.1-3, 10: alert rules ---------------------------------------------------------------------

def stored(api, rule_id):
    return api.control("GET", "state")["alert_rules"][rule_id]


def test_new_rules_are_active_by_default_and_inactive_when_set(api):
    assert stored(api, create(api)["id"])["active"] is True
    settings(api, alert_rule_created_active=False)
    inactive = create(api, rule(name="Second brute force rule"))["id"]
    assert get(api, "/AlertRules/read_api", id=inactive).json()["data"]["active"] is False
    assert [row["active"] for row in get(api, "/AlertRules/lists_api").json()["rows"]] == [True, False]


def test_strict_rules_are_created_inactive(strict_api):
    assert stored(strict_api, create(strict_api)["id"])["active"] is False


def test_list_rows_carry_the_model_with_return_all_data_by_default(api):
    create(api)
    summary = get(api, "/AlertRules/lists_api").json()["rows"][0]
    assert set(summary) == {"id", "name", "description", "risk", "active", "owner"}
    full = get(api, "/AlertRules/lists_api", return_all_data="true").json()["rows"][0]
    assert full["search_params"]["repos"] == RULE["search_params"]["repos"] and full["owner"] == "admin"


@pytest.mark.parametrize("all_data", [None, "false", "true"])
def test_summary_list_rows_never_carry_the_model_which_only_read_api_returns(api, all_data):
    rule_id = create(api)["id"]
    settings(api, alert_rule_list_rows="summary")
    params = {} if all_data is None else {"return_all_data": all_data}
    rows = get(api, "/AlertRules/lists_api", **params).json()["rows"]
    assert rows == [{"id": rule_id, "name": RULE["name"], "active": True, "owner": "admin"}]
    data = get(api, "/AlertRules/read_api", id=rule_id).json()["data"]
    assert data["search_params"]["query"] == RULE["search_params"]["query"]


def test_the_owner_field_can_be_named_user_in_rows_and_reads(api):
    rule_id = create(api)["id"]
    settings(api, alert_rule_owner_field="user")
    for params in ({}, {"return_all_data": "true"}):
        row = get(api, "/AlertRules/lists_api", **params).json()["rows"][0]
        assert row["user"] == "admin" and "owner" not in row
    data = get(api, "/AlertRules/read_api", id=rule_id).json()["data"]
    assert data["user"] == "admin" and "owner" not in data
    assert list(data).index("user") == list(stored(api, rule_id)).index("owner")


def test_strict_list_rows_are_summaries_with_user(strict_api):
    rule_id = create(strict_api)["id"]
    rows = get(strict_api, "/AlertRules/lists_api", return_all_data="true").json()["rows"]
    assert rows == [{"id": rule_id, "name": RULE["name"], "active": False, "user": "admin"}]
    data = get(strict_api, "/AlertRules/read_api", id=rule_id).json()["data"]
    assert data["user"] == "admin" and "owner" not in data and "taxonomy" in data


def test_single_unit_time_ranges_take_any_count_up_to_30_days_but_one_unit(api):
    assert create(api, rule(**{"search_params.timerange_hour": None, "search_params.timerange_minute": 90}))
    two_units = post(api, "/AlertRules/create_api", rule(**{"search_params.timerange_minute": 30}))
    assert two_units.status_code == 422
    assert "exactly one" in two_units.json()["validationErrors"]["search_params"]["timerange"]


@pytest.mark.parametrize("changes,field,text", [
    ({"search_params.timerange_hour": None, "search_params.timerange_minute": 90}, "timerange_minute",
     "at most 59"),
    ({"search_params.timerange_hour": 721}, "timerange_hour", "at most 720"),
    ({"search_params.timerange_hour": None, "search_params.timerange_day": 31}, "timerange_day", "at most 30"),
    ({"search_params.timerange_hour": 1, "search_params.timerange_day": 30}, "timerange",
     "between 1 minute and 30 days"),
    ({"search_params.timerange_hour": None}, "timerange", "at least one"),
])
def test_per_unit_time_ranges_are_limited_per_unit(api, changes, field, text):
    settings(api, alert_rule_timerange="per_unit")
    response = post(api, "/AlertRules/create_api", rule(name="Per unit limited rule", **changes))
    assert response.status_code == 422
    assert text in response.json()["validationErrors"]["search_params"][field]
    assert api.control("GET", "state")["alert_rules"] == {}


def test_per_unit_time_ranges_may_combine_units(api):
    settings(api, alert_rule_timerange="per_unit")
    body = rule(**{"search_params.timerange_minute": 30, "search_params.search_interval_minute": 15})
    params = stored(api, create(api, body)["id"])["search_params"]
    assert (params["timerange_hour"], params["timerange_minute"]) == (1, 30)
    divides = post(api, "/AlertRules/create_api", rule(name="Ninety minutes by ten", **{
        "search_params.timerange_minute": 30, "search_params.search_interval_minute": 20}))
    assert "divide the time range (90 minutes)" in divides.json()["validationErrors"]["search_params"][
        "search_interval_minute"]


def test_strict_time_range_refusals_follow_the_validation_style(strict_api):
    settings(strict_api, validation_style="success_false")
    body = rule(**{"search_params.timerange_hour": None, "search_params.timerange_minute": 90})
    response = post(strict_api, "/AlertRules/create_api", body)
    assert response.status_code == 200 and response.json()["success"] is False
    assert response.json()["validationErrors"]["search_params"]["timerange_minute"] == (
        "must be an integer of at least 1 and at most 59")


# --- §19.4-5: notification reads ----------------------------------------------------------------

@pytest.mark.parametrize("style,status,body", [
    ("empty", 200, {"success": True, "data": {}, "message": "email notification"}),
    ("success_false", 200, {"success": False, "message": "No email notification for alert rule {id}"}),
    ("404", 404, {"success": False, "message": "No email notification for alert rule {id}"}),
])
def test_reading_a_notification_a_rule_does_not_have(api, style, status, body):
    rule_id = create(api)["id"]
    if style != "empty":
        settings(api, notification_missing=style)
    response = get(api, f"{EMAIL}/read_api", id=rule_id)
    expected = {key: value.format(id=rule_id) if isinstance(value, str) else value for key, value in body.items()}
    assert (response.status_code, response.json()) == (status, expected)


def test_strict_notification_reads_of_a_missing_notification_are_success_false(strict_api):
    rule_id = create(strict_api)["id"]
    for path in (EMAIL, HTTP):
        response = get(strict_api, f"{path}/read_api", id=rule_id)
        assert response.status_code == 200 and response.json()["success"] is False


HEADERS = {
    "api_token": ({"auth_type": "api_token", "auth_key": "X-Api-Key", "auth_value": "token-1"}, "auth_value"),
    "basic_auth": ({"auth_type": "basic_auth", "auth_key": "svc", "auth_pass": "pass-1"}, "auth_pass"),
    "bearer_token": ({"auth_type": "bearer_token", "auth_key": "bearer-1"}, "auth_key"),
}


def read_header(api, header, name=RULE["name"]):
    rule_id = create(api, rule(name=name))["id"]
    assert post(api, f"{HTTP}/create_api", http_body(rule_id, http_header=header)).json()["success"] is True
    return get(api, f"{HTTP}/read_api", id=rule_id).json()["data"]["http_header"]


@pytest.mark.parametrize("auth_type", HEADERS)
@pytest.mark.parametrize("style", ["echo", "mask", "omit"])
def test_notification_secrets_are_echoed_masked_or_omitted(api, auth_type, style):
    header, secret = HEADERS[auth_type]
    settings(api, notification_secrets=style)
    expected = {"echo": header, "mask": header | {secret: "********"},
                "omit": {key: value for key, value in header.items() if key != secret}}[style]
    assert read_header(api, header) == expected
    stored = api.control("GET", "state")["notifications"]
    assert [kinds["http"]["http_header"] for kinds in stored.values()] == [header]  # stored as sent


def test_strict_notification_secrets_are_masked(strict_api):
    header, _secret = HEADERS["basic_auth"]
    assert read_header(strict_api, header) == header | {"auth_pass": "********"}
    assert read_header(strict_api, {"auth_type": "None"}, name="Rule without auth") == {"auth_type": "None"}


# --- §19.6: /incident_states window ---------------------------------------------------------------

OLD_CLOSED = "65b000000000000000000012"  # detected twelve days ago, commented two hours after
RESOLVED = "65b000000000000000000004"  # detected 20 hours ago, commented 18 hours ago


def incident_states(api, ts_from, ts_to):
    body = {**ADMIN_CREDENTIALS, "requestData": {"version": "0.1", "ts_from": ts_from, "ts_to": ts_to}}
    answer = api.get("/incident_states", json=body).json()
    assert answer["success"] is True
    return sorted(state["id"] for state in answer["states"])


def comment_now(api, incident_id):
    body = {**ADMIN_CREDENTIALS, "requestData": {"version": "0.1", "states": [
        {"_id": incident_id, "comments": ["looked again"]}]}}
    assert api.post("/add_incident_comment", json=body).json()["success"] is True


def around(moment, slack=600):
    return int(moment) - slack, int(moment) + slack


def test_incident_states_select_by_detection_by_default(api):
    now = time.time()
    comment_now(api, OLD_CLOSED)
    assert OLD_CLOSED not in incident_states(api, *around(now))
    assert OLD_CLOSED in incident_states(api, *around(now - 12 * 86400))
    assert RESOLVED in incident_states(api, *around(now - 20 * 3600))
    assert RESOLVED not in incident_states(api, *around(now - 18 * 3600))


def test_incident_states_select_by_last_change_when_modified(api):
    settings(api, incident_states_window="modified")
    now = time.time()
    assert OLD_CLOSED in incident_states(api, *around(now - 12 * 86400 + 2 * 3600))  # its comment
    assert OLD_CLOSED not in incident_states(api, *around(now - 12 * 86400))
    assert RESOLVED in incident_states(api, *around(now - 18 * 3600))
    assert RESOLVED not in incident_states(api, *around(now - 20 * 3600))
    assert incident_states(api, *around(now)) == []
    comment_now(api, OLD_CLOSED)
    assert incident_states(api, *around(now)) == [OLD_CLOSED]


def test_strict_incident_states_select_by_last_change(strict_api):
    comment_now(strict_api, OLD_CLOSED)
    assert incident_states(strict_api, *around(time.time())) == [OLD_CLOSED]


# --- §19.7: Director ------------------------------------------------------------------------------

DATA_INCIDENT = "65b000000000000000000001"  # two log rows
TEXT_TIME = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d$")


def incident_data(api, base=INCIDENTS):
    assert finish(api, submit(api, f"/{DATA_INCIDENT}/fetchIncidentData", {}))["success"] is True
    response = api.get(f"{base}/IncidentData/{DATA_INCIDENT}", headers=DIRECTOR_AUTH)
    assert response.status_code == 200
    return response.json()


def stored_rows(api):
    return api.control("GET", "state")["incidents"][DATA_INCIDENT]["rows"]


def test_incident_data_rows_are_flat_as_stored_by_default(api):
    rows = incident_data(api)
    assert rows == stored_rows(api) and isinstance(rows[0]["log_ts"], int)


def test_incident_data_rows_flat_with_text_timestamps(api):
    settings(api, director_incident_data="flat_text")
    rows, stored = incident_data(api), stored_rows(api)
    assert len(rows) == 2 and all(TEXT_TIME.match(row["log_ts"]) and TEXT_TIME.match(row["col_ts"]) for row in rows)
    assert time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(stored[0]["log_ts"])) == rows[0]["log_ts"]
    assert {key: value for key, value in rows[0].items() if not key.endswith("_ts")} == {
        key: value for key, value in stored[0].items() if not key.endswith("_ts")}


def test_incident_data_rows_grouped_with_participating_events(api):
    settings(api, director_incident_data="grouped")
    stored = stored_rows(api)
    assert incident_data(api) == [{"log_ts": max(row["log_ts"] for row in stored), "_participating_events": stored}]


def test_fetch_results_under_rows_when_set(api):
    assert len(finish(api, submit(api, "/fetch", {}))["result"]) == 12
    settings(api, director_fetch_key="rows")
    response = finish(api, submit(api, "/fetch", {"risk": ["critical"]}))
    assert "result" not in response and len(response["rows"]) == 3


def test_the_pool_is_named_in_32_hex_when_set_and_both_forms_are_accepted(api):
    hex_base = INCIDENTS.replace(seed.DIRECTOR_POOL, seed.DIRECTOR_POOL_HEX)
    assert api.post(hex_base + "/fetch", json={"data": {}}, headers=DIRECTOR_AUTH).status_code == 404
    settings(api, director_pool_id="hex32")
    path = submit(api, "/fetch", {})
    assert path.startswith(f"/monitorapi/{seed.DIRECTOR_POOL_HEX}/{seed.DIRECTOR_LOGPOINT}/orders/")
    body = api.get(path, headers=DIRECTOR_AUTH).json()
    assert body["pool_uuid"] == seed.DIRECTOR_POOL_HEX
    dashed = path.replace(seed.DIRECTOR_POOL_HEX, seed.DIRECTOR_POOL)
    assert api.get(dashed, headers=DIRECTOR_AUTH).json()["response"]["success"] is True
    hex_call = api.post(hex_base + "/fetch", json={"data": {}}, headers=DIRECTOR_AUTH)
    assert hex_call.status_code == 200 and seed.DIRECTOR_POOL_HEX in hex_call.json()["message"]
    users = DIRECTOR_BASE.replace(seed.DIRECTOR_POOL, seed.DIRECTOR_POOL_HEX) + "/Users"
    assert api.get(users, headers=DIRECTOR_AUTH).status_code == 200
    assert api.post(INCIDENTS.replace(seed.DIRECTOR_POOL, "f" * 32) + "/fetch", json={"data": {}},
                    headers=DIRECTOR_AUTH).status_code == 404


@pytest.mark.parametrize("style,message", [
    ("simulator", "Incident sent for investigation"), ("record", "Successfully sent for investigation")])
def test_director_message_texts(api, style, message):
    settings(api, director_messages=style)
    response = finish(api, submit(api, f"/{DATA_INCIDENT}/sendForInvestigation", {"incident_user_id": seed.ADMIN_ID}))
    assert response["message"] == message
    assert finish(api, submit(api, f"/{DATA_INCIDENT}/comment", {"incident_user_id": seed.ADMIN_ID,
                                                                 "comment": "x"}))["message"] == "Comment added."


def test_strict_director(strict_api):
    path = submit(strict_api, "/fetch", {"status": ["closed"]})
    assert f"/{seed.DIRECTOR_POOL_HEX}/" in path
    assert len(finish(strict_api, path)["rows"]) == 3
    groups = incident_data(strict_api)
    assert len(groups) == 1 and len(groups[0]["_participating_events"]) == 2
    response = finish(strict_api, submit(strict_api, f"/{DATA_INCIDENT}/sendForInvestigation",
                                         {"incident_user_id": seed.ADMIN_ID}))
    assert response["message"] == "Successfully sent for investigation"


# --- §19.8: LogicMonitor page cap and depth -----------------------------------------------------

def lm_page(api, **params):
    response = lm_get(api, headers={**lmv1(), **V3}, **params)
    return response.status_code, response.json()


def test_lm_pages_hold_what_size_asks_and_page_deep_by_default(api):
    status, body = lm_page(api, size=1000, offset=9500)
    assert status == 200 and body["items"] == [] and body["total"] == 3000
    assert len(lm_page(api, size=1000)[1]["items"]) == 1000


def test_lm_page_cap_cuts_pages_silently(api):
    settings(api, lm_page_cap=50)
    status, body = lm_page(api, size=1000)
    assert status == 200 and len(body["items"]) == 50 and body["total"] == 3000
    following = lm_page(api, size=1000, offset=50)[1]["items"]
    assert following[0]["happenedOn"] == body["items"][-1]["happenedOn"] - 300  # the next entry, none skipped
    v1 = lm_get(api, size=200).json()["data"]
    assert len(v1["items"]) == 50 and set(v1) == {"total", "items", "searchId"}
    assert len(lm_page(api, size=20)[1]["items"]) == 20


def test_lm_offset_limit_refuses_pages_past_the_depth(api):
    settings(api, lm_offset_limit=10000)
    assert lm_page(api, size=1000, offset=9000)[0] == 200
    status, body = lm_page(api, size=1000, offset=9001)
    assert status == 400 and body["errorCode"] == 1400 and "must not exceed 10000" in body["errorMessage"]
    v1 = lm_get(api, offset=9951).json()  # default size 50
    assert v1["status"] == 1400 and "offset + size" in v1["errmsg"]


def test_strict_lm_caps_at_50_and_limits_depth_to_10000(strict_api):
    assert len(lm_page(strict_api, size=1000)[1]["items"]) == 50
    assert lm_page(strict_api, size=1000, offset=9500)[0] == 400


# --- §19.9: the appliance clock behind the client -----------------------------------------------

REPOS = "/Repo/get_all_searchable_logpoint"


def token_answer(api, seconds_ago=0, lifetime=3600, **claims):
    now = int(time.time())
    token = mint_jwt(iat=now - seconds_ago, exp=now - seconds_ago + lifetime, **claims)
    response = api.jwt_post(REPOS, token)
    return response.status_code, response.json()


def test_the_clock_agrees_with_the_client_by_default_with_no_leeway_on_iat(api):
    assert token_answer(api)[0] == 200
    assert token_answer(api, seconds_ago=-5) == (
        401, {"error": "invalid token: The token is not yet valid (iat)", "status_code": 401})
    assert token_answer(api, nbf=int(time.time()) + 5)[1]["error"] == "invalid token: The token is not yet valid (nbf)"
    assert token_answer(api, seconds_ago=70, lifetime=60)[1]["error"] == "token expired"


def test_a_server_clock_behind_refuses_tokens_issued_in_its_future_and_honours_exp_later(api):
    settings(api, jwt_clock_behind=30)
    assert token_answer(api) == (401, {"error": "invalid token: The token is not yet valid (iat)", "status_code": 401})
    assert token_answer(api, seconds_ago=25)[0] == 401
    assert token_answer(api, seconds_ago=35)[0] == 200
    assert token_answer(api, seconds_ago=80, lifetime=60)[0] == 200  # expired for the client, not yet for the server
    assert token_answer(api, seconds_ago=100, lifetime=60)[1]["error"] == "token expired"
    settings(api, jwt_error_style="success_false")
    assert token_answer(api) == (200, {"success": False, "message": "invalid token: The token is not yet valid (iat)"})


def test_strict_clock_is_30_seconds_behind(strict_api):
    assert token_answer(strict_api)[0] == 401
    assert token_answer(strict_api, seconds_ago=60)[0] == 200


# --- §19.11 and "also found": search default limit, log_ts format -------------------------------

def log_in(api, times):
    for attempt in range(times):  # pylint: disable=unused-variable
        assert api.get_users().status_code == 200  # each body-credential login is an audit row


def test_searches_without_a_limit_get_every_row_by_default(api):
    log_in(api, 60)
    assert len(finished(api, "label=Logpoint")["rows"]) > 100


def test_a_server_default_limit_cuts_searches_that_send_none_of_every_kind(api):
    settings(api, search_default_limit=10)
    assert len(finished(api, "label=Harddisk")["rows"]) == 10
    chart = finished(api, "label=Harddisk | chart count() by log_ts")
    assert len(chart["rows"]) == 10 and chart["num_aggregated"] == 48
    assert len(finished(api, "label=Harddisk", limit=20)["rows"]) == 20
    assert len(finished(api, "label=Harddisk | chart count() by log_ts", limit=20)["rows"]) == 48


def test_strict_searches_without_a_limit_stop_at_100_rows(strict_api):
    log_in(strict_api, 60)
    assert len(finished(strict_api, "label=Logpoint")["rows"]) == 100
    assert len(finished(strict_api, "label=Logpoint", limit=1000)["rows"]) > 100


@pytest.mark.parametrize("style,kind", [("int", int), ("float", float), ("text", str)])
def test_log_ts_of_search_rows_as_int_float_or_text(api, style, kind):
    settings(api, log_ts_format=style)
    api.get_users()
    simple = finished(api, "label=Harddisk | fields log_ts, use")["rows"]
    chart = finished(api, "label=Harddisk | chart count() by log_ts")["rows"]
    audit = finished(api, DOCUMENTED_AUDIT_QUERIES[1])["rows"]
    for row in simple + chart + audit:
        assert isinstance(row["log_ts"], kind) and not isinstance(row["log_ts"], bool)
    stored = [event["log_ts"] for event in api.control("GET", "state")["audit_events"]]
    assert all(isinstance(moment, int) for moment in stored)  # stored as epoch ints, only shown differently
    render = {"int": int, "float": float, "text": lambda moment: time.strftime("%Y/%m/%d %H:%M:%S",
                                                                               time.gmtime(moment))}[style]
    logins = [row["log_ts"] for row in audit if row["user"] == "admin"]
    assert logins and set(logins) <= {render(moment) for moment in stored}


def test_strict_log_ts_is_text(strict_api):
    rows = finished(strict_api, "label=Harddisk | fields log_ts, use", limit=3)["rows"]
    assert all(TEXT_TIME.match(row["log_ts"]) for row in rows)
    assert len({row["log_ts"] for row in rows}) == 3
