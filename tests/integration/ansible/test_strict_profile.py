# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole strict profile of the simulator (the adverse answer to each open API question, logpoint-api.md
§19) through Ansible: issue 10's checks. These run in the strict tier only (``make ansible-strict``,
``LOGPOINT_SIM_PROFILE=strict``); each answer on its own is tried in-process by test_strict_*.py."""
from __future__ import annotations

import json
import math
import time

import jwt
import pytest
from alert_rule_support import RULE_WRITES, rule, rule_writes, server_rules
from harness import ADMIN_SECRET_KEY, ADMIN_USERNAME
from test_strict_rules_notifications import BEARER, HTTP, HTTP_READ, HTTP_WRITE, NAME, stored_units

ACCESS_LOGS = "GET /santaba/rest/setting/accesslogs"

pytestmark = pytest.mark.sim_profile("strict", reason="the whole strict profile through Ansible")


def test_under_strict_a_rule_made_by_alert_rule_is_active_and_a_second_run_sends_no_write(ansible_module, sim):
    options = rule(time_range="90m")
    created = ansible_module("alert_rule", options)
    assert created.changed and not created.failed, created
    stored = server_rules(sim)[NAME]
    assert stored["active"] is True and created.result["alert_rule"]["enabled"] is True
    assert stored_units(stored) == {"timerange_hour": 1, "timerange_minute": 30}
    assert sim.count("POST /AlertRules/activate_api") == 1

    sim.clear_requests()
    again = ansible_module("alert_rule", options)
    assert not again.changed and again.result["outcome"] == "unchanged", again
    assert rule_writes(sim) == 0

    paused = ansible_module("alert_rule", rule("Paused rule on strict", enabled=False))
    assert paused.changed and server_rules(sim)["Paused rule on strict"]["active"] is False
    sim.clear_requests()
    assert not ansible_module("alert_rule", rule("Paused rule on strict", enabled=False)).changed
    assert rule_writes(sim) == 0

    info = ansible_module("alert_rule_info", {"name": NAME})
    [shown] = info.result["alert_rules"]
    assert (shown["owner"], shown["time_range"], shown["enabled"], shown["risk"]) == ("admin", "90m", True, "high")


BULK_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: converge
      logpoint.siem.alert_rules:
        rules: "{{ rules }}"
"""


def test_under_strict_500_rules_are_created_active_and_re_run_with_no_write(run_playbook, sim, record_property):
    rules = [rule("Detection rule %03d" % n, assignee="analyst") for n in range(500)]
    started = time.monotonic()
    run = run_playbook(BULK_PLAYBOOK, extra_vars={"rules": rules}, timeout=900)
    create_seconds = time.monotonic() - started
    assert run.ok, run
    created = run.task("converge")
    assert created["changed"] and created["summary"]["created"] == 500
    create_requests = sim.requests()["total"]
    assert all(stored["active"] is True for stored in server_rules(sim).values())
    assert sim.count("POST /AlertRules/activate_api") == 1
    assert sim.count("GET /AlertRules/lists_api") == 1 + math.ceil(500 / 100), "the lookup, then the read-back"

    sim.clear_requests()
    started = time.monotonic()
    run = run_playbook(BULK_PLAYBOOK, extra_vars={"rules": rules}, timeout=900)
    rerun_seconds = time.monotonic() - started
    assert run.ok, run
    again = run.task("converge")
    assert not again["changed"] and again["summary"]["unchanged"] == 500
    assert rule_writes(sim) == 0
    pages = math.ceil(500 / 100)
    assert (sim.count("GET /AlertRules/lists_api"), sim.count("GET /AlertRules/read_api")) == (pages, 500)
    assert sim.requests()["total"] == pages + 500 + 2, sim.requests()  # + one repos read, one users read
    figures = "create %d requests %.1fs; no-change re-run %d requests %.1fs" % (
        create_requests, create_seconds, sim.requests()["total"], rerun_seconds)
    record_property("strict_500_rules", figures)  # in tests/output/junit-ansible-strict.xml
    print("strict, 500 rules: %s" % figures)


def test_under_strict_a_notification_with_bearer_auth_is_unchanged_on_its_second_run(run_playbook, sim):
    task = dict(HTTP, body='{"alert": "x"}')
    playbook = "\n".join([
        "- hosts: localhost", "  gather_facts: false", "  tasks:",
        "    - {name: rule, logpoint.siem.alert_rule: %s}" % json.dumps(rule()),
        "    - {name: create, logpoint.siem.notification: %s}" % json.dumps(task),
        "    - {name: again, logpoint.siem.notification: %s}" % json.dumps(task),
        "    - {name: always, logpoint.siem.notification: %s}" % json.dumps(dict(task, update_secrets="always")),
        "    - {name: read, logpoint.siem.alert_rule_info: {include_notifications: true}}",
    ])
    run = run_playbook(playbook, diff=True)
    assert run.ok, run
    assert run.changed_tasks == ["rule", "create", "always"]
    assert run.task("again")["alert_rules"][0]["outcome"] == "unchanged"
    assert sim.count(HTTP_WRITE) == 2 and sim.count(HTTP_READ) >= 3
    assert '"value": "******** (not compared)"' in run.stdout
    run.assert_no_secrets(BEARER)
    [http] = run.task("read")["notifications"]
    assert http["auth"] == {"type": "bearer", "value": "********"} and http["body"] == '{"alert": "x"}'
    [stored] = [kinds["http"] for kinds in sim.state()["notifications"].values()]
    assert stored["http_header"] == {"auth_type": "bearer_token", "auth_key": BEARER}


# ---- JWTs against an appliance clock behind ours ----------------------------------------------------

def test_a_token_works_against_a_server_30_s_behind(run_playbook, sim):
    sim.settings(jwt_clock_behind=30)
    now = int(time.time())
    hand_made = jwt.encode({"iss": "self-signed", "sub": ADMIN_USERNAME, "iat": now, "exp": now + 600,
                            "scope": "alertrules:read"}, ADMIN_SECRET_KEY, algorithm="HS256")
    refused = sim.api("GET", "/AlertRules/lists_api", headers={"Authorization": "Bearer %s" % hand_made})
    assert refused.status_code == 401 and "not yet valid" in refused.text, "a token issued now is refused"

    playbook = "\n".join([
        "- hosts: localhost", "  gather_facts: false", "  tasks:",
        "    - name: mint", "      logpoint.siem.token: {scopes: [alertrules:read], expires_in: 10m}",
        "      register: minted",
        "    - name: read with the token", "      logpoint.siem.alert_rule_info: {token: '{{ minted.token }}'}",
        "    - name: minted by the module itself", "      logpoint.siem.alert_rule: %s" % json.dumps(rule()),
    ])
    run = run_playbook(playbook)
    assert run.ok, run
    claims = run.task("mint")["claims"]
    assert claims["iat"] <= now - 30 and claims["exp"] - claims["iat"] >= 600
    assert run.task("minted by the module itself")["changed"] and NAME in server_rules(sim)
    assert sim.count("POST /AlertRules/create_api") == 1 and not any(
        sim.count(endpoint) for endpoint in RULE_WRITES if endpoint.endswith(("update_api", "delete_api")))


STRICT_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: a rule to audit
      logpoint.siem.alert_rule: %(rule)s
    - name: read both trails
      ansible.builtin.copy:
        dest: "%(out)s"
        content: >-
          {{ {'logpoint': query('logpoint.siem.audit_logs', category='configuration', since='10m', limit=0),
              'logicmonitor': query('logpoint.siem.audit_logs', source='logicmonitor', since='%(since)d', limit=0,
                                    keyword='(adminUser)')} | to_json }}
"""


def test_the_whole_strict_profile_through_ansible(run_playbook, sim, tmp_path):
    out = tmp_path / "trails.json"
    started = int(time.time())
    since = started - 7 * 86400
    run = run_playbook(STRICT_PLAYBOOK % {"rule": json.dumps(rule()), "out": out, "since": since})
    assert run.ok, run
    trails = json.loads(out.read_text())
    [created] = [e for e in trails["logpoint"] if e["type"] == "AlertRule" and e["action"] == "created"]
    assert created["object"] == rule()["name"] and started - 1 <= created["time"] <= time.time()
    assert isinstance(created["raw"]["log_ts"], str), "the strict server sends text timestamps"
    week = [e for e in sim.state()["lm_entries"] if e["happenedOn"] >= since]
    wanted = [e["id"] for e in sorted(week, key=lambda e: e["happenedOn"], reverse=True)
              if "(adminUser)" in e["description"]]
    assert [e["id"] for e in trails["logicmonitor"]] == wanted and len(wanted) > 50
    assert sim.count(ACCESS_LOGS) >= len(wanted) // 50, "pages of 50: the page cap was met and read through"
    assert "audit category" not in run.output, "no search warned that it dropped entries"
