"""The Director listing of pools and Logpoints (families/fleet.py) that the logpoints inventory plugin reads."""

from logpoint_simulator import seed
from simtools import DIRECTOR_AUTH


def test_pools_and_their_logpoints_with_the_director_token(api):
    pools = api.get("/configapi/pools", headers=DIRECTOR_AUTH).json()["data"]
    assert [pool["pool_uuid"] for pool in pools] == [seed.DIRECTOR_POOL, "00000000-0000-4000-8000-000000000002"]
    assert pools[0]["logpoint_count"] == 1
    rows = api.get(f"/configapi/pools/{seed.DIRECTOR_POOL}/logpoints", headers=DIRECTOR_AUTH).json()["data"]
    assert rows == [{"identifier": seed.DIRECTOR_LOGPOINT, "name": "Simulator Logpoint", "version": "7.7.1",
                     "ip": "127.0.0.1", "url": api.base_url, "active": True}]
    hex_pool = seed.DIRECTOR_POOL.replace("-", "")
    assert api.get(f"/configapi/pools/{hex_pool}/logpoints", headers=DIRECTOR_AUTH).json()["data"] == rows


def test_listing_needs_the_token_and_a_known_pool(api):
    assert api.get("/configapi/pools").status_code == 401
    assert api.get("/configapi/pools", headers={"Authorization": "Bearer wrong"}).status_code == 401
    unknown = api.get("/configapi/pools/00000000-0000-4000-8000-00000000000f/logpoints", headers=DIRECTOR_AUTH)
    assert unknown.status_code == 404 and "Unknown pool" in unknown.json()["message"]
    counted = api.control("GET", "requests")["by_endpoint"]
    assert counted.get("GET /configapi/pools") == 2
