"""LogicMonitor audit logs `/santaba/rest/setting/accesslogs`: LMv1 and bearer, envelopes, query, rate limit."""

import base64
import hashlib
import hmac
import time

import pytest
from logpoint_simulator import seed_logicmonitor

BASE = "/santaba/rest"
LOGS = "/setting/accesslogs"
V3 = {"X-Version": "3"}


def lmv1(method="GET", path=LOGS, body="", key=seed_logicmonitor.ACCESS_KEY, access_id=seed_logicmonitor.ACCESS_ID,
         epoch_ms=None):
    """The Authorization header as LogicMonitor's recipe builds it, written out independently here."""
    epoch = str(int(time.time() * 1000) if epoch_ms is None else epoch_ms)
    digest = hmac.new(key.encode(), (method + epoch + body + path).encode(), hashlib.sha256).hexdigest()
    return {"Authorization": f"LMv1 {access_id}:{base64.b64encode(digest.encode()).decode()}:{epoch}"}


def get(api, path=LOGS, headers=None, **params):
    return api.get(BASE + path, headers=headers if headers is not None else lmv1(path=path), params=params)


def entries(api):
    return api.control("GET", "state")["lm_entries"]


def test_v1_envelope_with_the_default_page_of_50_newest_first(api):
    response = get(api)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["errmsg"]) == (200, "OK")
    assert body["data"]["total"] == seed_logicmonitor.ENTRY_COUNT and len(body["data"]["items"]) == 50
    newest = sorted(entries(api), key=lambda entry: entry["happenedOn"], reverse=True)[:50]
    assert body["data"]["items"] == newest
    assert set(newest[0]) == {"id", "username", "happenedOn", "happenedOnLocal", "ip", "sessionId", "description"}


@pytest.mark.parametrize(("headers", "params"), [(V3, {}), ({}, {"v": "3"}), ({"X-Version": "2"}, {})])
def test_v3_envelope_is_the_bare_data_object(api, headers, params):
    body = get(api, headers={**lmv1(), **headers}, size=1, **params).json()
    assert set(body) == {"total", "items", "searchId"} and len(body["items"]) == 1


def test_pages_with_size_up_to_1000_and_offset(api):
    first = get(api, headers={**lmv1(), **V3}, size=1000).json()["items"]
    second = get(api, headers={**lmv1(), **V3}, size=1000, offset=1000).json()["items"]
    assert len(first) == len(second) == 1000
    assert first[-1]["happenedOn"] - second[0]["happenedOn"] == seed_logicmonitor.SPACING_SECONDS


@pytest.mark.parametrize("params", [{"size": 1001}, {"size": 0}, {"offset": -1}, {"sort": "-ip"}, {"sort": "x y"}])
def test_bad_query_parameters_are_errors_in_both_envelopes(api, params):
    v1 = get(api, **params)
    assert v1.status_code == 200 and v1.json()["status"] == 1400
    v3 = get(api, headers={**lmv1(), **V3}, **params)
    assert v3.status_code == 400 and v3.json()["errorCode"] == 1400


def test_sort_and_fields(api):
    oldest = get(api, headers={**lmv1(), **V3}, sort="+happenedOn", size=2, fields="id,username").json()["items"]
    assert oldest == [{"id": "100001", "username": entries(api)[0]["username"]},
                      {"id": "100002", "username": entries(api)[1]["username"]}]
    by_user = get(api, headers={**lmv1(), **V3}, sort="username", size=1000).json()["items"]
    assert [item["username"] for item in by_user] == sorted(item["username"] for item in by_user)


def test_v1_filters_keyword_and_time_window(api):
    now = int(time.time())
    body = get(api, filter=f"_all~*signs out*,happenedOn>:{now - 86400},happenedOn<:{now}").json()["data"]
    expected = [e for e in entries(api) if "signs out" in e["description"] and now - 86400 <= e["happenedOn"] <= now]
    assert body["total"] == len(expected) > 0


@pytest.mark.parametrize("text", ['username:"admin"', "_all~signs", "happenedOn>1", "ip:203.0.113.40"])
def test_v1_refuses_filters_outside_its_syntax(api, text):
    body = get(api, filter=text).json()
    assert body["status"] == 1400 and "not supported" in body["errmsg"]


def test_v3_basic_filters(api):
    def total(text):
        return get(api, headers={**lmv1(), **V3}, filter=text).json()["total"]

    by_user = {name: sum(1 for e in entries(api) if e["username"] == name) for name in ("sarah", "jdoe")}
    assert total('username:"sarah"') == by_user["sarah"]
    assert total('username:"sarah|jdoe"') == by_user["sarah"] + by_user["jdoe"]
    assert total('username:"sarah"||username:"jdoe"') == by_user["sarah"] + by_user["jdoe"]
    assert total('username!:"sarah"') == seed_logicmonitor.ENTRY_COUNT - by_user["sarah"]
    assert total('description~"failed to sign in",username:"jdoe"') == sum(
        1 for e in entries(api) if e["username"] == "jdoe" and "failed to sign in" in e["description"])
    assert total('happenedOn>"1"') == seed_logicmonitor.ENTRY_COUNT
    refused = get(api, headers={**lmv1(), **V3}, filter="colour:red")
    assert refused.status_code == 400 and "colour:red" in refused.json()["errorMessage"]


def test_one_entry_by_id(api):
    path = f"{LOGS}/100001"
    assert get(api, path=path, headers=lmv1(path=path)).json()["data"] == entries(api)[0]
    missing = f"{LOGS}/1"
    response = get(api, path=missing, headers={**lmv1(path=missing), **V3})
    assert response.status_code == 404 and response.json()["errorCode"] == 1404


@pytest.mark.parametrize(("headers", "reason"), [
    (lmv1(key="not-the-key"), "signature mismatch"),
    (lmv1(access_id="someone-else"), "unknown access id"),
    (lmv1(epoch_ms=int((time.time() - 31 * 60) * 1000)), "30 minutes"),
    (lmv1(path=LOGS + "?size=5"), "signature mismatch"),  # the query string is never signed
    ({"Authorization": "LMv1 garbage"}, "unknown access id"),
    ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "LMv1 signature or a bearer token"),
    ({}, "LMv1 signature or a bearer token"),
])
def test_bad_credentials_are_refused_in_both_envelopes(api, headers, reason):
    v1 = get(api, headers=headers, size=5)
    assert v1.status_code == 200 and v1.json()["status"] == 1401 and reason in v1.json()["errmsg"]
    v3 = get(api, headers={**headers, **V3}, size=5)
    assert v3.status_code == 401 and reason in v3.json()["errorMessage"]


def test_a_timestamp_within_30_minutes_is_accepted(api):
    assert get(api, headers=lmv1(epoch_ms=int((time.time() - 29 * 60) * 1000))).json()["status"] == 200


def test_bearer_token_works_with_v3_only(api):
    bearer = {"Authorization": f"Bearer {seed_logicmonitor.BEARER_TOKEN}"}
    assert get(api, headers={**bearer, **V3}).status_code == 200
    assert "X-Version: 3" in get(api, headers=bearer).json()["errmsg"]
    assert get(api, headers={"Authorization": "Bearer wrong", **V3}).status_code == 401


def test_rate_limit_answers_429_with_its_headers_then_recovers(api):
    api.control("POST", "settings", json={"lm_rate_limit": 2})
    allowed = [get(api, headers={**lmv1(), **V3}, size=1), get(api, headers={**lmv1(), **V3}, size=1)]
    assert [response.headers["X-Rate-Limit-Remaining"] for response in allowed] == ["1", "0"]
    limited = get(api, headers={**lmv1(), **V3}, size=1)
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Limit"] == "2" and limited.headers["X-Rate-Limit-Window"] == "2"
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= 2
    time.sleep(wait)
    assert get(api, headers={**lmv1(), **V3}, size=1).status_code == 200


def test_seeded_entries_are_the_same_at_every_reset_but_for_their_times(api):
    before = entries(api)
    api.control("POST", "reset")
    after = entries(api)
    assert [dict(e, happenedOn=0, happenedOnLocal="") for e in before] == [
        dict(e, happenedOn=0, happenedOnLocal="") for e in after]
    assert len({e["username"] for e in after}) == len(seed_logicmonitor.USERS)
