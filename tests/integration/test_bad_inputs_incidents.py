# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input to the incident modules and the audit_logs lookup (issue 12), one table: every case is refused
with the option named, without a traceback, and nothing is written - most before any request at all.

Each row is ``(id, target, arguments, option the message names, requests allowed)``: ``target`` is
``incident_info``, ``incident_state`` (classic unless ``api`` is given) or ``audit_logs`` (Logpoint unless
``source`` is given); ``requests allowed`` is False when the input must be refused before the first request
(the checks of the options themselves), True when refusing it needs a read (an unknown user or id).
"""
from __future__ import annotations

import math

import pytest

CRITICAL = "65b000000000000000000001"
DIRECTOR = {"api": "director"}
WRITE_PATHS = ("/add_incident_comment", "/assign_incident", "/resolve_incident", "/close_incident",
               "/reopen_incident")
DIRECTOR_WRITES = ("/reassign", "/comment", "/resolve", "/close", "/reopen", "/sendForInvestigation")

# Times no selection may start or end at: (id, value, words of the refusal)
BAD_TIMES = [
    ("zero", 0, "before 2000"),
    ("negative", -5, "before 2000"),
    ("negative-text", "-5", "before 2000"),
    ("nan", math.nan, "NaN"),
    ("inf", math.inf, "infinitely far away"),
    ("minus-inf", -math.inf, "too far back"),
    ("nan-text", "nan", "NaN"),
    ("inf-text", "inf", "infinitely far away"),
    ("huge-duration", "100000000d", "before 2000"),
    ("huge-int", 10 ** 30, "after 2100-01-01"),
    ("overflowing-int", 10 ** 400, "infinitely far away"),
    ("digits-beyond-float", "9" * 400, "infinitely far away"),
    ("year-1", "0001-01-01T00:00:00Z", "before 2000"),
    ("1999", "1999-12-31T23:59:59Z", "before 2000"),
    ("year-2100", "2100-01-02T00:00:00Z", "after 2100-01-01"),
    ("word", "yesterday", "not a time"),
    ("empty", "", "not a time"),
    ("boolean", True, "not a time"),
    ("list", [1, 2], "not a time"),
    ("fraction-duration", "1.5d", "not a time"),
    ("zero-duration", "0d", "not a time"),
    ("unit-only", "d", "not a time"),
]
# Windows the selection options refuse as a whole: (id, filters, words)
BAD_WINDOWS = [
    ("3650-days", {"since": "3650d"}, "at most 366 days"),
    ("367-days", {"since": "367d"}, "at most 366 days"),
    ("two-years-iso", {"since": "2024-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "at most 366 days"),
    ("until-before-since", {"since": "1h", "until": "2h"}, "must be before"),
    ("until-equals-since", {"since": 1790000000, "until": 1790000000}, "must be before"),
]

CASES = []
for target, extra in (("incident_info", {}), ("incident_info", DIRECTOR), ("incident_state", {"comment": "x"}),
                      ("incident_state", dict(DIRECTOR, comment="x"))):
    tag = "%s-%s" % (target, extra.get("api", "classic"))
    for name, value, words in BAD_TIMES:
        CASES.append(("%s-since-%s" % (tag, name), target, dict(extra, filters={"since": value}),
                      "filters.since", words, False))
    for name, value, words in BAD_TIMES[:8]:
        CASES.append(("%s-until-%s" % (tag, name), target, dict(extra, filters={"until": value}),
                      "filters.until", words, False))
    for name, filters, words in BAD_WINDOWS:
        CASES.append(("%s-window-%s" % (tag, name), target, dict(extra, filters=filters), "filters.since", words,
                      False))
    CASES += [
        ("%s-ids-not-hex" % tag, target, dict(extra, ids=["nothex"]), "ids", "24-hex", False),
        ("%s-ids-g" % tag, target, dict(extra, ids=["65b00000000000000000000g"]), "ids", "24-hex", False),
        ("%s-ids-short" % tag, target, dict(extra, ids=["65b0"]), "ids", "24-hex", False),
        ("%s-ids-newline" % tag, target, dict(extra, ids=[CRITICAL + "\n"]), "ids", "24-hex", False),
        ("%s-ids-too-many" % tag, target, dict(extra, ids=["%024x" % n for n in range(1001)]), "ids",
         "at most 1000", False),
        ("%s-ids-with-status" % tag, target, dict(extra, ids=[CRITICAL], filters={"status": "closed"}),
         "filters.status", "cannot be combined", False),
        ("%s-name-regex" % tag, target, dict(extra, filters={"name": "("}), "filters.name", "regular expression",
         False),
        ("%s-name-long" % tag, target, dict(extra, filters={"name": "x" * 1001}), "filters.name", "at most 1000",
         False),
        ("%s-name-control" % tag, target, dict(extra, filters={"name": "a\x01b"}), "filters.name", "control",
         False),
        ("%s-assigned-to-unknown" % tag, target, dict(extra, filters={"assigned_to": "nobody-here"}),
         "filters.assigned_to", "nobody-here", True),
        ("%s-ids-unknown" % tag, target, dict(extra, ids=["65b0000000000000000000ff"]), "ids", "widen it", True),
    ]

STATE = "incident_state"
for tag, extra in (("classic", {}), ("director", DIRECTOR)):
    CASES += [
        ("state-%s-wait-timeout-zero" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x", wait_timeout=0),
         "wait_timeout", "from 1 to 3600", False),
        ("state-%s-wait-timeout-negative" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x", wait_timeout=-1),
         "wait_timeout", "from 1 to 3600", False),
        ("state-%s-wait-timeout-huge" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x", wait_timeout=10 ** 9),
         "wait_timeout", "from 1 to 3600", False),
        ("state-%s-wait-timeout-3601" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x", wait_timeout=3601),
         "wait_timeout", "from 1 to 3600", False),
        ("state-%s-comment-empty" % tag, STATE, dict(extra, ids=[CRITICAL], comment=""), "comment", "empty", False),
        ("state-%s-comment-blank" % tag, STATE, dict(extra, ids=[CRITICAL], comment="  \n "), "comment", "empty",
         False),
        ("state-%s-comment-long" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x" * 10001), "comment",
         "at most 10000", False),
        ("state-%s-comment-nul" % tag, STATE, dict(extra, ids=[CRITICAL], comment="a\x00b"), "comment", "NUL", False),
        ("state-%s-assignee-empty" % tag, STATE, dict(extra, ids=[CRITICAL], assignee=" "), "assignee", "1 to 256",
         False),
        ("state-%s-assignee-newline" % tag, STATE, dict(extra, ids=[CRITICAL], assignee="analyst\r\n"), "assignee",
         "control", False),
        ("state-%s-assignee-long" % tag, STATE, dict(extra, ids=[CRITICAL], assignee="a" * 300), "assignee",
         "1 to 256", False),
        ("state-%s-assignee-unknown" % tag, STATE, dict(extra, ids=[CRITICAL], assignee="nobody-here"), "assignee",
         "nobody-here", True),
        ("state-%s-nothing-to-change" % tag, STATE, dict(extra, ids=[CRITICAL]), "comment", "nothing to change",
         False),
        ("state-%s-max-concurrency-zero" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x", max_concurrency=0),
         "max_concurrency", "from 1 to 32", False),
        ("state-%s-max-concurrency-33" % tag, STATE, dict(extra, ids=[CRITICAL], comment="x", max_concurrency=33),
         "max_concurrency", "from 1 to 32", False),
    ]
CASES += [
    ("state-classic-send-for-investigation", STATE, {"ids": [CRITICAL], "send_for_investigation": True, "api": "classic"},
     "send_for_investigation", "Director", False),
    ("state-classic-resolve-others-incident", STATE, {"ids": [CRITICAL], "state": "resolved", "api": "classic"},
     "take_ownership", "assigned to other users", True),
]

AUDIT = "audit_logs"
for source in ("logpoint", "logicmonitor"):
    for name, value, words in BAD_TIMES[:12] + BAD_TIMES[12:16]:
        CASES.append(("audit-%s-since-%s" % (source, name), AUDIT, {"source": source, "since": value}, "since",
                      words, False))
    for name, value, words in BAD_TIMES[:6]:
        CASES.append(("audit-%s-until-%s" % (source, name), AUDIT, {"source": source, "until": value}, "until",
                      words, False))
    CASES += [
        ("audit-%s-limit-negative" % source, AUDIT, {"source": source, "limit": -5}, "limit", "negative", False),
        ("audit-%s-limit-minus-one" % source, AUDIT, {"source": source, "limit": -1}, "limit", "negative", False),
        ("audit-%s-limit-huge" % source, AUDIT, {"source": source, "limit": 10 ** 9}, "limit", "100000", False),
        ("audit-%s-limit-100001" % source, AUDIT, {"source": source, "limit": 100001}, "limit", "100000", False),
        ("audit-%s-until-before-since" % source, AUDIT, {"source": source, "since": "1h", "until": "2h"}, "since",
         "must be before", False),
        ("audit-%s-user-quote" % source, AUDIT, {"source": source, "user": 'a"b'}, "user", "double quotes", False),
        ("audit-%s-user-newline" % source, AUDIT, {"source": source, "user": "a\nb"}, "user", "line breaks", False),
        ("audit-%s-user-long" % source, AUDIT, {"source": source, "user": "u" * 1001}, "user", "at most 1000", False),
        ("audit-%s-keyword-backslash" % source, AUDIT, {"source": source, "keyword": "a\\b"}, "keyword",
         "backslashes", False),
        ("audit-%s-keyword-tab" % source, AUDIT, {"source": source, "keyword": "a\tb"}, "keyword", "control", False),
        ("audit-%s-action-cr" % source, AUDIT, {"source": source, "action": "login\r"}, "action", "line breaks",
         False),
    ]
CASES += [
    ("audit-logpoint-search-timeout-zero", AUDIT, {"search_timeout": 0}, "search_timeout", "from 1 to 3600", False),
    ("audit-logpoint-search-timeout-negative", AUDIT, {"search_timeout": -1}, "search_timeout", "from 1 to 3600",
     False),
    ("audit-logpoint-search-timeout-huge", AUDIT, {"search_timeout": 10 ** 6}, "search_timeout", "from 1 to 3600",
     False),
    ("audit-logicmonitor-category", AUDIT, {"source": "logicmonitor", "category": "authentication"}, "category",
     "LogicMonitor", False),
]


def writes(sim):
    """Requests that would change something: classic incident writes and Director write orders."""
    return sum(number for method, path, number in sim.counters()
               if method == "POST" and (path in WRITE_PATHS or path.endswith(DIRECTOR_WRITES)))


def outcome(call_module, call_lookup, target, args):
    """(failed, message, traceback text or None) of one run."""
    if target == AUDIT:
        run = call_lookup(AUDIT, **args)
        return run.failed, run.msg or "", "Traceback" if "Traceback" in (run.msg or "") else None
    run = call_module(target, dict({"api": "classic"}, **args))
    crash = run.result.get("exception") or ("Traceback" if "Traceback (most recent call last)" in run.stdout else None)
    return run.failed, run.msg or "", crash


@pytest.mark.parametrize("target,args,option,words,may_read", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_bad_input_is_refused_naming_the_option_and_nothing_is_written(
        call_module, call_lookup, sim, target, args, option, words, may_read):
    failed, message, crash = outcome(call_module, call_lookup, target, args)
    assert failed, message
    assert crash is None, crash
    assert option in message and words in message, message
    assert writes(sim) == 0
    if not may_read:
        assert sim.count() == 0, sim.counters()  # refused before the first request


def test_the_table_holds_the_cases_the_report_counts():
    assert len(CASES) == len(set(case[0] for case in CASES)) >= 150
