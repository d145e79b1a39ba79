# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one paging helper: short pages, missing totals and totals that promise more than arrives."""
from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._paging import read_pages, total_of
from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient


class Listing:
    """A listing of ``count`` rows served from an offset, at most ``cap`` rows a page; records every fetch."""

    def __init__(self, count, *, cap=None, total="count"):
        self.rows = [{"id": str(n)} for n in range(count)]
        self.cap = cap
        self.total = count if total == "count" else total
        self.fetches = []
        self.lock = threading.Lock()

    def fetch(self, offset, size):
        with self.lock:
            self.fetches.append((offset, size))
        served = min(size, self.cap) if self.cap else size
        reply = {"rows": self.rows[offset:offset + served]}
        if self.total is not None:
            reply["total"] = self.total
        return reply


def ids(rows):
    return [int(row["id"]) for row in rows]


def test_every_page_is_read_in_order_after_the_first_tells_the_total():
    listing = Listing(250)
    assert ids(read_pages(listing.fetch, page_size=100)) == list(range(250))
    assert listing.fetches[0] == (0, 100)
    assert sorted(listing.fetches) == [(0, 100), (100, 100), (200, 100)]


def test_a_server_serving_fewer_rows_than_asked_is_still_read_completely():
    listing = Listing(230, cap=50)
    assert ids(read_pages(listing.fetch, page_size=1000)) == list(range(230))
    assert sorted(listing.fetches) == [(0, 1000), (50, 50), (100, 50), (150, 50), (200, 50)]


def test_a_short_first_page_that_is_the_whole_listing_is_one_request():
    listing = Listing(7)
    assert ids(read_pages(listing.fetch, page_size=100)) == list(range(7))
    assert listing.fetches == [(0, 100)]


def test_without_a_total_pages_are_read_from_the_rows_received_until_a_short_one():
    listing = Listing(250, total=None)
    assert ids(read_pages(listing.fetch, page_size=100)) == list(range(250))
    assert listing.fetches == [(0, 100), (100, 100), (200, 100)]


def test_without_a_total_a_capped_server_is_read_at_its_own_page_size():
    listing = Listing(120, cap=50, total=None)
    assert ids(read_pages(listing.fetch, page_size=1000)) == list(range(120))
    assert listing.fetches == [(0, 1000), (50, 50), (100, 50)]


def test_without_a_total_a_short_first_page_costs_one_more_request_to_know_it_was_the_end():
    listing = Listing(7, total=None)
    assert ids(read_pages(listing.fetch, page_size=100)) == list(range(7))
    assert listing.fetches == [(0, 100), (7, 7)]


def test_without_a_total_an_exactly_full_last_page_ends_at_the_empty_one():
    listing = Listing(200, total=None)
    assert ids(read_pages(listing.fetch, page_size=100)) == list(range(200))
    assert listing.fetches == [(0, 100), (100, 100), (200, 100)]


def test_a_total_larger_than_what_arrives_returns_what_arrived_and_stops():
    listing = Listing(250, total=400)
    assert ids(read_pages(listing.fetch, page_size=100)) == list(range(250))
    assert sorted(listing.fetches) == [(0, 100), (100, 100), (200, 100), (300, 100)]


def test_an_empty_first_page_is_an_empty_listing_whatever_the_total():
    listing = Listing(0, total=30)
    assert read_pages(listing.fetch, page_size=100) == []
    assert listing.fetches == [(0, 100)]


@pytest.mark.parametrize("total", [None, 1000])
def test_limit_stops_reading_once_enough_rows_are_in(total):
    listing = Listing(1000, total=total)
    rows = read_pages(listing.fetch, page_size=100, limit=250)
    assert ids(rows)[:250] == list(range(250)) and len(rows) == 300
    assert sorted(listing.fetches) == [(0, 100), (100, 100), (200, 100)]
    small = Listing(1000, total=total)
    assert ids(read_pages(small.fetch, page_size=100, limit=30)) == list(range(30))
    assert small.fetches == [(0, 30)]


def test_rows_and_total_are_read_the_way_the_caller_says():
    def fetch(offset, size):
        return {"count": 5, "entries": [{"id": str(n)} for n in range(offset, min(offset + size, 5))]}

    rows = read_pages(fetch, page_size=2, rows=lambda reply: reply["entries"], total=lambda reply: reply["count"])
    assert ids(rows) == [0, 1, 2, 3, 4]


def test_pages_after_the_first_are_fetched_concurrently_within_the_bound():
    running = []
    peak = []
    lock = threading.Lock()
    both_started = threading.Barrier(2, timeout=5)

    def fetch(offset, size):
        with lock:
            running.append(offset)
            peak.append(len(running))
        if offset:
            both_started.wait()  # fails unless two later pages are in flight together
        with lock:
            running.remove(offset)
        return {"total": 300, "rows": [{"id": str(n)} for n in range(offset, offset + size)]}

    assert ids(read_pages(fetch, page_size=100, max_concurrency=2)) == list(range(300))
    assert max(peak) == 2


@pytest.mark.parametrize("reply,total", [({"total": 5}, 5), ({"total": 0}, 0), ({"total": -1}, None), ({}, None),
                                         ({"total": "5"}, None), ({"total": True}, None), ([], None)])
def test_total_of(reply, total):
    assert total_of(reply) == total


def test_list_all_asks_page_numbers_at_the_size_the_server_serves():
    """The JWT listings are page-numbered: a server capping ``limit`` at 25 is read with limit=25 pages."""
    client = LogpointClient(url="https://logpoint.example.com", username="admin", secret_key="k" * 32)
    asked = []
    rules = [{"id": str(n)} for n in range(60)]

    def send(method, url, *, params=None, **kwargs):
        assert urlsplit(url).path == "/AlertRules/lists_api" and not parse_qs(urlsplit(url).query)
        assert params["x"] == 1
        asked.append((params["page"], params["limit"]))
        served = min(params["limit"], 25)
        start = (params["page"] - 1) * params["limit"]
        return 200, json.dumps({"rows": rules[start:start + served], "total": len(rules)}), {}

    client.transport.send = send
    rows = client.list_all("/AlertRules/lists_api", scope="alertrules:read", page_size=100, params={"x": 1})
    assert ids(rows) == list(range(60))
    assert sorted(asked) == [(1, 100), (2, 25), (3, 25)]
