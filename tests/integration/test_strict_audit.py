# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_logs lookup right under every answer of the open API questions (issue 10, logpoint-api.md §19):
log_ts forms and the server's default search limit (Logpoint), the silent page cap, the result depth and
filter escaping (LogicMonitor), each answer on its own (the lookup in this process through Ansible's
plugin loader, over HTTPS); the whole strict profile through Ansible is ansible/test_strict_profile.py."""
from __future__ import annotations

import time

import harness
import pytest
from alert_rule_support import rule

SEARCH = "POST /getsearchlogs"
ACCESS_LOGS = "GET /santaba/rest/setting/accesslogs"
RULES = 120  # more than the strict server's default search limit of 100


def audit(call_lookup, env=None, **options):
    """The audit_logs lookup's entries (the test fails if the lookup did) and its warnings."""
    run = call_lookup("audit_logs", env=env, **options)
    assert run.ok, run
    return run.value, run.warnings


def create_rules(module_ok, count=RULES):
    started = int(time.time())
    created = module_ok("alert_rules", {"rules": [rule("Audited rule %03d" % n) for n in range(count)]})
    assert created.result["summary"]["created"] == count
    return started


def created_rule_events(sim):
    return sorted((event for event in sim.state()["audit_events"]
                   if event["type"] == "AlertRule" and event["action"] == "created"), key=lambda e: e["log_ts"])


@pytest.mark.parametrize("log_ts_format", ["int", "float", "text"])
@pytest.mark.parametrize("default_limit", [None, 100])
def test_every_audit_entry_comes_back_whatever_the_log_ts_form_and_default_limit(
        call_lookup, module_ok, sim, log_ts_format, default_limit):
    sim.settings(log_ts_format=log_ts_format, search_default_limit=default_limit)
    started = create_rules(module_ok)
    events = created_rule_events(sim)
    entries, warnings = audit(call_lookup, category=["configuration"], since="10m", limit=0)
    created = [e for e in entries if e["type"] == "AlertRule" and e["action"] == "created"]
    assert len(created) == RULES and warnings == []
    assert sorted(e["object"] for e in created) == sorted(e["object"] for e in events)
    assert all(isinstance(e["time"], int) and started - 1 <= e["time"] <= time.time() + 1 for e in entries)
    assert [e["time"] for e in entries] == sorted((e["time"] for e in entries), reverse=True)
    assert sorted(e["time"] for e in created) == sorted(e["log_ts"] for e in events)

    oldest, warnings = audit(call_lookup, category=["configuration"], since="10m", sort="oldest", limit=5)
    assert [e["time"] for e in oldest] == [e["log_ts"] for e in events[:5]] and warnings == []


def test_system_entries_come_back_whole_under_a_default_limit_below_them(call_lookup, sim):
    sim.settings(search_default_limit=10, log_ts_format="text")
    entries, warnings = audit(call_lookup, category=["system"], since="2d", limit=0)
    assert len(entries) == 48 and warnings == []  # hourly disk usage rows, a simple query
    assert all(isinstance(e["time"], int) for e in entries)


@pytest.fixture(scope="module")
def deep_logicmonitor(tmp_path_factory):
    """A second simulator holding 10,500 LogicMonitor entries (the session simulator holds 3000)."""
    running = harness.ThreadSimulator(tmp_path_factory.mktemp("deep-logicmonitor"), lm_entries=10500).start()
    yield running
    running.stop()


@pytest.mark.parametrize("settings", [
    {},
    {"lm_page_cap": 50},
    {"lm_offset_limit": 10000},
    {"lm_page_cap": 50, "lm_offset_limit": 10000},
], ids=["default", "page-cap-50", "depth-10000", "strict"])
@pytest.mark.sim_profile("default", reason="a simulator of its own with each answer set here: the tier's profile "
                         "does not reach it, so it runs once")
def test_10500_logicmonitor_entries_are_read_completely(call_lookup, deep_logicmonitor, settings, record_property):
    deep = harness.SimClient(deep_logicmonitor)
    deep.reset()
    if settings:
        deep.settings(**settings)
    expected = sorted((e["id"] for e in deep.state()["lm_entries"]), key=int, reverse=True)
    assert len(expected) == 10500
    options = dict(source="logicmonitor", env={"LM_URL": deep.url, "LOGPOINT_CA_PATH": deep.ca_path}, since="60d",
                   limit=0, fields=["id", "time"])
    deep.clear_requests()
    started = time.monotonic()
    entries, _warnings = audit(call_lookup, **options)
    seconds = time.monotonic() - started
    assert [e["id"] for e in entries] == expected
    made = deep.requests()["total"]
    options.update(sort="oldest", limit=10200)
    oldest, _warnings = audit(call_lookup, **options)
    assert [e["id"] for e in oldest] == expected[::-1][:10200]
    figures = "%d requests, %.1fs" % (made, seconds)
    record_property("logicmonitor_10500", figures)
    print("LogicMonitor, 10,500 entries, %s: %s" % (settings or "default", figures))


def test_logicmonitor_filter_values_with_special_characters_are_escaped(call_lookup, sim):
    since = int(time.time()) - 86400
    day = [e for e in sim.state()["lm_entries"] if e["happenedOn"] >= since]
    wanted = sorted((e["id"] for e in day if "(adminUser)" in e["description"]), key=int, reverse=True)
    assert wanted
    entries, _warnings = audit(call_lookup, source="logicmonitor", since=str(since), keyword="(adminUser)", limit=0)
    assert [e["id"] for e in entries] == wanted
    refused = sim.api("GET", "/santaba/rest/setting/accesslogs", headers={"X-Version": "3", "Authorization":
                      "Bearer simulator-lm-bearer"}, params={"filter": '_all~"*(adminUser)*"'})
    assert refused.status_code == 400, "the simulator refuses what LogicMonitor cannot read unescaped"
