# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Overlapping runs (issue 12): ten runs of one task at once, in threads of this process, against one
simulator (a threaded server). Every run succeeds and the object exists once: a create that loses the
race to the same name re-reads and converges (``_converge.ConflictError`` -> ``Change.conflict``)."""
from __future__ import annotations

import threading

from alert_rule_support import rule, server_rules
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.options import connection_argspec
from ansible_collections.logpoint.siem.plugins.modules import alert_rule, alert_rules, notification, static_list
from harness import ADMIN_SECRET_KEY, ADMIN_USERNAME

RUNS = 10


def params_of(module, sim, args):
    """The module's validated parameters (defaults filled in), connected to the simulator."""
    spec = connection_argspec()
    spec.update(module.ARGUMENT_SPEC)
    connection = {"url": sim.url, "username": ADMIN_USERNAME, "secret_key": ADMIN_SECRET_KEY, "ca_path": sim.ca_path}
    result = ArgumentSpecValidator(spec).validate(dict(connection, **args))
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def run_at_once(module, sim, args_of_run):
    """``module.run`` in RUNS threads released together; each run has its own client. -> (results, errors)."""
    barrier = threading.Barrier(RUNS)
    results, errors = [None] * RUNS, [None] * RUNS

    def one(number):
        params = params_of(module, sim, args_of_run(number))
        client = LogpointClient.from_options(params, warn=lambda message: None)
        barrier.wait()
        try:
            results[number] = module.run(params, client, False, lambda message: None)
        except Exception as exc:  # pylint: disable=broad-except  # reported by the assertion below
            errors[number] = "%s: %s" % (type(exc).__name__, exc)

    threads = [threading.Thread(target=one, args=(number,)) for number in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results, errors


def test_ten_runs_creating_one_rule_all_succeed_and_leave_one_rule(sim):
    results, errors = run_at_once(alert_rule, sim, lambda number: rule())
    assert errors == [None] * RUNS, errors
    assert len(sim.state()["alert_rules"]) == 1
    stored = server_rules(sim)[rule()["name"]]
    assert all(result[1]["alert_rule"]["id"] == stored["id"] for result in results), results
    assert stored["active"] is True
    creates = sim.count("POST /AlertRules/create_api")
    print("10 concurrent alert_rule runs: %d creates sent, %d refused as taken and converged, 1 rule"
          % (creates, creates - 1))


def test_a_run_that_loses_the_race_converges_onto_its_own_options(sim):
    # Half the runs want risk low, half high: whichever wins, every run succeeds and the rule ends with the
    # options of one of them (a lost create becomes an update when the winner's rule differs).
    results, errors = run_at_once(alert_rule, sim, lambda number: rule(risk="low" if number % 2 else "high"))
    assert errors == [None] * RUNS, errors
    assert len(sim.state()["alert_rules"]) == 1
    assert server_rules(sim)[rule()["name"]]["incident_condition"]["risk"] in ("low", "high")


def test_ten_alert_rules_runs_creating_one_pack_leave_each_rule_once(sim):
    rules = [rule("Raced pack rule %d" % number) for number in range(3)]
    results, errors = run_at_once(alert_rules, sim, lambda number: {"rules": rules, "pack": "raced"})
    assert errors == [None] * RUNS, errors
    assert sorted(server_rules(sim)) == sorted(entry["name"] for entry in rules)
    assert all(stored["active"] is True for stored in server_rules(sim).values())


def test_ten_notification_runs_leave_one_notification(sim):
    # create_api replaces a rule's notification: overlapping runs cannot make two; each must still succeed.
    params = params_of(alert_rule, sim, rule())
    assert alert_rule.run(params, LogpointClient.from_options(params, warn=print), False, print)[0]
    args = {"type": "email", "alert_rules": [rule()["name"]], "recipients": ["soc@example.com"], "subject": "alert",
            "template": "<p>x</p>"}
    results, errors = run_at_once(notification, sim, lambda number: args)
    assert errors == [None] * RUNS, errors
    assert any(result[0] for result in results)


def test_ten_static_list_runs_leave_one_list(sim):
    results, errors = run_at_once(static_list, sim, lambda number: {"name": "RACED_LIST", "values": ["a", "b"]})
    assert errors == [None] * RUNS, errors
    named = [entry for entry in sim.state()["lists"].values() if entry["name"] == "RACED_LIST"]
    assert len(named) == 1 and sorted(named[0]["lists"]) == ["a", "b"], named
