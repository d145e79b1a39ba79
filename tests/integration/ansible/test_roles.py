# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles against the simulator: a first run converges, a second run changes nothing and writes nothing."""
from __future__ import annotations

import json

import harness

# POSTs that only read; every other POST is a write.
READ_POSTS = ("/Repo/get_all_searchable_logpoint", "/getalloweddata")


def writes(sim):
    return sum(number for method, path, number in sim.counters()
               if method != "GET" and path not in READ_POSTS)


def play(role, **role_vars):
    return json.dumps([{"name": "Role " + role, "hosts": "localhost", "gather_facts": False,
                        "roles": [dict({"role": "logpoint.siem." + role}, **role_vars)]}])


def assert_second_run_changes_nothing(run_playbook, sim, playbook, **kwargs):
    sim.clear_requests()
    again = run_playbook(playbook, **kwargs)
    assert again.ok, again
    assert again.stats["localhost"]["changed"] == 0, again.changed_tasks
    assert writes(sim) == 0, sim.counters()
    return again


def test_threat_intel_lists(run_playbook, sim, tmp_path):
    feed = tmp_path / "bad_domains.txt"
    feed.write_text("# feed\nevil.example.com\nnot a domain\n\nc2.example.net\nevil.example.com\n", encoding="utf-8")
    lists = [
        {"name": "role_ips", "kind": "ipv4", "values": ["192.0.2.66", "300.1.2.3", "198.51.100.23"]},
        {"name": "role_domains", "kind": "domain", "src": str(feed)},
        {"name": "role_hashes", "kind": "sha256", "values": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},
    ]
    first = run_playbook(play("threat_intel_lists", threat_intel_lists_lists=lists))
    assert first.ok, first
    stored = {entry["name"]: entry["lists"] for entry in sim.state()["lists"].values()}
    assert stored["ROLE_IPS"] == ["192.0.2.66", "198.51.100.23"]
    assert stored["ROLE_DOMAINS"] == ["evil.example.com", "c2.example.net"]
    assert len(stored["ROLE_HASHES"]) == 1
    assert "role_ips: 1 invalid ipv4 value(s) dropped" in first.output
    report_task = first.task("logpoint.siem.threat_intel_lists : Report the values dropped as invalid")
    reports = {entry["item"]["item"]["name"]: entry["msg"] for entry in report_task["results"]
               if not entry.get("skipped")}
    assert reports["role_domains"] == ["role_domains: 1 invalid domain value(s) dropped",
                                       [{"line": 3, "value": "not a domain", "reason": "not a domain name"}]]
    assert sorted(reports) == ["role_domains", "role_ips"]
    assert "ROLE_IPS: 2 values, imported (2 added, 0 removed)" in first.output

    # Second run with the connection passed as a variable and no LOGPOINT_* environment.
    connection = {"url": sim.url, "username": harness.ADMIN_USERNAME, "secret_key": harness.ADMIN_SECRET_KEY,
                  "ca_path": sim.ca_path}
    unset = {name: None for name in ("LOGPOINT_URL", "LOGPOINT_USERNAME", "LOGPOINT_SECRET_KEY", "LOGPOINT_CA_PATH")}
    again = assert_second_run_changes_nothing(
        run_playbook, sim, play("threat_intel_lists", threat_intel_lists_lists=lists,
                                threat_intel_lists_connection=connection), env=unset)
    assert "ROLE_DOMAINS: 2 values, already up to date" in again.output
    again.assert_no_secrets()


def test_threat_intel_lists_refuses_a_list_without_valid_values(run_playbook, sim):
    lists = [{"name": "role_ok", "kind": "md5", "values": ["d41d8cd98f00b204e9800998ecf8427e"]},
             {"name": "role_empty", "kind": "url", "values": ["example.com/no-scheme"]}]
    result = run_playbook(play("threat_intel_lists", threat_intel_lists_lists=lists))
    assert not result.ok
    assert "role_empty: no valid url value; nothing was imported." in result.output
    assert writes(sim) == 0
    strict = run_playbook(play("threat_intel_lists", threat_intel_lists_fail_on_invalid=True,
                               threat_intel_lists_lists=lists[:1] + [dict(lists[1], values=["https://a.example/", "x"])]))
    assert not strict.ok and "1 invalid value(s) and threat_intel_lists_fail_on_invalid is true" in strict.output
    assert writes(sim) == 0


def test_threat_intel_lists_argument_spec(run_playbook, sim):
    result = run_playbook(play("threat_intel_lists", threat_intel_lists_lists=[{"name": "x", "kind": "hostname",
                                                                               "values": ["a"]}]))
    assert not result.ok and "hostname" in result.output and "kind" in result.output
    assert sim.count() == 0


TRIAGE_POLICY = [
    {"name": "Close low-risk noise", "filters": {"risk": "low", "status": ["unresolved", "resolved"]},
     "state": "closed", "take_ownership": True, "comment": "Closed by the triage policy."},
    {"name": "Critical to the analyst", "filters": {"risk": "critical", "status": "unresolved"},
     "assignee": "analyst", "comment": "Escalated by the triage policy."},
]


def incidents(sim):
    return {key: (value["status"], value.get("assigned_to"), len(value.get("comments", [])))
            for key, value in sim.state()["incidents"].items()}


def test_incident_triage_check_then_apply_then_nothing(run_playbook, sim):
    playbook = play("incident_triage", incident_triage_api="classic", incident_triage_policy=TRIAGE_POLICY)
    before = incidents(sim)
    dry = run_playbook(playbook, check=True)
    assert dry.ok, dry
    assert incidents(sim) == before and writes(sim) == 0
    assert "Close low-risk noise: 3 of 3 selected incidents would change" in dry.output
    assert ("Close low-risk noise - Firewall rule set reloaded: take_over, comment, resolve, close "
            "(unresolved/analyst -> closed/admin) - check mode, nothing written") in dry.output

    applied = run_playbook(playbook)
    assert applied.ok, applied
    assert "Close low-risk noise: 3 of 3 selected incidents changed" in applied.output
    assert "Critical to the analyst: 2 of 2 selected incidents changed" in applied.output
    after = incidents(sim)
    assert after["65b000000000000000000008"][0] == "closed"
    assert after["65b000000000000000000002"][0] == "unresolved"
    assert after != before

    again = assert_second_run_changes_nothing(run_playbook, sim, playbook)
    assert "Critical to the analyst: 0 of 2 selected incidents changed" in again.output
    assert incidents(sim) == after


def test_detection_rules(run_playbook, sim, tmp_path):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "10_brute_force.yml").write_text(
        "name: Role brute force\nquery: label=User label=Login label=Fail | chart count() by user\n"
        "repos: [windows]\ntime_range: 1h\ncondition: {operator: '>', value: 20}\nrisk: high\n", encoding="utf-8")
    (rules_dir / "20_admin.yaml").write_text(
        "name: Role admin group change\nquery: label=Group label=Member label=Add\nrepos: [windows]\n"
        "time_range: 10m\ncondition: {operator: '>=', value: 1}\nrisk: critical\n", encoding="utf-8")
    (rules_dir / "notes.txt").write_text("not a rule\n", encoding="utf-8")
    role_vars = {
        "detection_rules_dir": str(rules_dir),
        "detection_rules_purge": True,
        "detection_rules_pack": "role-pack",
        "detection_rules_rules": [{"name": "Role inline rule", "query": "label=Firewall action=deny",
                                   "repos": ["firewall"], "time_range": "30m",
                                   "condition": {"operator": ">", "value": 100}, "risk": "medium"}],
        "detection_rules_notifications": [{"type": "email", "alert_rules": ["Role brute force"],
                                           "recipients": ["soc@example.com"], "subject": "Alert",
                                           "template": "<p>matching events</p>"}],
    }
    playbook = play("detection_rules", **role_vars)
    dry = run_playbook(playbook, check=True)
    assert dry.ok, dry
    assert sim.state()["alert_rules"] == {} and writes(sim) == 0
    assert "1 not compared" in dry.output

    first = run_playbook(playbook)
    assert first.ok, first
    names = sorted(rule["name"] for rule in sim.state()["alert_rules"].values())
    assert names == ["Role admin group change", "Role brute force", "Role inline rule"]
    assert len(sim.state()["notifications"]) == 1
    assert "3 desired rules (2 from files)" in first.output
    assert "'created': 3" in first.output.replace('"', "'")

    again = assert_second_run_changes_nothing(run_playbook, sim, playbook)
    assert "'unchanged': 3" in again.output.replace('"', "'")

    (rules_dir / "20_admin.yaml").unlink()
    purged = run_playbook(playbook)
    assert purged.ok, purged
    remaining = sorted(rule["name"] for rule in sim.state()["alert_rules"].values())
    assert remaining == ["Role brute force", "Role inline rule"]


def test_detection_rules_missing_directory_fails_before_any_write(run_playbook, sim, tmp_path):
    """A typo in detection_rules_dir with purge on must not delete the pack: the role stops first."""
    result = run_playbook(play("detection_rules", detection_rules_dir=str(tmp_path / "rulez"), detection_rules_pack="p",
                               detection_rules_purge=True))
    assert not result.ok and "is not a directory on the controller; nothing was changed" in result.output
    assert writes(sim) == 0


def test_detection_rules_file_that_is_not_one_rule(run_playbook, sim, tmp_path):
    (tmp_path / "bad.yml").write_text("- name: a\n- name: b\n", encoding="utf-8")
    result = run_playbook(play("detection_rules", detection_rules_dir=str(tmp_path)))
    assert not result.ok and "is not one rule with a name or id" in result.output
    assert sim.count() == 0
