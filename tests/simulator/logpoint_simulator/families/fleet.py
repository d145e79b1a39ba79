"""Director listing of the pools and of the Logpoints in each, for the `logpoint.siem.logpoints` inventory plugin.

The public Director record (logpoint-api.md §2.3, §9) has no documented call that lists pools or the
Logpoints of a pool: the Director Console shows them and every configapi path names them. The
simulator answers the listing the inventory plugin reads, in Director's `{"data": ...}` wrapping and
with its bearer token (additive; a GAP of the record, so the paths are the plugin's `director_pools_path`
and `director_logpoints_path` options):

* `GET /configapi/pools` -> `{"data": [{"pool_uuid", "name", "logpoint_count"}]}`
* `GET /configapi/pools/<pool>/logpoints` -> `{"data": [{"identifier", "name", "ip", "url", "version",
  "active"}]}`; an unknown pool is a 404 `{"status": "Failed", "message": ...}`.

Two pools: the simulator's own (`seed.DIRECTOR_POOL`, Logpoint `seed.DIRECTOR_LOGPOINT`, the one whose
incidents the Director family serves) and a second one with Logpoint `lp-simulator-02`. Every `url`
is this simulator's base URL, so hosts built from the listing reach it for the JWT APIs.
"""

import flask

from .. import seed

blueprint = flask.Blueprint("fleet", __name__)

SECOND_POOL = "00000000-0000-4000-8000-000000000002"
POOLS = (
    {"pool_uuid": seed.DIRECTOR_POOL, "name": "Simulator pool",
     "logpoints": ({"identifier": seed.DIRECTOR_LOGPOINT, "name": "Simulator Logpoint", "version": "7.7.1"},)},
    {"pool_uuid": SECOND_POOL, "name": "Simulator pool 2",
     "logpoints": ({"identifier": "lp-simulator-02", "name": "Simulator Logpoint 2", "version": "7.6.0"},)},
)


def _refused():
    scheme, dummy, token = flask.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token.strip() != seed.DIRECTOR_TOKEN:
        return flask.jsonify({"status": "Failed", "message": "Invalid or expired token"}), 401
    return None


@blueprint.get("/configapi/pools")
def pools():
    refused = _refused()
    if refused:
        return refused
    return {"data": [{"pool_uuid": pool["pool_uuid"], "name": pool["name"], "logpoint_count": len(pool["logpoints"])}
                     for pool in POOLS]}


@blueprint.get("/configapi/pools/<pool>/logpoints")
def logpoints(pool):
    refused = _refused()
    if refused:
        return refused
    found = [p for p in POOLS if p["pool_uuid"].replace("-", "") == pool.replace("-", "")]
    if not found:
        return flask.jsonify({"status": "Failed", "message": f"Unknown pool {pool!r}"}), 404
    base = flask.request.host_url.rstrip("/")
    return {"data": [dict(logpoint, ip="127.0.0.1", url=base, active=True) for logpoint in found[0]["logpoints"]]}
