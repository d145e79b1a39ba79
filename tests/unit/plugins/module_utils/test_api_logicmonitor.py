# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LogicMonitor: the LMv1 signature, URLs, envelopes, derived actions, filters, paging and rate limits."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api.logicmonitor import (
    LogicMonitorClient, access_log_filter, derive_action, lmv1_signature, logicmonitor_audit, logicmonitor_entry,
    parse_lm_body, portal_url)
from ansible_collections.logpoint.siem.plugins.module_utils._transport import RetryPolicy, requested_wait
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, AuthenticationError, ConfigError, NotFoundError, RateLimitError, ResponseFormatError)

# LogicMonitor's published recipe (REST API v1 examples, Python) uses these inputs with the current time;
# it prints no signature. The expected values were computed independently with OpenSSL:
#   printf '%s' 'GET1436460382000/service/services' | openssl dgst -sha256 -hmac 'API-ACCESS-KEY' \
#     | awk '{print $NF}' | tr -d '\n' | base64 -w0
KEY = "API-ACCESS-KEY"
EPOCH_MS = 1436460382000
POST_BODY = ('{"type":"ping","name":"LMCertification","disableAlerting":false,"pollingInterval":5,'
             '"host":"www.logicmonitor.docebosaas.com"}')
GET_SIGNATURE = "MmZiNTJkMjM4OWQyMjM5MmM0NGE2ODY1NTBlYjM5MzM3NWYxMDFkODgxMWI3NGM5YTM0ZWFhMDBmYmUwMzljMA=="
POST_SIGNATURE = "NDNhMTNlOTliYzFlMWMxOTU5YjNmYjg0ZTk3MzZlZGQ0MmZjZWFjNWNlOTZhZTVjNjM1YjA0MDExMzI1ZWI5Nw=="


def test_lmv1_signature_of_the_recipes_get_and_post_requests():
    assert lmv1_signature(KEY, "GET", EPOCH_MS, "", "/service/services") == GET_SIGNATURE
    assert lmv1_signature(KEY, "POST", EPOCH_MS, POST_BODY, "/service/services") == POST_SIGNATURE


def test_lmv1_signature_is_base64_of_the_hex_digest_not_of_the_raw_digest():
    message = ("GET%d/setting/accesslogs" % EPOCH_MS).encode()
    digest = hmac.new(KEY.encode(), message, hashlib.sha256)
    signature = lmv1_signature(KEY, "GET", EPOCH_MS, "", "/setting/accesslogs")
    assert base64.b64decode(signature).decode() == digest.hexdigest()
    assert signature != base64.b64encode(digest.digest()).decode()


def test_authorization_header_signs_the_path_without_the_query():
    client = LogicMonitorClient(base_url="https://acme.logicmonitor.com/santaba/rest", access_id="id-1",
                                access_key=KEY, clock=lambda: EPOCH_MS / 1000.0)
    assert client.authorization("GET", "/service/services") == "LMv1 id-1:%s:%d" % (GET_SIGNATURE, EPOCH_MS)
    bearer = LogicMonitorClient(base_url="https://x/santaba/rest", bearer_token="tok", access_id="id-1",
                                access_key=KEY)
    assert bearer.authorization("GET", "/setting/accesslogs") == "Bearer tok"


def test_credentials_are_required():
    with pytest.raises(ConfigError, match="lm_access_id and lm_access_key, or lm_bearer_token"):
        LogicMonitorClient(base_url="https://x/santaba/rest", access_id="id-only")


@pytest.mark.parametrize(("lm_url", "lm_company", "base"), [
    ("https://acme.logicmonitor.com", None, "https://acme.logicmonitor.com/santaba/rest"),
    ("https://acme.logicmonitor.com/", "ignored", "https://acme.logicmonitor.com/santaba/rest"),
    ("https://acme.logicmonitor.com/santaba/rest", None, "https://acme.logicmonitor.com/santaba/rest"),
    ("https://127.0.0.1:8443", None, "https://127.0.0.1:8443/santaba/rest"),
    (None, "acme", "https://acme.logicmonitor.com/santaba/rest"),
])
def test_portal_url(lm_url, lm_company, base):
    assert portal_url(lm_url, lm_company) == base


@pytest.mark.parametrize(("lm_url", "lm_company", "message"), [
    (None, None, "needs lm_url or lm_company"),
    ("acme.logicmonitor.com", None, "not an http"),
    (None, "acme.logicmonitor.com", "not a LogicMonitor company name"),
])
def test_portal_url_errors(lm_url, lm_company, message):
    with pytest.raises(ConfigError, match=message):
        portal_url(lm_url, lm_company)


def test_both_envelopes_are_read():
    data = {"total": 1, "items": [{"id": "1"}], "searchId": None}
    assert parse_lm_body(200, json.dumps({"status": 200, "errmsg": "OK", "data": data})) == data
    assert parse_lm_body(200, json.dumps(data)) == data


@pytest.mark.parametrize(("status", "body", "error", "text"), [
    (200, {"status": 1401, "errmsg": "Authentication failed", "data": None}, AuthenticationError, "lm_access_key"),
    (401, {"errorMessage": "Authentication failed", "errorCode": 1401, "errorDetail": None}, AuthenticationError,
     "30 minutes"),
    (403, {"errorMessage": "Permission denied", "errorCode": 1403}, AuthenticationError, "Access Logs"),
    (404, {"errorMessage": "No such record", "errorCode": 1404}, NotFoundError, "No such record"),
    (200, {"status": 1429, "errmsg": "Too many requests", "data": None}, RateLimitError, "Too many"),
    (400, {"errorMessage": "bad filter", "errorCode": 1400}, ApiError, "bad filter"),
])
def test_errors_in_both_envelopes_become_typed_errors(status, body, error, text):
    with pytest.raises(error) as caught:
        parse_lm_body(status, json.dumps(body))
    assert text in str(caught.value)


def test_a_body_that_is_not_json_is_a_format_error():
    with pytest.raises(ResponseFormatError, match="lm_url is the portal URL"):
        parse_lm_body(200, "<html>login</html>")


@pytest.mark.parametrize(("description", "action"), [
    ("sarah signs in (adminUser)", "login"), ("admin logged in via SAML", "login"),
    ("jdoe failed to sign in: wrong password", "login_failed"), ("sarah signs out", "logout"),
    ("Add the device 'fw-edge-01' via the portal", "add"), ("Updated the alert rule 'High CPU'", "update"),
    ("Delete the dashboard 'x'", "delete"), ("Acknowledged alert LMA123", "other"), (None, "other"),
])
def test_actions_are_derived_from_descriptions(description, action):
    assert derive_action(description) == action


def test_entries_keep_every_key():
    item = {"id": 102999, "username": "sarah", "happenedOn": 1795316640, "ip": "198.51.100.21",
            "sessionId": "5cdf", "description": "sarah signs in (adminUser)", "happenedOnLocal": "..."}
    entry = logicmonitor_entry(item)
    assert entry == {"time": 1795316640, "user": "sarah", "action": "login", "object": None, "type": None,
                     "description": "sarah signs in (adminUser)", "source_address": "198.51.100.21", "repo": None,
                     "category": None, "id": "102999", "session_id": "5cdf", "source": "logicmonitor", "raw": item}


def test_access_log_filter():
    assert access_log_filter((10, 20)) == 'happenedOn>:"10",happenedOn<:"20"'
    assert access_log_filter((10, 20), user="sarah", keyword="collector") == (
        'happenedOn>:"10",happenedOn<:"20",username:"sarah",_all~"*collector*"')
    assert access_log_filter((10, 20), user="sa*").endswith(',username~"sa*"')
    with pytest.raises(ConfigError, match="keyword"):
        access_log_filter((10, 20), keyword='a",username:"x')


class FakeAccessLogs:
    """``total`` entries, newest first, served in pages; records the params of every request."""

    def __init__(self, total, report_total=True):
        self.items = [{"id": str(total - n), "happenedOn": total - n, "username": "u",
                       "description": "signs in" if n % 2 else "Add x"} for n in range(total)]
        self.report_total = report_total
        self.lock = threading.Lock()
        self.requests = []

    def get(self, path, params):
        with self.lock:
            self.requests.append(params)
        page = self.items[params["offset"]:params["offset"] + params["size"]]
        return {"total": len(self.items) if self.report_total else -1, "items": page}


WINDOW = (0, 10 ** 6)


def test_paging_uses_the_largest_page_and_keeps_order():
    api = FakeAccessLogs(2500)
    entries = logicmonitor_audit(api, window=WINDOW, limit=0)
    assert [e["time"] for e in entries] == list(range(2500, 0, -1))
    assert sorted((r["size"], r["offset"]) for r in api.requests) == [(1000, 0), (1000, 1000), (1000, 2000)]
    assert api.requests[0]["sort"] == "-happenedOn"


def test_limit_caps_the_pages_read():
    api = FakeAccessLogs(2500)
    assert len(logicmonitor_audit(api, window=WINDOW, limit=1200)) == 1200
    assert sorted((r["size"], r["offset"]) for r in api.requests) == [(1000, 0), (1000, 1000)]
    small = FakeAccessLogs(2500)
    assert len(logicmonitor_audit(small, window=WINDOW, limit=30, newest_first=False)) == 30
    assert small.requests == [dict(small.requests[0], size=30, offset=0)]
    assert small.requests[0]["sort"] == "+happenedOn"


def test_without_a_total_pages_are_read_until_a_short_one():
    api = FakeAccessLogs(2100, report_total=False)
    assert len(logicmonitor_audit(api, window=WINDOW, limit=0)) == 2100
    assert [r["offset"] for r in api.requests] == [0, 1000, 2000]


def test_entries_seen_twice_across_pages_are_kept_once():
    api = FakeAccessLogs(1500)
    api.items.insert(1000, api.items[999])  # a new entry shifted the second page by one
    assert len(logicmonitor_audit(api, window=WINDOW, limit=0)) == 1500


def test_action_filters_after_reading_every_page_and_fields_ask_for_the_description():
    api = FakeAccessLogs(2500)
    entries = logicmonitor_audit(api, window=WINDOW, action="login", limit=5, fields=["time"])
    assert [e["time"] for e in entries] == [2499, 2497, 2495, 2493, 2491]
    assert len(api.requests) == 3
    assert api.requests[0]["fields"] == "description,happenedOn,id"


def test_rate_limit_window_is_the_wait_when_retry_after_is_missing():
    assert requested_wait({"Retry-After": "3", "X-Rate-Limit-Window": "60"}) == 3.0
    assert requested_wait({"X-Rate-Limit-Window": "60"}) == 60.0
    assert requested_wait({}) is None


def test_a_persisting_429_is_a_rate_limit_error_with_the_wait(monkeypatch):
    client = LogicMonitorClient(base_url="https://acme.logicmonitor.com/santaba/rest", access_id="id",
                                access_key=KEY, retry=RetryPolicy(attempts=3, sleep=lambda seconds: None))
    answers = []

    class Reply:
        status_code = 429
        text = json.dumps({"errorMessage": "Too many requests", "errorCode": 1429})
        headers = {"X-Rate-Limit-Window": "2", "Content-Type": "application/json"}

    def request(*args, **kwargs):
        answers.append(kwargs["headers"]["Authorization"])
        return Reply()

    monkeypatch.setattr(client.transport.session, "request", request)
    with pytest.raises(RateLimitError) as caught:
        client.get("/setting/accesslogs", {"size": 1})
    assert len(answers) == 3
    assert caught.value.retry_after == 2.0
    assert "rate limit" in str(caught.value) and "wait 2s" in str(caught.value)
    assert KEY not in str(caught.value)
