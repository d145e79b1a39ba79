# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations and instants as users write them: ``30m``, ``1h``, ``7d``, epoch, ISO 8601, ``24h`` ago;
log timestamps as servers write them (``log_time``)."""

from __future__ import annotations

import datetime
import math
import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_DURATION_WORDS = {
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "hour": "h", "hours": "h", "day": "d", "days": "d", "week": "w", "weeks": "w",
}
_DURATION_LONG = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$", re.IGNORECASE)
_EPOCH_TEXT = re.compile(r"^\d+(\.\d+)?$")
_SIGNED_EPOCH_TEXT = re.compile(r"^[-+]?\d+(\.\d+)?$")
_NOT_FINITE = {"nan": math.nan, "+nan": math.nan, "-nan": math.nan, "inf": math.inf, "+inf": math.inf,
               "infinity": math.inf, "+infinity": math.inf, "-inf": -math.inf, "-infinity": -math.inf}
# The instants an option may name (``parse_instant``): from 2000-01-01T00:00:00Z, older than anything a
# Logpoint stores (so ``0``, negative epochs and durations reaching further back are mistakes), to
# 2100-01-01T00:00:00Z (so window arithmetic stays finite).
EARLIEST_INSTANT = 946684800
LATEST_INSTANT = 4102444800
# Text timestamps of log rows (Director API PDF 2.7.0: "2020/07/15 08:38:20", UTC).
_LOG_TS_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def parse_duration(value, *, option="duration"):
    """Return seconds for ``30m``, ``1h``, ``2d``, ``90s``, ``1w``, ``45 minutes`` or a bare int of seconds.

    Raises ``ValueError`` naming ``option`` and the accepted forms.
    """
    if isinstance(value, bool):
        raise ValueError("%s: %r is not a duration" % (option, value))
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value).strip()
        match = _DURATION.match(text)
        if match:
            seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        elif text.isdigit():
            seconds = int(text)
        else:
            long_match = _DURATION_LONG.match(text)
            unit = _DURATION_WORDS.get(long_match.group(2).lower()) if long_match else None
            if not unit:
                raise ValueError("%s: %r is not a duration; use a number and a unit such as 30m, 1h, 2d or 1w"
                                 % (option, value))
            seconds = int(long_match.group(1)) * _UNIT_SECONDS[unit]
    if seconds <= 0:
        raise ValueError("%s: %r must be longer than zero" % (option, value))
    return seconds


def format_duration(seconds):
    """The shortest exact readable form of a whole number of seconds: 3600 -> '1h', 90 -> '90s'."""
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds % size == 0:
            return "%d%s" % (seconds // size, unit)
    return "%ds" % seconds


def parse_instant(value, *, now, option="time"):
    """Return epoch seconds (float) for an epoch number, an ISO 8601 string or a relative ``24h`` (ago).

    ``now`` is the epoch to count relative values back from. Naive ISO times are taken as UTC. The
    result lies from ``EARLIEST_INSTANT`` to ``LATEST_INSTANT``: NaN, infinity, negative epochs and
    times before 2000 or after 2099 raise ``ValueError`` naming ``option`` and the rule.
    """
    try:
        moment = _instant(value, now, option)
    except OverflowError:
        moment = float("-inf")
    if math.isnan(moment):
        raise ValueError("%s: %s is not a number (NaN); give a time such as 24h, 7d or 2026-11-22T08:00:00Z"
                         % (option, shown(value)))
    if not EARLIEST_INSTANT <= moment <= LATEST_INSTANT:
        raise ValueError("%s: %s is %s; times from %s to %s are accepted (nothing a Logpoint stores is older; "
                         "0, negative epochs and huge durations are mistakes)"
                         % (option, shown(value), _out_of_range(moment), iso_utc(EARLIEST_INSTANT), iso_utc(LATEST_INSTANT)))
    return moment


def shown(value, width=60):
    """``repr(value)`` cut to ``width`` characters, for messages about user input."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def _out_of_range(moment):
    if math.isinf(moment):
        return "infinitely far away" if moment > 0 else "too far back"
    return "before %s" % iso_utc(EARLIEST_INSTANT) if moment < EARLIEST_INSTANT else "after %s" % iso_utc(
        LATEST_INSTANT)


def _instant(value, now, option):
    if isinstance(value, bool):
        raise ValueError("%s: %r is not a time" % (option, value))
    if isinstance(value, int):
        return float(value) if abs(value) < 10 ** 300 else (math.inf if value > 0 else -math.inf)
    if isinstance(value, float):
        return value
    text = str(value).strip()
    if _SIGNED_EPOCH_TEXT.match(text):
        return float(text)
    if text.lower() in _NOT_FINITE:
        return _NOT_FINITE[text.lower()]
    if text.lower() == "now":
        return float(now)
    relative = text[:-4].strip() if text.lower().endswith(" ago") else text
    try:
        return float(now) - parse_duration(relative, option=option)
    except ValueError:
        pass
    try:
        return _iso_epoch(text)
    except (ValueError, OverflowError):
        raise ValueError("%s: %s is not a time; use epoch seconds, ISO 8601 (2026-11-22T08:00:00Z) "
                         "or a relative time such as 24h or 7d (meaning that long ago)" % (option, shown(value)))


def _iso_epoch(text):
    """Epoch seconds of ISO 8601 text (``Z`` or an offset; naive is UTC); ValueError when it is not."""
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def iso_utc(epoch):
    """Epoch seconds -> ``2026-11-22T08:00:00Z``."""
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_time(value):
    """Epoch seconds (int) of a log row's timestamp, or None when it is missing or unreadable.

    Servers write it as epoch seconds (int, float, or their text) or as UTC text, ``2020/07/15 08:38:20``
    (with ``/`` or ``-``, optional fractions) or ISO 8601 (``2020-07-15T08:38:20Z``; naive is UTC).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if _EPOCH_TEXT.match(text):
        return int(float(text))
    for form in _LOG_TS_FORMATS:
        try:
            moment = datetime.datetime.strptime(text, form)
        except ValueError:
            continue
        return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())
    try:
        return int(_iso_epoch(text))
    except ValueError:
        return None
