# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""logpoint.siem.incident_state against the simulator, in-process, on the classic API and on Director.

Seeded incidents (tests/simulator/logpoint_simulator/seed_incidents.py): 65b0...0NN with NN 1-12.
"""
from __future__ import annotations

import time

import pytest

ADMIN_ID, ANALYST_ID = "65a000000000000000000001", "65a000000000000000000002"
CRITICAL_OF_ANALYST = "65b000000000000000000001"  # unresolved, commented
CRITICAL_OF_ADMIN = "65b000000000000000000002"
RESOLVED_OF_ADMIN = "65b000000000000000000004"
LOW_OF_ADMIN = "65b000000000000000000007"
LOW_OF_ANALYST = "65b000000000000000000008"
CLOSED_OF_ADMIN = "65b000000000000000000010"
APIS = ("classic", "director")


def writes(sim):
    """Requests that change incidents: every classic POST, Director POSTs other than fetches."""
    return sum(number for method, path, number in sim.counters()
               if method == "POST" and not path.endswith(("/fetch", "/fetchIncidentData")))


def incident(sim, incident_id):
    return sim.state()["incidents"][incident_id]


def run(call_module, api, **args):
    result = call_module("incident_state", dict(args, api=api))
    assert not result.failed, result
    return result


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("incident_id,state,actions", [
    (LOW_OF_ADMIN, "resolved", ["resolve"]),
    (LOW_OF_ADMIN, "closed", ["resolve", "close"]),
    (RESOLVED_OF_ADMIN, "closed", ["close"]),
    (RESOLVED_OF_ADMIN, "unresolved", ["reopen"]),
    (CLOSED_OF_ADMIN, "unresolved", ["reopen"]),
    (CLOSED_OF_ADMIN, "resolved", ["reopen", "resolve"]),
])
def test_every_transition_and_its_idempotent_rerun(call_module, sim, api, incident_id, state, actions):
    first = run(call_module, api, ids=[incident_id], state=state)
    assert first.changed and first.result["incidents"][0]["actions"] == actions
    assert first.result["incidents"][0]["after"]["status"] == state
    assert incident(sim, incident_id)["status"] == state
    assert writes(sim) == len(actions)
    sim.clear_requests()
    again = run(call_module, api, ids=[incident_id], state=state)
    assert not again.changed and again.result["incidents"][0]["actions"] == []
    assert writes(sim) == 0


@pytest.mark.parametrize("api", APIS)
def test_reassign_by_user_name_and_rerun(call_module, sim, api):
    first = run(call_module, api, ids=[LOW_OF_ADMIN], assignee="analyst")
    assert first.changed and first.result["incidents"][0]["after"]["assignee"] == "analyst"
    assert incident(sim, LOW_OF_ADMIN)["assigned_to"] == ANALYST_ID
    sim.clear_requests()
    assert not run(call_module, api, ids=[LOW_OF_ADMIN], assignee=ANALYST_ID).changed
    assert writes(sim) == 0


@pytest.mark.parametrize("api", APIS)
def test_a_comment_is_added_once(call_module, sim, api):
    first = run(call_module, api, ids=[LOW_OF_ADMIN, CRITICAL_OF_ANALYST], comment="Looking into the source addresses.")
    by_id = {entry["id"]: entry for entry in first.result["incidents"]}
    assert by_id[LOW_OF_ADMIN]["actions"] == ["comment"] and by_id[CRITICAL_OF_ANALYST]["actions"] == []
    assert [c["comment"] for c in incident(sim, LOW_OF_ADMIN)["comments"]] == ["Looking into the source addresses."]
    sim.clear_requests()
    assert not run(call_module, api, ids=[LOW_OF_ADMIN], comment="Looking into the source addresses.").changed
    assert writes(sim) == 0


def test_classic_refuses_to_close_someone_elses_incident_without_take_ownership(call_module, sim):
    refused = call_module("incident_state", {"api": "classic", "ids": [LOW_OF_ANALYST, LOW_OF_ADMIN],
                                             "state": "closed"})
    assert refused.failed and "assigned to other users" in refused.msg
    assert "65b000000000000000000008 'Firewall rule set reloaded' (analyst)" in refused.msg
    assert "take_ownership: true" in refused.msg and writes(sim) == 0
    taken = run(call_module, "classic", ids=[LOW_OF_ANALYST], state="closed", take_ownership=True)
    assert taken.result["incidents"][0]["actions"] == ["take_over", "resolve", "close"]
    assert taken.result["incidents"][0]["after"] == {"status": "closed", "assignee": "admin"}
    assert incident(sim, LOW_OF_ANALYST)["status"] == "closed"


def test_classic_take_over_then_hand_to_the_wanted_assignee(call_module, sim):
    result = run(call_module, "classic", ids=[LOW_OF_ANALYST], state="resolved", assignee="analyst",
                 take_ownership=True)
    assert result.result["incidents"][0]["actions"] == ["take_over", "resolve", "assign"]
    assert incident(sim, LOW_OF_ANALYST)["assigned_to"] == ANALYST_ID


def test_director_resolves_on_behalf_of_the_assignee(call_module, sim):
    result = run(call_module, "director", ids=[LOW_OF_ANALYST], state="closed", take_ownership=True)
    assert result.result["incidents"][0]["actions"] == ["resolve", "close"]
    assert len(result.result["incidents"][0]["order_ids"]) == 2
    assert any("take_ownership has no effect on Director" in w for w in result.warnings)
    events = [(e["user"], e["action"]) for e in sim.state()["audit_events"] if e["type"] == "Incident"]
    assert events == [("analyst", "incident resolved"), ("analyst", "incident closed")]


def test_32_hex_incident_ids_are_mapped(call_module, sim):
    result = run(call_module, "classic", ids=["5eed65b0000000000000000000000007"], state="resolved")
    assert result.result["incidents"][0]["id"] == LOW_OF_ADMIN
    assert incident(sim, LOW_OF_ADMIN)["status"] == "resolved"


def test_selection_by_filters(call_module, sim):
    result = run(call_module, "director", filters={"risk": "critical", "status": "unresolved"},
                 comment="Escalated to the on-call analyst.")
    assert sorted(entry["id"] for entry in result.result["incidents"]) == [CRITICAL_OF_ANALYST, CRITICAL_OF_ADMIN]
    assert result.result["summary"] == {"selected": 2, "changed": 2, "unchanged": 0, "actions": {"comment": 2}}


def test_send_for_investigation_needs_director(call_module, sim):
    refused = call_module("incident_state", {"api": "classic", "ids": [LOW_OF_ADMIN], "send_for_investigation": True})
    assert refused.failed and "send_for_investigation needs the Director API" in refused.msg
    assert writes(sim) == 0


def test_send_for_investigation_is_an_action_sent_every_time(call_module, sim):
    for attempt in (1, 2):
        assert run(call_module, "director", ids=[LOW_OF_ADMIN], send_for_investigation=True).changed, attempt
    sent = [e for e in sim.state()["audit_events"] if e["action"] == "incident sent for investigation"]
    assert len(sent) == 2


def test_director_write_pending_past_wait_timeout_stops_the_task(call_module, sim):
    sim.settings(director_never_finish=True)
    started = time.monotonic()
    result = call_module("incident_state", {"api": "director", "ids": [LOW_OF_ADMIN], "state": "closed",
                                            "comment": "never lands", "wait_timeout": 2})
    assert result.failed and time.monotonic() - started < 30
    orders = sim.state()["director_orders"]
    written = [order for order in orders.values() if order["action"] not in ("fetch", "fetchIncidentData")]
    assert len(written) == 1 and written[0]["action"] == "comment"  # nothing after the pending order
    assert "Director order %s (comment of incident %s) was still pending after 2s" % (
        written[0]["id"], LOW_OF_ADMIN) in result.msg
    assert "no further order was sent" in result.msg and result.result["order_id"] == written[0]["id"]
    assert incident(sim, LOW_OF_ADMIN)["status"] == "unresolved" and not incident(sim, LOW_OF_ADMIN)["comments"]


def test_director_fetch_pending_past_wait_timeout_changes_nothing(call_module, sim):
    sim.settings(director_pending_polls=1000)
    result = call_module("incident_state", {"api": "director", "ids": [LOW_OF_ADMIN], "state": "closed",
                                            "wait_timeout": 1})
    assert result.failed and "(fetch of the incidents detected from " in result.msg
    assert "still pending after 1s" in result.msg and result.result["order_id"]
    assert writes(sim) == 0


def test_a_failing_director_order_reports_its_errors(call_module, sim):
    deleted_users_incident = sim.api("POST", "/_simulator/incidents",
                                     json={"assignee_id": "65a0ffffffffffffffffffff"}).json()["ids"][0]
    result = call_module("incident_state", {"api": "director", "ids": [deleted_users_incident],
                                            "state": "closed"})
    assert result.failed
    assert "(resolve of incident %s) failed: Invalid user id" % deleted_users_incident in result.msg
    assert writes(sim) == 1  # the close was never sent


def test_director_order_path_without_leading_slash(call_module, sim):
    sim.settings(director_order_slash=False)
    result = run(call_module, "director", ids=[LOW_OF_ADMIN], state="resolved")
    assert result.changed and len(result.result["incidents"][0]["order_ids"]) == 1
    assert incident(sim, LOW_OF_ADMIN)["status"] == "resolved"


def test_hundred_incidents_closed_in_one_task_with_four_writes(call_module, sim):
    made = sim.api("POST", "/_simulator/incidents", json={"count": 100, "name": "Bulk incident",
                                                          "assignee": "analyst"}).json()["ids"]
    started = time.monotonic()
    result = run(call_module, "classic", filters={"name": "^Bulk incident", "status": "unresolved"},
                 state="closed", take_ownership=True, comment="Closed in bulk.")
    elapsed = time.monotonic() - started
    assert result.result["summary"] == {"selected": 100, "changed": 100, "unchanged": 0, "actions": {
        "take_over": 100, "comment": 100, "resolve": 100, "close": 100}}
    assert sim.count(method="POST") == 4  # assign, comment, resolve, close: one request each
    # the read: 7 one-day slices, and one more just before the comment (re-checked under a host lock)
    assert sim.count("GET /get_users") == 1 and sim.count("GET /incidents") == 7 + 1
    assert sim.count("GET /incident_states") == 0  # closed ones cannot match status: unresolved
    state = sim.state()["incidents"]
    assert all(state[i]["status"] == "closed" and state[i]["assigned_to"] == ADMIN_ID for i in made)
    print("100 incidents closed in %.2fs with %d requests" % (elapsed, sim.requests()["total"]))


def test_check_mode_reports_the_change_and_leaves_the_server_unchanged(call_module, sim):
    before = sim.state()["incidents"]
    for api in APIS:
        result = call_module("incident_state", {"api": api, "ids": [LOW_OF_ADMIN, CLOSED_OF_ADMIN],
                                                "state": "closed", "assignee": "admin", "comment": "checked"},
                             check=True)
        assert result.changed and not result.failed
        actions = dict((entry["id"], entry["actions"]) for entry in result.result["incidents"])
        assert actions == {LOW_OF_ADMIN: ["comment", "resolve", "close"], CLOSED_OF_ADMIN: ["comment"]}
    sent = call_module("incident_state", {"api": "director", "ids": [LOW_OF_ADMIN], "send_for_investigation": True},
                       check=True)
    assert sent.changed and sent.result["incidents"][0]["actions"] == ["send_for_investigation"]
    assert writes(sim) == 0 and sim.state()["incidents"] == before


def test_diff_shows_status_assignee_and_comment_of_changed_incidents(call_module, sim):
    result = call_module("incident_state", {"api": "classic", "ids": [LOW_OF_ADMIN, CLOSED_OF_ADMIN],
                                            "state": "closed"}, diff=True)
    assert result.diff == {"before": {LOW_OF_ADMIN: {"assignee": "admin", "status": "unresolved"}},
                           "after": {LOW_OF_ADMIN: {"assignee": "admin", "status": "closed"}}}
    commented = call_module("incident_state", {"api": "classic", "ids": [LOW_OF_ADMIN], "comment": "Noted."},
                            diff=True, check=True)
    assert commented.diff["after"][LOW_OF_ADMIN]["comment"] == "Noted."


BAD_INPUTS = [
    ({"state": "closed"}, "one of the following is required: ids, filters"),
    ({"ids": [LOW_OF_ADMIN]}, "nothing to change: set state, assignee, comment or send_for_investigation"),
    ({"ids": ["not-an-id"], "state": "closed"}, "'not-an-id': an incident is named by its 24-hex id"),
    ({"ids": ["65b0ffffffffffffffffffff"], "state": "closed"}, "no incident 65b0ffffffffffffffffffff was detected"),
    ({"ids": ["5eed65b0000000000000000000000010"], "state": "closed", "api": "classic"},
     "give the 24-hex id"),
    ({"ids": [LOW_OF_ADMIN], "assignee": "ghost"}, "assignee: no Logpoint user 'ghost'; known users are admin, analyst"),
    ({"filters": {"assigned_to": "ghost"}, "state": "closed"}, "filters.assigned_to: no Logpoint user 'ghost'"),
    ({"filters": {"since": "last tuesday"}, "state": "closed"}, "filters.since: 'last tuesday' is not a time"),
    ({"filters": {"since": "1d", "until": "2d"}, "state": "closed"}, "must be before filters.until"),
    ({"filters": {"risk": "severe"}, "state": "closed"}, "value of risk must be one or more of"),
    ({"filters": {"name": "(["}, "state": "closed"}, "filters.name: '([' is not a regular expression"),
    ({"ids": [LOW_OF_ADMIN], "filters": {"risk": "low"}, "state": "closed"},
     "filters.risk cannot be combined with ids"),
    ({"ids": [LOW_OF_ADMIN], "comment": "  "}, "comment: an empty comment cannot be added"),
    ({"ids": [LOW_OF_ADMIN], "state": "closed", "wait_timeout": 0}, "wait_timeout: 0 must be"),
    ({"ids": [LOW_OF_ADMIN], "state": "done"}, "value of state must be one of: unresolved, resolved, closed"),
    ({"ids": [LOW_OF_ADMIN], "state": "closed", "api": "director", "pool_uuid": ""},
     "api: director needs pool_uuid"),
    ({"ids": [LOW_OF_ADMIN], "state": "closed", "api": "classic", "secret_key": "wrong-key-0000000000000000"},
     "the credentials were refused: Authentication Failed"),
]


@pytest.mark.parametrize("args,message", BAD_INPUTS)
def test_bad_input_fails_with_a_clear_message_and_writes_nothing(call_module, sim, args, message):
    result = call_module("incident_state", args)
    assert result.failed and message in result.msg, result.msg
    assert writes(sim) == 0
    result.assert_no_secrets("wrong-key-0000000000000000")
