# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Director orders in bulk and large static lists (issue 9, points 3 and 4) against the simulator."""
from __future__ import annotations

import time


WRITE_ACTIONS = ("/comment", "/resolve", "/close", "/reassign", "/reopen", "/sendForInvestigation")
LISTING = "GET /UserDefinedList/lists_api"
IMPORT = "POST /UserDefinedList/import_api"


def new_incidents(sim, count, name):
    made = {"count": count, "name": name, "risk": "low", "assignee": "admin"}
    return sim.api("POST", "/_simulator/incidents", json=made).json()["ids"]


def counted(sim):
    """``(write submits, order polls, fetch submits, other requests)`` the simulator saw."""
    writes = polls = fetches = other = 0
    for method, path, number in sim.counters():
        if method == "POST" and path.endswith(WRITE_ACTIONS):
            writes += number
        elif method == "GET" and "/orders/" in path:
            polls += number
        elif method == "POST" and path.endswith("/fetch"):
            fetches += number
        else:
            other += number
    return writes, polls, fetches, other


def test_hundred_director_closes_with_a_comment_send_each_order_once_and_poll_it_least(call_module, sim):
    made = new_incidents(sim, 100, "Bulk director incident")
    sim.faults(latency_ms=5)
    sim.clear_requests()
    started = time.monotonic()
    result = call_module("incident_state", {"api": "director", "state": "closed", "comment": "Closed in bulk.",
                                            "filters": {"name": "^Bulk director incident", "since": "1d"}})
    elapsed = time.monotonic() - started
    assert not result.failed and result.changed, result
    assert result.result["summary"] == {"selected": 100, "changed": 100, "unchanged": 0,
                                        "actions": {"comment": 100, "resolve": 100, "close": 100}}
    assert all(len(entry["order_ids"]) == 3 for entry in result.result["incidents"])
    state = sim.state()["incidents"]
    assert all(state[i]["status"] == "closed" and state[i]["comments"][-1]["comment"] == "Closed in bulk."
               for i in made)
    # Director has no bulk orders: 300 write orders and one fetch order (since: 1d is one window), plus one
    # fetch re-checking the comments just before they are written (the 100 share one detection second), each
    # submitted once and polled until it answers: the simulator's one pending answer, then the result.
    pending = sim.settings()["director_pending_polls"]
    writes, polls, fetches, other = counted(sim)
    assert (writes, fetches, polls) == (300, 1 + 1, (300 + 1 + 1) * (pending + 1))
    assert other == 1  # GET Users, read once for the acting users
    print("100 Director closes with a comment: %d requests in %.1fs" % (sim.requests()["total"], elapsed))


def test_an_order_that_never_finishes_is_named_and_the_finished_ones_are_reported_written(call_module, sim):
    made = new_incidents(sim, 4, "Stuck director incident")
    sim.settings(director_never_finish_incidents=[made[2]])
    result = call_module("incident_state", {"api": "director", "ids": made, "state": "closed", "wait_timeout": 2})
    assert result.failed and result.changed, result
    stuck = [order for order in sim.state()["director_orders"].values()
             if order["incident_id"] == made[2] and order["action"] == "resolve"]
    assert len(stuck) == 1
    assert "Director order %s (resolve of incident %s) was still pending after 2s" % (stuck[0]["id"], made[2]) \
        in result.msg
    assert result.result["order_ids"] == [stuck[0]["id"]] and result.result["order_id"] == stuck[0]["id"]
    done = [made[0], made[1], made[3]]
    assert result.result["written"] == ["resolve of incident %s" % incident_id for incident_id in done]
    state = sim.state()["incidents"]
    assert [state[i]["status"] for i in made] == ["resolved", "resolved", "unresolved", "resolved"]
    closes = [order for order in sim.state()["director_orders"].values() if order["action"] == "close"]
    assert closes == []  # no order of the next step was sent


def test_a_200000_value_list_is_compared_again_without_an_upload_then_one_change_is_counted(
        call_module, sim, tmp_path):
    values = ["feed-%06d.bad.example" % number for number in range(200000)]
    path = tmp_path / "feed.txt"
    path.write_text("\n".join(values) + "\n")
    created = call_module("static_list", {"name": "big_feed", "src": str(path)})
    assert created.changed and created.result["added"] == 200000, created
    sim.clear_requests()
    again = call_module("static_list", {"name": "big_feed", "src": str(path)}, diff=True)
    assert not again.changed and (again.result["added"], again.result["removed"]) == (0, 0), again
    assert (sim.count(LISTING), sim.count(IMPORT)) == (1, 0)

    values[123456] = "replaced.bad.example"
    path.write_text("\n".join(values + values[:10]) + "\n")  # repeats are dropped again
    sim.clear_requests()
    changed = call_module("static_list", {"name": "big_feed", "src": str(path)}, diff=True)
    assert changed.changed and (changed.result["count"], changed.result["added"], changed.result["removed"]) == (
        200000, 1, 1)
    assert changed.diff["before"]["values_removed"] == ["feed-123456.bad.example"]
    assert changed.diff["after"]["values_added"] == ["replaced.bad.example"]
    assert (sim.count(LISTING), sim.count(IMPORT)) == (1, 1)
    stored = [entry for entry in sim.state()["lists"].values() if entry["name"] == "BIG_FEED"][0]["lists"]
    assert stored == values


def test_a_lost_reply_to_a_classic_close_is_settled_by_reading_the_incidents_again(call_module, sim):
    made = new_incidents(sim, 3, "Lost reply incident")
    sim.faults(drop_after_write=1, path_prefix="/close_incident")
    result = call_module("incident_state", {"api": "classic", "ids": made, "state": "closed"})
    assert not result.failed and result.changed, result
    assert sim.count("POST /close_incident") == 1  # applied, so not sent again
    assert sim.count("GET /incident_states") >= 1  # the re-read that found the incidents closed
    assert all(sim.state()["incidents"][i]["status"] == "closed" for i in made)


def test_a_lost_reply_to_a_list_import_is_settled_by_reading_the_list_again(call_module, sim):
    sim.faults(drop_after_write=1, path_prefix="/UserDefinedList/import_api")
    result = call_module("static_list", {"name": "lost_reply", "values": ["192.0.2.1", "192.0.2.2"]})
    assert not result.failed and result.changed, result
    assert (sim.count(IMPORT), sim.count(LISTING)) == (1, 2)  # one import, then the listing that found it
    stored = [entry for entry in sim.state()["lists"].values() if entry["name"] == "LOST_REPLY"][0]["lists"]
    assert stored == ["192.0.2.1", "192.0.2.2"]
