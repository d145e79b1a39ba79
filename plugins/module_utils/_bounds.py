# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input bounds shared by the writing families: what a text, a number or a list may be before it is sent.

Each check returns the problem as text (``None`` when the value is fine); the family raises the
ConfigError naming its option and object, so every message has one shape: ``<object>: <option>: <problem>``.
The limits themselves live with the options they bound (``resources/<family>.py``) and in their docs.
"""

from __future__ import annotations

import math

# Line breaks and tabs are text in a query, a description or a template; everything else below U+0020,
# and DEL, is a control character that no Logpoint field should hold.
_MULTILINE = frozenset("\t\n\r")
INT32_MAX = 2 ** 31 - 1


def control_character(value, multiline=False):
    """The first control character of ``value`` as ``(position, character)``, or None."""
    for position, char in enumerate(value):
        if (ord(char) < 32 or ord(char) == 127) and not (multiline and char in _MULTILINE):
            return position, char
    return None


def text_problem(value, most, multiline=False, least=0):
    """Why ``value`` is not a text of ``least`` to ``most`` characters without control characters, or None.

    ``multiline`` allows tabs and line breaks (queries, descriptions, templates). The value is not quoted
    (it may be long, or a secret); the position and code point of a bad character are.
    """
    if not isinstance(value, str):
        return "must be a string, not %s" % type(value).__name__
    if len(value) > most:
        return "is %d characters long; at most %d are accepted" % (len(value), most)
    if len(value) < least:
        return "is %d characters long; at least %d are needed" % (len(value), least)
    found = control_character(value, multiline)
    if found:
        return "contains the control character U+%04X at position %d%s" % (
            ord(found[1]), found[0] + 1, "" if multiline else " (line breaks and tabs are not accepted here)")
    return None


def number_problem(value, least, most, unit=""):
    """Why ``value`` is not a whole number from ``least`` to ``most``, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and not math.isfinite(value):
            return "%r is not a number" % value
        return "%r is not a whole number" % (value,)
    if value < least:
        return "%d is not at least %d%s" % (value, least, unit)
    if value > most:
        return "%d is not %d to %d%s" % (value, least, most, unit)
    return None


def items_problem(values, most_items, most_chars):
    """Why a list is not at most ``most_items`` texts of at most ``most_chars`` characters each, or None."""
    if len(values) > most_items:
        return "has %d items; at most %d are accepted" % (len(values), most_items)
    for index, value in enumerate(values):
        problem = text_problem("" if value is None else value, most_chars)
        if problem:
            return "item %d %s" % (index + 1, problem)
    return None


def scalar_problem(value):
    """Why ``value`` is not a scalar (text, number, boolean or null), or None."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "%r is not a number" % value
    return "is a %s; give a text, number or boolean (nested values cannot be stored)" % type(value).__name__
