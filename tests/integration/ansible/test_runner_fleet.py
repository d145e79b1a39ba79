# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rule set across tenants through ansible-runner, as an AWX execution node runs a job.

``ansible_runner.run(...)`` runs the detection_rules role over the logpoints inventory plugin's hosts:
two simulators (tenant-a with the base pack, tenant-b with an overlay), a tenant whose Logpoint is down
and a tenant whose overlay names a rule that does not exist. Only the last two fail; the others converge,
and a second run changes nothing.
"""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
import yaml

import harness

runner = pytest.importorskip("ansible_runner")

SIMULATOR_SOURCE = harness.ROOT / "tests" / "simulator"
BASE_RULES = [
    {"name": "Fleet brute force logons", "query": "label=Login label=Fail | chart count() by user",
     "repos": ["default"], "time_range": "10m", "condition": {"operator": ">=", "value": 5}, "risk": "medium"},
    {"name": "Fleet admin group change", "query": "label=Group label=Change", "repos": ["default"],
     "time_range": "1h", "condition": {"operator": ">", "value": 0}, "risk": "high"},
    {"name": "Fleet port scan", "query": "label=Scan | chart count() by source_address", "repos": ["default"],
     "time_range": "30m", "condition": {"operator": ">=", "value": 20}, "risk": "low"},
]
OVERLAY_B = [{"name": "tenant-b", "drop": ["Fleet admin group change"],
              "override": {"Fleet port scan": {"risk": "high", "condition": {"value": 50}}},
              "add": [{"name": "Tenant B VPN logons", "query": "label=VPN label=Login", "repos": ["default"],
                       "time_range": "1h", "condition": {"operator": ">", "value": 100}, "risk": "low"}]}]
PLAYBOOK = """
- name: One rule set across tenants
  hosts: logpoints
  gather_facts: false
  roles:
    - role: logpoint.siem.detection_rules
      detection_rules_pack: fleet-base
      detection_rules_purge: true
      detection_rules_rules: "{{ fleet_base_rules }}"
      detection_rules_connection:
        url: "{{ logpoint_url }}"
        ca_path: "{{ logpoint_ca_path }}"
        timeout: 5
"""


@pytest.fixture(scope="module")
def second_simulator(tmp_path_factory):
    if str(SIMULATOR_SOURCE) not in sys.path:
        sys.path.insert(0, str(SIMULATOR_SOURCE))
    from logpoint_simulator import serve_in_thread  # pylint: disable=import-outside-toplevel
    running = serve_in_thread(port=0, tls=True, ca_path=tmp_path_factory.mktemp("tenant-b") / "ca.pem")
    yield running
    running.stop()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rules_of(url, ca_path):
    import requests  # pylint: disable=import-outside-toplevel
    state = requests.get(url + "/_simulator/state", verify=str(ca_path), timeout=10).json()
    return dict((rule["name"], rule) for rule in state["alert_rules"].values())


def run_job(private_dir, inventory, playbook, env):
    """What an execution node does: ansible-runner with the job's inventory, playbook and credential env."""
    private_dir.mkdir()
    return runner.run(private_data_dir=str(private_dir), playbook=str(playbook), inventory=str(inventory),
                      envvars=env, quiet=True, timeout=300,
                      extravars={"fleet_base_rules": BASE_RULES})


def test_detection_rules_across_tenants_through_ansible_runner(sim, second_simulator, tmp_path):
    inventory = tmp_path / "tenants.logpoints.yml"
    inventory.write_text(yaml.safe_dump({
        "plugin": "logpoint.siem.logpoints",
        "logpoints": [
            {"name": "tenant-a", "url": sim.url, "ca_path": sim.ca_path},
            {"name": "tenant-b", "url": second_simulator.url, "ca_path": str(second_simulator.ca_path),
             "vars": {"detection_rules_overlays": OVERLAY_B}},
            {"name": "tenant-down", "url": "https://127.0.0.1:%d" % closed_port(), "ca_path": sim.ca_path},
            {"name": "tenant-bad", "url": sim.url, "ca_path": sim.ca_path,
             "vars": {"detection_rules_overlays": [{"name": "typo", "drop": ["Fleet port scna"]}]}},
        ]}), encoding="utf-8")
    playbook = tmp_path / "fleet.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    # the credential's environment (same user on every simulator), the collection, this venv's tools
    env = dict(sim.process.env(), ANSIBLE_COLLECTIONS_PATH=str(harness.COLLECTIONS_PATH),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_FORCE_COLOR="0",
               PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))))
    env.pop("LOGPOINT_DIRECTOR_URL")  # standalone tenants only

    first = run_job(tmp_path / "job-1", inventory, playbook, env)
    assert first.status == "failed" and first.rc != 0
    stats = first.stats
    assert sorted(stats["failures"]) == ["tenant-bad", "tenant-down"], stats
    assert stats["changed"].get("tenant-a") and stats["changed"].get("tenant-b"), stats
    failed = dict((event["event_data"]["host"], event["event_data"]["res"].get("msg", ""))
                  for event in first.events if event["event"] == "runner_on_failed")
    assert "tenant tenant-bad: overlay 'typo': drop: no rule 'Fleet port scna'" in failed["tenant-bad"]
    assert "127.0.0.1" in failed["tenant-down"]
    output = first.stdout.read()
    assert "tenant-b: overlays tenant-b: 3 base rules -> 3" in output
    assert "simulator-admin-secret" not in output

    assert sorted(rules_of(sim.url, sim.ca_path)) == sorted(rule["name"] for rule in BASE_RULES)
    tenant_b = rules_of(second_simulator.url, second_simulator.ca_path)
    assert sorted(tenant_b) == ["Fleet brute force logons", "Fleet port scan", "Tenant B VPN logons"]
    condition = tenant_b["Fleet port scan"]["incident_condition"]
    assert condition["risk"] == "high" and condition["condition_value"] == "50"

    sim.clear_requests()
    second = run_job(tmp_path / "job-2", inventory, playbook, env)
    assert sorted(second.stats["failures"]) == ["tenant-bad", "tenant-down"]
    assert not second.stats["changed"].get("tenant-a") and not second.stats["changed"].get("tenant-b"), second.stats
    # tenant-a and tenant-bad share this simulator: neither wrote (the POST reads are the repos' names)
    assert sim.count("POST /AlertRules/") == 0 and sim.count(method="POST") == sim.count("POST /Repo/")
