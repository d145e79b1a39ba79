# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What needs Ansible itself: argument-spec messages as Ansible reports them, the static_list action
plugin (src on the controller), module_defaults groups, lookups through templating, registered results
fed back into modules. The behaviour behind each is tested in-process (tests/integration/test_*.py)."""
from __future__ import annotations

import json

import pytest
from alert_rule_support import create_by_hand, rule, rule_writes

ADMIN_KEY = "simulator-admin-secret-0123456789"

ARGSPEC_ERRORS = [
    ("alert_rule", dict(rule(), risk="severe"), "value of risk must be one of: low, medium, high, critical, got: severe"),
    ("alert_rule", {"risk": "high"}, "one of the following is required: name, id"),
    ("static_list", {"name": "ok_name", "values": ["a"], "src": "FILE"}, "mutually exclusive"),
    ("incident_state", {"ids": ["65b000000000000000000007"], "state": "done"},
     "value of state must be one of: unresolved, resolved, closed"),
    ("token", {"scopes": ["search:read"], "expires_in": "30m", "expires_at": "2030-01-01T00:00:00Z"},
     "mutually exclusive"),
    ("notification", {"type": "http", "alert_rules": ["x"], "auth": {"type": "Bearer Token"}},
     "value of type must be one of: none, api_token, basic, bearer"),
]


@pytest.mark.parametrize(("module", "args", "message"), ARGSPEC_ERRORS,
                         ids=["%s-%d" % (case[0], number) for number, case in enumerate(ARGSPEC_ERRORS)])
def test_argument_spec_errors_as_ansible_reports_them(adhoc_module, sim, tmp_path, module, args, message):
    if args.get("src") == "FILE":  # the action plugin looks for src before the module checks its options
        (tmp_path / "feed.txt").write_text("a\n")
        args = dict(args, src=str(tmp_path / "feed.txt"))
    result = adhoc_module(module, args)
    assert result.failed and message in result.msg, result
    assert sim.count() == 0, "refused before any request"


MODULE_DEFAULTS_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/logpoint.siem.logpoint:
      url: "{{ lookup('env', 'SIM_URL') }}"
      username: admin
      secret_key: "{{ lookup('env', 'SIM_KEY') }}"
      ca_path: "{{ lookup('env', 'SIM_CA') }}"
  tasks:
    - name: Import
      logpoint.siem.static_list:
        name: bad_domains
        src: bad_domains.txt

    - name: Import a file that is not there
      logpoint.siem.static_list:
        name: missing_domains
        src: missing_domains.txt
      ignore_errors: true
"""


def test_src_file_next_to_the_playbook_with_module_defaults(run_playbook, sim, tmp_path):
    playbook_dir = tmp_path / "play"
    (playbook_dir / "files").mkdir(parents=True)
    (playbook_dir / "files" / "bad_domains.txt").write_bytes(b"\xef\xbb\xbfevil.example\r\n\r\nbad.example\r\n")
    playbook = playbook_dir / "site.yml"
    playbook.write_text(MODULE_DEFAULTS_PLAYBOOK)
    env = {"SIM_URL": sim.url, "SIM_KEY": ADMIN_KEY, "SIM_CA": sim.ca_path, "LOGPOINT_URL": None,
           "LOGPOINT_USERNAME": None, "LOGPOINT_SECRET_KEY": None, "LOGPOINT_CA_PATH": None}
    run = run_playbook(playbook, env=env)
    assert run.ok, run
    assert run.task("Import")["changed"] and run.task("Import")["name"] == "BAD_DOMAINS"
    lists = {entry["name"]: entry for entry in sim.state()["lists"].values()}
    assert lists["BAD_DOMAINS"]["lists"] == ["evil.example", "bad.example"]
    assert run.status("Import a file that is not there") == "failed"
    missing = run.task("Import a file that is not there")["msg"]
    assert "src: missing_domains.txt was not found on the controller" in missing and "remote_src" not in missing
    assert "MISSING_DOMAINS" not in lists
    again = run_playbook(playbook, env=env)
    assert again.ok and not again.task("Import")["changed"]


LOOKUPS_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Every repo
      ansible.builtin.copy:
        content: "{{ query('logpoint.siem.repos') | to_json }}"
        dest: "%(out)s/repos.json"

    - name: The internal repos through the classic API
      ansible.builtin.set_fact:
        classic: "{{ query('logpoint.siem.repos', repo='_logpoint', source='getalloweddata') }}"

    - name: Windows repo addresses, the way an alert rule takes them
      ansible.builtin.set_fact:
        windows: "{{ query('logpoint.siem.repos', repo='win*') | map(attribute='address') | list }}"

    - name: Configuration changes of the last day
      ansible.builtin.copy:
        content: "{{ query('logpoint.siem.audit_logs', category='configuration', since='1d') | to_json }}"
        dest: "%(out)s/audit.json"

    - name: A repo name is data, never a template
      ansible.builtin.assert:
        that:
          - classic | length > 0
          - classic | map(attribute='repo') | unique == ['_logpoint']
          - windows == ['192.0.2.10:5504/windows']
"""


def test_lookups_through_templating(run_playbook, call_module, sim, tmp_path):
    assert call_module("static_list", {"name": "bad_ips", "values": ["192.0.2.1"]}).changed
    run = run_playbook(LOOKUPS_PLAYBOOK % {"out": tmp_path})
    assert run.ok, run
    repos = json.loads((tmp_path / "repos.json").read_text())
    expected = sorted((lp["name"], repo["name"]) for lp in sim.state()["logpoints"] for repo in lp["repos"])
    assert sorted((r["logpoint"], r["repo"]) for r in repos) == expected
    audit = json.loads((tmp_path / "audit.json").read_text())
    assert [(e["user"], e["action"], e["object"]) for e in audit][:1] == [("admin", "created", "BAD_IPS")]
    assert sim.count("POST /getalloweddata") == 1
    run.assert_no_secrets()


ROUND_TRIP = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: read
      logpoint.siem.alert_rule_info:
      register: info
    - name: one by one
      logpoint.siem.alert_rule: "{{ item }}"
      loop: "{{ info.alert_rules }}"
      register: single
    - name: all at once
      logpoint.siem.alert_rules:
        rules: "{{ info.alert_rules }}"
"""


def test_registered_rules_feed_alert_rule_and_alert_rules_unchanged(run_playbook, call_module, sim):
    """A registered result is data: a display template in it is not rendered on the way back in."""
    assert call_module("alert_rules", {"rules": [
        rule("Brute force on Windows logons", assignee="analyst", throttling={"field": "user", "window": 30},
             display_template="{{ alert_name }}", original_data=True),
        rule("Impossible travel", time_range="2d", search_interval=60, enabled=False)]}).changed
    create_by_hand(sim, "Hand made rule")
    sim.clear_requests()
    run = run_playbook(ROUND_TRIP)
    assert run.ok, run
    assert run.changed_tasks == [] and rule_writes(sim) == 0
    assert [result["outcome"] for result in run.task("one by one")["results"]] == ["unchanged"] * 3
