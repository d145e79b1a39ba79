# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logpoint's audit trail: the §11 queries, the time window, entries, sorting and limits."""
from __future__ import annotations

import json
import threading

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api.audit import (
    ALL_ROWS, CATEGORY_QUERIES, audit_query, finish_entries, logpoint_audit, logpoint_entry, time_window)
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError

NOW = 1795392000  # 2026-11-23T00:00:00Z
AUDIT_FIELDS = "log_ts, user, object, type, action, source_address, repo_name"


def test_configuration_query_is_the_documented_one_with_more_fields():
    assert audit_query("configuration") == (
        "-label=LPSearch label=Logpoint label=Configuration "
        "(label=Change OR label=Add OR label=Delete OR label=Install OR label=Mount) "
        "| chart count() by " + AUDIT_FIELDS)


def test_every_or_of_the_documented_queries_is_parenthesised():
    assert CATEGORY_QUERIES["user_management"][0].endswith("(label=User OR (label=User label=Management)) object=*")
    assert CATEGORY_QUERIES["trusted_channel"][0].endswith(
        "((label=Remote label=Connection) OR (label=DLP (label=Connect OR label=Disconnect OR label=Initialize)))")


def test_user_action_and_keyword_narrow_the_filter_before_the_pipeline():
    query = audit_query("authentication", user="j*", action="login failed", keyword="203.0.113.66")
    assert query == ('-label=LPSearch label=Logpoint label=Authentication user=* user=j* action="login failed" '
                     '"203.0.113.66" | fields ' + AUDIT_FIELDS)


@pytest.mark.parametrize(("option", "value"), [("user", 'a" OR user=*'), ("action", "x\ny"), ("keyword", "a\\b")])
def test_values_that_could_break_out_of_the_query_are_refused(option, value):
    with pytest.raises(ConfigError, match="%s: .* without double quotes" % option):
        audit_query("configuration", **{option: value})


@pytest.mark.parametrize(("since", "until", "window"), [
    ("24h", "now", (NOW - 86400, NOW)),
    ("2026-11-23T08:00:00Z", "2026-11-23T09:00:00+00:00", (NOW + 28800, NOW + 32400)),
    ("1795300000", 1795310000, (1795300000, 1795310000)),
    ("7d", "1d", (NOW - 7 * 86400, NOW - 86400)),
])
def test_time_window_forms(since, until, window):
    assert time_window(since, until, NOW) == window


@pytest.mark.parametrize(("since", "until", "message"), [
    ("1h", "2h", "since .* must be before until"),
    ("now", "now", "since .* must be before until"),
    ("yesterday", "now", "since: 'yesterday' is not a time"),
    ("1h", "soon", "until: 'soon' is not a time"),
])
def test_bad_time_windows_are_refused(since, until, message):
    with pytest.raises(ConfigError, match=message):
        time_window(since, until, NOW)


def test_entries_from_chart_simple_and_system_rows():
    chart = {"log_ts": 1795316541, "user": "admin", "type": "UserDefinedList", "object": "BAD_IPS", "action": "create",
             "source_address": "192.0.2.99", "repo_name": "_logpoint", "count()": 1, "_group": []}
    entry = logpoint_entry(chart, "configuration")
    assert {k: entry[k] for k in ("time", "user", "action", "object", "type", "source_address", "repo", "category",
                                  "source")} == {
        "time": 1795316541, "user": "admin", "action": "create", "object": "BAD_IPS", "type": "UserDefinedList",
        "source_address": "192.0.2.99", "repo": "_logpoint", "category": "configuration", "source": "logpoint"}
    assert entry["raw"] is chart and entry["id"] is None
    disk = logpoint_entry({"log_ts": "1795316400", "msg": "Hard Disk Usage", "use": "87.6"}, "system")
    assert (disk["time"], disk["action"], disk["user"], disk["description"]) == (
        1795316400, "disk_usage", None, "Hard Disk Usage")


def test_finish_sorts_limits_and_keeps_fields():
    entries = [{"time": t, "user": u} for t, u in ((2, "b"), (3, "c"), (1, "a"), (3, "d"))]
    assert [e["user"] for e in finish_entries(entries)] == ["c", "d", "b", "a"]
    assert [e["user"] for e in finish_entries(entries, newest_first=False, limit=2)] == ["a", "b"]
    assert finish_entries(entries, limit=1, fields=["user"]) == [{"user": "c"}]
    assert len(finish_entries(entries, limit=0)) == 4


class CategorySearchApi:
    """Every search is final at once, with one row naming the category its query belongs to."""

    def __init__(self):
        self.lock = threading.Lock()
        self.searches = {}
        self.starts = []

    def call(self, method, path, *, auth, form, read):
        request = json.loads(form["requestData"])
        with self.lock:
            if "query" in request:
                self.starts.append(request)
                search_id = "s%d" % len(self.starts)
                category = next(name for name, (filters, _pipe) in CATEGORY_QUERIES.items()
                                if request["query"].startswith(filters))
                self.searches[search_id] = {"log_ts": len(self.starts), "action": category}
                return {"success": True, "search_id": search_id}
            return {"success": True, "final": True, "version": 1, "rows": [self.searches[request["search_id"]]]}


def test_one_search_per_category_with_the_window_and_limit():
    api = CategorySearchApi()
    entries = logpoint_audit(api, categories=["configuration", "authentication"], window=(NOW - 60, NOW), limit=10)
    assert sorted((e["category"], e["action"]) for e in entries) == [
        ("authentication", "authentication"), ("configuration", "configuration")]
    assert all(s["time_range"] == [NOW - 60, NOW] and s["limit"] == 10 for s in api.starts)


def test_every_row_is_asked_for_when_the_oldest_entries_are_wanted():
    # the server's limit keeps the first (newest) rows; without a limit it may cut at its own default
    api = CategorySearchApi()
    logpoint_audit(api, categories=["system"], window=(NOW - 60, NOW), limit=10, newest_first=False)
    assert api.starts[0]["limit"] == ALL_ROWS
