"""The converge engine (issue 12): a create that loses a race to its name converges (``Change.conflict``),
a write whose reply timed out is re-read after pauses before it is sent again."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils import _converge
from ansible_collections.logpoint.siem.plugins.module_utils._converge import Change, Plan, execute
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError,
    ConflictError,
    UncertainWriteError,
)


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    paused = []
    monkeypatch.setattr(_converge.time, "sleep", paused.append)
    return paused


def timed_out():
    error = UncertainWriteError("read timed out", method="POST", path="/AlertRules/create_api")
    error.in_flight = True
    return error


def run(change):
    plan = Plan()
    plan.add(change)
    return execute(plan, check_mode=False)


def test_a_create_refused_as_taken_converges_through_conflict():
    def send():
        raise ConflictError("Alert rule with name 'x' already exists")

    assert run(Change("rule 'x'", "create", send=send, conflict=lambda: "id-x")) == ["id-x"]


def test_a_conflict_that_cannot_see_the_object_raises_the_refusal():
    def send():
        raise ConflictError("Alert rule with name 'x' already exists")

    with pytest.raises(ConflictError):
        run(Change("rule 'x'", "create", send=send, conflict=lambda: None))


def test_another_refusal_is_not_a_conflict():
    called = []

    def send():
        raise ApiError("simulated failure")

    with pytest.raises(ApiError):
        run(Change("rule 'x'", "create", send=send, conflict=lambda: called.append(1) or "id"))
    assert called == []


def test_a_timed_out_write_is_re_read_after_pauses_before_it_is_sent_again(no_pauses):
    sent, reads = [], iter([None, None, "id-a"])

    def send():
        sent.append(1)
        raise timed_out()

    assert run(Change("rule 'a'", "create", send=send, applied=lambda: next(reads))) == ["id-a"]
    assert sent == [1] and no_pauses == list(_converge.IN_FLIGHT_PAUSES)


def test_a_lost_reply_that_did_not_time_out_is_re_read_once(no_pauses):
    sent, reads = [], []

    def send():
        sent.append(1)
        if len(sent) == 1:
            raise UncertainWriteError("connection reset", method="POST", path="/AlertRules/create_api")
        return "id-a"

    assert run(Change("rule 'a'", "create", send=send, applied=lambda: reads.append(1))) == ["id-a"]
    assert len(sent) == 2 and len(reads) == 1 and no_pauses == []


def test_a_re_sent_write_that_times_out_again_is_settled_by_one_more_read():
    reads = iter([None, None, None, "id-a"])

    def send():
        raise timed_out()

    assert run(Change("rule 'a'", "create", send=send, applied=lambda: next(reads))) == ["id-a"]


def test_a_re_sent_create_refused_as_taken_converges():
    sent = []

    def send():
        sent.append(1)
        if len(sent) == 1:
            raise timed_out()
        raise ConflictError("already exists")

    change = Change("rule 'a'", "create", send=send, applied=lambda: None, conflict=lambda: "id-a")
    assert run(change) == ["id-a"] and len(sent) == 2
