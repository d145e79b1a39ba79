# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix of the writers (issue 12): every writer of alert rules, notifications and static lists
under every write fault the simulator injects. Each cell checks 0 duplicates and 0 lost writes, that the
first run is already right wherever a re-read can tell, and that the next run sends no write.

Faults (one use, on the writer's endpoint): ``drop_after_write`` (applied, reply lost), ``truncate``
(applied, reply cut), ``status_5xx`` (a 502 before the handler: not applied), ``timeout`` (the reply
takes longer than ``timeout: 1``: applied while the client waits; the engine re-reads after pauses),
``success_false`` (refused: the run fails naming the object, writes nothing, and a re-run converges).
"""
from __future__ import annotations

import pytest
from alert_rule_support import rule, server_rules

NAME = "Brute force on Windows logons"
EMAIL = {"type": "email", "alert_rules": [NAME], "recipients": ["soc@example.com"], "subject": "alert",
         "template": "<p>x</p>"}
HTTP = {"type": "http", "alert_rules": [NAME], "http_url": "https://hooks.example.com/x",
        "auth": {"type": "bearer", "value": "hook-secret-value"}}
LIST_VALUES = ["10.0.0.1", "10.0.0.2"]
ALL_WRITES = ("POST /AlertRules/", "POST /pluggables/", "POST /UserDefinedList/")


def the_rule(sim):
    rules = server_rules(sim)
    assert len(sim.state()["alert_rules"]) == len(rules) <= 1, "a duplicate rule: %s" % sorted(rules)
    return rules.get(NAME)


def notification_of(sim, kind):
    stored = the_rule(sim)
    return (sim.state()["notifications"].get(stored["id"]) or {}).get(kind) if stored else None


def the_list(sim):
    named = [entry for entry in sim.state()["lists"].values() if entry["name"] == "FAULT_LIST"]
    assert len(named) <= 1, "a duplicate list"
    return named[0] if named else None


# writer -> (setup tasks, the task, the endpoint, what the server holds after it)
WRITERS = {
    "rule create": ([], ("alert_rule", rule()), "/AlertRules/create_api",
                    lambda sim: the_rule(sim)["active"] is True),
    "rule update": ([("alert_rule", rule())], ("alert_rule", {"name": NAME, "risk": "low"}), "/AlertRules/update_api",
                    lambda sim: the_rule(sim)["incident_condition"]["risk"] == "low"),
    "rule delete": ([("alert_rule", rule())], ("alert_rule", {"name": NAME, "state": "absent"}),
                    "/AlertRules/delete_api", lambda sim: the_rule(sim) is None),
    "rule deactivate": ([("alert_rule", rule())], ("alert_rule", {"name": NAME, "enabled": False}),
                        "/AlertRules/deactivate_api", lambda sim: the_rule(sim)["active"] is False),
    "rule activate": ([("alert_rule", rule(enabled=False))], ("alert_rule", {"name": NAME, "enabled": True}),
                      "/AlertRules/activate_api", lambda sim: the_rule(sim)["active"] is True),
    "email notification": ([("alert_rule", rule())], ("notification", EMAIL),
                           "/pluggables/Notification/EmailNotification/create_api",
                           lambda sim: notification_of(sim, "email")["subject"] == "alert"),
    "http notification": ([("alert_rule", rule())], ("notification", HTTP),
                          "/pluggables/Notification/HTTPNotification/create_api",
                          lambda sim: notification_of(sim, "http")["http_url"] == HTTP["http_url"]),
    "static list import": ([], ("static_list", {"name": "FAULT_LIST", "values": LIST_VALUES}),
                           "/UserDefinedList/import_api",
                           lambda sim: sorted(the_list(sim)["lists"]) == LIST_VALUES),
}
# fault -> (simulator faults, extra task options, writes sent on the first run)
FAULTS = {
    "drop_after_write": ({"drop_after_write": 1}, {}, 1),
    "truncate": ({"truncate": 1}, {}, 1),
    "status_5xx": ({"status_5xx": 1}, {}, 2),
    "timeout": ({"latency_ms": 1500}, {"timeout": 1}, 1),
}


def writes(sim):
    return sum(sim.count(prefix) for prefix in ALL_WRITES)


def prepared(call_module, sim, writer):
    setup, task, path, holds = WRITERS[writer]
    for module, args in setup:
        assert not call_module(module, args).failed
    sim.clear_requests()
    return task, path, holds


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_write_fault_is_settled_on_the_first_run(call_module, sim, writer, fault):
    (module, args), path, holds = prepared(call_module, sim, writer)
    faults, options, sent = FAULTS[fault]
    sim.faults(path_prefix=path, **faults)
    first = call_module(module, dict(args, **options))
    assert first.changed and not first.failed, first
    assert sim.count("POST " + path) == sent, "writes sent: %d" % sim.count("POST " + path)
    assert holds(sim)
    sim.clear_faults()
    sim.clear_requests()
    again = call_module(module, args)
    assert not again.changed and not again.failed and writes(sim) == 0, again
    first.assert_no_secrets("hook-secret-value")


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_refused_write_fails_writes_nothing_and_a_rerun_converges(call_module, sim, writer):
    (module, args), path, holds = prepared(call_module, sim, writer)
    before = sim.state()
    sim.faults(path_prefix=path, success_false=1)
    refused = call_module(module, args)
    assert refused.failed and not refused.changed and "simulated failure" in refused.msg, refused
    assert "Traceback" not in refused.stdout and "exception" not in refused.result
    assert sim.state()["alert_rules"] == before["alert_rules"] and sim.state()["lists"] == before["lists"]
    again = call_module(module, args)
    assert again.changed and not again.failed and holds(sim), again
