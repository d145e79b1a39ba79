# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded fan-out: the one place the collection runs calls on threads.

Every concurrent read (paged listings, per-rule notification reads, audit searches) and every
concurrent write of the converge engine goes through ``fan_out``, so the bound is set in one place
(``max_concurrency``, 1 for strict serial) and exceptions surface the same way everywhere.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32


def fan_out(function, items, max_concurrency=DEFAULT_CONCURRENCY):
    """``[function(item) for item in items]``, at most ``max_concurrency`` at a time, results in order.

    With one item or ``max_concurrency`` 1 no thread is started. The first exception (in item order)
    is raised after every started call has finished, so no call is left running behind the caller.
    """
    items = list(items)
    workers = max(1, min(int(max_concurrency or 1), len(items)))
    if workers == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(function, item) for item in items]
    return [future.result() for future in futures]


def fan_out_settled(function, items, max_concurrency=DEFAULT_CONCURRENCY):
    """Like ``fan_out`` but never raises: ``[(result, None) or (None, exception)]`` in item order.

    For writes, where the caller must know every call that succeeded even when some failed.
    """
    def settled(item):
        try:
            return function(item), None
        except Exception as exc:  # pylint: disable=broad-except  # handed back to the caller, not swallowed
            return None, exc
    return fan_out(settled, items, max_concurrency)
