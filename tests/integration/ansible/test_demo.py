# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo playbooks (playbooks/demo/) as a user runs them; the incident triage part is in test_incident_playbooks.py."""
from __future__ import annotations

import harness


def test_demo_imports_two_lists_once_and_prints_their_audit_trail(run_playbook, sim):
    demo = harness.ROOT / "playbooks" / "demo"
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
