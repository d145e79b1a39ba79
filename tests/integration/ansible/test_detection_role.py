# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""detection_rules as code through Ansible (issue 13): git provenance, lists/, the drift report, fail_on_drift,
validate: search. The export playbook's round trip is in test_readme_detection.py."""
from __future__ import annotations

import json
import subprocess

import pytest

# POSTs that only read; every other POST is a write (the searches of validate: search are reads).
READ_POSTS = ("/Repo/get_all_searchable_logpoint", "/getalloweddata", "/getsearchlogs")
SECRET = "role-webhook-bearer-91c4"
RULE = """\
name: Role brute force
query: label=User label=Login label=Fail | chart count() by user
repos: [windows]
time_range: 1h
condition: {operator: '>', value: 20}
risk: high
notifications:
  - type: http
    http_url: https://hooks.example.com/soc
    body: '{"alert": "{{ alert_name }}"}'
    auth: {type: bearer, value: '{{ detection_rules_secrets.soc_webhook }}'}
"""
ADMIN_RULE = """\
name: Role admin logons
query: label=Fail user=admin
repos: [windows]
time_range: 10m
condition: {operator: '>=', value: 1}
risk: critical
expect: {min_rows: 1}
"""


def writes(sim):
    return sum(number for method, path, number in sim.counters() if method != "GET" and path not in READ_POSTS)


def play(**role_vars):
    return json.dumps([{"name": "Detection as code", "hosts": "localhost", "gather_facts": False,
                        "roles": [dict({"role": "logpoint.siem.detection_rules"}, **role_vars)]}])


def git(directory, *args):
    return subprocess.run(["git", "-C", str(directory), "-c", "user.name=t", "-c", "user.email=t@example.com"] + list(args),
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def rules_dir(tmp_path):
    directory = tmp_path / "rules"
    (directory / "lists").mkdir(parents=True)
    (directory / "brute_force.yml").write_text(RULE, encoding="utf-8")
    (directory / "admin_logons.yml").write_text(ADMIN_RULE, encoding="utf-8")
    (directory / "lists" / "ROLE_ADMINS.txt").write_text("admin\nroot\n", encoding="utf-8")
    git(directory, "init", "-q")
    git(directory, "add", ".")
    git(directory, "commit", "-qm", "rules")
    return directory


def test_role_provenance_drift_report_and_fail_on_drift(run_playbook, sim, rules_dir, tmp_path):
    report = tmp_path / "report"
    role_vars = {"detection_rules_dir": str(rules_dir), "detection_rules_pack": "role-soc", "detection_rules_purge": True,
                 "detection_rules_validate": "search", "detection_rules_report_dir": str(report),
                 "detection_rules_secrets": {"soc_webhook": SECRET}}
    first = run_playbook(play(**role_vars))
    assert first.ok, first
    assert SECRET not in first.output
    stored = dict((rule["name"], rule) for rule in sim.state()["alert_rules"].values())
    metadata = dict((item["field"], item["value"]) for item in stored["Role brute force"]["taxonomy"]["metadata"])
    assert metadata["managed_commit"] == git(rules_dir, "rev-parse", "HEAD")
    assert metadata["managed_source"] == "brute_force.yml" and metadata["managed_by"] == "logpoint.siem:role-soc"
    assert sim.state()["lists"] and any(entry["name"] == "ROLE_ADMINS" for entry in sim.state()["lists"].values())
    drift = json.loads((report / "drift.json").read_text())
    assert drift["counts"]["created"] == 2 and "text" not in drift
    assert (report / "drift.txt").read_text().startswith("2 created, 0 updated, 0 deleted, 0 unchanged")

    sim.clear_requests()
    again = run_playbook(play(**role_vars))
    assert again.ok and again.stats["localhost"]["changed"] == 0, again.changed_tasks
    assert writes(sim) == 0, sim.counters()

    (rules_dir / "admin_logons.yml").write_text(ADMIN_RULE.replace("risk: critical", "risk: high"), encoding="utf-8")
    ci = run_playbook(play(detection_rules_fail_on_drift=True, **role_vars), check=True)
    assert not ci.ok and "The Logpoint drifted from the rules" in ci.output
    assert writes(sim) == 0
    assert "updated: Role admin logons (admin_logons.yml): risk" in (report / "drift.txt").read_text()

    (rules_dir / "admin_logons.yml").write_text(ADMIN_RULE.replace("min_rows: 1", "min_rows: 100"), encoding="utf-8")
    refused = run_playbook(play(**role_vars))
    assert not refused.ok and "expect: the query found 2 rows in its window, fewer than min_rows 100" in refused.output
    assert writes(sim) == 0
