# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ten Ansible forks adding the same comment to the same incident leave exactly one (issue 12).

Ten inventory hosts, all local, ``forks: 10``: each host's task runs incident_state in its own process at
the same time, so the host lock (a file lock per incident) is what makes them take turns.
"""
from __future__ import annotations

import json

CRITICAL_OF_ANALYST = "65b000000000000000000001"
TEXT = "Seen by one of ten forks."
PLAY = [{
    "hosts": "triage",
    "gather_facts": False,
    "tasks": [{"name": "Comment", "logpoint.siem.incident_state": {
        "api": "classic", "ids": [CRITICAL_OF_ANALYST], "comment": TEXT}}],
}]


def test_ten_forks_add_one_comment(run_playbook, sim, tmp_path):
    inventory = tmp_path / "hosts.yml"
    hosts = dict(("fork%02d" % n, {"ansible_connection": "local",
                                   "ansible_python_interpreter": "{{ ansible_playbook_python }}"}) for n in range(10))
    inventory.write_text(json.dumps({"triage": {"hosts": hosts}}))
    run = run_playbook(json.dumps(PLAY) + "\n", inventory=inventory, env={"ANSIBLE_FORKS": "10"})
    assert run.ok, run.describe()
    comments = [c for c in sim.state()["incidents"][CRITICAL_OF_ANALYST]["comments"] if c["comment"] == TEXT]
    assert len(comments) == 1
    assert sim.count("POST /add_incident_comment") == 1
    results = [run.task("Comment", "fork%02d" % n) for n in range(10)]
    assert sorted(bool(result.get("changed")) for result in results) == [False] * 9 + [True]
