# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The converge engine through the writers, against the simulator: max_concurrency, partial failures,
lost replies settled by re-reading, check mode, bad max_concurrency."""
from __future__ import annotations

import time

import pytest
from alert_rule_support import RULE_WRITES, created_active, rule, rule_writes, server_rules

EMAIL_WRITE = "POST /pluggables/Notification/EmailNotification/create_api"


def pack(prefix, count, **extra):
    return [rule("%s %03d" % (prefix, number), **extra) for number in range(count)]


def created_seconds(sim, prefix):
    """The whole seconds at which the simulator created the rules whose name starts with ``prefix``."""
    return [event["log_ts"] for event in sim.state()["audit_events"]
            if event["type"] == "AlertRule" and event["action"] == "created" and event["object"].startswith(prefix)]


def test_max_concurrency_one_is_serial_and_four_overlaps(call_module, sim):
    # Every create waits 1 s in the simulator before it is applied: one at a time, no two creates are
    # applied within the same second; four at a time, several are.
    sim.faults(latency_ms=1000, path_prefix="/AlertRules/create_api")
    started = time.monotonic()
    serial = call_module("alert_rules", {"rules": pack("Serial rule", 6), "max_concurrency": 1})
    serial_seconds = time.monotonic() - started
    assert serial.changed and serial.result["summary"]["created"] == 6, serial
    seconds = created_seconds(sim, "Serial rule")
    assert len(seconds) == 6 and len(set(seconds)) == 6, seconds
    assert serial_seconds >= 6

    started = time.monotonic()
    parallel = call_module("alert_rules", {"rules": pack("Parallel rule", 6), "max_concurrency": 4})
    parallel_seconds = time.monotonic() - started
    assert parallel.changed and parallel.result["summary"]["created"] == 6, parallel
    seconds = created_seconds(sim, "Parallel rule")
    assert len(seconds) == 6 and len(set(seconds)) < 6, seconds
    assert [entry["name"] for entry in parallel.result["rules"]] == ["Parallel rule %03d" % n for n in range(6)]
    assert sim.count("POST /AlertRules/create_api") == 12
    print("6 creates at 1 s each: max_concurrency 1 %.1fs, 4 %.1fs" % (serial_seconds, parallel_seconds))


def test_a_failed_create_reports_what_was_written_and_a_rerun_converges(call_module, sim):
    rules = pack("Partial rule", 5)
    rules[0]["enabled"] = False  # its deactivation is a later phase: it must not start
    rules[2]["display_template"] = "   "  # accepted by the module, refused by the server
    failed = call_module("alert_rules", {"rules": rules, "max_concurrency": 1})
    assert failed.failed and failed.changed, failed
    written = ["alert rule 'Partial rule %03d'" % n for n in (0, 1, 3, 4)]
    assert failed.result["written"] == written
    assert "alert rule 'Partial rule 002': the server refused display_template" in failed.msg, failed.msg
    assert failed.msg.endswith("(already written before this error: %s)." % ", ".join(written)), failed.msg
    assert sorted(server_rules(sim)) == ["Partial rule %03d" % n for n in (0, 1, 3, 4)]
    # no rule is left half-made: the (de)activation of each rule created still runs after the failure -
    # rule 000 (enabled: false) deactivated where new rules are active, the others activated where not
    active = created_active(sim)
    assert (sim.count("POST /AlertRules/create_api"), sim.count("POST /AlertRules/deactivate_api"),
            sim.count("POST /AlertRules/activate_api")) == (5, 1 if active else 0, 0 if active else 1)
    assert dict((name, stored["active"]) for name, stored in server_rules(sim).items()) == {
        "Partial rule 000": False, "Partial rule 001": True, "Partial rule 003": True, "Partial rule 004": True}

    del rules[2]["display_template"]
    sim.clear_requests()
    again = call_module("alert_rules", {"rules": rules})
    assert again.changed and not again.failed, again
    assert again.result["summary"] == {"created": 1, "updated": 0, "unchanged": 4, "deleted": 0}
    assert (sim.count("POST /AlertRules/create_api"), sim.count("POST /AlertRules/deactivate_api"),
            sim.count("POST /AlertRules/activate_api")) == (1, 0, 0 if active else 1)
    assert server_rules(sim)["Partial rule 000"]["active"] is False
    assert all(stored["active"] for name, stored in server_rules(sim).items() if name != "Partial rule 000")

    sim.clear_requests()
    assert not call_module("alert_rules", {"rules": rules}).changed and rule_writes(sim) == 0


def test_a_502_on_a_create_is_settled_by_a_re_read_without_a_duplicate(call_module, sim):
    sim.faults(status_5xx=1, path_prefix="/AlertRules/create_api")
    created = call_module("alert_rule", rule())
    assert created.changed and not created.failed, created
    assert sim.count("POST /AlertRules/create_api") == 2, "sent once more only after the re-read found no rule"
    assert sim.count("GET /AlertRules/lists_api") == 2, "the lookup, then the re-read after the 502"
    assert len(sim.state()["alert_rules"]) == 1
    assert created.result["alert_rule"]["id"] == server_rules(sim)[rule()["name"]]["id"]


def test_lost_replies_in_bulk_are_re_read_not_replayed(call_module, sim):
    sim.faults(drop_after_write=1, path_prefix="/AlertRules/create_api")
    created = call_module("alert_rules", {"rules": pack("Lost reply rule", 3, enabled=False)})
    assert created.changed and not created.failed, created
    assert sim.count("POST /AlertRules/create_api") == 3 and len(server_rules(sim)) == 3
    assert all(entry["id"] == server_rules(sim)[entry["name"]]["id"] for entry in created.result["rules"])
    assert all(stored["active"] is False for stored in server_rules(sim).values())

    sim.faults(status_5xx=1, path_prefix="/AlertRules/activate_api")
    sim.clear_requests()
    enabled = call_module("alert_rules", {"rules": pack("Lost reply rule", 3, enabled=True)})
    assert enabled.changed and not enabled.failed, enabled
    assert sim.count("POST /AlertRules/activate_api") == 2, "one batch, sent once more after the re-read"
    assert all(stored["active"] is True for stored in server_rules(sim).values())


def test_a_failed_notification_batch_reports_the_rules_written(call_module, sim):
    names = ["Notified rule A", "Notified rule B"]
    for name in names:
        call_module("alert_rule", rule(name))
    email = {"type": "email", "recipients": ["soc@example.com"], "subject": "alert", "template": "<p>x</p>"}
    assert call_module("notification", dict(email, alert_rules=names[:1], dispatch="manual")).changed
    # A keeps dispatch manual, B gets the default: two different notifications, two requests.
    sim.faults(success_false=1, path_prefix="/pluggables/Notification/EmailNotification/create_api")
    sim.clear_requests()
    failed = call_module("notification", dict(email, alert_rules=names, subject="new", max_concurrency=1))
    assert failed.failed and failed.changed, failed
    assert failed.result["written"] == ["email notification of alert rule 'Notified rule B'"]
    assert "email notification of 1 alert rule(s): " in failed.msg and "simulated failure" in failed.msg
    assert sim.count(EMAIL_WRITE) == 2
    again = call_module("notification", dict(email, alert_rules=names, subject="new"))
    assert [entry["outcome"] for entry in again.result["alert_rules"]] == ["updated", "unchanged"], again


def test_check_mode_sends_no_write(call_module, sim):
    checked = call_module("alert_rules", {"rules": pack("Checked rule", 5, enabled=False), "max_concurrency": 8},
                          check=True)
    assert checked.changed and checked.result["summary"]["created"] == 5
    assert all(entry["would_be"] and entry["id"] is None for entry in checked.result["rules"])
    assert rule_writes(sim) == 0 and sim.state()["alert_rules"] == {}
    writes = [name for name in sim.requests()["by_endpoint"] if name.startswith("POST")
              and name not in ("POST /Repo/get_all_searchable_logpoint",)]
    assert writes == [], writes


@pytest.mark.parametrize("value", [0, 33])
def test_a_bad_max_concurrency_is_refused_before_any_request(call_module, sim, value):
    modules = {
        "alert_rule": rule(),
        "alert_rules": {"rules": [rule()]},
        "notification": {"type": "email", "alert_rules": ["Brute force on Windows logons"]},
    }
    for module, args in modules.items():
        result = call_module(module, dict(args, max_concurrency=value))
        assert result.failed and result.msg.startswith(
            "max_concurrency: %d is not a whole number from 1 to 32" % value), (module, result)
        assert not result.changed
    assert sim.requests()["total"] == 0 and not any(sim.count(endpoint) for endpoint in RULE_WRITES)
