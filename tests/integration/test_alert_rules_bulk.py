# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alert_rules (bulk) against the simulator, in-process: 200 rules within the request budget, purge, batching, check, diff."""
from __future__ import annotations

import math
import time

from alert_rule_support import MARKER, create_by_hand, model_reads, rule, rule_writes, server_rules

PAGE_SIZE = 100


def pack(count, **extra):
    return [rule("Detection rule %03d" % number, assignee="analyst", **extra) for number in range(count)]


def test_200_rules_converge_then_a_no_change_run_stays_within_the_request_budget(call_module, sim):
    started = time.monotonic()
    created = call_module("alert_rules", {"rules": pack(200)})
    create_seconds = time.monotonic() - started
    summary = {"created": 200, "updated": 0, "unchanged": 0, "deleted": 0}
    assert created.changed and created.result["summary"] == summary, created
    assert len(sim.state()["alert_rules"]) == 200 and sim.count("POST /AlertRules/create_api") == 200

    sim.clear_requests()
    started = time.monotonic()
    again = call_module("alert_rules", {"rules": pack(200)})
    no_change_seconds = time.monotonic() - started
    assert not again.changed and again.result["summary"]["unchanged"] == 200
    # the rule pages, one repos read, one users read; plus a read_api per rule where list rows lack the model
    budget = math.ceil(200 / PAGE_SIZE) + 2 + model_reads(sim, 200)
    assert sim.requests()["total"] <= budget, sim.requests()
    assert sim.count("GET /AlertRules/lists_api") == 2 and rule_writes(sim) == 0
    print("200 rules: create %.1fs, no-change run %.1fs with %d requests"
          % (create_seconds, no_change_seconds, sim.requests()["total"]))


def test_changes_cost_one_request_each_and_enable_disable_one_batch_each(call_module, sim):
    call_module("alert_rules", {"rules": pack(6)})
    rules = pack(6)
    rules[0]["risk"] = "low"
    for index in (1, 2, 3):
        rules[index]["enabled"] = False
    sim.clear_requests()
    result = call_module("alert_rules", {"rules": rules}, diff=True)
    assert result.changed and result.result["summary"] == {"created": 0, "updated": 4, "unchanged": 2, "deleted": 0}
    assert (sim.count("POST /AlertRules/update_api"), sim.count("POST /AlertRules/deactivate_api")) == (1, 1)
    headers = ["alert rule 'Detection rule %03d'" % n for n in range(4)]
    assert [diff["before_header"] for diff in result.diff] == headers
    assert (result.diff[0]["before"]["risk"], result.diff[0]["after"]["risk"]) == ("high", "low")
    assert (result.diff[1]["before"]["enabled"], result.diff[1]["after"]["enabled"]) == (True, False)
    stored = server_rules(sim)
    assert [stored["Detection rule %03d" % n]["active"] for n in range(6)] == [True, False, False, False, True, True]

    for index in (1, 2, 3):
        rules[index]["enabled"] = True
    sim.clear_requests()
    assert call_module("alert_rules", {"rules": rules}).changed
    assert (sim.count("POST /AlertRules/activate_api"), rule_writes(sim)) == (1, 1)


def test_purge_deletes_the_rules_of_its_pack_only_and_in_one_request(call_module, sim):
    create_by_hand(sim, "Hand made rule")
    call_module("alert_rules", {"rules": pack(4), "pack": "soc"})
    sim.clear_requests()
    checked = call_module("alert_rules", {"rules": pack(1), "purge": True, "pack": "soc"}, check=True)
    assert checked.changed and checked.result["summary"]["deleted"] == 3
    assert all(entry["would_be"] == (entry["outcome"] == "deleted") for entry in checked.result["rules"])
    assert len(sim.state()["alert_rules"]) == 5 and rule_writes(sim) == 0

    purged = call_module("alert_rules", {"rules": pack(1), "purge": True, "pack": "soc"})
    assert [(entry["name"], entry["outcome"]) for entry in purged.result["rules"]] == [
        ("Detection rule 000", "unchanged"), ("Detection rule 001", "deleted"), ("Detection rule 002", "deleted"),
        ("Detection rule 003", "deleted")]
    assert sorted(server_rules(sim)) == ["Detection rule 000", "Hand made rule"]
    assert sim.count("POST /AlertRules/delete_api") == 1


def test_a_bad_rule_anywhere_fails_the_task_before_any_write(call_module, sim):
    rules = pack(3)
    rules[2]["risk"] = "severe"
    result = call_module("alert_rules", {"rules": rules})
    assert result.failed and "rules[2] (Detection rule 002): value of risk must be one of" in result.msg
    rules[2] = rule("Detection rule 002", time_range="45m")
    result = call_module("alert_rules", {"rules": rules})
    assert result.failed and "alert rule 'Detection rule 002': search_interval: 10 minutes does not divide" \
        in result.msg, result.msg
    rules[2] = dict(rules[1])
    result = call_module("alert_rules", {"rules": rules})
    assert result.failed and "rules[2]: alert rule 'Detection rule 001' is listed twice" in result.msg
    assert rule_writes(sim) == 0 and sim.state()["alert_rules"] == {}


def test_state_absent_in_the_list_deletes(call_module, sim):
    call_module("alert_rules", {"rules": pack(2)})
    result = call_module("alert_rules", {"rules": [{"name": "Detection rule 001", "state": "absent"},
                                                   {"name": "Never existed", "state": "absent"}]})
    assert [entry["outcome"] for entry in result.result["rules"]] == ["deleted", "unchanged"]
    assert sorted(server_rules(sim)) == ["Detection rule 000"]


def test_two_packs_purge_only_their_own_rules(call_module, sim):
    """Two rule sets (two repositories, two job templates) each purging: neither deletes the other's rules,
    nor a rule made with alert_rule, nor one made by hand, nor one written by 0.1.0 that no pack lists."""
    create_by_hand(sim, "Hand made rule")
    create_by_hand(sim, "Rule written by 0.1.0", metadata=[dict(MARKER)])
    call_module("alert_rule", rule("Single rule of no pack"))
    soc = [rule("SOC rule %d" % number) for number in range(3)]
    cloud = [rule("Cloud rule %d" % number) for number in range(2)]
    assert call_module("alert_rules", {"rules": soc, "pack": "soc", "purge": True}).result["summary"]["deleted"] == 0
    assert call_module("alert_rules", {"rules": cloud, "pack": "cloud", "purge": True}).result["summary"]["deleted"] == 0
    stored = server_rules(sim)
    assert stored["SOC rule 0"]["taxonomy"]["metadata"] == [{"field": "managed_by", "value": "logpoint.siem:soc"}]
    assert stored["Single rule of no pack"]["taxonomy"]["metadata"] == [MARKER]

    shrunk = call_module("alert_rules", {"rules": soc[:1], "pack": "soc", "purge": True})
    assert [entry["name"] for entry in shrunk.result["rules"] if entry["outcome"] == "deleted"] == [
        "SOC rule 1", "SOC rule 2"]
    assert sorted(server_rules(sim)) == ["Cloud rule 0", "Cloud rule 1", "Hand made rule", "Rule written by 0.1.0",
                                         "SOC rule 0", "Single rule of no pack"]


def test_a_rule_written_by_0_1_0_joins_the_pack_that_lists_it(call_module, sim):
    create_by_hand(sim, "Detection rule 000", metadata=[dict(MARKER)])
    joined = call_module("alert_rules", {"rules": pack(1), "pack": "soc"}, diff=True)
    entry = joined.result["rules"][0]
    assert joined.changed and entry["outcome"] == "updated" and "pack" in entry["changes"]
    assert joined.diff[0]["before"]["pack"] is None and joined.diff[0]["after"]["pack"] == "soc"
    marker = server_rules(sim)["Detection rule 000"]["taxonomy"]["metadata"]
    assert marker == [{"field": "managed_by", "value": "logpoint.siem:soc"}]
    again = call_module("alert_rules", {"rules": pack(1), "pack": "soc"})
    assert not again.changed


def test_a_hand_made_rule_a_pack_lists_is_not_adopted(call_module, sim):
    create_by_hand(sim, "Detection rule 000")
    call_module("alert_rules", {"rules": pack(1), "pack": "soc"})
    assert server_rules(sim)["Detection rule 000"]["taxonomy"]["metadata"] == []
    assert call_module("alert_rules", {"rules": [], "pack": "soc", "purge": True, "allow_empty": True}).result[
        "summary"]["deleted"] == 0


def test_purge_without_a_pack_or_with_no_rules_is_refused_before_any_request(call_module, sim):
    call_module("alert_rules", {"rules": pack(2), "pack": "soc"})
    sim.clear_requests()
    no_pack = call_module("alert_rules", {"rules": pack(1), "purge": True})
    assert no_pack.failed and no_pack.msg.startswith("purge: give pack as well") and not no_pack.changed
    empty = call_module("alert_rules", {"rules": [], "pack": "soc", "purge": True})
    assert empty.failed and "set allow_empty: true" in empty.msg
    assert sim.requests()["total"] == 0 and len(server_rules(sim)) == 2
    emptied = call_module("alert_rules", {"rules": [], "pack": "soc", "purge": True, "allow_empty": True}, check=True)
    assert emptied.changed and emptied.result["summary"]["deleted"] == 2 and len(server_rules(sim)) == 2
