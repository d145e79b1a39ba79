# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alert_rule_info against the simulator, in-process: paging, filters, notifications, and the round trip into alert_rule(s)."""
from __future__ import annotations

from alert_rule_support import create_by_hand, created_active, rule, rule_writes, token


def test_every_page_is_read_and_filters_apply(call_module, sim):
    for number in range(130):
        create_by_hand(sim, "Hand made rule %03d" % number)
    sim.clear_requests()
    everything = call_module("alert_rule_info", {"include_notifications": False})
    assert not everything.changed and len(everything.result["alert_rules"]) == 130
    assert sim.count("GET /AlertRules/lists_api") == 2
    first = everything.result["alert_rules"][0]
    # made through the API directly: active only where the server creates rules active (not under strict)
    assert first["name"] == "Hand made rule 000" and first["owner"] == "admin"
    assert first["enabled"] is created_active(sim)
    assert first["condition"] == {"operator": ">", "value": 1} and first["time_range"] == "1h"

    pattern = call_module("alert_rule_info", {"name": "Hand made rule 12*"})
    assert [r["name"] for r in pattern.result["alert_rules"]] == ["Hand made rule %03d" % n for n in range(120, 130)]
    exact = call_module("alert_rule_info", {"name": "Hand made rule 007"})
    assert [r["name"] for r in exact.result["alert_rules"]] == ["Hand made rule 007"]
    sim.clear_requests()
    by_id = call_module("alert_rule_info", {"id": first["id"]})
    assert by_id.result["alert_rules"] == [first] and sim.count("GET /AlertRules/read_api") == 1
    missing = call_module("alert_rule_info", {"id": "0123456789abcdef01234567"})
    assert not missing.failed and missing.result["alert_rules"] == []


def test_rules_read_back_feed_alert_rule_and_alert_rules_unchanged(call_module, sim):
    call_module("alert_rules", {"rules": [
        rule("Brute force on Windows logons", assignee="analyst", visible_to_usergroups=["SOC Analyst"],
             throttling={"field": "user", "window": 30}, metadata={"ref": "SOC-1"}, attack_tags=["T1110"],
             display_template="{{ alert_name }}", original_data=True, delay_interval=5),
        rule("Impossible travel", time_range="2d", search_interval=60, condition={"operator": "!=", "value": 0},
             enabled=False)]})
    create_by_hand(sim, "Hand made rule")
    sim.clear_requests()
    info = call_module("alert_rule_info", {})
    assert not info.failed and len(info.result["alert_rules"]) == 3, info
    # what a playbook does with the registered result: loop it into alert_rule, then all into alert_rules
    one_by_one = [call_module("alert_rule", item) for item in info.result["alert_rules"]]
    all_at_once = call_module("alert_rules", {"rules": info.result["alert_rules"]})
    assert [result.result["outcome"] for result in one_by_one] == ["unchanged"] * 3, one_by_one
    assert not any(result.changed or result.failed for result in one_by_one)
    assert not all_at_once.changed and not all_at_once.failed, all_at_once
    assert rule_writes(sim) == 0


def test_notifications_come_in_the_notification_module_options_secrets_hidden(call_module, sim):
    call_module("alert_rule", rule())
    call_module("notification", {"type": "http", "alert_rules": ["Brute force on Windows logons"],
                                 "http_url": "http://hooks.example.com/x", "method": "PUT",
                                 "auth": {"type": "api_token", "key": "X-Key", "value": "token-never-shown"}})
    info = call_module("alert_rule_info", {"include_notifications": True})
    assert info.result["notifications"] == [{
        "type": "http", "alert_rules": ["Brute force on Windows logons"], "enabled": True, "dispatch": "auto",
        "threshold": None, "http_url": "http://hooks.example.com/x", "method": "PUT", "body": "",
        "query_string": "", "auth": {"type": "api_token", "key": "X-Key", "value": "********"}}]
    info.assert_no_secrets("token-never-shown")
    fed_back = call_module("notification", dict(info.result["notifications"][0], auth=None))
    assert not fed_back.changed


def test_with_a_token_only_ids_replace_names_and_a_warning_says_why(call_module, sim):
    call_module("alert_rule", rule(assignee="analyst"))
    token_only = {"LOGPOINT_TOKEN": token("alertrules:read"), "LOGPOINT_SECRET_KEY": None}
    info = call_module("alert_rule_info", {"include_notifications": False}, env=token_only)
    assert not info.failed, info
    assert info.result["alert_rules"][0]["assignee"] == "65a000000000000000000002"
    assert any("ids, not names" in warning and "secret_key" in warning for warning in info.warnings)


def test_rows_under_data(call_module, sim):
    sim.settings(alert_rule_rows_key="data")
    create_by_hand(sim, "Hand made rule")
    info = call_module("alert_rule_info", {"include_notifications": False})
    assert [r["name"] for r in info.result["alert_rules"]] == ["Hand made rule"]
