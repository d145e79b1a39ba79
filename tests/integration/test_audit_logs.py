# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_logs lookup against the simulator, in-process: Logpoint's audit searches and LogicMonitor's audit log."""
from __future__ import annotations

import math
import time

import harness
import pytest

SEARCH = "POST /getsearchlogs"
ACCESS_LOGS = "GET /santaba/rest/setting/accesslogs"
REQUIRED_KEYS = {"time", "user", "action", "object", "type", "description", "source_address", "repo", "category",
                 "id", "session_id", "source", "raw"}


def audit_logs(call_lookup, env=None, **lookup_args):
    """(run, entries): the lookup run and its entries, or None when it failed."""
    run = call_lookup("audit_logs", env=env, **lookup_args)
    return run, (run.value if run.ok else None)


def entries_of(call_lookup, **lookup_args):
    run, entries = audit_logs(call_lookup, **lookup_args)
    assert run.ok, run
    return entries


def import_list(call_module, name="bad_ips", values=("192.0.2.1",)):
    result = call_module("static_list", {"name": name, "values": list(values)})
    assert result.changed, result


# ---- source logpoint ------------------------------------------------------------------------------


def test_a_list_import_shows_in_the_configuration_trail(call_module, call_lookup, sim):
    import_list(call_module)
    time.sleep(1.01 - time.time() % 1)  # audit times are whole seconds: the update in the next one
    import_list(call_module, values=("192.0.2.2",))
    sim.clear_requests()
    entries = entries_of(call_lookup, category="configuration", since="10m")
    assert [(e["user"], e["action"], e["type"], e["object"], e["category"]) for e in entries] == [
        ("admin", "updated", "UserDefinedList", "BAD_IPS", "configuration"),
        ("admin", "created", "UserDefinedList", "BAD_IPS", "configuration")]
    assert all(set(e) == REQUIRED_KEYS and isinstance(e["time"], int) for e in entries)
    assert entries[0]["repo"] == "_logpoint" and entries[0]["source"] == "logpoint"
    assert entries[0]["time"] >= entries[1]["time"] > time.time() - 600
    assert sim.count(SEARCH) == 3  # start, one poll that is not final yet, the final poll


def test_default_categories_cover_every_audit_kind_but_system(call_lookup):
    entries = entries_of(call_lookup, since="7d", limit=0)
    assert {e["category"] for e in entries} == {"user_management", "authentication", "configuration",
                                                "trusted_channel"}
    assert not any(e["action"] == "run search" for e in entries)  # LPSearch rows are excluded
    assert [e["time"] for e in entries] == sorted((e["time"] for e in entries), reverse=True)


def test_system_entries_are_hourly_disk_usage(call_lookup):
    entries = entries_of(call_lookup, category=["system"], since="3h", until="now")
    assert len(entries) == 3 and {e["action"] for e in entries} == {"disk_usage"}
    assert all(e["user"] is None and "Hard Disk Usage" in e["description"] for e in entries)


def test_user_action_and_keyword_filters(call_lookup):
    jdoe = entries_of(call_lookup, category="authentication", user="jdoe", since="1d")
    assert [(e["user"], e["action"]) for e in jdoe] == [("jdoe", "locked"), ("jdoe", "login failed")]
    locks = entries_of(call_lookup, category="authentication", action="lo*", user="j*", since="1d")
    assert [e["action"] for e in locks] == ["locked", "login failed"]
    by_address = entries_of(call_lookup, category="authentication", keyword="203.0.113.66", since="1d")
    assert {e["source_address"] for e in by_address} == {"203.0.113.66"} and len(by_address) == 2


def test_time_window_sort_limit_and_fields(call_lookup):
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 4 * 86400))
    oldest = entries_of(call_lookup, category=["user_management", "trusted_channel"], since=since,
                        sort="oldest", limit=2, fields=["time", "action", "object"])
    assert [(e["action"], e["object"]) for e in oldest] == [("created", "analyst"),
                                                            ("added to group SOC Analyst", "analyst")]
    assert all(set(e) == {"time", "action", "object"} for e in oldest)
    until = int(time.time() - 2.5 * 86400)
    windowed = entries_of(call_lookup, category=["user_management", "configuration"], since="7d",
                          until=str(until))
    assert {e["object"] for e in windowed} == {"analyst"}


def test_a_forgotten_search_is_started_again(call_lookup, sim):
    sim.settings(forget_searches=1)
    sim.clear_requests()
    entries = entries_of(call_lookup, category="system", since="2h")
    assert len(entries) == 2
    assert sim.settings()["forget_searches"] == 0
    assert sim.count(SEARCH) == 5  # start, "Forgotten search", start again, two polls


def test_a_search_forgotten_twice_is_a_clear_error(call_lookup, sim):
    sim.settings(forget_searches=2)
    run, entries = audit_logs(call_lookup, category="system")
    assert not run.ok and entries is None
    assert "forgot the search twice (\"Forgotten search\")" in run.output


def test_a_refused_query_is_a_clear_error(call_lookup, sim):
    sim.faults(success_false=1, path_prefix="/getsearchlogs")
    run, _entries = audit_logs(call_lookup, category="configuration")
    assert not run.ok and "the search query was refused: simulated failure" in run.output
    assert "label=Configuration" in run.output  # the message names the query


def test_wrong_credentials_are_a_clear_error(call_lookup):
    run, _entries = audit_logs(call_lookup, category="configuration",
                               env={"LOGPOINT_SECRET_KEY": "not-the-key-0000000000000000000000"})
    assert not run.ok and "Authentication Failed" in run.output
    run.assert_no_secrets("not-the-key-0000000000000000000000")


# ---- source logicmonitor --------------------------------------------------------------------------


def after_the_newest_entry(sim):
    """Wait until the clock's second is past the newest seeded LogicMonitor entry (a minute boundary).

    In the reset's own second a 7d window holds 2017 entries, not 2016: in-process the lookup can run
    within that second.
    """
    newest = max(entry["happenedOn"] for entry in sim.state()["lm_entries"])
    while int(time.time()) <= newest:
        time.sleep(0.05)


def lm_state_entries(sim, since):
    entries = [e for e in sim.state()["lm_entries"] if e["happenedOn"] >= since]
    return sorted(entries, key=lambda e: e["happenedOn"], reverse=True)


def test_logicmonitor_reads_every_page_concurrently_in_order(call_lookup, sim):
    after_the_newest_entry(sim)
    sim.clear_requests()
    started = time.time()
    entries = entries_of(call_lookup, source="logicmonitor", since="7d", limit=0)
    expected = lm_state_entries(sim, int(started) - 7 * 86400)
    assert len(entries) == len(expected) == 2016
    assert [e["id"] for e in entries] == [e["id"] for e in expected]
    # pages of 1000, not 41 pages of the default 50; 41 pages where the server cuts every page to 50 silently
    page = sim.settings()["lm_page_cap"] or 1000
    assert sim.count(ACCESS_LOGS) == math.ceil(2016 / page)
    first = entries[0]
    assert first["source"] == "logicmonitor" and set(first) == REQUIRED_KEYS
    assert (first["user"], first["time"], first["source_address"], first["session_id"], first["description"]) == (
        expected[0]["username"], expected[0]["happenedOn"], expected[0]["ip"], expected[0]["sessionId"],
        expected[0]["description"])


def test_logicmonitor_with_a_bearer_token(call_lookup, sim):
    env = {"LM_ACCESS_ID": None, "LM_ACCESS_KEY": None, "LM_BEARER_TOKEN": harness.LM_BEARER_TOKEN}
    run, entries = audit_logs(call_lookup, env=env, source="logicmonitor", since="1h", limit=5)
    assert run.ok, run
    assert len(entries) == 5


def test_logicmonitor_filters_sort_limit_and_fields(call_lookup, sim):
    since = int(time.time()) - 86400
    day = lm_state_entries(sim, since)
    sarah = entries_of(call_lookup, source="logicmonitor", since=str(since), user="sarah", limit=0)
    assert [e["id"] for e in sarah] == [e["id"] for e in day if e["username"] == "sarah"]
    outs = entries_of(call_lookup, source="logicmonitor", since=str(since), keyword="signs out",
                      sort="oldest", limit=3, fields=["id", "action"])
    assert outs == [{"id": e["id"], "action": "logout"} for e in reversed(day) if "signs out" in e["description"]][:3]
    failed = entries_of(call_lookup, source="logicmonitor", since=str(since), action="login_failed",
                        limit=0)
    assert [e["id"] for e in failed] == [e["id"] for e in day if "failed to sign in" in e["description"]]


def test_logicmonitor_rate_limit_is_waited_out(call_lookup, sim):
    # pages of 1000 (no silent page cap: 41 pages of 50 at one request per 2 s would outlast any retry
    # budget; the capped read is test_logicmonitor_reads_every_page_concurrently_in_order's)
    sim.settings(lm_rate_limit=1, lm_page_cap=None)
    after_the_newest_entry(sim)
    sim.clear_requests()
    started = time.monotonic()
    entries = entries_of(call_lookup, source="logicmonitor", since="7d", limit=0)
    assert len(entries) == 2016
    assert sim.count(ACCESS_LOGS) > 3  # some pages were refused with 429 and sent again
    assert time.monotonic() - started >= 2  # after the window the server named


def test_logicmonitor_bad_key_is_a_clear_error_without_secrets(call_lookup, sim):
    run, entries = audit_logs(call_lookup, env={"LM_ACCESS_KEY": "wrong-lm-key-000"},
                              source="logicmonitor")
    assert not run.ok and entries is None
    assert "LogicMonitor refused the request: Authentication failed: signature mismatch" in run.output
    assert "lm_access_key" in run.output
    run.assert_no_secrets("wrong-lm-key-000")


def test_logicmonitor_honours_the_tls_options(call_lookup, sim):
    run, _entries = audit_logs(call_lookup, env={"LOGPOINT_CA_PATH": None}, source="logicmonitor")
    assert not run.ok and "TLS certificate verification failed" in run.output
    run, entries = audit_logs(call_lookup, env={"LOGPOINT_CA_PATH": None}, source="logicmonitor",
                              validate_certs=False, since="1h")
    assert run.ok and entries


# ---- both (the same under -vvvv: ansible/test_ansible_secrets.py) ---------------------------------


def test_no_secret_in_entries_or_messages(call_module, call_lookup, sim):
    import_list(call_module)  # an entry of the last hour that does not depend on the lookup's own login
    for source in ("logpoint", "logicmonitor"):
        run, entries = audit_logs(call_lookup, source=source, since="1h")
        assert run.ok and entries, run
        run.assert_no_secrets()


BAD_LOOKUPS = [
    ("unknown category", {"category": "everything"}, "Invalid value ['everything'] for config 'category'"),
    ("inverted window", {"since": "1h", "until": "2h"}, "since ("),
    ("unreadable time", {"since": "last tuesday"}, "since: 'last tuesday' is not a time"),
    ("quote in user", {"user": 'admin" OR user=*'}, "without double quotes"),
    ("category for logicmonitor", {"source": "logicmonitor", "category": "system"}, "category applies to source"),
    ("unknown field", {"fields": ["colour"]}, "Invalid value ['colour'] for config 'fields'"),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD_LOOKUPS, ids=[case[0] for case in BAD_LOOKUPS])
def test_bad_lookup_options_are_clear_errors_before_any_request(call_lookup, sim, case, args, message):
    sim.clear_requests()
    run, entries = audit_logs(call_lookup, **args)
    assert not run.ok and entries is None
    assert message in run.output, (case, run.output[-2000:])
    assert sim.count() == 0


def test_logicmonitor_without_a_portal_is_a_clear_error(call_lookup):
    run, _entries = audit_logs(call_lookup, env={"LM_URL": None}, source="logicmonitor")
    assert not run.ok and "needs lm_url or lm_company" in run.output
