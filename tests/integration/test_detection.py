# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Detection as code (issue 13, parts 1-3), in-process: validation before any write, provenance, drift, export."""
from __future__ import annotations

import copy
import time

import jwt
from alert_rule_support import ADMIN_ID, ANALYST_ID, WINDOWS, rule, server_rules
from harness import ADMIN_SECRET_KEY, ADMIN_USERNAME

from ansible_collections.logpoint.siem.plugins.filter.detection_rule_files import detection_rule_files

# Every request that changes the server (the searches of validate: search are reads).
WRITES = ("POST /AlertRules/", "POST /pluggables/", "POST /UserDefinedList/import_api")
BEARER = "export-webhook-bearer-4e1d"
ANALYSTS_GROUP = "65a0000000000000000000a2"


def token(scope):
    """A JWT issued a minute in the past (the strict profile's clock is behind)."""
    now = int(time.time())
    claims = {"iss": "self-signed", "sub": ADMIN_USERNAME, "iat": now - 60, "exp": now + 600, "scope": scope}
    return jwt.encode(claims, ADMIN_SECRET_KEY, algorithm="HS256")


def writes(sim):
    return sum(sim.count(prefix) for prefix in WRITES)


def metadata_of(stored):
    return dict((item["field"], item["value"]) for item in stored["taxonomy"]["metadata"])


# ---- validation ---------------------------------------------------------------------------------

def test_offline_validation_reports_every_problem_of_every_rule_and_writes_nothing(call_module, sim):
    rules = [
        rule("Rule with two problems", query="(label=User label=Login", repos=["windows", "nowhere"]),
        rule("Rule with three problems", query='user IN ["a", ', assignee="nobody", time_range="5"),
        rule("Rule with a bad command", query="label=Fail | stats count() by user"),
        rule("Rule reading a missing list", query="user IN NO_SUCH_USERS | chart count() by user"),
        rule("A good rule", query="user IN VIP_USERS | chart count() by user"),
    ]
    result = call_module("alert_rules", {"rules": rules, "pack": "checks"})
    assert result.failed and not result.changed
    assert result.msg.startswith("7 problems in the desired rules, nothing was written: "), result.msg
    for text in ("alert rule 'Rule with two problems': query: 1 parenthesis not closed in the search expression",
                 "alert rule 'Rule with two problems': repos: no repo 'nowhere'",
                 "alert rule 'Rule with three problems': query: an IN list is not closed with ]",
                 "alert rule 'Rule with three problems': time_range: '5' has no unit",
                 "alert rule 'Rule with three problems': assignee:",
                 "alert rule 'Rule with a bad command': query: | stats: 'stats' is not a Logpoint command",
                 "alert rule 'Rule reading a missing list': query: reads the list NO_SUCH_USERS, which does not exist"):
        assert text in result.msg, (text, result.msg.split("; "))
    assert "A good rule" not in result.msg
    assert writes(sim) == 0 and sim.state()["alert_rules"] == {}


def test_validate_search_runs_new_queries_and_expectations_before_any_write(call_module, sim):
    failing = [
        rule("Refused by the server", query="label=Fail | chart count() by"),
        rule("Finds too many", query="label=Fail user=jdoe", repos=["windows"], expect={"max_rows": 1}),
        rule("Finds too few", query="label=Fail", repos=["windows"], expect={"min_rows": 50, "window": "1h"}),
        rule("Failed logons of admin", query="label=Fail user=admin", repos=["windows"],
             expect={"min_rows": 2, "max_rows": 2}),
    ]
    refused = call_module("alert_rules", {"rules": failing, "validate": "search"})
    assert refused.failed and not refused.changed, refused
    assert "alert rule 'Refused by the server': query: the server refused it: Syntax error near" in refused.msg
    assert "alert rule 'Finds too many': expect: the query found 3 rows in its window, more than max_rows 1" \
        in refused.msg
    assert "alert rule 'Finds too few': expect: the query found 5 rows in its window, fewer than min_rows 50" \
        in refused.msg
    assert "Failed logons of admin" not in refused.msg
    assert writes(sim) == 0 and sim.count("POST /getsearchlogs") >= 8

    good = failing[3:] + [rule("Encoded PowerShell",
                               query='label=Process "process" IN ["*\\cmd.exe", "*\\powershell.exe"] command="* -enc *"',
                               repos=["windows"], expect={"min_rows": 1, "window": "1h"})]
    checked = call_module("alert_rules", {"rules": good, "validate": "search"}, check=True)
    assert checked.changed and not checked.failed and writes(sim) == 0, checked
    created = call_module("alert_rules", {"rules": good, "validate": "search"})
    assert created.result["summary"]["created"] == 2, created
    sim.clear_requests()
    again = call_module("alert_rules", {"rules": [dict(item, expect=None) for item in good], "validate": "search"})
    assert not again.changed and sim.count("POST /getsearchlogs") == 0  # unchanged queries are not run again


# ---- provenance and drift -----------------------------------------------------------------------

def edit_on_server(sim, name, **changes):
    """Change a rule through update_api, as someone in the web UI would."""
    stored = copy.deepcopy(server_rules(sim)[name])
    for section in ("search_params", "incident_condition"):
        stored[section].update(changes.pop(section, {}))
    stored.update(changes)
    body = dict((key, stored[key]) for key in ("id", "name", "description", "search_params", "incident_condition",
                                               "taxonomy", "incident_ownership", "incident_display_data"))
    response = sim.api("POST", "/AlertRules/update_api", json=body,
                       headers={"Authorization": "Bearer %s" % token("alertrules:write")})
    assert response.status_code == 200, response.text


def converge(call_module, rules, check=False, commit="c0ffee1", **extra):
    args = dict({"rules": rules, "pack": "soc", "provenance": True, "commit": commit}, **extra)
    return call_module("alert_rules", args, check=check)


PACK = [rule("Brute force on Windows logons", source="brute_force.yml"),
        rule("Encoded PowerShell", query="label=Process command=\"* -enc *\"", source="sigma/encoded.yml",
             metadata={"sigma_id": "5b7c3e1f-0a8d-4c6e-9f21-3d4b5a6c7e8f"})]


def test_provenance_is_written_with_the_rule_and_a_second_run_writes_nothing(call_module, sim):
    created = converge(call_module, PACK)
    assert created.result["drift"]["counts"] == {"created": 2, "updated": 0, "deleted": 0, "unchanged": 0,
                                                 "edited_on_server": 0}
    stored = metadata_of(server_rules(sim)["Encoded PowerShell"])
    assert stored["managed_by"] == "logpoint.siem:soc" and stored["managed_source"] == "sigma/encoded.yml"
    assert stored["managed_commit"] == "c0ffee1" and stored["managed_hash"].startswith("sha256:")
    assert stored["sigma_id"] == "5b7c3e1f-0a8d-4c6e-9f21-3d4b5a6c7e8f"

    sim.clear_requests()
    again = converge(call_module, PACK, commit="d15ea5e")  # a new commit that leaves the rules alone
    assert not again.changed and writes(sim) == 0, again
    report = again.result["drift"]
    assert not report["drifted"] and report["counts"]["unchanged"] == 2 and report["counts"]["edited_on_server"] == 0
    assert metadata_of(server_rules(sim)["Encoded PowerShell"])["managed_commit"] == "c0ffee1"
    by_name = dict((entry["name"], entry) for entry in report["rules"])
    assert by_name["Encoded PowerShell"]["sigma_id"] == "5b7c3e1f-0a8d-4c6e-9f21-3d4b5a6c7e8f"
    assert by_name["Brute force on Windows logons"]["source"] == "brute_force.yml"


def test_alert_rule_stores_provenance_and_a_later_pack_run_sees_the_edit(call_module, sim):
    single = dict(rule("Made by one task"), pack="soc", provenance=True, commit="c0ffee1")
    single.pop("source", None)
    created = call_module("alert_rule", single)
    assert created.changed and not created.failed, created
    stored = metadata_of(server_rules(sim)["Made by one task"])
    assert stored["managed_by"] == "logpoint.siem:soc" and stored["managed_commit"] == "c0ffee1"
    assert stored["managed_hash"].startswith("sha256:")
    sim.clear_requests()
    again = call_module("alert_rule", dict(single, commit="d15ea5e"))
    assert not again.changed and writes(sim) == 0, again
    edit_on_server(sim, "Made by one task", description="tuned by hand")
    report = converge(call_module, [rule("Made by one task")], check=True).result["drift"]
    [entry] = [entry for entry in report["rules"] if entry["name"] == "Made by one task"]
    assert entry["edited_on_server"] is True


def test_drift_report_tells_rules_edited_on_the_server_and_the_fields_that_differ(call_module, sim):
    converge(call_module, PACK)
    edit_on_server(sim, "Brute force on Windows logons", description="tuned by hand")
    edit_on_server(sim, "Encoded PowerShell", search_params={"query": "label=Process"})
    sim.clear_requests()
    dry = converge(call_module, PACK, check=True, commit="d15ea5e")
    assert writes(sim) == 0
    report = dry.result["drift"]
    by_name = dict((entry["name"], entry) for entry in report["rules"])
    assert by_name["Brute force on Windows logons"]["outcome"] == "unchanged"  # description is not in the rule file
    assert by_name["Brute force on Windows logons"]["edited_on_server"] is True
    assert by_name["Encoded PowerShell"]["outcome"] == "updated"
    assert by_name["Encoded PowerShell"]["changes"] == ["query"] and by_name["Encoded PowerShell"]["edited_on_server"]
    assert report["drifted"] and report["counts"]["edited_on_server"] == 2
    assert "updated, edited on the server: Encoded PowerShell (sigma/encoded.yml): query" in report["text"]
    assert "unchanged, edited on the server: Brute force on Windows logons (brute_force.yml)" in report["text"]

    fixed = converge(call_module, PACK, commit="d15ea5e")
    assert fixed.changed and fixed.result["summary"]["updated"] == 1
    assert metadata_of(server_rules(sim)["Encoded PowerShell"])["managed_commit"] == "d15ea5e"
    after = converge(call_module, PACK, commit="d15ea5e").result["drift"]
    edited = sorted(entry["name"] for entry in after["rules"] if entry["edited_on_server"])
    assert edited == ["Brute force on Windows logons"]  # still as edited: the collection did not rewrite it


def test_purge_and_hand_made_rules_in_the_drift_report(call_module, sim):
    converge(call_module, PACK)
    hand = sim.api("POST", "/AlertRules/create_api", headers={"Authorization": "Bearer %s" % token("alertrules:write")},
                   json=hand_made_body("Made in the web UI", **per_unit(sim)))
    assert hand.status_code == 200
    result = converge(call_module, PACK[:1] + [rule("Made in the web UI", risk="low")], purge=True)
    by_name = dict((entry["name"], entry) for entry in result.result["drift"]["rules"])
    assert by_name["Encoded PowerShell"]["outcome"] == "deleted" and by_name["Encoded PowerShell"]["pack"] == "soc"
    assert by_name["Made in the web UI"]["outcome"] == "updated" and by_name["Made in the web UI"]["pack"] is None
    assert "managed_hash" not in metadata_of(server_rules(sim)["Made in the web UI"])  # never adopted


# ---- export and the round trip ------------------------------------------------------------------

def per_unit(sim):
    """90 minutes as 1 hour and 30 minutes where the server limits each unit (strict)."""
    return {"timerange_minute": 30, "timerange_hour": 1} if sim.strict else {}


def hand_made_body(name, **search):
    """A rule as the web UI or another tool stores it: no marker, loosely typed values."""
    return {
        "name": name,
        "description": "made by hand\nsecond line",
        "search_params": dict({"query": 'label=Hand "user"=x', "repos": [WINDOWS], "timerange_minute": 90,
                               "search_interval_minute": 30, "limit": "50", "throttling_enabled": "on",
                               "throttling_field": "user", "throttling_time_range": "30", "flush_on_trigger": "off",
                               "delay_interval_minute": 2}, **search),
        "incident_condition": {"condition_option": "equalsto", "condition_value": "7", "risk": "medium",
                               "aggregate": "avg"},
        "taxonomy": {"metadata": [{"field": "ticket", "value": "SOC-12"}], "attack_tag_hashes": ["T1110"],
                     "logsources": ["Windows"]},
        "incident_ownership": {"assignee": ANALYST_ID, "visible_to_usergroups": [ANALYSTS_GROUP]},
        "incident_display_data": {"apply_jinja_template": "true", "jinja_template": "{{ user }} did it"},
        "foureyes": {"original_data": "true"},
    }


def seed_everything(call_module, sim):
    """Rules of a pack (one with notifications), rules made by hand in odd shapes, a static list."""
    converge(call_module, PACK)
    headers = {"Authorization": "Bearer %s" % token("alertrules:write")}
    units = per_unit(sim)
    for body in (hand_made_body("Odd hand-made rule", **units),
                 dict(hand_made_body("Second odd rule", **units), incident_ownership={"assignee": ADMIN_ID}),
                 dict(hand_made_body("Second odd rule!", **units), taxonomy={"metadata": []})):
        assert sim.api("POST", "/AlertRules/create_api", json=body, headers=headers).status_code == 200
    assert not call_module("notification", {
        "type": "http", "alert_rules": ["Brute force on Windows logons", "Odd hand-made rule"],
        "http_url": "https://hooks.example.com/soc", "body": '{"alert": "{{ alert_name }}"}',
        "auth": {"type": "bearer", "value": BEARER}}).failed
    assert not call_module("notification", {
        "type": "email", "alert_rules": ["Brute force on Windows logons"], "recipients": ["soc@example.com"],
        "subject": "[{{ risk }}] {{ alert_name }}", "template": "<p>{{ rows_count }} events</p>",
        "threshold": {"value": 2, "unit": "hour"}}).failed
    assert not call_module("static_list", {"name": "blocked_users", "values": ["mallory", "eve"]}).failed


def read_export(directory, secrets):
    paths = sorted(str(path) for path in directory.glob("*.yml"))
    return detection_rule_files(paths, [open(path, encoding="utf-8").read() for path in paths], str(directory), secrets)


def converge_export(call_module, directory, secrets):
    loaded = read_export(directory, secrets)
    assert loaded["problems"] == []
    results = [call_module("alert_rules", {"rules": loaded["rules"], "provenance": True, "pack": "soc"})]
    results += [call_module("notification", notification) for notification in loaded["notifications"]]
    results += [call_module("static_list", {"name": path.stem, "src": str(path)})
                for path in sorted((directory / "lists").glob("*.txt"))]
    return results


def test_export_then_converge_the_export_writes_nothing(call_module, sim, tmp_path):
    seed_everything(call_module, sim)
    exported = call_module("detection_export", {"dest": str(tmp_path / "rules")})
    assert exported.changed and exported.result["rules"] == 5, exported
    names = sorted(entry["path"] for entry in exported.result["files"])
    assert names == sorted(["brute_force_on_windows_logons.yml", "encoded_powershell.yml", "lists/BLOCKED_USERS.txt",
                            "lists/KNOWN_SCANNERS.txt", "lists/VIP_USERS.txt", "odd_hand_made_rule.yml",
                            "second_odd_rule_%s.yml" % rule_id_end(sim, "Second odd rule"),
                            "second_odd_rule_%s.yml" % rule_id_end(sim, "Second odd rule!")])
    secret_variables = ["brute_force_on_windows_logons_http_value", "odd_hand_made_rule_http_value"]
    assert exported.result["secret_variables"] == secret_variables
    exported.assert_no_secrets(BEARER)
    text = (tmp_path / "rules" / "brute_force_on_windows_logons.yml").read_text()
    assert BEARER not in text and "{{ detection_rules_secrets.brute_force_on_windows_logons_http_value }}" in text
    assert "managed_hash" not in text and text.startswith("---\nname: Brute force on Windows logons\nenabled: true\n")
    assert (tmp_path / "rules" / "lists" / "BLOCKED_USERS.txt").read_text() == "eve\nmallory\n"

    sim.clear_requests()
    results = converge_export(call_module, tmp_path / "rules", dict.fromkeys(secret_variables, BEARER))
    assert not any(result.failed for result in results), [result.msg for result in results if result.failed]
    assert not any(result.changed for result in results) and writes(sim) == 0, sim.requests()

    again = call_module("detection_export", {"dest": str(tmp_path / "rules")})
    assert not again.changed and all(entry["state"] == "unchanged" for entry in again.result["files"])


def rule_id_end(sim, name):
    return server_rules(sim)[name]["id"][-6:]


def test_export_filters_and_check_mode(call_module, sim, tmp_path):
    seed_everything(call_module, sim)
    checked = call_module("detection_export", {"dest": str(tmp_path / "x"), "name": "Second*"}, check=True)
    assert checked.changed and not (tmp_path / "x").exists()
    only = call_module("detection_export", {"dest": str(tmp_path / "y"), "pack": "soc", "lists": False,
                                            "notifications": False})
    assert sorted(entry["path"] for entry in only.result["files"]) == ["brute_force_on_windows_logons.yml",
                                                                       "encoded_powershell.yml"]
    assert "notifications" not in (tmp_path / "y" / "brute_force_on_windows_logons.yml").read_text()


def test_missing_secret_references_are_problems_without_the_secret(call_module, sim, tmp_path):
    seed_everything(call_module, sim)
    call_module("detection_export", {"dest": str(tmp_path)})
    loaded = read_export(tmp_path, {"odd_hand_made_rule_http_value": BEARER})
    assert loaded["problems"] == ["brute_force_on_windows_logons.yml: notification 2 (http): auth.value refers to "
                                  "detection_rules_secrets.brute_force_on_windows_logons_http_value, which is not set"]
    assert BEARER not in str(loaded["problems"])


def test_drift_of_a_rule_given_by_id(call_module, sim):
    converge(call_module, PACK[:1])
    rule_id = server_rules(sim)["Brute force on Windows logons"]["id"]
    edit_on_server(sim, "Brute force on Windows logons", incident_condition={"risk": "low"})
    report = converge(call_module, [{"id": rule_id, "risk": "high"}], check=True).result["drift"]
    assert report["rules"][0]["edited_on_server"] and report["rules"][0]["changes"] == ["risk"]
    assert report["rules"][0]["source"] == "brute_force.yml"
