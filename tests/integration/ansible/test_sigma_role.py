# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/sigma_rules against the simulator: the project's Sigma rules converged in a pack, a second run that
writes nothing, a Sigma rule renamed in place (same Logpoint rule, new name), check mode."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("sigma.backends.logpoint")

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sigma"
REPOS = {"product": {"windows": ["windows"], "linux": "linux", "azure": ["cloud"], "m365": ["cloud"]}}
READ_POSTS = ("/Repo/get_all_searchable_logpoint", "/getalloweddata")
PACK = "sigma-tests"


def writes(sim):
    return sum(number for method, path, number in sim.counters() if method != "GET" and path not in READ_POSTS)


def play(sigma_dir, **role_vars):
    role = dict({"role": "logpoint.siem.sigma_rules", "sigma_rules_dir": str(sigma_dir), "sigma_rules_pack": PACK,
                 "sigma_rules_repos": REPOS}, **role_vars)
    return json.dumps([{"name": "Sigma", "hosts": "localhost", "gather_facts": False, "roles": [role]}])


def rules_by_name(sim):
    rules = {}
    for rule in sim.state()["alert_rules"].values():
        metadata = dict((item["field"], item["value"]) for item in rule["taxonomy"]["metadata"])
        rules[rule["name"]] = dict(rule, metadata=metadata)
    return rules


def test_sigma_rules_role(run_playbook, sim, tmp_path):
    sigma_dir = tmp_path / "sigma"
    shutil.copytree(FIXTURES, sigma_dir)
    report_file = tmp_path / "report.json"

    check = run_playbook(play(sigma_dir), check=True)
    assert check.ok, check
    assert sim.state()["alert_rules"] == {} and writes(sim) == 0

    first = run_playbook(play(sigma_dir, sigma_rules_report_file=str(report_file)))
    assert first.ok, first
    stored = rules_by_name(sim)
    assert len(stored) == 11
    assert all(rule["metadata"]["managed_by"] == "logpoint.siem:" + PACK for rule in stored.values())
    cleared = stored["Security Event Log Cleared"]
    assert cleared["metadata"]["sigma_id"] == "5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b02"
    assert cleared["search_params"]["query"] == 'norm_id="WinServer" channel="Security" event_id=1102'
    assert cleared["incident_condition"]["risk"] == "medium"
    assert stored["Linux Password File Modified"]["active"] is False  # experimental: off
    assert stored["Brute Force On One Account"]["search_params"]["query"].endswith(
        "| chart count() as event_count by target_user_name, source_address | search event_count >= 10")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["summary"]["converted"] == 11 and report["summary"]["skipped"] == 12
    assert "status deprecated is not converted" in first.output

    sim.clear_requests()
    again = run_playbook(play(sigma_dir, sigma_rules_report_file=str(report_file)))
    assert again.ok, again
    assert again.stats["localhost"]["changed"] == 0, again.changed_tasks
    assert writes(sim) == 0, sim.counters()

    # The Sigma rule is renamed: the same Logpoint rule (found by its Sigma id) gets the new name.
    before_id = next(rule_id for rule_id, rule in sim.state()["alert_rules"].items()
                     if rule["name"] == "Security Event Log Cleared")
    rule_file = sigma_dir / "windows" / "security_log_cleared.yml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8").replace(
        "title: Security Event Log Cleared", "title: Windows Security Log Cleared"), encoding="utf-8")
    sim.clear_requests()
    renamed = run_playbook(play(sigma_dir))
    assert renamed.ok, renamed
    stored = dict((rule_id, rule["name"]) for rule_id, rule in sim.state()["alert_rules"].items())
    assert stored[before_id] == "Windows Security Log Cleared"
    assert len(stored) == 11 and "Security Event Log Cleared" not in stored.values()
    assert sim.count("POST /AlertRules/update_api") == 1 and sim.count("POST /AlertRules/create_api") == 0
    assert writes(sim) == 1, sim.counters()

    # A tenant's overlay on the converted rules (as detection_rules_overlays): one dropped, one overridden
    overlay = [{"name": "tenant", "drop": ["Linux Password File Modified"],
                "override": {"Windows Security Log Cleared": {"risk": "critical"}}}]
    sim.clear_requests()
    overlaid = run_playbook(play(sigma_dir, sigma_rules_overlays=overlay, sigma_rules_purge=True))
    assert overlaid.ok, overlaid
    stored = rules_by_name(sim)
    assert "Linux Password File Modified" not in stored and len(stored) == 10
    assert stored["Windows Security Log Cleared"]["incident_condition"]["risk"] == "critical"
    typo = run_playbook(play(sigma_dir, sigma_rules_overlays=[{"name": "typo", "drop": ["No such rule"]}]))
    assert not typo.ok and "overlay 'typo': drop: no rule 'No such rule'" in typo.output
