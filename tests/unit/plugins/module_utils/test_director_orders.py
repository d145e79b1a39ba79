# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Director orders: reading order paths and outcomes, groups polled together with one deadline, stopping after a
failure, reporting what finished and every order that did not."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._converge import execute
from ansible_collections.logpoint.siem.plugins.module_utils.api.director import (
    DirectorIncidents, order_errors, order_id_of, order_outcome, result_rows)
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import plan_state, report
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, ConfigError, OrderTimeoutError, ResponseFormatError)

POOL, LP = "00000000-0000-4000-8000-000000000001", "lp-1"
UUID = "0b6f6a4e-4d6c-4a59-9d8e-6f0c1f8e2a11"


@pytest.mark.parametrize("path", [
    "/monitorapi/%s/%s/orders/%s" % (POOL, LP, UUID),
    "monitorapi/%s/%s/orders/%s" % (POOL, LP, UUID),
    "/monitorapi/%s/%s/orders/%s/datanode-01-Logs/fetchLogData" % (POOL, LP, UUID),
])
def test_order_id_with_or_without_leading_slash_and_suffix(path):
    assert order_id_of(path) == UUID


def test_pending_finished_and_failed_outcomes():
    assert order_outcome({"request": {}, "response": {}}) is None
    assert order_outcome({"request": {}}) is None
    done = {"success": True, "message": "Incident is closed"}
    assert order_outcome({"response": done}) == done and order_errors(done) is None
    assert order_errors({"success": False, "errors": ["Invalid user id"]}) == "Invalid user id"
    assert order_errors({"errors": [{"message": "a"}, {"error": "b"}]}) == "a; b"
    assert order_errors({"success": False, "message": "Order failed"}) == "Order failed"


def test_fetch_results_are_read_under_any_known_key():
    assert result_rows({"success": True, "result": [1]}) == [1]
    assert result_rows({"success": True, "data": [2]}) == [2]
    assert result_rows({"success": True, "rows": [3]}) == [3]


class FakeDirector:
    """Answers orders: each POST starts an order that stays pending for ``pending`` polls."""

    def __init__(self, pending=1, fail=(), slash=True, answer=None, never=()):
        self.pool_uuid, self.logpoint_identifier = POOL, LP
        self.pending = pending
        self.fail = fail
        self.never = never
        self.slash = slash
        self.answer = answer
        self.posts = []
        self.polls = {}

    def call(self, method, path, **kwargs):
        if method == "POST":
            self.posts.append((path, kwargs["json"]["data"]))
            if self.answer is not None:
                return self.answer
            number = len(self.posts)
            pending = 10 ** 6 if path.split("/")[-2] in self.never else self.pending
            self.polls[str(number)] = (pending, path.rsplit("/", 1)[1] in self.fail)
            return {"status": "Success", "message": "%smonitorapi/%s/%s/orders/%d" % (
                "/" if self.slash else "", POOL, LP, number)}
        number = path.rsplit("/", 1)[1]
        remaining, failing = self.polls[number]
        if remaining:
            self.polls[number] = (remaining - 1, failing)
            return {"request": {}, "response": {}}
        if failing:
            return {"response": {"success": False, "errors": ["Only the assignee can close"]}}
        return {"response": {"success": True, "message": "done"}}


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def backend(client, timeout=10):
    clock = Clock()
    return DirectorIncidents(client, timeout, sleep=clock.sleep, clock=clock), clock


def incident(number, **fields):
    return dict({"id": "65b0%020x" % number, "incident_id": None, "name": "n%d" % number, "status": "unresolved",
                 "risk": "low", "assignee_id": "u1", "comments": []}, **fields)


def converge(director, incidents, **desired):
    """incident_state's plan for ``incidents`` run by the engine; returns the report's incidents."""
    plan = plan_state(director, None, incidents, desired, str)
    execute(plan, check_mode=False, max_concurrency=4)
    return report("director", plan, str)[0]["incidents"]


def test_writes_act_as_the_assignee_and_record_order_ids():
    client = FakeDirector(slash=False)
    director, clock = backend(client)
    done = converge(director, [incident(1)], assignee_id="u2", comment="hi", state="resolved")
    assert [data for path, data in client.posts] == [
        {"incident_user_id": "u2"}, {"incident_user_id": "u2", "comment": "hi"}, {"incident_user_id": "u2"}]
    assert [path.rsplit("/", 1)[1] for path, data in client.posts] == ["reassign", "comment", "resolve"]
    assert done[0]["order_ids"] == ["1", "2", "3"]
    assert clock.sleeps == pytest.approx([0.2, 0.2, 0.2])  # one pending poll per order


def test_the_orders_of_a_step_are_sent_together_and_polled_together():
    client = FakeDirector()
    director, clock = backend(client)
    done = converge(director, [incident(n) for n in range(1, 4)], state="closed")
    assert [path.rsplit("/", 1)[1] for path, data in client.posts] == ["resolve"] * 3 + ["close"] * 3
    assert clock.sleeps == pytest.approx([0.2, 0.2])  # one round of polls per step waits, not one per order
    assert [entry["order_ids"] for entry in done] == [["1", "4"], ["2", "5"], ["3", "6"]]


def test_a_pending_order_times_out_with_its_id_and_nothing_follows():
    client = FakeDirector(pending=1000)
    director, clock = backend(client, timeout=3)
    with pytest.raises(OrderTimeoutError) as error:
        converge(director, [incident(1)], state="closed")
    assert error.value.order_id == "1" and "order 1 (resolve of incident 65b000000000000000000001)" in str(error.value)
    assert "still pending after 3s" in str(error.value) and "no further order was sent" in str(error.value)
    assert len(client.posts) == 1 and clock.now == 3
    assert clock.sleeps == pytest.approx([0.2, 0.4, 0.8, 1.6])  # backoff, the last one cut at the deadline


def test_orders_that_do_not_finish_are_all_named_and_the_finished_ones_are_written():
    client = FakeDirector(never=("65b000000000000000000002", "65b000000000000000000003"))
    director = backend(client, timeout=3)[0]
    with pytest.raises(OrderTimeoutError) as error:
        converge(director, [incident(n) for n in range(1, 5)], state="resolved")
    assert error.value.order_ids == ["2", "3"]
    assert ("Director order 2 (resolve of incident 65b000000000000000000002) was still pending after 3s "
            "(wait_timeout), and so were 1 more: 3 (resolve of incident 65b000000000000000000003)") in str(error.value)
    assert error.value.written == ["resolve of incident 65b000000000000000000001",
                                   "resolve of incident 65b000000000000000000004"]
    result = error.value.to_result()
    assert result["changed"] is True and result["order_ids"] == ["2", "3"]


def test_a_failing_order_reports_its_errors():
    client = FakeDirector(fail=("close",))
    director = backend(client)[0]
    with pytest.raises(ApiError, match="order 2 .*close of incident .* failed: Only the assignee can close") as error:
        converge(director, [incident(1)], state="closed")
    assert len(client.posts) == 2
    assert error.value.written == ["resolve of incident 65b000000000000000000001"]


def test_an_answer_without_an_order_path_is_a_format_error():
    director = backend(FakeDirector(answer={"status": "Success", "message": "ok"}))[0]
    with pytest.raises(ResponseFormatError, match="monitorapi order path"):
        converge(director, [incident(1)], state="resolved")


def test_director_needs_pool_and_logpoint_identifier():
    client = FakeDirector()
    client.pool_uuid = None
    with pytest.raises(ConfigError, match="pool_uuid and logpoint_identifier"):
        DirectorIncidents(client, 10)
