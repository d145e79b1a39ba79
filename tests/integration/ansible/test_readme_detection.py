# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's "Detection as code" examples, step by step, with the files the README shows."""
from __future__ import annotations

import re

from readme_support import block, readme_section, writes

TOKEN = "example-token"


def test_readme_detection_as_code(run_playbook, sim, tmp_path):
    section = readme_section("## Detection as code")
    (tmp_path / "rules").mkdir()
    rule_file = tmp_path / "rules" / "brute_force.yml"
    rule_file.write_text(block(section, "# rules/brute_force.yml"), encoding="utf-8")
    playbook = tmp_path / "detection.yml"
    playbook.write_text(block(section, "# detection.yml"), encoding="utf-8")
    env = {"SOC_WEBHOOK_TOKEN": TOKEN}

    first = run_playbook(playbook, env=env)
    assert first.ok and "'created': 1" in first.output.replace('"', "'"), first
    stored = next(iter(sim.state()["alert_rules"].values()))
    fields = dict((item["field"], item["value"]) for item in stored["taxonomy"]["metadata"])
    assert fields["managed_by"] == "logpoint.siem:soc" and fields["managed_source"] == "brute_force.yml"
    assert fields["managed_hash"].startswith("sha256:")

    # Export round trip.
    exported = tmp_path / "exported"
    export = run_playbook("- ansible.builtin.import_playbook: logpoint.siem.export\n",
                          extra_vars={"detection_rules_export_dir": str(exported)})
    assert export.ok and "1 rules and 2 static lists exported into" in export.output, export
    assert TOKEN not in (exported / "brute_force_on_windows_logons.yml").read_text()
    sim.clear_requests()
    back = run_playbook(playbook, env={"SOC_WEBHOOK_TOKEN": ""}, extra_vars={
        "rules_dir": str(exported), "detection_rules_secrets": {"brute_force_on_windows_logons_http_value": TOKEN}})
    assert back.ok and back.stats["localhost"]["changed"] == 0 and writes(sim) == 0, back.changed_tasks
    assert "'unchanged': 1" in back.output.replace('"', "'")
    missing = run_playbook(playbook, env={"SOC_WEBHOOK_TOKEN": ""}, extra_vars={"rules_dir": str(exported)})
    assert not missing.ok and writes(sim) == 0
    assert "detection_rules_secrets.brute_force_on_windows_logons_http_value, which is not set" in missing.output
    no_dir = run_playbook("- ansible.builtin.import_playbook: logpoint.siem.export\n")
    assert not no_dir.ok and "Give the directory to export into" in no_dir.output

    # Drift report, failing in CI.
    rule_file.write_text(rule_file.read_text().replace("risk: high", "risk: critical"), encoding="utf-8")
    sim.clear_requests()
    ci = run_playbook(playbook, env=env, check=True, extra_vars={"detection_rules_fail_on_drift": True})
    assert not ci.ok and "The Logpoint drifted from the rules" in ci.output and writes(sim) == 0
    shown = [line[2:] for line in block(section, "sed -i 's/risk: high/risk: critical/' rules/brute_force.yml")
             .splitlines() if line.startswith("# ")]
    assert (tmp_path / "drift" / "drift.txt").read_text().splitlines() == shown

    # Offline validation: every problem at once, nothing written.
    printf = re.search(r"printf '(.*?)' > rules/broken.yml", section).group(1)
    (tmp_path / "rules" / "broken.yml").write_text(printf.replace("\\n", "\n"), encoding="utf-8")
    broken = run_playbook(playbook, env=env)
    assert not broken.ok and "4 problems in the desired rules, nothing was written: " in broken.output, broken
    for text in ("query: 1 parenthesis not closed", "'stats' is not a Logpoint command", "repos: no repo 'nowhere'",
                 "time_range: '5' has no unit"):
        assert text in broken.output, text
    assert writes(sim) == 0
    (tmp_path / "rules" / "broken.yml").unlink()

    # validate: search runs the changed query (and its expect) before writing it.
    searched = run_playbook(playbook, env=env, extra_vars={"detection_rules_validate": "search"})
    assert searched.ok and "'updated': 1" in searched.output.replace('"', "'"), searched
    assert sim.count("POST /getsearchlogs") >= 2
