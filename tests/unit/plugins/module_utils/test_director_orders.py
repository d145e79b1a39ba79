# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Director orders: reading order paths and outcomes, polling with a deadline, stopping after a failure."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api.director import (
    DirectorIncidents, order_errors, order_id_of, order_outcome, result_rows)
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

    def __init__(self, pending=1, fail=(), slash=True, answer=None):
        self.pool_uuid, self.logpoint_identifier = POOL, LP
        self.pending = pending
        self.fail = fail
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
            self.polls[str(number)] = (self.pending, path.rsplit("/", 1)[1] in self.fail)
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


def plan(number, *steps):
    return ({"id": "65b0%020x" % number, "assignee_id": "u1"}, list(steps))


def test_writes_act_as_the_assignee_and_record_order_ids():
    client = FakeDirector(slash=False)
    director, clock = backend(client)
    orders = director.apply([plan(1, ("assign", "u2"), ("comment", "hi"), ("resolve", None))])
    assert [data for path, data in client.posts] == [
        {"incident_user_id": "u2"}, {"incident_user_id": "u2", "comment": "hi"}, {"incident_user_id": "u2"}]
    assert [path.rsplit("/", 1)[1] for path, data in client.posts] == ["reassign", "comment", "resolve"]
    assert orders == {"65b000000000000000000001": ["1", "2", "3"]}
    assert clock.sleeps == [0.2, 0.2, 0.2]  # one pending poll per order


def test_a_pending_order_times_out_with_its_id_and_nothing_follows():
    client = FakeDirector(pending=1000)
    director, clock = backend(client, timeout=3)
    with pytest.raises(OrderTimeoutError) as error:
        director.apply([plan(1, ("resolve", None), ("close", None))])
    assert error.value.order_id == "1" and "order 1 (resolve of incident 65b000000000000000000001)" in str(error.value)
    assert "still pending after 3s" in str(error.value) and "no further order was sent" in str(error.value)
    assert len(client.posts) == 1 and clock.now == 3
    assert clock.sleeps == pytest.approx([0.2, 0.4, 0.8, 1.6])  # backoff, the last one cut at the deadline


def test_a_failing_order_reports_its_errors():
    client = FakeDirector(fail=("close",))
    director = backend(client)[0]
    with pytest.raises(ApiError, match="order 2 .*close of incident .* failed: Only the assignee can close"):
        director.apply([plan(1, ("resolve", None), ("close", None), ("comment", "x"))])
    assert len(client.posts) == 2


def test_an_answer_without_an_order_path_is_a_format_error():
    director = backend(FakeDirector(answer={"status": "Success", "message": "ok"}))[0]
    with pytest.raises(ResponseFormatError, match="monitorapi order path"):
        director.apply([plan(1, ("close", None))])


def test_director_needs_pool_and_logpoint_identifier():
    client = FakeDirector()
    client.pool_uuid = None
    with pytest.raises(ConfigError, match="pool_uuid and logpoint_identifier"):
        DirectorIncidents(client, 10)
