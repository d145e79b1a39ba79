"""fan_out: bounded, ordered, every started call finished before an error surfaces."""
from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import fan_out, fan_out_settled


def test_results_in_item_order_and_bounded():
    running, peak, lock = [0], [0], threading.Lock()

    def work(item):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return item * 2

    assert fan_out(work, range(20), max_concurrency=3) == [i * 2 for i in range(20)]
    assert 1 < peak[0] <= 3


def test_serial_runs_on_the_calling_thread():
    seen = set()
    fan_out(lambda item: seen.add(threading.get_ident()), range(5), max_concurrency=1)
    assert seen == {threading.get_ident()}


def test_first_error_in_item_order_after_all_calls_finished():
    finished = []

    def work(item):
        if item in (1, 3):
            raise ValueError(item)
        time.sleep(0.02)
        finished.append(item)

    with pytest.raises(ValueError) as caught:
        fan_out(work, range(5), max_concurrency=4)
    assert caught.value.args == (1,)
    assert sorted(finished) == [0, 2, 4]


def test_settled_reports_every_outcome():
    def work(item):
        if item == 2:
            raise KeyError(item)
        return item
    outcomes = fan_out_settled(work, range(4), max_concurrency=2)
    assert [result for result, error in outcomes] == [0, 1, None, 3]
    assert isinstance(outcomes[2][1], KeyError)
