# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded incident work (issue 12) and the shapes of the open questions (issue 10), without a server:
lazy one-day slices, the selection limits, IncidentData groups, LogicMonitor pages without items, host locks
and the record of pending Director orders."""
from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils import _host_state
from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import fan_out
from ansible_collections.logpoint.siem.plugins.module_utils.api.incidents import log_rows
from ansible_collections.logpoint.siem.plugins.module_utils.api.logicmonitor import _items
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, ResponseFormatError
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import (
    MAX_SELECTED, MAX_SLICES, Selection, TimeSlices, detection_windows, select)

NOW = 1795392000.0  # 2026-11-23T00:00:00Z
DAY = 86400


def test_slices_are_computed_when_asked_for_and_the_widest_window_is_366_of_them():
    slices = Selection({"filters": {"since": "366d"}}, NOW).slices()
    assert len(slices) == MAX_SLICES == 366
    assert slices[0] == (NOW - 366 * DAY, NOW - 365 * DAY) and slices[-1 + 366] == (NOW - DAY, NOW)
    assert list(slices)[:2] == [slices[0], slices[1]]
    assert len(TimeSlices(0, 10 * DAY + 1)) == 11 and list(TimeSlices(0, 10 * DAY + 1))[-1] == (10 * DAY, 10 * DAY + 1)
    with pytest.raises(ConfigError, match="more than the 366"):
        TimeSlices(0, 10 ** 12)  # never built as a list
    with pytest.raises(IndexError):
        slices[366]


@pytest.mark.parametrize("filters,words", [
    ({"since": "367d"}, "at most 366 days"), ({"since": 0}, "before 2000"), ({"since": -5}, "before 2000"),
    ({"since": "100000000d"}, "before 2000"), ({"since": float("nan")}, "NaN"), ({"until": float("inf")}, "infinitely"),
    ({"since": "2h", "until": "3h"}, "must be before"),
])
def test_selection_refuses_unbounded_windows(filters, words):
    with pytest.raises(ConfigError, match=words):
        Selection({"filters": filters}, NOW)


def test_detection_windows_read_again_only_around_each_detection():
    incidents = [{"detection_timestamp": NOW + 0.5}, {"detection_timestamp": NOW + 1.2}, {"detection_timestamp": NOW + DAY}]
    assert detection_windows(incidents, "all") == [(NOW - 1, NOW + 2), (NOW + DAY - 1, NOW + DAY + 1)]
    assert detection_windows(incidents + [{"detection_timestamp": None}], "all") == "all"
    assert detection_windows(incidents, [(NOW - DAY, NOW + DAY)]) == [(NOW - DAY, NOW + DAY)]  # fewer reads


def test_a_closed_state_is_placed_by_its_first_comment_and_by_what_the_server_showed():
    selection = Selection({"filters": {"since": "7d"}}, NOW)
    state = {"detection_timestamp": None, "detected_by": NOW - 8 * DAY}
    assert selection.placed(state) is False  # commented before the window: detected before it
    state["detected_by"] = NOW - DAY
    assert selection.placed(state) is True and selection.placed(state, states_by_modification=True) is None
    assert selection.placed({"detection_timestamp": NOW - 8 * DAY}) is False


def test_a_selection_of_more_than_the_bound_fails_before_any_write():
    class Backend:
        name = "director"

        def read(self, windows, **kwargs):
            return [{"id": "%024x" % n, "incident_id": None, "name": "n", "status": "unresolved", "risk": "low",
                     "type": "alert", "assignee_id": None, "detection_timestamp": NOW - 60}
                    for n in range(MAX_SELECTED + 1)]

    class Client:
        warn = staticmethod(lambda message: None)

    with pytest.raises(ConfigError, match="more than the 5000"):
        select(Backend(), Selection({}, NOW), Client(), [])


def test_incident_data_groups_give_their_events_and_flat_rows_stay():
    flat = [{"msg": "a", "log_ts": 1}, {"msg": "b", "log_ts": 2}]
    assert log_rows(flat) == flat
    assert log_rows([{"log_ts": 2, "_participating_events": flat}, {"log_ts": 3, "_participating_events": [flat[0]]}]) \
        == flat + [flat[0]]
    assert log_rows([{"log_ts": 2, "_participating_events": []}]) == [{"log_ts": 2, "_participating_events": []}]
    assert log_rows(None) == []


@pytest.mark.parametrize("page", [{"total": 5}, {}, {"items": None}, {"items": "x"}, []])
def test_a_logicmonitor_page_without_items_is_an_error(page):
    with pytest.raises(ResponseFormatError, match="without an items list"):
        _items(page)
    assert _items({"total": 0, "items": []}) == []


def test_host_lock_lets_one_holder_in_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(_host_state, "state_dir", lambda: str(tmp_path))
    spans = []

    def hold(_index):
        with _host_state.host_lock(["incident:x", "incident:y"], timeout=10):
            began = time.monotonic()
            time.sleep(0.01)
            spans.append((began, time.monotonic()))

    fan_out(hold, range(8), max_concurrency=8)
    spans.sort()
    assert len(spans) == 8 and all(first[1] <= second[0] for first, second in zip(spans, spans[1:]))
    worker = []
    with _host_state.host_lock(["incident:x"]):
        thread = threading.Thread(target=lambda: worker.append(_try_lock()))
        thread.start()
        thread.join()
    assert isinstance(worker[0], _host_state.LockTimeoutError) and "nothing was sent" in str(worker[0])
    assert _try_lock() is None  # free again once released


def _try_lock():
    try:
        with _host_state.host_lock(["incident:x"], timeout=0.2):
            return None
    except _host_state.LockTimeoutError as exc:
        return exc


def test_ledger_keeps_entries_and_forgets_old_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(_host_state, "state_dir", lambda: str(tmp_path))
    ledger = _host_state.Ledger("orders:director:x")
    ledger.update(put={"a": "/monitorapi/p/l/orders/1", "b": "/monitorapi/p/l/orders/2"})
    assert ledger.entries(["a", "b", "c"]) == {"a": "/monitorapi/p/l/orders/1", "b": "/monitorapi/p/l/orders/2"}
    ledger.update(drop=["a"])
    assert ledger.entries(["a", "b"]) == {"b": "/monitorapi/p/l/orders/2"}
    assert _host_state.Ledger("orders:director:x", max_age=-1).entries(["b"]) == {}
    assert _host_state.Ledger("orders:director:other").entries(["b"]) == {}
