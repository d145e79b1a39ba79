# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert rules: options -> facts (validation, names), server rules -> facts (loose types), the model, errors."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api import alert_rules as api
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, ValidationError
from ansible_collections.logpoint.siem.plugins.module_utils.resources import alert_rules as ar
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys

WINDOWS = "192.0.2.10:5504/windows"
ADMIN, ANALYST, SOC = "65a000000000000000000001", "65a000000000000000000002", "65a0000000000000000000a2"

REPOS_BODY = {"rows": [
    {"li": "LogPoint-Primary", "li_ip": "192.0.2.10", "active": True, "repos": [
        {"repo": "windows", "address": WINDOWS, "active": "True"},
        {"repo": "linux", "address": "192.0.2.10:5504/linux", "active": "True"}]},
    {"li": "LogPoint-Secondary", "li_ip": "192.0.2.20", "active": True, "repos": [
        {"repo": "cloud", "address": "192.0.2.20:5504/cloud", "active": "True"}]},
]}
USERS_BODY = {"success": True, "users": [
    {"id": ADMIN, "name": "admin", "usergroups": [{"id": "65a0000000000000000000a1", "name": "LogPoint Administrator"}]},
    {"id": ANALYST, "name": "analyst", "usergroups": [{"id": SOC, "name": "SOC Analyst"}]},
]}


class FakeClient:
    """Answers the reads name resolution needs and records every call; no network."""

    def __init__(self, username="admin", rules=()):
        self.username = username
        self.cache = {}
        self.calls = []
        self.warnings = []
        self.rules = list(rules)

    def warn(self, message):
        self.warnings.append(message)

    def cached(self, key, loader):
        if key not in self.cache:
            self.cache[key] = loader()
        return self.cache[key]

    def call(self, method, path, **kwargs):
        self.calls.append((method, path))
        return {"/Repo/get_all_searchable_logpoint": REPOS_BODY, "/get_users": USERS_BODY}[path]

    def list_all(self, path, **kwargs):
        self.calls.append(("GET", path))
        return copy.deepcopy(self.rules)


def options(**given):
    """Rule options as the argument spec hands them over: every option, None unless given."""
    base = dict.fromkeys(ar.RULE_OPTIONS)
    base.update(state="present", name="Brute force detection")
    base.update(given)
    return base


SERVER_RULE = {
    "id": "65b000000000000000000001", "name": "Brute force detection", "description": "", "active": "True",
    "owner": "admin",
    "search_params": {"query": "label=Fail", "repos": [WINDOWS], "timerange_minute": 0, "timerange_hour": 1,
                      "timerange_day": 0, "limit": "100", "search_interval_minute": "10", "flush_on_trigger": "on",
                      "throttling_enabled": "true", "throttling_field": "user", "throttling_time_range": "30"},
    "incident_condition": {"condition_option": "equalsto", "condition_value": "20", "risk": "high", "aggregate": "max"},
    "taxonomy": {"attack_tag_hashes": ["b", "a"], "logsources": [], "metadata": [
        {"field": "ref", "value": "x"}, dict(ar.MARKER)]},
    "incident_ownership": {"assignee": ANALYST, "visible_to_usergroups": [SOC]},
    "incident_display_data": {"apply_jinja_template": "False", "jinja_template": "stale", "simple_view": True},
    "foureyes": {"original_data": "false"},
}


@pytest.mark.parametrize("time_range,seconds,unit", [
    ("1m", 60, {"timerange_minute": 1}),
    ("90m", 5400, {"timerange_minute": 90}),
    ("2h", 7200, {"timerange_hour": 2}),
    ("120m", 7200, {"timerange_hour": 2}),
    ("2d", 172800, {"timerange_day": 2}),
    ("1w", 604800, {"timerange_day": 7}),
    ("30d", 2592000, {"timerange_day": 30}),
])
def test_time_range_is_one_unit_the_largest_that_divides(time_range, seconds, unit):
    facts = ar.desired_facts(options(time_range=time_range), FakeClient())
    assert facts["time_range"] == seconds
    search = api.build_model(dict(facts, search_interval=1))["search_params"]
    assert dict((key, value) for key, value in search.items() if key.startswith("timerange")) == unit


@pytest.mark.parametrize("given,message", [
    ({"name": "Shrt"}, "name: 'Shrt' is shorter than 5 characters"),
    ({"time_range": "60"}, "time_range: '60' has no unit"),
    ({"time_range": "90s"}, "time_range: '90s' is not a whole number of minutes"),
    ({"time_range": "31d"}, "time_range: '31d' is outside 1 minute to 30 days"),
    ({"time_range": "soon"}, "time_range: 'soon' is not a duration"),
    ({"search_interval": 0}, "search_interval: 0 is not at least 1"),
    ({"delay_interval": 1441}, "delay_interval: 1441 is not 0 to 1440"),
    ({"condition": {"operator": ">", "value": -1}}, "condition.value: -1 is below 0"),
    ({"throttling": {"enabled": True, "field": "user", "window": None}}, "throttling: give field and window"),
    ({"metadata": {"managed_by": "me"}}, "metadata: managed_by is reserved"),
    ({"repos": ["nope"]}, "repos: no repo 'nope' on any Logpoint; repos that exist: cloud"),
    ({"assignee": "ghost"}, "assignee: no Logpoint user 'ghost'; known users are admin, analyst"),
    ({"visible_to_usergroups": ["Nobody"]}, "no user group 'Nobody'; known user groups are LogPoint Administrator"),
])
def test_bad_options_name_the_rule_and_the_option(given, message):
    with pytest.raises(ConfigError) as error:
        ar.desired_facts(options(**given), FakeClient())
    assert str(error.value).startswith("alert rule ")
    assert message in str(error.value)


def test_names_resolve_to_addresses_and_ids_and_operators_to_api_names():
    facts = ar.desired_facts(options(repos=["LogPoint-Primary/windows", "cloud"], assignee="analyst",
                                     visible_to_usergroups=["SOC Analyst"], condition={"operator": ">=", "value": 3},
                                     metadata={"count": 3}), FakeClient())
    assert facts["repos"] == frozenset([WINDOWS, "192.0.2.20:5504/cloud"])
    assert facts["assignee"] == ANALYST and facts["visible_to_usergroups"] == frozenset([SOC])
    assert facts["condition"] == {"operator": "moreequal", "value": 3}
    assert facts["metadata"] == {"count": "3"}


def test_loosely_typed_stored_values_compare_equal_to_typed_options():
    desired = ar.desired_facts(options(
        query="label=Fail", repos=["windows"], time_range="60m", search_interval=10, limit=100,
        condition={"operator": "==", "value": 20}, risk="high", aggregate="max", flush_on_trigger=True,
        throttling={"enabled": True, "field": "user", "window": 30}, attack_tags=["a", "b"], metadata={"ref": "x"},
        assignee="analyst", visible_to_usergroups=["SOC Analyst"], display_template="", original_data=False,
        enabled=True), FakeClient())
    assert differing_keys(desired, api.rule_facts(SERVER_RULE)) == []


def test_differences_are_found_per_option():
    desired = ar.desired_facts(options(risk="critical", attack_tags=["a"], throttling={"enabled": False}),
                               FakeClient())
    assert sorted(differing_keys(desired, api.rule_facts(SERVER_RULE))) == ["attack_tags", "risk", "throttling"]


def test_options_of_a_server_rule_feed_back_unchanged():
    client = FakeClient()
    read_back = ar.rule_options(SERVER_RULE, client)
    assert read_back["condition"] == {"operator": "==", "value": 20}
    assert read_back["time_range"] == "1h" and read_back["assignee"] == "analyst"
    assert read_back["visible_to_usergroups"] == ["SOC Analyst"] and read_back["metadata"] == {"ref": "x"}
    assert read_back["id"] == SERVER_RULE["id"] and read_back["owner"] == "admin" and read_back["enabled"] is True
    plan = ar.plan_rule(dict(options(), **read_back), SERVER_RULE, client)
    assert plan.outcome == "unchanged" and plan.model is None


def test_update_model_keeps_unmanaged_fields_and_the_marker_state():
    client = FakeClient()
    plan = ar.plan_rule(options(risk="critical", time_range="2d"), SERVER_RULE, client)
    assert plan.outcome == "updated" and plan.changes == ["risk", "time_range"]
    model = plan.model
    assert model["id"] == SERVER_RULE["id"] and model["incident_condition"]["risk"] == "critical"
    assert [key for key in model["search_params"] if key.startswith("timerange")] == ["timerange_day"]
    assert model["incident_condition"]["condition_value"] == 20, "loosely typed values are written typed"
    assert model["incident_display_data"]["simple_view"] is True, "fields without an option are kept"
    assert ar.MARKER in model["taxonomy"]["metadata"]
    hand_made = copy.deepcopy(SERVER_RULE)
    hand_made["taxonomy"]["metadata"] = []
    model = ar.plan_rule(options(metadata={"a": "b"}), hand_made, client).model
    assert model["taxonomy"]["metadata"] == [{"field": "a", "value": "b"}], "no marker added to a hand-made rule"


def test_create_needs_the_core_options_and_fills_in_defaults_and_the_marker():
    client = FakeClient()
    with pytest.raises(ConfigError, match="does not exist; to create it give query, repos, time_range, condition"):
        ar.plan_rule(options(risk="high"), None, client)
    plan = ar.plan_rule(options(query="q", repos=["windows"], time_range="1h", risk="low",
                                condition={"operator": ">", "value": 0}, enabled=False), None, client)
    assert plan.outcome == "created" and plan.enable is False
    model = plan.model
    assert model["incident_ownership"] == {"assignee": ADMIN, "visible_to_usergroups": []}
    assert model["incident_condition"]["aggregate"] == "max"
    assert model["taxonomy"]["metadata"] == [ar.MARKER]
    assert model["search_params"]["search_interval_minute"] == 10


def test_a_search_interval_must_divide_the_merged_time_range():
    with pytest.raises(ConfigError, match="search_interval: 10 minutes does not divide time_range 45m"):
        ar.plan_rule(options(time_range="45m"), SERVER_RULE, FakeClient())


def test_state_absent_plans_a_delete_only_when_the_rule_exists():
    client = FakeClient()
    assert ar.plan_rule(options(state="absent"), None, client).outcome == "unchanged"
    plan = ar.plan_rule(options(state="absent"), SERVER_RULE, client)
    assert plan.outcome == "deleted" and plan.before["risk"] == "high" and plan.after == {}


def test_owner_is_ignored_with_a_warning_when_it_differs():
    client = FakeClient()
    assert ar.plan_rule(options(owner="analyst"), SERVER_RULE, client).outcome == "unchanged"
    assert client.warnings == ["alert rule 'Brute force detection': owner is read-only; the rule stays owned by admin"]


@pytest.mark.parametrize("fields,option", [
    ({"search_params.search_interval_minute": "must divide"}, "search_interval"),
    ({"search_interval_minute": "must divide"}, "search_interval"),
    ({"search_params.timerange": "exactly one"}, "time_range"),
    ({"incident_condition.condition_value": "bad"}, "condition.value"),
    ({"taxonomy.metadata.0.field": "bad"}, "metadata"),
    ({"body.name": "short"}, "name"),
    ({"body.search_params": "this section is required"}, "body.search_params"),
])
def test_server_validation_errors_name_the_options(fields, option):
    error = ar.explain(ValidationError("refused", fields=fields), "alert rule 'X'")
    assert list(error.fields) == [option]
    assert error.message.startswith("alert rule 'X': the server refused %s: " % option)


def test_bulk_refuses_a_rule_listed_twice_before_reading_anything():
    client = FakeClient()
    with pytest.raises(ConfigError, match=r"rules\[1\]: alert rule 'Brute force detection' is listed twice"):
        ar.converge_rules(client, [options(), options()], purge=False, check_mode=True)
    assert client.calls == []


def test_bulk_purge_deletes_only_unlisted_rules_of_its_pack():
    hand_made = dict(copy.deepcopy(SERVER_RULE), id="65b000000000000000000002", name="Hand made rule")
    hand_made["taxonomy"]["metadata"] = []
    marked = dict(copy.deepcopy(SERVER_RULE), id="65b000000000000000000003", name="Old managed rule")
    marked["taxonomy"]["metadata"] = [{"field": "managed_by", "value": "logpoint.siem:soc"}]
    other_pack = dict(copy.deepcopy(SERVER_RULE), id="65b000000000000000000004", name="Rule of another pack")
    other_pack["taxonomy"]["metadata"] = [{"field": "managed_by", "value": "logpoint.siem:cloud"}]
    no_pack = dict(copy.deepcopy(SERVER_RULE), id="65b000000000000000000005", name="Rule of no pack")
    client = FakeClient(rules=[SERVER_RULE, hand_made, marked, other_pack, no_pack])
    changed, result, diffs = ar.converge_rules(client, [options(risk="high")], purge=True, check_mode=True, pack="soc")
    # the listed rule carries the 0.1.0 marker (no pack): listing it makes it join the pack
    assert changed and result["summary"] == {"created": 0, "updated": 1, "unchanged": 0, "deleted": 1}
    assert [(e["name"], e["outcome"], e["changes"]) for e in result["rules"]] == [
        ("Brute force detection", "updated", ["pack"]), ("Old managed rule", "deleted", ["state"])]
    assert [diff["before_header"] for diff in diffs] == ["alert rule 'Brute force detection'",
                                                         "alert rule 'Old managed rule'"]
    assert diffs[0]["before"]["pack"] is None and diffs[0]["after"]["pack"] == "soc"


def test_purge_needs_a_pack_and_a_rule_set():
    client = FakeClient(rules=[SERVER_RULE])
    with pytest.raises(ConfigError, match=r"^purge: give pack as well"):
        ar.converge_rules(client, [options()], purge=True, check_mode=False)
    with pytest.raises(ConfigError, match=r"^rules: the list is empty, and with purge: true that would delete every "
                                          r"rule of pack 'soc'; set allow_empty: true"):
        ar.converge_rules(client, [], purge=True, check_mode=False, pack="soc")
    with pytest.raises(ConfigError, match=r"^pack: 'a b' is not a pack name"):
        ar.converge_rules(client, [options()], purge=False, check_mode=False, pack="a b")
    assert client.calls == []
    changed, result, _diffs = ar.converge_rules(client, [], purge=True, check_mode=True, pack="soc", allow_empty=True)
    assert not changed and result["summary"]["deleted"] == 0, "the rule of no pack is not the pack's to delete"


def test_markers_name_the_pack():
    assert api.marker_value("soc") == "logpoint.siem:soc" and api.marker_value(None) == "logpoint.siem"
    rule = {"taxonomy": {"metadata": [{"field": "managed_by", "value": "logpoint.siem:soc"}]}}
    assert api.pack_of(rule) == "soc" and api.is_managed(rule)
    legacy = {"taxonomy": {"metadata": [{"field": "managed_by", "value": "logpoint.siem"}]}}
    assert api.pack_of(legacy) is None and api.is_managed(legacy)
    foreign = {"taxonomy": {"metadata": [{"field": "managed_by", "value": "terraform"}]}}
    assert not api.is_managed(foreign) and api.pack_of({}) is None
