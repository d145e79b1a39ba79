# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo as a user runs it: by its FQCN, never writing to a server that is not the simulator unless told to,
and its parts (playbooks/demo_parts/) one by one; the incident triage part is in test_incident_playbooks.py."""
from __future__ import annotations

import socket
import subprocess

import harness


def test_demo_imports_two_lists_once_and_prints_their_audit_trail(run_playbook, sim):
    demo = harness.ROOT / "playbooks" / "demo_parts"
    first = run_playbook(demo / "20_threat_intel.yml")
    assert first.ok, first
    assert first.changed_tasks == ["Import the malicious IP addresses (inline values)",
                                   "Import the bad domains (a file, one domain per line)"]
    again = run_playbook(demo / "20_threat_intel.yml")
    assert again.ok and again.changed_tasks == []
    trail = run_playbook(demo / "90_audit_trail.yml")
    assert trail.ok, trail
    assert trail.task("Sum up")["msg"] == "2 configuration changes by admin in the last hour."
    assert "admin created UserDefinedList BAD_DOMAINS" in trail.stdout


REFUSAL = "is not the bundled Logpoint simulator"


def demo(runner, *args, env=None):
    command = [runner.executable("ansible-playbook"), "logpoint.siem.demo", *args]
    command, completed, records = runner._run(command, env=dict(harness._IMPLICIT_LOCALHOST_ONLY, **(env or {})))
    return harness.PlaybookResult(command, completed.returncode, completed.stdout, completed.stderr, records)


def closed_port_url():
    with socket.socket() as probe:  # a loopback port nothing listens on: certainly not the simulator
        probe.bind(("127.0.0.1", 0))
        return "https://127.0.0.1:%d" % probe.getsockname()[1]


def test_the_demo_runs_by_its_fqcn_against_the_simulator(ansible_runner, sim):
    run = demo(ansible_runner)
    assert run.ok, run
    assert "Is a directory" not in run.output
    assert sim.count("POST /AlertRules/create_api") > 0, "the demo wrote to the simulator"
    run.assert_no_secrets()


def test_the_demo_refuses_to_write_elsewhere_unless_allowed(ansible_runner, sim):
    url = closed_port_url()
    refused = demo(ansible_runner, env={"LOGPOINT_URL": url})
    assert refused.rc != 0 and REFUSAL in refused.output and "--check first" in refused.output, refused
    assert refused.status("Refuse to write to a server that is not the bundled simulator") == "failed"
    assert len([task for task in refused.tasks if task["status"] != "skipped"]) == 2, "nothing after the check ran"

    allowed = demo(ansible_runner, "-e", "demo_allow_writes=true", env={"LOGPOINT_URL": url})
    assert REFUSAL not in allowed.output
    assert allowed.status("Refuse to write to a server that is not the bundled simulator") == "ok"

    checked = demo(ansible_runner, "--check", env={"LOGPOINT_URL": url})
    assert checked.status("Refuse to write to a server that is not the bundled simulator") == "ok"


def test_make_demo_as_the_readme_runs_it():
    """The README's first command: the simulator up, the whole demo against it, the simulator down."""
    completed = subprocess.run(["make", "--no-print-directory", "demo"], cwd=harness.ROOT, capture_output=True,
                               text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert "PLAY RECAP" in output and "failed=0" in output
    recap = [line for line in output.splitlines() if line.startswith("localhost") and " failed=" in line]
    assert recap and all(" failed=0 " in line for line in recap), recap
