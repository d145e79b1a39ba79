# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-defined lists, JWT API (logpoint-api.md §7.1): paths, the upload body, row parsing.

``GET /UserDefinedList/lists_api`` (``search:read``) lists static and dynamic lists; with
``return_all_data=true`` newer servers add each list's values under ``lists``. ``POST
/UserDefinedList/import_api`` (``search:write``) creates or replaces a static list from one uploaded
``.csv`` or ``.txt`` file with one value per line. Logpoint keeps list names upper-cased.

The values of a large list are not kept as strings: ``list_lists(..., consume=factory)`` feeds each
list's values to ``factory()`` while the reply is decoded (``_json_consumers``), and the row's
``values`` is what that consumer returns. Name rules, normalisation and the compare are resource
logic (``resources/lists.py``).
"""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils._json_consumers import ConsumingDecoder
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.multipart import MultipartFileBody

LISTS_PATH = "/UserDefinedList/lists_api"
IMPORT_PATH = "/UserDefinedList/import_api"
PAGE_SIZE = 100
VALUES_KEY = "lists"
CONTENT_TYPES = {".csv": "text/csv", ".txt": "text/plain"}
_DECODED = (list, dict, str, int, float, bool, type(None))


def _row_values(values):
    """A decoded value list as strings, a consumer's result as it is, anything else (absent) None."""
    if isinstance(values, list):
        return [str(value) for value in values]
    return None if isinstance(values, _DECODED) else values


def parse_list_row(row):
    """A list row -> ``{"name", "id", "list_type", "vid", "values"}``; ``values`` is None when absent."""
    return {
        "name": row.get("name"),
        "id": id_of(row),
        "list_type": row.get("list_type") or row.get("type"),
        "vid": row.get("vid"),
        "values": _row_values(row.get(VALUES_KEY)),
    }


def list_lists(client, with_values, consume=None):
    """Every user-defined list, paged at the largest page size; values only when asked for.

    With ``consume`` (a factory of objects with ``add(value)`` and ``result()``) each list's values
    go to a new consumer as they are decoded, and ``values`` is its result.
    """
    params = {"return_all_data": "true"} if with_values else None
    extra = {"loads": ConsumingDecoder({VALUES_KEY: consume}), "as_bytes": True} if consume is not None else {}
    rows = client.list_all(LISTS_PATH, scope="search:read", page_size=PAGE_SIZE, params=params, **extra)
    return [parse_list_row(row) for row in rows]


def import_list(client, name, path, extension):
    """Upload the file at ``path`` as static list ``name`` (one file, streamed); returns the server's body."""
    body = MultipartFileBody({"package_import_name": name}, "package_import", path, name + extension,
                             content_type=CONTENT_TYPES[extension])
    return client.call("POST", IMPORT_PATH, auth="jwt", scope="search:write", body=body, headers=body.headers)
