# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired versus current: normalisers for loosely typed stored values, comparison and diffs."""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils.errors import REDACTED

_TRUE = ("true", "on", "yes", "1")
_FALSE = ("false", "off", "no", "0", "none", "")


def normalise_bool(value):
    """Stored booleans come as true, "on", "True", "true", 1; None stays None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value


def normalise_int(value):
    """Stored numbers come as 20 or "20"; non-numeric values are returned unchanged."""
    if value is None or isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return value


def as_set(values):
    """A list compared as a set (repos, recipients, tags, list values)."""
    return frozenset(str(v) for v in (values or []))


def differing_keys(desired, current, *, sets=()):
    """Keys of ``desired`` (not None) whose value differs from ``current``; ``sets`` compare unordered."""
    changed = []
    for key, want in desired.items():
        if want is None:
            continue
        have = current.get(key)
        if key in sets:
            if as_set(want) != as_set(have):
                changed.append(key)
        elif want != have:
            changed.append(key)
    return changed


def managed_diff(before, after, *, secret_keys=()):
    """``{"before": ..., "after": ...}`` of the managed fields, secrets replaced by a placeholder."""
    def clean(side):
        if side is None:
            return {}
        return dict((k, REDACTED if k in secret_keys and v else v) for k, v in sorted(side.items()))
    return {"before": clean(before), "after": clean(after)}
