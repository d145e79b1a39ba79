"""Email and HTTP notifications of the simulator (logpoint-api.md §5 and §18)."""

import json

import pytest
from simtools import mint_jwt
from test_alert_rules import create, get, post

EMAIL = "/pluggables/Notification/EmailNotification"
HTTP = "/pluggables/Notification/HTTPNotification"
WRITE_HEADERS = {"Authorization": "Bearer " + mint_jwt(scope="alertrules:write")}


def email_form(rule_id, **extra):
    return {"ids": json.dumps([rule_id]), "email_emails": json.dumps(["soc@example.com"]),
            "subject": "Alert {{ alert_name }}", "email_template": "<p>{{ rows_count }} rows</p>", **extra}


def http_body(rule_id, **extra):
    return {"ids": [rule_id], "http_url": "https://hooks.example.com/alert", "http_request_type": "POST",
            "protocol": "HTTPS", **extra}


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_email_is_accepted_as_a_form_and_read_back_loosely_typed(api, encoding):
    rule_id = create(api)["id"]
    form = email_form(rule_id, threshold_value="3", threshold_option="hour")
    if encoding == "multipart":
        files = {key: (None, value) for key, value in form.items()}
        response = api.post(f"{EMAIL}/create_api", headers=WRITE_HEADERS, files=files)
    else:
        response = api.post(f"{EMAIL}/create_api", headers=WRITE_HEADERS, data=form)
    assert response.json() == {"success": True, "data": [rule_id], "message": "email notification saved for 1 alert rule(s)"}
    data = get(api, f"{EMAIL}/read_api", id=rule_id).json()["data"]
    assert data["email_emails"] == ["soc@example.com"] and data["threshold_value"] == "3"
    assert data["notify_email"] == "true" and data["dispatch_option"] == "auto"


def test_email_sent_as_json_is_refused(api):
    rule_id = create(api)["id"]
    response = post(api, f"{EMAIL}/create_api", email_form(rule_id))
    assert response.status_code == 422
    assert "ids" in response.json()["validationErrors"]["email_notification"]


@pytest.mark.parametrize("changes,field", [
    ({"email_emails": "soc@example.com"}, "email_emails"),
    ({"email_emails": json.dumps(["not-an-address"])}, "email_emails"),
    ({"subject": ""}, "subject"),
    ({"email_template": " "}, "email_template"),
    ({"dispatch_option": "sometimes"}, "dispatch_option"),
    ({"threshold_option": "week"}, "threshold_option"),
    ({"logo_enable": "on"}, "logo"),
])
def test_email_validation(api, changes, field):
    rule_id = create(api)["id"]
    response = api.post(f"{EMAIL}/create_api", headers=WRITE_HEADERS, data=email_form(rule_id, **changes))
    assert response.status_code == 422
    assert field in response.json()["validationErrors"]["email_notification"]


@pytest.mark.parametrize("header", [
    {"auth_type": "None"},
    {"auth_type": "api_token", "auth_key": "X-Api-Key", "auth_value": "token-1"},
    {"auth_type": "basic_auth", "auth_key": "user", "auth_pass": "pass-1"},
    {"auth_type": "bearer_token", "auth_key": "bearer-1"},
])
def test_http_auth_variants_are_stored_and_read_back(api, header):
    rule_id = create(api)["id"]
    assert post(api, f"{HTTP}/create_api", http_body(rule_id, http_header=json.dumps(header))).json()["success"]
    assert get(api, f"{HTTP}/read_api", id=rule_id).json()["data"]["http_header"] == header


@pytest.mark.parametrize("header,text", [
    ({"auth_type": "Bearer Token", "auth_key": "t"}, "auth_type must be one of None, api_token"),
    ({"auth_type": "API Token", "auth_key": "k", "auth_value": "v"}, "auth_type must be one of"),
    ({"auth_type": "basic_auth", "auth_key": "user", "auth_password": "p"}, "basic_auth needs auth_pass"),
    ({"auth_type": "bearer_token", "auth_key": "t", "auth_value": "t"}, "bearer_token does not take auth_value"),
])
def test_http_human_auth_labels_and_wrong_keys_are_refused(api, header, text):
    rule_id = create(api)["id"]
    response = post(api, f"{HTTP}/create_api", http_body(rule_id, http_header=header))
    assert response.status_code == 422
    assert text in response.json()["validationErrors"]["http_notification"]["http_header"]


@pytest.mark.parametrize("changes,field", [
    ({"http_url": "ftp://example.com"}, "http_url"),
    ({"http_request_type": "FETCH"}, "http_request_type"),
    ({"protocol": "SMTP"}, "protocol"),
    ({"ids": []}, "ids"),
])
def test_http_validation(api, changes, field):
    rule_id = create(api)["id"]
    response = post(api, f"{HTTP}/create_api", http_body(rule_id, **changes))
    assert field in response.json()["validationErrors"]["http_notification"]


def test_one_notification_per_type_and_rule_a_create_replaces_it(api):
    rule_id = create(api)["id"]
    post(api, f"{HTTP}/create_api", http_body(rule_id, http_body='{"a": 1}'))
    post(api, f"{HTTP}/create_api", http_body(rule_id, http_url="https://other.example.com/x"))
    stored = api.control("GET", "state")["notifications"][rule_id]
    assert list(stored) == ["http"]
    assert stored["http"]["http_url"] == "https://other.example.com/x" and stored["http"]["http_body"] == ""
    actions = [event["action"] for event in api.control("GET", "state")["audit_events"]]
    assert actions[-2:] == ["created http notification", "updated http notification"]


def test_read_without_a_notification_is_empty_data_and_unknown_rule_is_not_found(api):
    rule_id = create(api)["id"]
    empty = {"success": True, "data": {}, "message": "email notification"}
    assert get(api, f"{EMAIL}/read_api", id=rule_id).json() == empty
    assert get(api, f"{HTTP}/read_api", id="0" * 24).json() == {"success": False, "message": "Alert rule not found"}


def test_unknown_rule_ids_save_nothing(api):
    rule_id = create(api)["id"]
    answer = post(api, f"{HTTP}/create_api", http_body(rule_id, ids=[rule_id, "f" * 24])).json()
    assert answer["success"] is False and answer["ids"] == ["f" * 24]
    assert api.control("GET", "state")["notifications"] == {}
