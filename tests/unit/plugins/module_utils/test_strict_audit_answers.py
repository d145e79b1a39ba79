# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit reads under every answer of logpoint-api.md §19 (pure logic, no network): log_ts in every form,
searches that say what they dropped, LogicMonitor's filter escaping and the slicing of deep windows."""
from __future__ import annotations

import threading
from urllib.parse import unquote

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api.audit import (
    ALL_ROWS, finish_entries, logpoint_entry, search_warning)
from ansible_collections.logpoint.siem.plugins.module_utils.api.logicmonitor import (
    RESULT_DEPTH, access_log_filter, filter_value, logicmonitor_audit)
from ansible_collections.logpoint.siem.plugins.module_utils.api.search import parse_search_result
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ApiError
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import log_time

EPOCH = 1594802300  # 2020-07-15T08:38:20Z


@pytest.mark.parametrize("value", [EPOCH, float(EPOCH) + 0.75, str(EPOCH), "%d.5" % EPOCH, "2020/07/15 08:38:20",
                                   "2020/07/15 08:38:20.250", "2020-07-15 08:38:20", "2020-07-15T08:38:20Z",
                                   "2020-07-15T10:38:20+02:00", " 2020/07/15 08:38:20 "])
def test_log_ts_in_every_form_is_epoch_seconds(value):
    assert log_time(value) == EPOCH


@pytest.mark.parametrize("value", [None, "", "yesterday", "2020/13/45 99:00:00", True, [EPOCH]])
def test_unreadable_log_ts_is_none_not_a_traceback(value):
    assert log_time(value) is None


def test_audit_rows_with_text_timestamps_sort_and_unreadable_ones_come_last():
    rows = [{"log_ts": "2020/07/15 08:38:20", "user": "a"}, {"log_ts": "later", "user": "b"},
            {"log_ts": EPOCH + 60.5, "user": "c"}]
    entries = [logpoint_entry(row, "configuration") for row in rows]
    assert [entry["time"] for entry in entries] == [EPOCH, None, EPOCH + 60]
    assert [entry["user"] for entry in finish_entries(entries)] == ["c", "a", "b"]
    assert [entry["user"] for entry in finish_entries(entries, newest_first=False)] == ["a", "c", "b"]


def result(rows, matched=None, query_type="simple"):
    return parse_search_result({"final": True, "query_type": query_type, "rows": [{}] * rows,
                                **({"estim_count": matched} if matched is not None else {})})


@pytest.mark.parametrize("rows,matched,sent,wanted,dropped", [
    (100, None, 100, 100, False),         # the newest 100 asked for: nothing the caller needs is missing
    (40, 40, 100, 100, False),            # everything there is
    (ALL_ROWS, None, ALL_ROWS, None, True),  # every row wanted and the search stopped at its limit
    (100, 250, ALL_ROWS, None, True),     # the server cut at its own default (100) and says it found 250
    (100, 250, 1000, 1000, True),
    (100, None, 1000, 1000, False),       # a chart query says nothing of what it matched: 100 rows is all
])
def test_a_search_says_when_it_may_have_dropped_entries(rows, matched, sent, wanted, dropped):
    warning = search_warning("configuration", result(rows, matched), sent, wanted)
    assert bool(warning) is dropped
    if dropped:
        assert warning.startswith("audit category configuration: ") and "narrow the time window" in warning


def test_chart_queries_carry_no_matched_count():
    assert result(5, matched=99, query_type="chart")["matched"] is None
    assert result(5, matched=99)["matched"] == 99


# ---- LogicMonitor ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,once_decoded", [
    ("sarah", "sarah"),
    ("signs in (adminUser)", "signs in \\(adminUser\\)"),
    ("a$b&c#d[e]", "a\\$b\\&c\\#d\\[e\\]"),
    ("50% + more", "50% + more"),
    ("*collector*", "*collector*"),
])
def test_filter_values_are_escaped_and_encoded_for_the_second_decoding(text, once_decoded):
    value = filter_value(text)
    assert unquote(value) == once_decoded  # what LogicMonitor reads after its second decoding
    assert not set(value) & set("()$&#[]+"), "nothing the query string would carry unescaped"


def test_the_filter_escapes_user_and_keyword():
    text = access_log_filter((10, 20), user="svc (backup)", keyword="[x]")
    assert text == ('happenedOn>:"10",happenedOn<:"20",username:"svc %5C%28backup%5C%29",'
                    '_all~"*%5C%5Bx%5C%5D*"')


class DeepAccessLogs:
    """``count`` entries one second apart (the newest at ``count``), served like LogicMonitor: pages of at most
    ``cap`` items whatever ``size`` asks, and an error past offset + size ``depth``; filters on happenedOn."""

    def __init__(self, count, cap=None, depth=RESULT_DEPTH):
        self.items = [{"id": str(count - n), "happenedOn": count - n} for n in range(count)]
        self.cap, self.depth = cap, depth
        self.lock = threading.Lock()
        self.requests = []

    def get(self, path, params):
        with self.lock:
            self.requests.append(params)
        if params["offset"] + params["size"] > self.depth:
            raise ApiError("offset + size must not exceed %d" % self.depth)
        start, end = (int(clause.split('"')[1]) for clause in params["filter"].split(",")[:2])
        matching = [item for item in self.items if start <= item["happenedOn"] <= end]
        if params["sort"] == "+happenedOn":
            matching.reverse()
        size = min(params["size"], self.cap or params["size"])
        return {"total": len(matching), "items": matching[params["offset"]:params["offset"] + size]}


@pytest.mark.parametrize("cap", [None, 50, 300])
@pytest.mark.parametrize("newest_first", [True, False])
def test_a_window_deeper_than_logicmonitor_serves_is_read_completely_in_slices(cap, newest_first):
    api = DeepAccessLogs(10500, cap=cap)
    entries = logicmonitor_audit(api, window=(1, 10500), limit=0, newest_first=newest_first)
    expected = list(range(10500, 0, -1)) if newest_first else list(range(1, 10501))
    assert [entry["time"] for entry in entries] == expected
    assert all(r["offset"] + r["size"] <= RESULT_DEPTH for r in api.requests)


def test_a_window_that_fits_is_not_sliced_and_a_limit_stops_early():
    fits = DeepAccessLogs(10000)
    assert len(logicmonitor_audit(fits, window=(1, 10000), limit=0)) == 10000
    assert len(fits.requests) == 10 and len({r["filter"] for r in fits.requests}) == 1
    limited = DeepAccessLogs(10500)
    entries = logicmonitor_audit(limited, window=(1, 10500), limit=500)
    assert [entry["time"] for entry in entries] == list(range(10500, 10000, -1)) and len(limited.requests) == 1


def test_more_entries_in_one_second_than_logicmonitor_serves_is_a_clear_error():
    api = DeepAccessLogs(10001)
    for item in api.items:
        item["happenedOn"] = 7
    with pytest.raises(ApiError, match="more than the 10000 it serves for one filter"):
        logicmonitor_audit(api, window=(1, 10), limit=0)
