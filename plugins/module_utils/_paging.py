# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paged listings: the one helper that reads every page of a listing, whatever the API's paging.

The caller says how to fetch the rows from ``offset`` on, ``size`` at most (``fetch(offset, size)``:
a page-numbered API asks for page ``offset // size + 1``; offsets are always a multiple of the size
asked), and how to read the rows and the total of a reply. The first page tells the total and the
page size the server really serves; the other pages are then fetched concurrently through
``fan_out`` and kept in order. Without a total, pages are read one after the other, each from the
number of rows received so far, until a page comes back short or empty.
"""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY, fan_out
from ansible_collections.logpoint.siem.plugins.module_utils._response import rows_of


def total_of(body):
    """The ``total`` a listing reply announces, or None when it has no usable one (missing, negative)."""
    total = body.get("total") if isinstance(body, dict) else None
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        return None
    return total


def read_pages(fetch, *, page_size, rows=rows_of, total=total_of, limit=None, max_concurrency=DEFAULT_CONCURRENCY):
    """Every row of a paged listing, in order.

    ``fetch(offset, size)`` returns the reply holding the rows from ``offset`` on; ``rows(reply)`` and
    ``total(reply)`` read it (``total`` None: the reply does not say). ``limit`` (0 or None: all)
    stops reading once that many rows are in; the last page read may take the count past it, the
    caller cuts. The pages after the first are asked at the size the first page came in: a server
    that serves fewer rows than asked (while its total says there is more) is still read completely.
    """
    size = min(page_size, limit) if limit else page_size
    reply = fetch(0, size)
    received = list(rows(reply) or [])
    if not received:
        return received
    announced = total(reply)
    if announced is None:
        return _read_on(fetch, received, rows, limit)
    wanted = min(announced, limit) if limit else announced
    if announced > len(received):
        size = len(received)  # the page size the server serves, which may be less than asked
    pages = fan_out(lambda offset: list(rows(fetch(offset, size)) or []), range(len(received), wanted, size),
                    max_concurrency)
    for page in pages:
        received.extend(page)
    return received


def _read_on(fetch, received, rows, limit):
    """Without a total: page after page, each from the rows received so far, until a short or empty page.

    A short first page is the end of the listing or the server's own page size: one more page at that
    size tells which.
    """
    size = len(received)
    page = received
    while len(page) == size and not (limit and len(received) >= limit):
        page = list(rows(fetch(len(received), size)) or [])
        received.extend(page)
    return received
