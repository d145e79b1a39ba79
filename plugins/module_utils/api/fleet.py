# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Director's pools and the Logpoints in each, for the ``logpoints`` inventory plugin.

The public Director record documents no listing of pools or of a pool's Logpoints (logpoint-api.md
§2.3: they come from the Director Console); the paths are therefore options of the inventory plugin,
by default ``GET /configapi/pools`` and ``GET /configapi/pools/{pool_uuid}/logpoints`` (what the bundled
simulator answers). Both take the Director bearer token. Rows are read under ``data`` (Director's
wrapping) or the usual list keys, and field names are read tolerantly (``pool_uuid``/``uuid``/``id``,
``identifier``/``logpoint_identifier``/``id``...).
"""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY, fan_out
from ansible_collections.logpoint.siem.plugins.module_utils._response import rows_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, ResponseFormatError
from ansible_collections.logpoint.siem.plugins.module_utils.state import normalise_bool

POOLS_PATH = "/configapi/pools"
LOGPOINTS_PATH = "/configapi/pools/{pool_uuid}/logpoints"


def _first(row, *keys):
    for key in keys:
        if row.get(key) not in (None, ""):
            return row[key]
    return None


def _rows(body, path):
    data = body.get("data") if isinstance(body, dict) else body
    if isinstance(data, dict):
        data = rows_of(data)
    if data is None and isinstance(body, dict):
        data = rows_of(body)
    if not isinstance(data, list):
        raise ResponseFormatError("the Director answered %s without a list of rows" % path, method="GET", path=path)
    return [row for row in data if isinstance(row, dict)]


def parse_pool(row):
    uuid = _first(row, "pool_uuid", "uuid", "id")
    return {"pool_uuid": uuid, "name": _first(row, "name", "pool_name") or uuid}


def parse_logpoint(row):
    identifier = _first(row, "identifier", "logpoint_identifier", "id")
    active = normalise_bool(row.get("active", True))
    return {
        "identifier": identifier,
        "name": _first(row, "name", "logpoint_name") or identifier,
        "ip": _first(row, "ip", "address", "host"),
        "url": _first(row, "url", "api_url"),
        "version": _first(row, "version", "logpoint_version"),
        "active": active is not False,
    }


def list_pools(client, path=POOLS_PATH):
    return [parse_pool(row) for row in _rows(client.call("GET", path, auth="director", api="director"), path)]


def list_pool_logpoints(client, pool_uuid, path=LOGPOINTS_PATH):
    if "{pool_uuid}" not in path:
        raise ConfigError("director_logpoints_path: %r must contain {pool_uuid}" % path)
    path = path.replace("{pool_uuid}", str(pool_uuid))
    return [parse_logpoint(row) for row in _rows(client.call("GET", path, auth="director", api="director"), path)]


def director_fleet(client, *, pools_path=POOLS_PATH, logpoints_path=LOGPOINTS_PATH, only=None,
                   max_concurrency=DEFAULT_CONCURRENCY):
    """``[(pool, [logpoint, ...]), ...]``: the pools (those named in ``only`` by UUID or name, when given)
    and their Logpoints, one listing request per pool, ``max_concurrency`` at a time."""
    pools = list_pools(client, pools_path)
    if only:
        wanted = set(str(value) for value in only)
        unknown = wanted - set(str(p["pool_uuid"]) for p in pools) - set(str(p["name"]) for p in pools)
        if unknown:
            known = ", ".join("%s (%s)" % (p["name"], p["pool_uuid"]) for p in pools) or "none"
            raise ConfigError("pools: no pool %s on the Director; pools that exist: %s"
                              % (", ".join(repr(u) for u in sorted(unknown)), known))
        pools = [p for p in pools if str(p["pool_uuid"]) in wanted or str(p["name"]) in wanted]
    listed = fan_out(lambda pool: list_pool_logpoints(client, pool["pool_uuid"], logpoints_path), pools,
                     max_concurrency=max_concurrency)
    return list(zip(pools, listed))
