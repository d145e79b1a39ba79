"""The pure part of `make bench`: fewest requests per scenario, the issue's targets, ratios, the table.

No I/O and no Ansible here (tests/unit/bench/test_bench_report.py checks it); run_bench.py measures.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

RULE_PAGE = 100  # the largest page AlertRules/lists_api takes (logpoint-api.md §4.1, the simulator's bound)
LM_PAGE = 1000  # the largest page of LogicMonitor's accesslogs (§12.2)
NAN = float("nan")


class Run(NamedTuple):
    """One measured (or extrapolated) playbook run."""

    wall: float  # seconds for the whole ansible-playbook run; NaN when it could not be told
    requests: float  # API requests the simulator counted
    rss: Optional[float] = None  # MiB, peak RSS of the largest module process (when probed)
    estimated: bool = False  # extrapolated from smaller runs
    rss_module: Optional[str] = None  # the module of that process


class Minimum(NamedTuple):
    """The fewest requests the API allows for a scenario, and how they are counted."""

    requests: int
    how: str


class Target(NamedTuple):
    """A target of issue #9; None means no bound of that kind."""

    requests: Optional[int] = None
    wall: Optional[float] = None  # seconds
    over_floor: Optional[float] = None  # seconds more than the start-up floor
    rss: Optional[float] = None  # MiB, module process

    def text(self):
        parts = []
        if self.requests is not None:
            parts.append("<= %d req" % self.requests)
        if self.wall is not None:
            parts.append("<= %g s" % self.wall)
        if self.over_floor is not None:
            parts.append("<= floor + %g s" % self.over_floor)
        if self.rss is not None:
            parts.append("RSS <= %g MiB" % self.rss)
        return ", ".join(parts)


class Row(NamedTuple):
    label: str
    collection: Run
    baseline: Optional[Run] = None
    minimum: Optional[Minimum] = None
    target: Optional[Target] = None


def pages(count, size):
    """Pages of ``size`` for ``count`` items; an empty listing is still one page."""
    return max(1, math.ceil(count / size))


def _minimum(parts, note=None):
    """A Minimum from ``[(requests, "what"), ...]``; parts of 0 requests are left out of the sum."""
    counted = [(number, text) for number, text in parts if number]
    total = sum(number for number, _text in counted)
    how = " + ".join(text for _number, text in counted) + " = %d" % total
    return Minimum(total, how + ("; " + note if note else ""))


def fewest_rule_creates(count, *, activation=False):
    """Creating ``count`` rules where there is none; ``activation``: some must end up inactive."""
    return _minimum([(1, "1 listing page (no rule yet)"), (1, "1 users read (assignee name to id)"),
                     (1, "1 repos read (repo names to addresses)"), (count, "%d creates" % count),
                     (1 if activation else 0, "1 batched activate/deactivate")],
                    None if activation else "no activation: new rules are active")


def fewest_rule_converge(count):
    """A run over ``count`` rules that are all as desired: read everything, write nothing."""
    return _minimum([(pages(count, RULE_PAGE), "%d listing pages of %d (full rules, return_all_data)"
                      % (pages(count, RULE_PAGE), RULE_PAGE)),
                     (1, "1 users read"), (1, "1 repos read")], "no write")


def fewest_director(count, pending_polls, orders_per_incident=3):
    """``count`` Director incidents given ``orders_per_incident`` orders each (comment, resolve, close).

    Every order is a submit and polls until it finishes: ``pending_polls`` pending answers, then the one
    with the result (the simulator's ``director_pending_polls``). Orders have no bulk form.
    """
    per_order = 2 + pending_polls
    return _minimum([(per_order, "1 fetch order (submit + %d polls)" % (per_order - 1)),
                     (count * orders_per_incident * per_order, "%d incidents x %d orders x (submit + %d polls)"
                      % (count, orders_per_incident, per_order - 1))],
                    "orders act as the incident's assignee: no Users read")


def fewest_list_create():
    return _minimum([(1, "1 listing page (the list is not there)"), (1, "1 import (the whole file)")])


def fewest_list_rerun():
    return _minimum([(1, "1 listing page with the values (return_all_data)")], "nothing to upload")


def fewest_audit(count):
    return _minimum([(pages(count, LM_PAGE), "%d pages of %d entries" % (pages(count, LM_PAGE), LM_PAGE))])


def fewest_classic_closes(count):
    return _minimum([(1, "1 /incidents read"), (1, "1 resolve"), (1, "1 close")],
                    "the id-list endpoints take all %d incidents in one request each" % count)


def extrapolate(run_items, run_none, items, total):
    """Linear extrapolation to ``total`` items from a run with ``items`` items and one with none.

    When the run without items was the slower one (a busy machine) the wall time is NaN, not made up.
    """
    slope = (run_items.wall - run_none.wall) / items
    wall = run_none.wall + slope * total if slope > 0 else NAN
    return Run(wall, run_none.requests + (run_items.requests - run_none.requests) * total / items, estimated=True)


def ratio(mine, theirs):
    """``mine / theirs``; NaN when either is unknown or ``theirs`` is 0."""
    if mine is None or theirs is None or not theirs or math.isnan(mine) or math.isnan(theirs):
        return NAN
    return mine / theirs


def verdict(target, run, floor=NAN, minimum=None):
    """"yes", or "NO: <what missed>" (with the API minimum when the request target is below it)."""
    missed = []
    if target.requests is not None and run.requests > target.requests:
        below = minimum is not None and minimum.requests > target.requests
        missed.append("%d req%s" % (run.requests, " (API minimum %d > target)" % minimum.requests if below else ""))
    if target.wall is not None and not run.wall <= target.wall:
        missed.append("%.1f s" % run.wall)
    if target.over_floor is not None and not run.wall - floor <= target.over_floor:
        missed.append("floor + %.1f s" % (run.wall - floor))
    if target.rss is not None and not (run.rss is not None and run.rss <= target.rss):
        missed.append("%s MiB" % ("?" if run.rss is None else "%.0f" % run.rss))
    return "NO: " + ", ".join(missed) if missed else "yes"


def _number(value, pattern, estimated=False):
    if value is None:
        return "-"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    return ("~" if estimated else "") + pattern % value


def _rss(run):
    if run is None or run.rss is None:
        return "-"
    return "%.0f MiB%s" % (run.rss, " (%s)" % run.rss_module if run.rss_module else "")


COLUMNS = ("scenario", "collection wall", "collection req", "uri wall", "uri req", "wall ratio coll/uri",
           "req ratio coll/uri", "fewest req", "module peak RSS coll / uri", "target (issue #9)", "met")


def table_lines(rows, floor=NAN, quick=False):
    """The Markdown table of ``rows``; ``floor`` is the start-up floor the no-change target adds to."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        mine, theirs = row.collection, row.baseline
        met = "-"
        if row.target is not None:
            met = verdict(row.target, mine, floor, row.minimum) + (" (quick)" if quick else "")
        cells = [row.label, _number(mine.wall, "%.1f s"), _number(mine.requests, "%d"),
                 _number(theirs and theirs.wall, "%.1f s", theirs and theirs.estimated),
                 _number(theirs and theirs.requests, "%.0f", theirs and theirs.estimated),
                 _number(ratio(mine.wall, theirs and theirs.wall) if theirs else None, "%.2f"),
                 _number(ratio(mine.requests, theirs and theirs.requests) if theirs else None, "%.2f"),
                 _number(row.minimum and row.minimum.requests, "%d"),
                 "-" if mine.rss is None else "%s / %s" % (_rss(mine), _rss(theirs)),
                 row.target.text() if row.target else "-", met]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def minimum_notes(rows):
    """One line per row with a minimum: how it is counted."""
    return ["- %s: %s" % (row.label, row.minimum.how) for row in rows if row.minimum is not None]
