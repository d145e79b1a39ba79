"""The converge engine: phases, bounded concurrency, batches, lost replies, partial failures, check mode."""
from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._converge import (
    CONVERGE_ARGSPEC,
    Batch,
    Change,
    Plan,
    check_concurrency,
    execute,
    lost_reply,
)
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError,
    ConfigError,
    LogpointError,
    ServerUnavailableError,
    UncertainWriteError,
    ValidationError,
)


class Server:
    """A fake server: records every write, optionally fails or loses the reply of chosen ones."""

    def __init__(self, fail=(), lose=(), delay=0.0):
        self.sent = []
        self.stored = set()
        self.fail, self.lose, self.delay = set(fail), dict((name, 1) for name in lose), delay
        self.lock = threading.Lock()
        self.running = self.peak = 0

    def write(self, name, result=None):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.sent.append(name)
        time.sleep(self.delay)
        with self.lock:
            self.running -= 1
        if name in self.fail:
            raise ApiError("the server refused %s" % name)
        self.stored.add(name)
        if self.lose.get(name):
            self.lose[name] -= 1
            raise UncertainWriteError("the connection failed before the reply arrived", method="POST", path="/x")
        return result if result is not None else "id-%s" % name

    def change(self, name, phase=0, applied=True, **kwargs):
        recheck = (lambda: "id-%s" % name if name in self.stored else None) if applied else None
        return Change(label="rule %r" % name, action="create", send=lambda: self.write(name), applied=recheck,
                      phase=phase, **kwargs)


def test_results_in_plan_order_and_change_result_set():
    server = Server()
    plan = Plan()
    changes = [plan.add(server.change(name)) for name in ("a", "b", "c")]
    assert execute(plan, check_mode=False, max_concurrency=2) == ["id-a", "id-b", "id-c"]
    assert [change.result for change in changes] == ["id-a", "id-b", "id-c"]
    assert sorted(server.sent) == ["a", "b", "c"]


def test_check_mode_sends_nothing_and_returns_predictions():
    server = Server()
    plan = Plan()
    plan.add_batch(Batch("activate", send=lambda items: server.write("batch:%s" % items)))
    plan.add(server.change("a", predicted=None))
    plan.add(Change("rule 'b'", "activate", phase=1, batch="activate", item=lambda: 1 / 0, predicted="p"))
    assert execute(plan, check_mode=True, max_concurrency=4) == [None, "p"]
    assert server.sent == []


def test_serial_with_one_and_bounded_overlap_otherwise():
    serial, bounded = Server(delay=0.02), Server(delay=0.02)
    for server, bound in ((serial, 1), (bounded, 3)):
        plan = Plan()
        for index in range(12):
            plan.add(server.change("r%02d" % index))
        execute(plan, check_mode=False, max_concurrency=bound)
    assert serial.peak == 1 and serial.sent == ["r%02d" % index for index in range(12)]
    assert 1 < bounded.peak <= 3


def test_phases_in_order_and_batched_items_evaluated_when_their_phase_starts():
    server = Server()
    plan = Plan()
    calls = []
    plan.add_batch(Batch("activate", send=lambda ids: calls.append(list(ids)) or "activated"))
    create = plan.add(server.change("new"))
    plan.add(Change("rule 'new'", "activate", phase=1, batch="activate", item=lambda: create.result))
    plan.add(Change("rule 'old'", "activate", phase=1, batch="activate", item="id-old"))
    assert execute(plan, check_mode=False) == ["id-new", "activated", "activated"]
    assert calls == [["id-new", "id-old"]]


def test_batch_size_splits_the_items_in_order():
    calls = []
    plan = Plan()
    plan.add_batch(Batch("delete", send=lambda ids: calls.append(list(ids)) or len(ids), size=2))
    for index in range(5):
        plan.add(Change("rule %d" % index, "delete", batch="delete", item=index))
    assert execute(plan, check_mode=False, max_concurrency=1) == [2, 2, 2, 2, 1]
    assert calls == [[0, 1], [2, 3], [4]]


def test_a_change_needs_send_or_batch():
    with pytest.raises(ValueError):
        Plan().add(Change("rule 'x'", "create"))


def test_lost_reply_applied_is_not_sent_again():
    server = Server(lose=["a"])
    plan = Plan()
    plan.add(server.change("a"))
    assert execute(plan, check_mode=False) == ["id-a"]
    assert server.sent == ["a"]


def test_lost_reply_not_applied_is_sent_once_more():
    server = Server()
    attempts = []

    def send():
        attempts.append(1)
        if len(attempts) == 1:
            raise ServerUnavailableError("HTTP 502", status=502, method="POST", path="/AlertRules/create_api")
        return "id-a"

    plan = Plan()
    plan.add(Change("rule 'a'", "create", send=send, applied=lambda: None))
    assert execute(plan, check_mode=False) == ["id-a"]
    assert len(attempts) == 2 and server.sent == []


def test_lost_reply_of_a_batch_is_settled_by_its_applied():
    sent, rechecked = [], []

    def send(ids):
        sent.append(list(ids))
        raise UncertainWriteError("reply lost", method="POST", path="/AlertRules/delete_api")

    plan = Plan()
    plan.add_batch(Batch("delete", send=send, applied=lambda ids: rechecked.append(list(ids)) or True))
    plan.add(Change("rule 'a'", "delete", batch="delete", item="1"))
    plan.add(Change("rule 'b'", "delete", batch="delete", item="2"))
    assert execute(plan, check_mode=False) == [True, True]
    assert sent == [["1", "2"]] and rechecked == [["1", "2"]]


def test_lost_reply_without_applied_is_raised():
    server = Server(lose=["a"])
    plan = Plan()
    plan.add(server.change("a", applied=False))
    with pytest.raises(UncertainWriteError) as caught:
        execute(plan, check_mode=False)
    assert caught.value.written == [] and server.sent == ["a"]


def test_other_errors_are_not_re_read():
    rechecked = []

    def send():
        raise ValidationError("the server refused the input", fields={"name": "taken"})

    plan = Plan()
    plan.add(Change("rule 'a'", "create", send=send, applied=lambda: rechecked.append(1)))
    with pytest.raises(ValidationError):
        execute(plan, check_mode=False)
    assert rechecked == []


@pytest.mark.parametrize("error, lost", [
    (UncertainWriteError("x"), True),
    (ServerUnavailableError("x", status=502, method="POST"), True),
    (ServerUnavailableError("x", status=504), True),
    (ServerUnavailableError("x", status=502, method="GET"), False),
    (ServerUnavailableError("x", status=500, method="POST"), False),
    (ApiError("x", status=400, method="POST"), False),
])
def test_what_counts_as_a_lost_reply(error, lost):
    assert lost_reply(error) is lost


def test_partial_failure_settles_the_phase_and_stops_later_phases():
    server = Server(fail=["c"], delay=0.01)
    plan = Plan()
    plan.add_batch(Batch("activate", send=lambda ids: server.write("activate")))
    for name in ("a", "b", "c", "d", "e"):
        plan.add(server.change(name))
    plan.add(Change("rule 'a'", "activate", phase=1, batch="activate", item="id-a"))
    with pytest.raises(ApiError) as caught:
        execute(plan, check_mode=False, max_concurrency=2)
    error = caught.value
    assert sorted(server.sent) == ["a", "b", "c", "d", "e"]  # every change of the phase was settled
    assert "activate" not in server.sent
    assert error.written == ["rule 'a'", "rule 'b'", "rule 'd'", "rule 'e'"]
    assert str(error).endswith("(already written before this error: rule 'a', rule 'b', rule 'd', rule 'e').")
    assert error.to_result()["changed"] is True and error.to_result()["written"] == error.written


def test_first_error_in_plan_order_and_earlier_phases_counted_as_written():
    server = Server(fail=["b", "c"])
    plan = Plan()
    plan.add(server.change("a"))
    plan.add(server.change("c", phase=1))
    plan.add(server.change("b", phase=1))
    with pytest.raises(ApiError) as caught:
        execute(plan, check_mode=False, max_concurrency=4)
    assert "refused c" in str(caught.value)
    assert caught.value.written == ["rule 'a'"]


def test_failure_before_anything_was_written_has_no_written_suffix():
    server = Server(fail=["a"])
    plan = Plan()
    plan.add(server.change("a"))
    with pytest.raises(ApiError) as caught:
        execute(plan, check_mode=False)
    assert caught.value.written == [] and "already written" not in str(caught.value)
    assert "changed" not in caught.value.to_result()


def test_empty_plan_is_unchanged():
    plan = Plan(entries=[{"name": "x", "outcome": "unchanged"}])
    assert execute(plan, check_mode=False) == [] and plan.changed is False


@pytest.mark.parametrize("value", [0, 33, -1, "4", 2.5, True, None])
def test_bad_max_concurrency_is_refused_naming_the_option(value):
    with pytest.raises(ConfigError, match="^max_concurrency: "):
        check_concurrency(value)
    plan = Plan()
    plan.add(Change("rule 'a'", "create", send=lambda: pytest.fail("sent")))
    with pytest.raises(ConfigError):
        execute(plan, check_mode=False, max_concurrency=value)


@pytest.mark.parametrize("value", [1, 4, 32])
def test_good_max_concurrency(value):
    assert check_concurrency(value) == value


def test_argspec_fragment_defaults_to_four():
    assert CONVERGE_ARGSPEC == {"max_concurrency": {"type": "int", "default": 4}}


def test_error_is_a_logpoint_error_with_written_for_fail_json():
    plan = Plan()
    plan.add(Change("rule 'a'", "create", send=lambda: "1"))
    plan.add(Change("rule 'b'", "create", phase=1, send=lambda: (item for item in ()).throw(ApiError("no"))))
    with pytest.raises(LogpointError) as caught:
        execute(plan, check_mode=False)
    assert caught.value.to_result()["written"] == ["rule 'a'"]
