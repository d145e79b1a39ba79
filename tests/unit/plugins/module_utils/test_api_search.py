# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Search API client: real start and result bodies, polling, deadline, Forgotten search, refused queries."""
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api.search import (
    parse_search_result, parse_search_start, run_search, search_request)
from ansible_collections.logpoint.siem.plugins.module_utils._response import interpret_response
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, AuthenticationError, ResponseFormatError)

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "real-responses"))
REQUEST = search_request("label=Harddisk | chart count() by col_type", (1621410334, 1621412134), limit=50)


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return interpret_response(200, handle.read(), "application/json")


def test_real_start_body_gives_the_search_id():
    assert parse_search_start(load("getsearchlogs_start.json")) == "0a2d5929-d1d9-415d-b5ad-13f701dd6a64"
    assert parse_search_start({"success": True, "searchId": "x-1"}) == "x-1"
    with pytest.raises(ResponseFormatError, match="no search_id"):
        parse_search_start({"success": True})


def test_real_chart_result_is_final_with_its_rows():
    result = parse_search_result(load("getsearchlogs_result_chart.json"))
    assert (result["final"], result["version"], result["query_type"]) == (True, 5, "chart")
    assert [(row["col_type"], row["count()"]) for row in result["rows"]] == [("office365", 299), ("filesystem", 3542)]


def test_search_request_carries_an_epoch_window_and_the_limit():
    assert REQUEST == {"query": "label=Harddisk | chart count() by col_type", "time_range": [1621410334, 1621412134],
                       "repos": [], "timeout": 120, "client_name": "gui", "starts": {}, "limit": 50}
    assert "limit" not in search_request("x", (1, 2))


class FakeSearchApi:
    """Answers /getsearchlogs from a script: each start gets the next search id, polls walk ``answers``."""

    def __init__(self, answers_per_search):
        self.answers_per_search = list(answers_per_search)
        self.requests = []

    def call(self, method, path, *, auth, form, read):
        assert (method, path, auth, read) == ("POST", "/getsearchlogs", "classic_form", True)
        request = json.loads(form["requestData"])
        self.requests.append(request)
        if "query" in request:
            self.answers = iter(self.answers_per_search.pop(0))
            return {"success": True, "search_id": "search-%d" % len(self.answers_per_search)}
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def poll(version, rows, final):
    return {"success": True, "version": version, "final": final, "rows": rows}


def forgotten():
    return ApiError("the server refused the request: Forgotten search", server_message="Forgotten search")


def run(api, clock, deadline=60):
    return run_search(api, REQUEST, deadline=deadline, sleep=clock.sleep, clock=lambda: clock.now)


def test_polls_until_final_with_growing_pauses_and_returns_the_last_rows():
    api, clock = FakeSearchApi([[poll(1, [1], False), poll(2, [1, 2], False), poll(3, [1, 2, 3], False),
                                 poll(4, [1, 2, 3, 4], True)]]), Clock()
    assert run(api, clock)["rows"] == [1, 2, 3, 4]
    assert clock.sleeps == [0.25, 0.5, 1.0]
    assert [r.get("seen_version") for r in api.requests] == [None, 0, 1, 2, 3]
    assert len({r.get("waiter_id") for r in api.requests[1:]}) == 1


def test_a_search_not_final_at_the_deadline_is_an_error():
    api, clock = FakeSearchApi([[poll(n, [], False) for n in range(1, 100)]]), Clock()
    with pytest.raises(ApiError, match="did not finish in time") as caught:
        run(api, clock, deadline=5)
    assert "search_timeout" in str(caught.value) and clock.now <= 5


def test_a_forgotten_search_is_started_once_more():
    api, clock = FakeSearchApi([[poll(1, [1], False), forgotten()], [poll(1, [7], True)]]), Clock()
    assert run(api, clock)["rows"] == [7]
    assert sum(1 for r in api.requests if "query" in r) == 2


def test_a_search_forgotten_twice_is_an_error():
    api, clock = FakeSearchApi([[forgotten()], [forgotten()]]), Clock()
    with pytest.raises(ApiError, match="forgot the search twice"):
        run(api, clock)


def test_a_refused_query_names_the_query():
    class Refusing(FakeSearchApi):
        def call(self, method, path, **kwargs):
            return interpret_response(200, json.dumps({"success": False, "message": "Syntax error near 'x'"}))

    with pytest.raises(ApiError) as caught:
        run(Refusing([]), Clock())
    assert "the search query was refused: Syntax error near 'x'" in str(caught.value)
    assert REQUEST["query"] in str(caught.value)


def test_authentication_failures_pass_through():
    class Rejecting(FakeSearchApi):
        def call(self, method, path, **kwargs):
            return interpret_response(200, json.dumps({"success": False, "message": "Authentication Failed"}))

    with pytest.raises(AuthenticationError):
        run(Rejecting([]), Clock())
