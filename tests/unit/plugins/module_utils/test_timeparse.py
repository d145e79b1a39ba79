# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import (
    format_duration, iso_utc, parse_duration, parse_instant)

NOW = 1795392000.0  # 2026-11-23T00:00:00Z


@pytest.mark.parametrize("text,seconds", [
    ("30m", 1800), ("1h", 3600), ("7d", 604800), ("90s", 90), ("1w", 604800), (" 2H ", 7200),
    ("45 minutes", 2700), ("3 days", 259200), (600, 600), ("600", 600),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1y", "-1h", "0m", "1.5h", True])
def test_bad_durations_name_the_option(text):
    with pytest.raises(ValueError, match="time_range"):
        parse_duration(text, option="time_range")


@pytest.mark.parametrize("seconds,text", [(60, "1m"), (3600, "1h"), (86400, "1d"), (90, "90s"), (5400, "90m")])
def test_format_duration_round_trips(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("value,expected", [
    (1700000000, 1700000000.0), ("1700000000", 1700000000.0), ("24h", NOW - 86400),
    ("7d ago", NOW - 7 * 86400), ("now", NOW), ("2026-11-23T00:00:00Z", NOW),
    ("2026-11-23T01:00:00+01:00", NOW), ("2026-11-23 00:00:00", NOW),
])
def test_instants(value, expected):
    assert parse_instant(value, now=NOW) == expected


def test_bad_instant_explains_the_forms():
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant("yesterday-ish", now=NOW, option="since")


def test_iso_utc():
    assert iso_utc(NOW) == "2026-11-23T00:00:00Z"
