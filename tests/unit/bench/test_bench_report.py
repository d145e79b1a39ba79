"""The pure part of `make bench` (tests/bench/bench_report.py): minimums, targets, extrapolation, the table."""

import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

from bench_report import (  # noqa: E402 pylint: disable=wrong-import-position
    Minimum, Row, Run, Target, extrapolate, fewest_audit, fewest_classic_closes, fewest_director,
    fewest_list_create, fewest_list_rerun, fewest_rule_converge, fewest_rule_creates, pages, ratio,
    table_lines, verdict)


def test_pages_counts_an_empty_listing_as_one_page():
    assert [pages(count, 100) for count in (0, 1, 100, 101, 500)] == [1, 1, 1, 2, 5]


def test_fewest_requests_of_each_scenario_at_the_issue_sizes():
    assert fewest_rule_creates(500).requests == 503
    assert fewest_rule_creates(500, activation=True).requests == 504
    assert fewest_rule_converge(500).requests == 7
    assert fewest_rule_converge(501).requests == 8
    # one pending poll per order: submit + 2 polls each, 3 orders per incident, plus the fetch order
    assert fewest_director(100, 1).requests == 3 + 100 * 3 * 3
    assert fewest_director(100, 0, orders_per_incident=2).requests == 2 + 100 * 2 * 2
    assert fewest_list_create().requests == 2
    assert fewest_list_rerun().requests == 1
    assert fewest_audit(10000).requests == 10
    assert fewest_audit(10001).requests == 11
    assert fewest_classic_closes(500).requests == 3


def test_minimum_explains_its_sum():
    minimum = fewest_rule_creates(500)
    assert minimum.how.startswith("1 listing page (no rule yet) + 1 users read")
    assert "+ 500 creates = 503; no activation" in minimum.how
    assert "activate" in fewest_rule_creates(2, activation=True).how.split("=")[0]


def test_extrapolate_is_linear_and_refuses_a_negative_slope():
    estimate = extrapolate(Run(12.0, 51), Run(2.0, 1), 50, 500)
    assert estimate == Run(102.0, 501.0, estimated=True)
    busy = extrapolate(Run(2.0, 51), Run(3.0, 1), 50, 500)
    assert math.isnan(busy.wall) and busy.requests == 501.0


def test_ratio_is_nan_when_unknown():
    assert ratio(1.0, 4.0) == 0.25
    assert all(math.isnan(ratio(*pair)) for pair in ((1.0, 0), (1.0, None), (float("nan"), 2.0)))


def test_verdict_names_what_missed():
    create = Target(requests=510, wall=6.0)
    assert verdict(create, Run(5.9, 503)) == "yes"
    assert verdict(create, Run(6.1, 511)) == "NO: 511 req, 6.1 s"
    assert verdict(Target(requests=8, over_floor=1.0), Run(3.4, 7), floor=2.5) == "yes"
    assert verdict(Target(requests=8, over_floor=1.0), Run(3.6, 7), floor=2.5) == "NO: floor + 1.1 s"
    assert verdict(Target(requests=8, over_floor=1.0), Run(3.0, 7)) == "NO: floor + nan s"  # no floor measured
    assert verdict(Target(rss=120), Run(1.0, 1, rss=119.5)) == "yes"
    assert verdict(Target(rss=120), Run(1.0, 1, rss=121.0)) == "NO: 121 MiB"
    assert verdict(Target(rss=120), Run(1.0, 1)) == "NO: ? MiB"
    director = verdict(Target(requests=250), Run(1.0, 904), minimum=Minimum(903, ""))
    assert director == "NO: 904 req (API minimum 903 > target)"


def test_table_has_every_column_and_marks_estimates():
    rows = [Row("0. floor", Run(2.0, 0)),
            Row("1. create", Run(4.0, 503), Run(400.0, 501.0, estimated=True), fewest_rule_creates(500),
                Target(requests=510, wall=6.0)),
            Row("4. list", Run(9.0, 2, rss=100.0, rss_module="static_list"), Run(10.0, 1, rss=250.0, rss_module="uri"),
                fewest_list_create(), Target(rss=150))]
    lines = table_lines(rows, floor=2.0, quick=True)
    assert lines[0].count("|") == lines[1].count("|") == 12
    assert lines[2] == "| 0. floor | 2.0 s | 0 | - | - | - | - | - | - | - | - |"
    assert lines[3] == ("| 1. create | 4.0 s | 503 | ~400.0 s | ~501 | 0.01 | 1.00 | 503 | - | <= 510 req, <= 6 s "
                        "| yes (quick) |")
    assert "| 100 MiB (static_list) / 250 MiB (uri) | RSS <= 150 MiB | yes (quick) |" in lines[4]
