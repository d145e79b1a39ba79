# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classic Search API, ``POST /getsearchlogs`` (logpoint-api.md §10.2).

A search is started with the query and gets an id; the same endpoint is then polled with that id
until the answer says ``final``. Each answer holds every row found so far (cumulative, with a
growing ``version``), so the last answer is the result. A search id the server has dropped answers
``"Forgotten search"``: the search is started once more; a second loss is an error.
"""

from __future__ import annotations

import json
import time
import uuid

from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, NotFoundError, ResponseFormatError)

SEARCH_PATH = "/getsearchlogs"
FORGOTTEN = "forgotten search"
FIRST_PAUSE, MAX_PAUSE = 0.25, 2.0


def search_request(query, time_range, *, limit=None, repos=None, timeout=120):
    """The ``requestData`` of a new search; ``time_range`` is ``[from, to]`` in epoch seconds."""
    request = {"query": query, "time_range": [int(time_range[0]), int(time_range[1])], "repos": list(repos or []),
               "timeout": int(timeout), "client_name": "gui", "starts": {}}
    if limit:
        request["limit"] = int(limit)
    return request


def parse_search_start(body):
    """The search id of a start answer (``search_id``, or ``searchId`` as some versions spell it)."""
    search_id = body.get("search_id") or body.get("searchId") if isinstance(body, dict) else None
    if not search_id:
        raise ResponseFormatError("the search was accepted but the answer has no search_id")
    return str(search_id)


def parse_search_result(body):
    """A poll answer -> ``{"final", "version", "query_type", "rows", "matched"}``.

    ``matched`` is the number of rows a simple query found (``estim_count``), None when the answer
    does not say (chart queries count events, not rows).
    """
    rows = body.get("rows") if isinstance(body, dict) else None
    matched = body.get("estim_count") if body.get("query_type") in ("simple", "search") else None
    return {
        "final": bool(body.get("final")),
        "version": body.get("version"),
        "query_type": body.get("query_type"),
        "rows": rows if isinstance(rows, list) else [],
        "matched": matched if isinstance(matched, int) and not isinstance(matched, bool) else None,
    }


def run_search(client, request, *, deadline, sleep=time.sleep, clock=time.monotonic):
    """Start the search ``request`` and poll it until final; returns the last poll's parsed result.

    ``deadline`` is in seconds, for the whole search including one restart after "Forgotten search".
    """
    give_up_at = clock() + deadline
    restarted = False
    while True:
        try:
            return _poll(client, _start(client, request), give_up_at, sleep, clock)
        except ApiError as exc:
            if FORGOTTEN not in str(exc.server_message).lower():
                raise
            if restarted:
                raise ApiError("the Logpoint forgot the search twice (\"Forgotten search\") before it finished",
                               server_message=exc.server_message, method="POST", path=SEARCH_PATH,
                               advice="Searches expire on the server between polls; check the Logpoint's load, "
                                      "narrow the time window, or retry later.")
            restarted = True


def _start(client, request):
    try:
        body = client.call("POST", SEARCH_PATH, auth="classic_form", read=True,
                           form={"requestData": json.dumps(request)})
    except (ApiError, NotFoundError) as exc:
        raise ApiError("the search query was refused: %s" % (exc.server_message or exc.message),
                       server_message=exc.server_message, method="POST", path=SEARCH_PATH,
                       advice="The query was: %s" % request["query"])
    return parse_search_start(body)


def _poll(client, search_id, give_up_at, sleep, clock):
    waiter, version, pause = uuid.uuid4().hex, 0, FIRST_PAUSE
    while True:
        request = {"search_id": search_id, "waiter_id": waiter, "seen_version": version}
        result = parse_search_result(client.call("POST", SEARCH_PATH, auth="classic_form", read=True,
                                                 form={"requestData": json.dumps(request)}))
        if result["final"]:
            return result
        version = result["version"] or version
        if clock() + pause > give_up_at:
            raise ApiError("the search %s did not finish in time (%d rows so far)" % (search_id, len(result["rows"])),
                           method="POST", path=SEARCH_PATH,
                           advice="Give the search more time (search_timeout) or narrow the time window.")
        sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)
