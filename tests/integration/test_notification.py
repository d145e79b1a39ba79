# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""notification against the simulator, in-process: email and HTTP, idempotency, check, diff, secrets, no delete."""
from __future__ import annotations

import pytest
from alert_rule_support import rule

EMAIL_WRITE = "POST /pluggables/Notification/EmailNotification/create_api"
HTTP_WRITE = "POST /pluggables/Notification/HTTPNotification/create_api"
RULES = ["Brute force on Windows logons", "Brute force on VPN logons"]
API_TOKEN = "webhook-api-token-5f2b9c1e"
PASSWORD = "webhook-basic-password-8d1a"
BEARER = "webhook-bearer-token-77c3e0"


@pytest.fixture
def rules(call_module, sim):
    ids = [call_module("alert_rule", rule(name)).result["alert_rule"]["id"] for name in RULES]
    sim.clear_requests()
    return ids


def stored(sim, rule_id, kind):
    return sim.state()["notifications"].get(rule_id, {}).get(kind)


EMAIL = {"type": "email", "alert_rules": RULES, "recipients": ["soc@example.com", "oncall@example.com"],
         "subject": "[{{ risk }}] alert", "template": "<p>rows</p>",
         "threshold": {"value": 2, "unit": "hour"}}


def test_email_for_two_rules_in_one_request_then_nothing_to_do(call_module, sim, rules):
    checked = call_module("notification", EMAIL, check=True, diff=True)
    assert checked.changed and [entry["outcome"] for entry in checked.result["alert_rules"]] == ["created"] * 2
    assert len(checked.diff) == 2
    assert checked.diff[0]["after"]["recipients"] == ["oncall@example.com", "soc@example.com"]
    assert sim.state()["notifications"] == {} and sim.count(EMAIL_WRITE) == 0

    created = call_module("notification", EMAIL)
    assert created.changed and sim.count(EMAIL_WRITE) == 1
    email = stored(sim, rules[0], "email")
    assert email == stored(sim, rules[1], "email")
    assert sorted(email["email_emails"]) == ["oncall@example.com", "soc@example.com"]
    assert email["subject"] == "[{{ risk }}] alert" and email["threshold_value"] == "2"

    sim.clear_requests()
    reordered = dict(EMAIL, recipients=["oncall@example.com", "soc@example.com"], alert_rules=rules)
    again = call_module("notification", reordered)
    assert not again.changed and sim.count(EMAIL_WRITE) == 0
    assert sim.count("GET /pluggables/Notification/EmailNotification/read_api") == 2


def test_only_the_rules_that_differ_are_written_and_unset_options_are_kept(call_module, sim, rules):
    call_module("notification", EMAIL)
    sim.clear_requests()
    changed = call_module("notification", {"type": "email", "alert_rules": RULES[:1], "enabled": False,
                                           "dispatch": "manual"}, diff=True)
    assert changed.changed and changed.result["alert_rules"][0]["changes"] == ["dispatch", "enabled"]
    assert changed.diff == [{"before": {"enabled": True, "dispatch": "auto"},
                             "after": {"enabled": False, "dispatch": "manual"},
                             "before_header": "email notification of alert rule '%s'" % RULES[0],
                             "after_header": "email notification of alert rule '%s'" % RULES[0]}]
    email = stored(sim, rules[0], "email")
    assert email["notify_email"] == "false" and email["dispatch_option"] == "manual"
    assert email["subject"] == "[{{ risk }}] alert", "options left out keep their values"
    assert stored(sim, rules[1], "email")["notify_email"] == "true"

    sim.clear_requests()
    both = call_module("notification", {"type": "email", "alert_rules": RULES, "dispatch": "manual"})
    assert [entry["outcome"] for entry in both.result["alert_rules"]] == ["unchanged", "updated"]
    assert sim.count(EMAIL_WRITE) == 1 and stored(sim, rules[1], "email")["dispatch_option"] == "manual"
    assert stored(sim, rules[0], "email")["notify_email"] == "false"


AUTHS = [
    ({"type": "api_token", "key": "X-Api-Key", "value": API_TOKEN},
     {"auth_type": "api_token", "auth_key": "X-Api-Key", "auth_value": API_TOKEN}),
    ({"type": "basic", "key": "logpoint", "password": PASSWORD},
     {"auth_type": "basic_auth", "auth_key": "logpoint", "auth_pass": PASSWORD}),
    ({"type": "bearer", "value": BEARER}, {"auth_type": "bearer_token", "auth_key": BEARER}),
]


@pytest.mark.parametrize("auth,header", AUTHS, ids=["api_token", "basic", "bearer"])
def test_http_secrets_are_compared_but_never_shown(call_module, sim, rules, auth, header):
    # a server that echoes the secret in read_api (the default); masked or omitted secrets are not compared:
    # test_strict_rules_notifications.py
    sim.settings(notification_secrets="echo")
    secret = auth.get("value") or auth["password"]
    secret_key = "value" if "value" in auth else "password"
    new_secret = dict(auth, **{secret_key: secret + "-rotated"})
    task = {"type": "http", "alert_rules": RULES[:1], "http_url": "https://hooks.example.com/logpoint",
            "body": '{"alert": "{{ alert_name }}"}'}
    runs = {
        "create": call_module("notification", dict(task, auth=auth), diff=True),
        "again": call_module("notification", dict(task, auth=auth), diff=True),
        "rotate": call_module("notification", dict(task, auth=new_secret), diff=True),
        "read": call_module("alert_rule_info", {"include_notifications": True}, diff=True),
    }
    assert not any(run.failed for run in runs.values()), runs
    assert [name for name, run in runs.items() if run.changed] == ["create", "rotate"]
    assert sim.count(HTTP_WRITE) == 2
    assert '"%s": "******** (changed)"' % secret_key in runs["rotate"].stdout
    for run in runs.values():
        run.assert_no_secrets(secret, secret + "-rotated")
    http = stored(sim, rules[0], "http")
    assert http["http_header"] == dict(header, **{k: v + "-rotated" for k, v in header.items()
                                                  if k in ("auth_value", "auth_pass") or (
                                                      k == "auth_key" and auth["type"] == "bearer")})
    assert http["protocol"] == "HTTPS" and http["http_body"] == '{"alert": "{{ alert_name }}"}'
    assert runs["read"].result["notifications"][0]["auth"][secret_key] == "********"


def test_the_api_cannot_delete_a_notification_and_the_module_says_so(call_module, sim, rules):
    result = call_module("notification", {"type": "email", "alert_rules": RULES, "state": "absent"})
    assert result.failed and "the Logpoint API cannot delete a notification; set enabled: false" in result.msg
    assert sim.requests()["total"] == 0


@pytest.mark.parametrize("args,message", [
    ({"type": "email", "alert_rules": RULES, "subject": "s"}, "has no email notification; to create it give "
                                                              "recipients, template"),
    ({"type": "http", "alert_rules": ["No such rule"], "http_url": "https://h.example.com"},
     "alert_rules: no alert rule is named 'No such rule' or has that id (2 rules exist)"),
    ({"type": "http", "alert_rules": RULES, "recipients": ["a@example.com"]},
     "recipients: not an option of http notifications"),
    ({"type": "http", "alert_rules": RULES, "http_url": "https://h.example.com",
      "auth": {"type": "bearer", "key": BEARER}},
     "auth: type bearer needs auth.value"),
    ({"type": "http", "alert_rules": RULES, "http_url": "https://h.example.com", "auth": {"type": "Bearer Token"}},
     "value of type must be one of: none, api_token, basic, bearer"),
])
def test_bad_input_fails_before_any_write(call_module, sim, rules, args, message):
    result = call_module("notification", args)
    assert result.failed and message in result.msg, result.msg
    assert sim.count(EMAIL_WRITE) + sim.count(HTTP_WRITE) == 0
