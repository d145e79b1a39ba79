# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_logs lookup right under every answer of the open API questions (issue 10, logpoint-api.md §19):
log_ts forms and the server's default search limit (Logpoint), the silent page cap, the result depth and
filter escaping (LogicMonitor), each answer on its own (the lookup's run() in this process, over HTTPS)
and the whole strict profile through Ansible."""
from __future__ import annotations

import json
import time

import pytest
import requests
from alert_rule_support import rule
from strict_support import audit_options, in_thread_simulator, run_lookup_audit, run_module, strict_profile

SEARCH = "POST /getsearchlogs"
ACCESS_LOGS = "GET /santaba/rest/setting/accesslogs"
RULES = 120  # more than the strict server's default search limit of 100


def logpoint(sim, **given):
    return audit_options(url=sim.url, ca_path=sim.ca_path, **given)


def logicmonitor(url, ca_path, **given):
    return audit_options(source="logicmonitor", lm_url=url, ca_path=ca_path, **given)


def create_rules(sim, count=RULES):
    started = int(time.time())
    created = run_module(sim, "alert_rules", {"rules": [rule("Audited rule %03d" % n) for n in range(count)]})
    assert created.result["summary"]["created"] == count
    return started


def created_rule_events(sim):
    return sorted((event for event in sim.state()["audit_events"]
                   if event["type"] == "AlertRule" and event["action"] == "created"), key=lambda e: e["log_ts"])


@pytest.mark.parametrize("log_ts_format", ["int", "float", "text"])
@pytest.mark.parametrize("default_limit", [None, 100])
def test_every_audit_entry_comes_back_whatever_the_log_ts_form_and_default_limit(sim, log_ts_format, default_limit):
    sim.settings(log_ts_format=log_ts_format, search_default_limit=default_limit)
    started = create_rules(sim)
    events = created_rule_events(sim)
    warnings = []
    entries = run_lookup_audit(logpoint(sim, category=["configuration"], since="10m", limit=0), warnings)
    created = [e for e in entries if e["type"] == "AlertRule" and e["action"] == "created"]
    assert len(created) == RULES and warnings == []
    assert sorted(e["object"] for e in created) == sorted(e["object"] for e in events)
    assert all(isinstance(e["time"], int) and started - 1 <= e["time"] <= time.time() + 1 for e in entries)
    assert [e["time"] for e in entries] == sorted((e["time"] for e in entries), reverse=True)
    assert sorted(e["time"] for e in created) == sorted(e["log_ts"] for e in events)

    oldest = run_lookup_audit(logpoint(sim, category=["configuration"], since="10m", sort="oldest", limit=5), warnings)
    assert [e["time"] for e in oldest] == [e["log_ts"] for e in events[:5]] and warnings == []


def test_system_entries_come_back_whole_under_a_default_limit_below_them(sim):
    sim.settings(search_default_limit=10, log_ts_format="text")
    warnings = []
    entries = run_lookup_audit(logpoint(sim, category=["system"], since="2d", limit=0), warnings)
    assert len(entries) == 48 and warnings == []  # hourly disk usage rows, a simple query
    assert all(isinstance(e["time"], int) for e in entries)


@pytest.fixture(scope="module")
def deep_logicmonitor(tmp_path_factory):
    """A second simulator holding 10,500 LogicMonitor entries (the session simulator holds 3000)."""
    running = in_thread_simulator(lm_entries=10500)
    yield running
    running.stop()


@pytest.mark.parametrize("settings", [
    {},
    {"lm_page_cap": 50},
    {"lm_offset_limit": 10000},
    {"lm_page_cap": 50, "lm_offset_limit": 10000},
], ids=["default", "page-cap-50", "depth-10000", "strict"])
def test_10500_logicmonitor_entries_are_read_completely(deep_logicmonitor, settings):
    control = deep_logicmonitor.url + "/_simulator/"
    session = requests.Session()
    session.verify = str(deep_logicmonitor.ca_path)
    session.trust_env = False  # no proxy or CA bundle from the environment between the test and loopback
    session.post(control + "reset").raise_for_status()
    session.post(control + "settings", json=settings).raise_for_status()
    expected = sorted((e["id"] for e in session.get(control + "state").json()["lm_entries"]), key=int, reverse=True)
    assert len(expected) == 10500
    options = logicmonitor(deep_logicmonitor.url, str(deep_logicmonitor.ca_path), since="60d", limit=0,
                           fields=["id", "time"])
    session.delete(control + "requests").raise_for_status()
    started = time.monotonic()
    entries = run_lookup_audit(options, [])
    seconds = time.monotonic() - started
    assert [e["id"] for e in entries] == expected
    made = session.get(control + "requests").json()["total"]
    oldest = run_lookup_audit(dict(options, sort="oldest", limit=10200), [])
    assert [e["id"] for e in oldest] == expected[::-1][:10200]
    print("LogicMonitor, 10,500 entries, %s: %d requests, %.1fs" % (settings or "default", made, seconds))


def test_logicmonitor_filter_values_with_special_characters_are_escaped(sim):
    since = int(time.time()) - 86400
    day = [e for e in sim.state()["lm_entries"] if e["happenedOn"] >= since]
    wanted = sorted((e["id"] for e in day if "(adminUser)" in e["description"]), key=int, reverse=True)
    assert wanted
    entries = run_lookup_audit(logicmonitor(sim.url, sim.ca_path, since=str(since), keyword="(adminUser)", limit=0),
                               [])
    assert [e["id"] for e in entries] == wanted
    refused = sim.api("GET", "/santaba/rest/setting/accesslogs", headers={"X-Version": "3", "Authorization":
                      "Bearer simulator-lm-bearer"}, params={"filter": '_all~"*(adminUser)*"'})
    assert refused.status_code == 400, "the simulator refuses what LogicMonitor cannot read unescaped"


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
    with strict_profile(sim):
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
