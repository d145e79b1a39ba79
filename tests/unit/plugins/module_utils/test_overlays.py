# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Overlays on a base pack: the merge rules of module_utils/overlays.py and the apply_overlays filter."""
from __future__ import annotations

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.logpoint.siem.plugins.filter.apply_overlays import FilterModule, RULE_FIELDS, apply_overlays
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.overlays import apply_overlays as merge

BASE = [
    {"name": "Brute force logons", "query": "label=Login label=Fail", "repos": ["default"], "risk": "medium",
     "condition": {"operator": ">=", "value": 5}, "throttling": {"enabled": True, "field": "user", "window": 10}},
    {"name": "Admin group change", "query": "label=Group label=Change", "repos": ["default"], "risk": "high",
     "assignee": "admin"},
    {"name": "Port scan", "query": "label=Scan", "repos": ["firewall"], "risk": "low", "enabled": True},
]


def run(overlays, rules=None, tenant="acme"):
    return merge(copy.deepcopy(BASE) if rules is None else rules, overlays, RULE_FIELDS, tenant=tenant)


def names(rules):
    return [rule["name"] for rule in rules]


def test_no_overlay_is_the_base_pack():
    rules, report = run(None)
    assert rules == BASE
    assert report == {"tenant": "acme", "overlays": [], "added": [], "dropped": [], "overridden": {},
                      "base_rules": 3, "rules": 3}


def test_drop_override_add_in_one_overlay():
    rules, report = run([{
        "name": "acme",
        "drop": ["Admin group change"],
        "override": {"Port scan": {"risk": "critical", "repos": ["10.0.0.1:5504/fw"], "enabled": False,
                                   "assignee": "analyst"}},
        "add": [{"name": "ACME VPN logons", "query": "label=VPN", "repos": ["default"]}],
    }])
    assert names(rules) == ["Brute force logons", "Port scan", "ACME VPN logons"]
    assert rules[1] == {"name": "Port scan", "query": "label=Scan", "repos": ["10.0.0.1:5504/fw"], "risk": "critical",
                        "enabled": False, "assignee": "analyst"}
    assert report["overlays"] == ["acme"]
    assert report["added"] == ["ACME VPN logons"]
    assert report["dropped"] == ["Admin group change"]
    assert report["overridden"] == {"Port scan": ["risk", "repos", "enabled", "assignee"]}
    assert report["rules"] == 3


def test_dict_fields_merge_one_level_and_null_removes():
    rules, dummy = run([{"override": {"Brute force logons": {
        "condition": {"value": 10}, "throttling": {"window": None}, "risk": None}}}])
    rule = rules[0]
    assert rule["condition"] == {"operator": ">=", "value": 10}
    assert rule["throttling"] == {"enabled": True, "field": "user"}
    assert "risk" not in rule


def test_overlays_apply_in_order_each_on_the_result_of_the_ones_before():
    region = {"name": "emea", "override": {"Port scan": {"risk": "high"}}, "drop": ["Admin group change"]}
    tenant = {"name": "acme", "override": {"Port scan": {"risk": "critical"}},
              "add": [{"name": "Admin group change", "query": "label=Group", "repos": ["acme"]}]}
    rules, report = run([region, tenant])
    assert names(rules) == ["Brute force logons", "Port scan", "Admin group change"]
    assert rules[1]["risk"] == "critical"
    assert rules[2]["repos"] == ["acme"]
    assert report["overlays"] == ["emea", "acme"]
    assert report["overridden"] == {"Port scan": ["risk"]}


def test_the_base_rules_are_never_changed_in_place():
    base = copy.deepcopy(BASE)
    run([{"override": {"Brute force logons": {"condition": {"value": 99}}}, "drop": ["Port scan"]}], rules=base)
    assert base == BASE


def test_a_single_mapping_is_one_overlay():
    rules, report = run({"drop": ["Port scan"]})
    assert names(rules) == ["Brute force logons", "Admin group change"]
    assert report["overlays"] == ["overlay 1"]


@pytest.mark.parametrize("overlays,message", [
    ([{"name": "acme", "drop": ["No such rule"]}],
     "tenant acme: overlay 'acme': drop: no rule 'No such rule' in the base pack or an earlier overlay"),
    ([{"override": {"No such rule": {"risk": "low"}}}], "tenant acme: overlay 1: override: no rule 'No such rule'"),
    ([{"drop": ["Port scan"]}, {"override": {"Port scan": {"risk": "low"}}}], "overlay 2: override: no rule 'Port scan'"),
    ([{"add": [{"name": "Port scan", "query": "x"}]}], "add[0]: rule 'Port scan' is already in the set; change it with override"),
    ([{"add": [{"query": "x"}]}], "add[0]: each added rule is a mapping with a name"),
    ([{"drop": ["Port scan"], "override": {"Port scan": {"risk": "low"}}}], "drop and override both name 'Port scan'"),
    ([{"override": {"Port scan": {"name": "Renamed"}}}], "override 'Port scan': 'name' cannot be overridden"),
    ([{"override": {"Port scan": {"severity": "low"}}}], "override 'Port scan': 'severity' cannot be overridden (fields: "),
    ([{"override": {"Port scan": {}}}], "override 'Port scan': give a mapping of the fields to change"),
    ([{"remove": ["Port scan"]}], "overlay 1: unknown key remove; an overlay has name, drop, override, add"),
    ([{"drop": "Port scan"}], "drop must be a list, got str"),
    ([{"override": ["Port scan"]}], "override must be a mapping of rule name to fields, got list"),
    (["Port scan"], "an overlay is a mapping"),
    ("acme", "overlays must be a list of overlays, got str"),
])
def test_bad_overlays_are_errors_naming_tenant_overlay_key_and_rule(overlays, message):
    with pytest.raises(ConfigError) as caught:
        run(overlays)
    assert message in str(caught.value)


def test_an_unknown_rule_lists_the_rules_that_exist():
    with pytest.raises(ConfigError) as caught:
        run([{"drop": ["Brute force logon"]}])
    assert "(rules that exist: 'Admin group change', 'Brute force logons', 'Port scan')" in str(caught.value)


def test_duplicate_rule_names_in_the_base_are_refused():
    with pytest.raises(ConfigError, match="rule 'Port scan' appears twice"):
        run([], rules=BASE + [{"name": "Port scan", "query": "y"}])


def test_rules_without_a_name_are_kept_but_cannot_be_targeted():
    rules, dummy = run([{"drop": ["Port scan"]}], rules=copy.deepcopy(BASE) + [{"id": "abc", "enabled": False}])
    assert rules[-1] == {"id": "abc", "enabled": False}


def test_filter_returns_rules_and_report_and_turns_errors_into_filter_errors():
    assert FilterModule().filters()["apply_overlays"] is apply_overlays
    result = apply_overlays(copy.deepcopy(BASE), [{"drop": ["Port scan"]}], tenant="t1")
    assert names(result["rules"]) == ["Brute force logons", "Admin group change"]
    assert result["report"]["tenant"] == "t1"
    with pytest.raises(AnsibleFilterError, match="apply_overlays: tenant t2: overlay 1: drop: no rule 'Nope'"):
        apply_overlays(copy.deepcopy(BASE), [{"drop": ["Nope"]}], tenant="t2")


def test_filter_fields_are_the_rule_options():
    assert RULE_FIELDS["condition"] == "dict" and RULE_FIELDS["repos"] == "list" and RULE_FIELDS["risk"] == "str"
