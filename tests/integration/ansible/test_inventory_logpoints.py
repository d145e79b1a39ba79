# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logpoint.siem.logpoints inventory plugin through ansible-inventory, against the simulator.

The environment is what the AWX credential injects (LOGPOINT_URL, LOGPOINT_USERNAME, LOGPOINT_SECRET_KEY,
LOGPOINT_CA_PATH, LOGPOINT_DIRECTOR_URL, LOGPOINT_DIRECTOR_TOKEN): the inventory file holds no secret.
"""
from __future__ import annotations

import json

import pytest

ADMIN_SECRET = "simulator-admin-secret-0123456789"
DIRECTOR_TOKEN = "simulator-director-token"
POOL_1 = "00000000-0000-4000-8000-000000000001"
POOL_2 = "00000000-0000-4000-8000-000000000002"

INVENTORY = """\
plugin: logpoint.siem.logpoints
logpoints:
  - name: acme
    url: "{{ lookup('env', 'LOGPOINT_URL') }}"
    vars: {tier: gold}
  - name: globex
    url: "{{ lookup('env', 'LOGPOINT_URL') }}"
    version: "7.6.0"
    vars: {tier: silver}
with_repos: true
host_name: "{identifier}"
keyed_groups:
  - key: tier | default('director')
    prefix: tier
  - key: logpoint_pool_name | default('standalone') | replace(' ', '_')
    prefix: pool
groups:
  has_windows: logpoint_repos | default([]) | selectattr('repo', 'equalto', 'windows') | list | length > 0
  major_7: (logpoint_version | default('0')).startswith('7.')
compose:
  repo_count: logpoint_repos | default([]) | length
"""


def plain(value):
    """ansible-inventory --list marks data from outside the file as unsafe: {"__ansible_unsafe": "x"} -> "x"."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def inventory_list(ansible_runner, path, *extra, env=None):
    command = [ansible_runner.executable("ansible-inventory"), "-i", str(path), "--list", *extra]
    dummy, completed, dummy_records = ansible_runner._run(command, env=env)  # pylint: disable=protected-access
    output = completed.stdout + completed.stderr
    for secret in (ADMIN_SECRET, DIRECTOR_TOKEN):
        assert secret not in output
    return completed, output


@pytest.fixture
def inventory_file(tmp_path):
    def write(text=INVENTORY, name="tenants.logpoints.yml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def test_standalone_and_director_hosts_with_their_vars_and_groups(ansible_runner, sim, inventory_file):
    completed, output = inventory_list(ansible_runner, inventory_file())
    assert completed.returncode == 0, output
    listed = plain(json.loads(completed.stdout))
    hostvars = listed["_meta"]["hostvars"]
    assert sorted(hostvars) == ["acme", "globex", "lp-simulator-01", "lp-simulator-02"]

    acme, director_host = hostvars["acme"], hostvars["lp-simulator-01"]
    assert acme["logpoint_url"] == sim.url and acme["logpoint_source"] == "standalone"
    assert acme["logpoint_ca_path"] == sim.ca_path and acme["tier"] == "gold"
    assert acme["ansible_connection"] == "local"
    assert hostvars["globex"]["logpoint_version"] == "7.6.0"
    assert director_host["logpoint_director_url"] == sim.url and director_host["logpoint_url"] == sim.url
    assert director_host["logpoint_pool_uuid"] == POOL_1 and director_host["logpoint_identifier"] == "lp-simulator-01"
    assert director_host["logpoint_version"] == "7.7.1" and director_host["logpoint_pool_name"] == "Simulator pool"
    assert hostvars["lp-simulator-02"]["logpoint_pool_uuid"] == POOL_2
    assert {repo["repo"] for repo in acme["logpoint_repos"]} >= {"windows", "linux", "cloud"}
    assert acme["repo_count"] == len(acme["logpoint_repos"]) == 9
    for host in hostvars.values():  # secrets never become host variables
        assert not set(host) & {"logpoint_secret_key", "logpoint_director_token", "logpoint_token", "secret_key"}

    def members(group):
        return sorted(listed.get(group, {}).get("hosts", []))
    assert members("logpoints") == sorted(hostvars)
    assert members("tier_gold") == ["acme"] and members("tier_director") == ["lp-simulator-01", "lp-simulator-02"]
    assert members("pool_Simulator_pool_2") == ["lp-simulator-02"]
    assert members("has_windows") == sorted(hostvars)
    assert members("major_7") == ["globex", "lp-simulator-01", "lp-simulator-02"]
    # one pools listing, one Logpoints listing per pool, one repos read per host; nothing written
    assert sim.count("GET /configapi/pools") == 3
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 4
    assert sim.count(method="POST") == sim.count("POST /Repo/get_all_searchable_logpoint")


def test_second_run_is_served_from_the_cache(ansible_runner, sim, inventory_file, tmp_path):
    cached = INVENTORY + ("cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n"
                          "cache_timeout: 3600\n" % (tmp_path / "cache"))
    path = inventory_file(cached)
    first, output = inventory_list(ansible_runner, path)
    assert first.returncode == 0, output
    assert sim.count() == 7
    cache_text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "cache").iterdir())
    assert ADMIN_SECRET not in cache_text and DIRECTOR_TOKEN not in cache_text and "lp-simulator-02" in cache_text

    sim.clear_requests()
    second, output = inventory_list(ansible_runner, path)
    assert second.returncode == 0, output
    assert sim.count() == 0, "the second run sent requests: %s" % sim.requests()
    assert plain(json.loads(second.stdout)) == plain(json.loads(first.stdout))

    third, output = inventory_list(ansible_runner, path, "--flush-cache")
    assert third.returncode == 0, output
    assert sim.count() == 7


def test_an_entry_with_a_secret_is_refused_without_showing_it(ansible_runner, sim, inventory_file):
    text = INVENTORY.replace("    vars: {tier: gold}", "    vars: {tier: gold, logpoint_secret_key: %s}" % ADMIN_SECRET)
    completed, output = inventory_list(ansible_runner, inventory_file(text),
                                       env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert completed.returncode != 0
    assert "logpoints[0] (acme) vars: logpoint_secret_key would become host variables" in output
    assert sim.count() == 0


def test_a_director_without_its_token_fails_the_source_and_says_so(ansible_runner, sim, inventory_file):
    completed, output = inventory_list(ansible_runner, inventory_file(),
                                       env={"LOGPOINT_DIRECTOR_TOKEN": "wrong-token",
                                            "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert completed.returncode != 0
    assert "logpoint.siem.logpoints:" in output and "wrong-token" not in output


def test_a_play_over_the_inventory_reaches_each_logpoint(ansible_runner, sim, inventory_file):
    path = inventory_file(INVENTORY.replace("with_repos: true", "with_repos: false"))
    playbook = """
- hosts: logpoints
  gather_facts: false
  module_defaults:
    group/logpoint.siem.logpoint:
      url: "{{ logpoint_url }}"
      ca_path: "{{ logpoint_ca_path }}"
  tasks:
    - name: Its alert rules
      logpoint.siem.alert_rule_info:
      register: found
    - name: Branch on what the inventory says
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }} {{ logpoint_source }} {{ logpoint_version | default('unknown') }}"
"""
    result = ansible_runner.playbook(playbook, inventory=path)
    assert result.ok, result.describe()
    assert sim.count("GET /AlertRules/lists_api") == 4
