# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's "Sigma rules" example, run as the README writes it, against the test simulator.

The README's block writes a playbook with a heredoc (``cat > /tmp/sigma.yml <<'EOF' ... EOF``) and runs
it with ``tools/with_simulator.py``, which starts a simulator of its own. Substituted here, and only this:

* the playbook is the heredoc's text taken from the README, written into the test's directory instead
  of ``/tmp/sigma.yml``, and its ``sigma_rules_report_file: /tmp/sigma-report.json`` points into the
  test's directory (tests write nothing to ``/tmp`` that another run could read);
* ``ansible-playbook`` runs against the ``sim`` fixture's simulator (``run_playbook``) instead of the
  one ``with_simulator.py`` would start, and with ``PWD`` set to the checkout, as in the README's
  "from a checkout" (the playbook finds ``tests/fixtures/sigma`` through ``lookup('env', 'PWD')``).
"""
from __future__ import annotations

import json
import re

import pytest

import harness
from readme_support import readme_section, writes

pytest.importorskip("sigma.backends.logpoint")

README_REPORT = "/tmp/sigma-report.json"  # nosec B108 - the README's path, replaced below


def readme_command():
    """The section's bash block: the heredoc's playbook, and the command line that runs it."""
    block = re.search(r"```bash\n(.*?)```", readme_section("## Sigma rules"), re.DOTALL).group(1)
    heredoc = re.search(r"^cat > (\S+) <<'EOF'\n(.*?)^EOF\n(.*)", block, re.DOTALL | re.MULTILINE)
    assert heredoc, "the README's Sigma block no longer writes its playbook with a heredoc:\n" + block
    return heredoc.group(1), heredoc.group(2), heredoc.group(3).strip()


def test_readme_sigma_rules(run_playbook, sim, tmp_path):
    playbook_path, playbook, command = readme_command()
    assert command == ".venv/bin/python tools/with_simulator.py -- .venv/bin/ansible-playbook %s" % playbook_path
    assert README_REPORT in playbook
    report = tmp_path / "sigma-report.json"
    playbook_file = tmp_path / "sigma.yml"
    playbook_file.write_text(playbook.replace(README_REPORT, str(report)), encoding="utf-8")
    env = {"PWD": str(harness.ROOT)}

    first = run_playbook(playbook_file, env=env)
    assert first.ok, first
    # "It ends with `Sigma: 23 files, 11 rules converted, 12 skipped {...}` and `{'created': 11, ...}`"
    promised = re.search(r"It ends with `(Sigma: [^`{]*)\{\.\.\.\}` and `\{'created': (\d+), \.\.\.\}`",
                         readme_section("## Sigma rules"))
    assert promised, "the README no longer says what the run ends with"
    assert promised.group(1) in first.output, first
    assert "'created': %s" % promised.group(2) in first.output.replace('"', "'"), first
    assert len(sim.state()["alert_rules"]) == int(promised.group(2))
    # "the skipped rules are listed with their reasons (and in the report file)"
    converted, skipped = re.search(r"(\d+) rules converted, (\d+) skipped", promised.group(1)).groups()
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert saved["summary"]["converted"] == int(converted) and saved["summary"]["skipped"] == int(skipped)
    skipped_entries = [entry for entry in saved["report"] if entry["outcome"] == "skipped"]
    assert len(skipped_entries) == int(skipped) and all(entry["reason"] for entry in skipped_entries)
    for entry in skipped_entries:  # shown one by one: "<file>: <title>: <reason>"
        assert "(item=%s)" % entry["file"] in first.output and entry["reason"] in first.output.replace('\\"', '"'), entry
    assert README_REPORT not in first.output
    first.assert_no_secrets()

    # "A second run against the same Logpoint changes nothing and writes nothing."
    sim.clear_requests()
    second = run_playbook(playbook_file, env=env)
    assert second.ok and second.stats["localhost"]["changed"] == 0, second.changed_tasks
    assert writes(sim) == 0
    assert promised.group(1) in second.output
