# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert rules and notifications under every answer of logpoint-api.md §19 (pure logic, no network):
time-range forms, summary rows, the owner field, the read-back of new rules, "no notification" answers,
secrets the server hides."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api import alert_rules as api
from ansible_collections.logpoint.siem.plugins.module_utils.api import notifications as napi
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ApiError, NotFoundError, ValidationError
from ansible_collections.logpoint.siem.plugins.module_utils.resources import notifications as nt
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys

WINDOWS = "192.0.2.10:5504/windows"
PER_UNIT_LIMITS = {"timerange_minute": 59, "timerange_hour": 720, "timerange_day": 30}
MINUTES = {"timerange_minute": 1, "timerange_hour": 60, "timerange_day": 1440}


def single_unit_takes(form):
    """What a one-unit server stores (alert_rule_timerange single_unit)."""
    return len(form) == 1 and sum(count * MINUTES[unit] for unit, count in form.items()) <= 43200


def per_unit_takes(form):
    """What a per-unit server stores (alert_rule_timerange per_unit)."""
    return bool(form) and all(1 <= count <= PER_UNIT_LIMITS[unit] for unit, count in form.items()) and \
        sum(count * MINUTES[unit] for unit, count in form.items()) <= 43200


@pytest.mark.parametrize("minutes", [1, 59, 60, 61, 90, 119, 120, 125, 719, 1439, 1440, 1500, 2910, 10080, 43199,
                                     43200])
def test_every_time_range_has_a_form_for_each_kind_of_server_and_the_forms_mean_the_range(minutes):
    forms = api.time_range_forms(minutes * 60)
    assert all(sum(count * MINUTES[unit] for unit, count in form.items()) == minutes for form in forms)
    assert any(single_unit_takes(form) for form in forms) and any(per_unit_takes(form) for form in forms)
    if single_unit_takes(forms[0]) and per_unit_takes(forms[0]):
        assert len(forms) == 1, "one form every server takes: nothing else to try"
    else:
        assert len(forms) == 2


@pytest.mark.parametrize("minutes,forms", [
    (45, [{"timerange_minute": 45}]),
    (90, [{"timerange_minute": 90}, {"timerange_hour": 1, "timerange_minute": 30}]),
    (180, [{"timerange_hour": 3}]),
    (2910, [{"timerange_minute": 2910}, {"timerange_day": 2, "timerange_minute": 30}]),
    (1500, [{"timerange_hour": 25}]),
])
def test_time_range_forms_one_unit_first(minutes, forms):
    assert api.time_range_forms(minutes * 60) == forms


class RecordingClient:
    """Answers each POST with the next of ``answers`` (an exception is raised); records the bodies."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.bodies = []

    def call(self, method, path, **kwargs):
        self.bodies.append(kwargs.get("json"))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def model(**units):
    return {"name": "Brute force detection", "search_params": dict({"query": "q", "repos": [WINDOWS]}, **units)}


def refused(field="search_params.timerange_minute"):
    return ValidationError("the server refused the input", status=422, fields={field: "at most 59"})


def test_a_create_refused_for_its_time_range_is_sent_once_more_in_the_other_form():
    client = RecordingClient(refused(), {"id": "65b000000000000000000009"})
    assert api.create_rule(client, model(timerange_minute=90)) == "65b000000000000000000009"
    assert [body["search_params"].get("timerange_minute") for body in client.bodies] == [90, 30]
    assert client.bodies[1]["search_params"]["timerange_hour"] == 1


def test_the_other_form_of_a_one_unit_refusal_is_the_one_unit_form():
    client = RecordingClient(refused("search_params.timerange"), {})
    api.update_rule(client, dict(model(timerange_hour=1, timerange_minute=30), id="65b000000000000000000009"))
    assert {k: v for k, v in client.bodies[1]["search_params"].items() if k.startswith("timerange")} == {
        "timerange_minute": 90}


@pytest.mark.parametrize("error,units", [
    (refused("search_params.query"), {"timerange_minute": 90}),
    (refused("search_params.timerange_hour"), {"timerange_hour": 1}),  # 1 hour has no other form
    (ApiError("Alert rule with name 'x' already exists"), {"timerange_minute": 90}),
], ids=["other-field", "no-other-form", "not-validation"])
def test_other_refusals_are_raised_as_they_are(error, units):
    client = RecordingClient(error)
    with pytest.raises(type(error)):
        api.create_rule(client, model(**units))
    assert len(client.bodies) == 1


def test_an_update_keeps_the_form_the_server_holds_for_the_same_range():
    base = model(timerange_hour=1, timerange_minute=30, timerange_day=0)
    facts = {"time_range": 5400, "search_interval": 10}
    kept = api.build_model(facts, base)["search_params"]
    assert (kept["timerange_hour"], kept["timerange_minute"]) == (1, 30)
    changed = api.build_model({"time_range": 7200, "search_interval": 10}, base)["search_params"]
    assert {k: v for k, v in changed.items() if k.startswith("timerange")} == {"timerange_hour": 2}


FULL = {"id": "r1", "name": "Rule one", "active": True, "owner": "admin",
        "search_params": {"query": "q", "repos": [WINDOWS], "timerange_hour": 1},
        "incident_condition": {"condition_option": "greaterthan", "condition_value": "1", "risk": "low",
                               "aggregate": "max"},
        "taxonomy": {}, "incident_ownership": {"assignee": "a1"}}


class ReadClient:
    """read_api answers from ``rules`` by id (None: the rule is gone); counts the reads."""

    def __init__(self, rules, listed=()):
        self.rules = rules
        self.listed = list(listed)
        self.reads = []
        self.listings = 0

    def call(self, method, path, params=None, **kwargs):
        assert path == api.READ_PATH
        self.reads.append(params["id"])
        rule = self.rules.get(params["id"])
        if rule is None:
            raise NotFoundError("Alert rule not found")
        return {"data": rule}

    def list_all(self, path, **kwargs):
        self.listings += 1
        return list(self.listed)


def test_summary_rows_are_completed_with_read_api_and_full_rows_cost_nothing():
    summary = {"id": "r2", "name": "Rule two", "active": False, "user": "analyst"}
    gone = {"id": "r3", "name": "Rule three", "active": True, "user": "admin"}
    client = ReadClient({"r2": dict(FULL, id="r2", name="Rule two", active=False, owner="analyst")})
    completed = api.complete_rules(client, [FULL, summary, gone])
    assert [rule["id"] for rule in completed] == ["r1", "r2"]
    assert sorted(client.reads) == ["r2", "r3"]
    assert all(api.has_model(rule) for rule in completed) and not api.has_model(summary)
    assert api.complete_rules(client, [FULL]) == [FULL] and len(client.reads) == 2


@pytest.mark.parametrize("rule,owner", [({"owner": "admin"}, "admin"), ({"user": "analyst"}, "analyst"), ({}, None)])
def test_the_owner_is_read_from_owner_or_user(rule, owner):
    assert api.owner_of(rule) == owner


def test_new_rules_are_read_back_one_by_one_or_by_the_listing_whichever_is_fewer_requests():
    rules = dict(("r%d" % n, {"id": "r%d" % n, "active": n % 2 == 0}) for n in range(300))
    client = ReadClient(rules, listed=rules.values())
    assert api.active_states(client, ["r0", "r1"]) == {"r0": True, "r1": False}
    assert (len(client.reads), client.listings) == (2, 0)
    states = api.active_states(client, ["r%d" % n for n in range(10)], listed=300)  # 10 reads > 3 pages
    assert (len(client.reads), client.listings) == (2, 1) and states["r4"] is True and states["r5"] is False
    api.active_states(client, ["r10", "r11", "r12"], listed=300)  # 3 reads = 3 pages
    assert (len(client.reads), client.listings) == (5, 1)


# ---- notifications ---------------------------------------------------------------------------------

class NotificationClient:
    def __init__(self, answer):
        self.answer = answer

    def call(self, method, path, **kwargs):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("answer", [
    {"success": True, "data": {}},
    {"success": True},
    NotFoundError("No http notification for alert rule r1", status=404),
    ApiError("the server refused the request: No http notification for alert rule r1",
             server_message="No http notification for alert rule r1"),
    ApiError("refused", server_message="no HTTP notification configured"),
], ids=["empty", "no-data", "404", "success-false", "other-wording"])
def test_every_none_answer_reads_as_no_notification(answer):
    assert napi.read_notification(NotificationClient(answer), "r1", "http") == {}


def test_a_refusal_that_does_not_say_none_is_raised():
    with pytest.raises(ApiError):
        napi.read_notification(NotificationClient(ApiError("x", server_message="internal error")), "r1", "http")


STORED = {"http_url": "https://h.example.com", "http_request_type": "POST"}


@pytest.mark.parametrize("header,hidden", [
    ({"auth_type": "bearer_token", "auth_key": "tok"}, []),
    ({"auth_type": "bearer_token", "auth_key": "********"}, ["value"]),
    ({"auth_type": "bearer_token"}, ["value"]),
    ({"auth_type": "api_token", "auth_key": "X-Key", "auth_value": "***"}, ["value"]),
    ({"auth_type": "basic_auth", "auth_key": "user"}, ["password"]),
    ({"auth_type": "None"}, []),
])
def test_masked_or_omitted_secrets_are_hidden(header, hidden):
    facts = napi.notification_facts("http", dict(STORED, http_header=header))
    assert napi.hidden_secrets(facts["auth"]) == hidden


def desired(auth, **extra):
    return dict({"http_url": "https://h.example.com", "auth": auth}, **extra)


def test_hidden_secrets_are_not_compared_and_everything_else_is():
    current = napi.notification_facts("http", dict(STORED, http_header={"auth_type": "bearer_token",
                                                                        "auth_key": "********"}))
    wanted = desired({"type": "bearer", "value": "tok"})
    assert differing_keys(wanted, current) == ["auth"]
    assert differing_keys(wanted, napi.secrets_assumed(current, wanted)) == []
    other_type = desired({"type": "api_token", "key": "X", "value": "tok"})
    assert differing_keys(other_type, napi.secrets_assumed(current, other_type)) == ["auth"]
    assert differing_keys(desired({"type": "bearer", "value": "tok"}, http_url="https://o.example.com"),
                          napi.secrets_assumed(current, wanted)) == ["http_url"]


def test_the_diff_says_a_hidden_secret_was_not_compared_and_never_shows_it():
    current = napi.notification_facts("http", dict(STORED, http_header={"auth_type": "bearer_token"}))
    wanted = desired({"type": "bearer", "value": "tok"}, body="new")
    diff = nt._diff("label", wanted, current, ["body"])  # pylint: disable=protected-access
    assert diff["after"]["auth"]["value"] == "******** (not compared)" and "tok" not in repr(diff)


def test_update_secrets_is_in_the_argument_spec_with_on_create_by_default():
    assert nt.NOTIFICATION_OPTIONS["update_secrets"] == {"type": "str", "choices": ["always", "on_create"],
                                                         "default": "on_create"}


def test_a_name_taken_by_a_rule_the_listing_did_not_show_is_explained():
    taken = ApiError("the server refused the request: Alert rule with name 'x' already exists",
                     server_message="Alert rule with name 'x' already exists")
    with pytest.raises(ApiError) as refused:
        api.create_rule(RecordingClient(taken), model(timerange_hour=1))
    assert "may belong to another user; give the rule's id" in str(refused.value)
