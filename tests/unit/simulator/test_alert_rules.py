"""Alert rules API of the simulator: the §4 endpoints, their validation and the §18 decisions."""

import copy

import pytest
from logpoint_simulator import seed
from simtools import RULES_READ as READ
from simtools import RULES_WRITE as WRITE
from simtools import create_rule, get, post
WINDOWS = "192.0.2.10:5504/windows"

RULE = {
    "name": "Brute force detection",
    "description": "many failed logons",
    "search_params": {
        "query": "label=User label=Login label=Fail | chart count() by user",
        "timerange_hour": 1,
        "repos": [WINDOWS],
        "limit": 100,
        "flush_on_trigger": False,
        "search_interval_minute": 10,
        "throttling_enabled": False,
    },
    "incident_condition": {"condition_option": "greaterthan", "condition_value": 5, "risk": "high", "aggregate": "max"},
    "taxonomy": {"attack_tag_hashes": [], "logsources": ["Windows"], "metadata": [{"field": "ref", "value": "x"}]},
    "incident_ownership": {"assignee": seed.ADMIN_ID, "visible_to_usergroups": [seed.ANALYSTS_GROUP_ID]},
    "incident_display_data": {"apply_jinja_template": False, "simple_view": False},
    "foureyes": {"original_data": False},
}


def rule(**changes):
    """RULE with dotted-path changes: rule(**{"search_params.limit": 5}); a value of None deletes the key."""
    body = copy.deepcopy(RULE)
    for path, value in changes.items():
        *sections, field = path.split(".")
        target = body
        for section in sections:
            target = target[section]
        if value is None:
            target.pop(field, None)
        else:
            target[field] = value
    return body


def create(api, body=None):
    return create_rule(api, body or RULE)


def test_create_answers_name_id_message_and_stores_the_model_with_loose_types(api):
    answer = create(api)
    assert set(answer) == {"name", "id", "message"} and answer["name"] == RULE["name"]
    stored = api.control("GET", "state")["alert_rules"][answer["id"]]
    assert len(answer["id"]) == 24 and len(stored["alertrule_id"]) == 32
    assert stored["incident_condition"]["condition_value"] == "5"
    assert stored["active"] is True and stored["owner"] == "admin"
    assert stored["search_params"]["repos"] == [WINDOWS]


def test_read_returns_the_full_rule_under_data(api):
    rule_id = create(api)["id"]
    data = get(api, "/AlertRules/read_api", id=rule_id).json()["data"]
    assert data["id"] == rule_id and data["name"] == RULE["name"]
    assert data["taxonomy"]["metadata"] == [{"field": "ref", "value": "x"}]


@pytest.mark.parametrize("style,status,body", [
    ("success_false", 200, {"success": False, "message": "Alert rule not found"}),
    ("404", 404, {"success": False, "message": "Alert rule not found"}),
])
def test_read_of_an_unknown_id_follows_the_not_found_setting(api, style, status, body):
    api.control("POST", "settings", json={"alert_rule_not_found": style})
    response = get(api, "/AlertRules/read_api", id="0" * 24)
    assert (response.status_code, response.json()) == (status, body)


def test_list_pages_with_default_25_and_returns_summaries_unless_all_data(api):
    for number in range(30):
        create(api, rule(name=f"Rule number {number:02d}"))
    first = get(api, "/AlertRules/lists_api").json()
    assert first["total"] == 30 and len(first["rows"]) == 25
    assert set(first["rows"][0]) == {"id", "name", "description", "risk", "active", "owner"}
    second = get(api, "/AlertRules/lists_api", page=2).json()
    assert [row["name"] for row in second["rows"]] == [f"Rule number {n}" for n in range(25, 30)]
    full = get(api, "/AlertRules/lists_api", limit=100, return_all_data="true").json()
    assert len(full["rows"]) == 30 and "search_params" in full["rows"][0] and "active" in full["rows"][0]


def test_list_limit_above_100_is_a_validation_error(api):
    response = get(api, "/AlertRules/lists_api", limit=101)
    assert response.status_code == 422
    assert response.json() == {"validationErrors": {"query": {"limit": "must be an integer from 1 to 100"}}}


def test_list_rows_under_data_when_switched(api):
    create(api)
    api.control("POST", "settings", json={"alert_rule_rows_key": "data"})
    body = get(api, "/AlertRules/lists_api").json()
    assert "rows" not in body and len(body["data"]) == 1 and body["total"] == 1


@pytest.mark.parametrize("changes,section,field,text", [
    ({"name": "Shrt"}, "body", "name", "at least 5 characters"),
    ({"search_params": None}, "body", "search_params", "required"),
    ({"incident_ownership": None}, "body", "incident_ownership", "required"),
    ({"search_params.query": ""}, "search_params", "query", "required"),
    ({"search_params.repos": []}, "search_params", "repos", "at least one"),
    ({"search_params.repos": ["10.9.9.9:5504/nope"]}, "search_params", "repos", "unknown repo 10.9.9.9:5504/nope"),
    ({"search_params.timerange_hour": None}, "search_params", "timerange", "exactly one"),
    ({"search_params.timerange_minute": 30}, "search_params", "timerange", "exactly one"),
    ({"search_params.timerange_hour": None, "search_params.timerange_day": 31}, "search_params", "timerange_day",
     "between 1 minute and 30 days"),
    ({"search_params.search_interval_minute": 7}, "search_params", "search_interval_minute", "divide"),
    ({"search_params.limit": 0}, "search_params", "limit", "at least 1"),
    ({"search_params.delay_interval_minute": 1441}, "search_params", "delay_interval_minute", "at most 1440"),
    ({"search_params.throttling_enabled": True}, "search_params", "throttling_field", "required"),
    ({"incident_condition.condition_option": "bigger"}, "incident_condition", "condition_option", "greaterthan"),
    ({"incident_condition.condition_value": -1}, "incident_condition", "condition_value", "at least 0"),
    ({"incident_condition.risk": "severe"}, "incident_condition", "risk", "low, medium, high, critical"),
    ({"incident_condition.aggregate": "sum"}, "incident_condition", "aggregate", "min, max, avg"),
    ({"taxonomy.metadata": [{"value": "x"}]}, "taxonomy", "metadata", "{field, value}"),
    ({"incident_ownership.assignee": "ghost"}, "incident_ownership", "assignee", "no user"),
    ({"incident_ownership.visible_to_usergroups": ["nope"]}, "incident_ownership", "visible_to_usergroups",
     "unknown user group"),
    ({"incident_display_data.apply_jinja_template": True}, "incident_display_data", "jinja_template", "required"),
])
def test_create_validation(api, changes, section, field, text):
    response = post(api, "/AlertRules/create_api", rule(**changes))
    assert response.status_code == 422
    assert text in response.json()["validationErrors"][section][field]
    assert api.control("GET", "state")["alert_rules"] == {}


def test_validation_styles(api):
    api.control("POST", "settings", json={"validation_style": "detail"})
    detail = post(api, "/AlertRules/create_api", rule(**{"search_params.search_interval_minute": 7}))
    assert detail.status_code == 422
    assert detail.json()["detail"][0]["loc"] == ["search_params", "search_interval_minute"]
    api.control("POST", "settings", json={"validation_style": "success_false"})
    in_band = post(api, "/AlertRules/create_api", rule(**{"search_params.search_interval_minute": 7}))
    assert in_band.status_code == 200 and in_band.json()["success"] is False
    assert "search_interval_minute" in in_band.json()["validationErrors"]["search_params"]


def test_duplicate_name_is_200_success_false(api):
    create(api)
    response = post(api, "/AlertRules/create_api", RULE)
    assert response.status_code == 200
    assert response.json()["success"] is False and "already exists" in response.json()["message"]


def test_update_replaces_the_model_keeps_state_and_refuses_a_taken_name(api):
    rule_id = create(api)["id"]
    other = create(api, rule(name="Other rule"))["id"]
    changed = dict(rule(**{"incident_condition.risk": "critical"}), id=rule_id)
    answer = post(api, "/AlertRules/update_api", changed).json()
    assert answer == {"name": RULE["name"], "id": rule_id, "message": "Alert rule updated successfully"}
    stored = api.control("GET", "state")["alert_rules"][rule_id]
    assert stored["incident_condition"]["risk"] == "critical" and stored["owner"] == "admin"
    taken = post(api, "/AlertRules/update_api", dict(RULE, id=other)).json()
    assert taken["success"] is False and "already exists" in taken["message"]
    missing = post(api, "/AlertRules/update_api", dict(RULE, id="0" * 24)).json()
    assert missing == {"success": False, "message": "Alert rule not found"}


@pytest.mark.parametrize("action,active", [("deactivate_api", False), ("activate_api", True)])
def test_activate_and_deactivate(api, action, active):
    ids = [create(api, rule(name=f"Rule {n} here"))["id"] for n in range(2)]
    answer = post(api, f"/AlertRules/{action}", {"ids": ids}).json()
    assert answer["success"] is True and answer["ids"] == ids
    assert [r["active"] for r in api.control("GET", "state")["alert_rules"].values()] == [active, active]


def test_id_list_actions_are_all_or_nothing(api):
    rule_id = create(api)["id"]
    for action in ("delete_api", "deactivate_api"):
        answer = post(api, f"/AlertRules/{action}", {"ids": [rule_id, "f" * 24]}).json()
        assert answer["success"] is False and answer["ids"] == ["f" * 24]
    assert api.control("GET", "state")["alert_rules"][rule_id]["active"] is True
    assert post(api, "/AlertRules/delete_api", {"ids": []}).status_code == 422


def test_delete_removes_the_rule_and_its_notifications(api):
    rule_id = create(api)["id"]
    post(api, "/pluggables/Notification/HTTPNotification/create_api",
         {"ids": [rule_id], "http_url": "https://hooks.example.com/x", "http_request_type": "POST"})
    assert post(api, "/AlertRules/delete_api", {"ids": [rule_id]}).json()["success"] is True
    state = api.control("GET", "state")
    assert state["alert_rules"] == {} and state["notifications"] == {}


def test_every_write_appends_an_audit_event(api):
    rule_id = create(api)["id"]
    post(api, "/AlertRules/update_api", dict(RULE, id=rule_id))
    post(api, "/AlertRules/deactivate_api", {"ids": [rule_id]})
    post(api, "/AlertRules/delete_api", {"ids": [rule_id]})
    events = [(e["action"], e["object"], e["type"], e["_labels"][-1]) for e in api.control("GET", "state")["audit_events"]]
    assert events == [
        ("created", RULE["name"], "AlertRule", "Add"),
        ("updated", RULE["name"], "AlertRule", "Change"),
        ("deactivated", RULE["name"], "AlertRule", "Change"),
        ("deleted", RULE["name"], "AlertRule", "Delete"),
    ]


def test_scopes(api):
    assert post(api, "/AlertRules/create_api", RULE, token=READ).status_code == 403
    assert get(api, "/AlertRules/lists_api", token=WRITE).status_code == 403
