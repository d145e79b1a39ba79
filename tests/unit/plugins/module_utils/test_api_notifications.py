# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Notifications: stored values -> facts, options -> facts (auth rules), the request bodies, hidden secrets."""
from __future__ import annotations

import json

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api import notifications as api
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.resources import notifications as nt
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys

OPTION_NAMES = ("type", "alert_rules", "state", "enabled", "dispatch", "threshold", "recipients", "subject",
                "template", "search_link", "logo", "http_url", "method", "body", "query_string", "auth")


def params(**given):
    base = dict.fromkeys(OPTION_NAMES)
    base.update(state="present", alert_rules=["Brute force detection"])
    base.update(given)
    return base


STORED_EMAIL = {"type": "email", "email_emails": '["b@example.com", "a@example.com"]', "subject": "S",
                "email_template": "T", "simple_view": "on", "notify_email": "true", "dispatch_option": "auto",
                "disable_search_link": "false", "logo_enable": "false", "threshold_value": "3",
                "threshold_option": "hour"}


def test_stored_email_strings_compare_equal_to_typed_options():
    desired = nt.desired_facts(params(type="email", recipients=["a@example.com", "b@example.com"], subject="S",
                                      template="T", enabled=True, search_link=True, logo="",
                                      threshold={"value": 3, "unit": "hour"}, dispatch="auto"))
    assert differing_keys(desired, api.notification_facts("email", STORED_EMAIL)) == []


def test_no_stored_notification_has_no_facts():
    assert api.notification_facts("http", {}) is None


@pytest.mark.parametrize("header,auth", [
    (None, {"type": "none"}),
    ({"auth_type": "None"}, {"type": "none"}),
    ('{"auth_type": "api_token", "auth_key": "X-Key", "auth_value": "t1"}', {"type": "api_token", "key": "X-Key",
                                                                             "value": "t1"}),
    ({"auth_type": "basic_auth", "auth_key": "u", "auth_pass": "p"}, {"type": "basic", "key": "u", "password": "p"}),
    ({"auth_type": "bearer_token", "auth_key": "t2"}, {"type": "bearer", "value": "t2"}),
])
def test_stored_http_auth_is_read_in_either_form(header, auth):
    facts = api.notification_facts("http", {"http_url": "https://h.example.com", "http_request_type": "post",
                                            "http_header": header})
    assert facts["auth"] == auth and facts["method"] == "POST"


@pytest.mark.parametrize("given,message", [
    ({"type": "http", "recipients": ["a@example.com"]}, "recipients: not an option of http notifications"),
    ({"type": "email", "http_url": "https://x.example.com", "auth": {"type": "none"}},
     "auth, http_url: not an option of email notifications"),
    ({"type": "email", "recipients": ["not-an-address"]}, "recipients: give one or more email addresses"),
    ({"type": "http", "http_url": "ftp://x.example.com"}, "http_url: 'ftp://x.example.com' is not an http"),
    ({"type": "http", "auth": {"type": "basic", "key": "u", "value": None, "password": None}},
     "auth: type basic needs auth.password"),
    ({"type": "http", "auth": {"type": "bearer", "key": "tok", "value": None, "password": None}},
     "auth: type bearer needs auth.value"),
    ({"type": "http", "auth": {"type": "bearer", "key": "x", "value": "tok", "password": None}},
     "auth: type bearer does not use auth.key; a bearer token goes in auth.value"),
    ({"type": "email", "threshold": {"value": -1, "unit": "day"}}, "threshold.value: -1 is below 0"),
])
def test_bad_options_are_named(given, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nt.desired_facts(params(**given))


def test_email_request_is_a_multipart_form_with_json_lists():
    facts = dict(nt.CREATE_DEFAULTS["email"], recipients=frozenset(["b@example.com", "a@example.com"]), subject="S",
                 template="T", threshold={"value": 2, "unit": "day"})
    files = api.build_request("email", facts, ["r1", "r2"])["files"]
    form = dict((key, value) for key, (filename, value) in files.items())
    assert json.loads(form["ids"]) == ["r1", "r2"]
    assert json.loads(form["email_emails"]) == ["a@example.com", "b@example.com"]
    assert form["threshold_value"] == "2" and form["disable_search_link"] == "false"


@pytest.mark.parametrize("url,protocol", [("https://h.example.com/x", "HTTPS"), ("http://h.example.com/x", "HTTP")])
def test_http_request_derives_the_protocol_and_sends_the_documented_auth_header(url, protocol):
    facts = dict(nt.CREATE_DEFAULTS["http"], http_url=url, auth={"type": "basic", "key": "u", "password": "p"})
    body = api.build_request("http", facts, ["r1"])["json"]
    assert body["protocol"] == protocol
    assert json.loads(body["http_header"]) == {"auth_type": "basic_auth", "auth_key": "u", "auth_pass": "p"}


def test_secrets_never_show_in_the_options_view():
    facts = {"http_url": "https://h.example.com", "auth": {"type": "api_token", "key": "X-Key", "value": "t1"}}
    assert nt.options_view(facts)["auth"] == {"type": "api_token", "key": "X-Key", "value": "********"}
    assert nt.options_view(facts, nt.CHANGED_MARK)["auth"]["value"] == "******** (changed)"


def test_state_absent_fails_before_any_request():
    with pytest.raises(ConfigError, match="the Logpoint API cannot delete a notification; set enabled: false"):
        nt.converge_notification(None, params(type="email", state="absent"), check_mode=False)
