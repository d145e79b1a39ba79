# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LogicMonitor's audit ("access") log API, the secondary audit source (logpoint-api.md §12).

``LogicMonitorClient`` talks to ``<portal>/santaba/rest`` with API v3 (``X-Version: 3``) over the
collection's ``HttpTransport`` (TLS options, retries, 429 honoured with its wait), authenticating
with an LMv1 signature or a bearer token, and reads both the v1 and the v3 envelopes.
``logicmonitor_audit`` pages through ``/setting/accesslogs`` at the largest page size with
``_paging.read_pages`` (offset/size): the first page tells the total and the page size LogicMonitor
really serves (which may be less than asked, silently), the other pages are fetched concurrently and
kept in order, each entry id once.

LogicMonitor serves no result past ``offset + size`` = ``RESULT_DEPTH`` (10,000) of one filter
(logpoint-api.md §19.8): a time window holding more entries than that is read in slices, split in
halves until each slice fits (``_read_window``), newest (or oldest) slice first, so every entry is
read. Filter values are escaped as LogicMonitor asks (``filter_value``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

from ansible_collections.logpoint.siem.plugins.module_utils._paging import read_pages, total_of
from ansible_collections.logpoint.siem.plugins.module_utils._transport import HttpTransport, check_endpoint
from ansible_collections.logpoint.siem.plugins.module_utils.api.audit import checked_text
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError, AuthenticationError, ConfigError, NotFoundError, RateLimitError, ResponseFormatError, as_logpoint_error)

REST_PREFIX = "/santaba/rest"
ACCESS_LOGS = "/setting/accesslogs"
PAGE_SIZE = 1000
# offset + size LogicMonitor answers at most for one filter (LogicMonitor's own modules stop there: "API limit").
RESULT_DEPTH = 10000
# Filter value characters LogicMonitor wants escaped with a backslash; the filter is then URL-encoded twice
# (LogicMonitor decodes it once more after the query string).
RESERVED = "()$&#[]"
AUTH_ADVICE = ("Check lm_access_id and lm_access_key (LMv1) or lm_bearer_token, and that the API token may read "
               "audit logs; an LMv1 signature is also refused when this machine's clock is more than 30 minutes off.")
# entry field -> the access-log property it comes from
PROPERTIES = {"id": "id", "user": "username", "time": "happenedOn", "source_address": "ip",
              "session_id": "sessionId", "description": "description", "action": "description"}
# action derived from the description, first match wins
ACTIONS = (
    ("login_failed", re.compile(r"failed to sign in|login failed|failed login", re.IGNORECASE)),
    ("login", re.compile(r"\bsigns? in\b|\blogged in\b|\blogin\b", re.IGNORECASE)),
    ("logout", re.compile(r"\bsigns? out\b|\blogged out\b|\blogout\b", re.IGNORECASE)),
    ("add", re.compile(r"^(add|added|create|created)\b", re.IGNORECASE)),
    ("update", re.compile(r"^(update|updated|change|changed|edit|edited|modify|modified)\b", re.IGNORECASE)),
    ("delete", re.compile(r"^(delete|deleted|remove|removed)\b", re.IGNORECASE)),
)


def lmv1_signature(access_key, verb, epoch_ms, body, resource_path):
    """LogicMonitor's LMv1 signature: base64 of the lower-case hex HMAC-SHA256 of
    verb + epoch (milliseconds) + body + resource path (after ``/santaba/rest``, without the query)."""
    message = "%s%s%s%s" % (verb, epoch_ms, body, resource_path)
    digest = hmac.new(access_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


def portal_url(lm_url=None, lm_company=None, *, validate_certs=True, warn=None):
    """The REST base URL from the portal URL (``https://acme.logicmonitor.com``) or the company name;
    ``lm_url`` is checked and warned about like every base URL (``check_endpoint``)."""
    if lm_url:
        base = check_endpoint(lm_url, "lm_url", validate_certs=validate_certs, warn=warn).rstrip("/")
    elif lm_company:
        if not re.match(r"^[A-Za-z0-9-]+$", lm_company):
            raise ConfigError("lm_company: %r is not a LogicMonitor company name (letters, digits and -)" % lm_company)
        base = "https://%s.logicmonitor.com" % lm_company
    else:
        raise ConfigError("source logicmonitor needs lm_url or lm_company (or LM_URL / LM_COMPANY)")
    return base if base.endswith(REST_PREFIX) else base + REST_PREFIX


def derive_action(description):
    """What an access-log description says was done: login, logout, add, update, delete... or other."""
    for action, pattern in ACTIONS:
        if pattern.search(description or ""):
            return action
    return "other"


def logicmonitor_entry(item):
    """An access-log item -> an audit entry."""
    happened_on = item.get("happenedOn")
    return {
        "time": int(happened_on) if happened_on is not None else None,
        "user": item.get("username"),
        "action": derive_action(item.get("description")) if "description" in item else None,
        "object": None,
        "type": None,
        "description": item.get("description"),
        "source_address": item.get("ip"),
        "repo": None,
        "category": None,
        "id": None if item.get("id") is None else str(item["id"]),
        "session_id": item.get("sessionId"),
        "source": "logicmonitor",
        "raw": item,
    }


def parse_lm_body(status, text):
    """The data of a LogicMonitor answer in either envelope, or the typed error it reports."""
    try:
        body = json.loads(text) if text.strip() else {}
    except ValueError:
        raise ResponseFormatError("LogicMonitor answered HTTP %d with a body that is not JSON" % status, status=status,
                                  advice="Check that lm_url is the portal URL, such as https://acme.logicmonitor.com.")
    if isinstance(body, dict) and "errmsg" in body and "status" in body:  # v1 envelope
        if body["status"] == 200 and status < 400:
            return body.get("data") or {}
        raise _lm_error(body["status"], body["errmsg"], status)
    if status >= 400 or (isinstance(body, dict) and body.get("errorMessage")):
        raise _lm_error(body.get("errorCode") or status, body.get("errorMessage") or "HTTP %d" % status, status)
    return body


def _lm_error(code, message, status):
    code = int(code) if str(code).isdigit() else status
    text = "LogicMonitor refused the request: %s" % message
    if code in (401, 1401) or status == 401:
        return AuthenticationError(text, status=status, server_message=message, advice=AUTH_ADVICE)
    if code in (403, 1403) or status == 403:
        return AuthenticationError(text, status=status, server_message=message,
                                   advice="The API token's role may not read audit logs (Settings > Access Logs).")
    if code in (404, 1404) or status == 404:
        return NotFoundError(text, status=status, server_message=message)
    if code in (429, 1429) or status == 429:
        return RateLimitError(text, status=status, server_message=message)
    return ApiError(text, status=status, server_message=message)


class LogicMonitorClient:
    """GET requests to one LogicMonitor portal, signed with LMv1 or carrying a bearer token."""

    def __init__(self, *, base_url, access_id=None, access_key=None, bearer_token=None, validate_certs=True,
                 ca_path=None, timeout=30, retry=None, clock=time.time):
        if not bearer_token and not (access_id and access_key):
            raise ConfigError("source logicmonitor needs lm_access_id and lm_access_key, or lm_bearer_token "
                              "(or LM_ACCESS_ID and LM_ACCESS_KEY, or LM_BEARER_TOKEN)")
        self.base_url = base_url
        self.access_id = access_id
        self.access_key = access_key
        self.bearer_token = bearer_token
        self.clock = clock
        self.secrets = set(secret for secret in (access_key, bearer_token) if secret)
        self.transport = HttpTransport(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, retry=retry,
                                       secrets=self.secrets)

    @classmethod
    def from_options(cls, options, warn=None, **kwargs):
        validate_certs = options.get("validate_certs", True)
        timeout = options.get("timeout")
        return cls(base_url=portal_url(options.get("lm_url"), options.get("lm_company"), validate_certs=validate_certs,
                                       warn=warn),
                   access_id=options.get("lm_access_id"), access_key=options.get("lm_access_key"),
                   bearer_token=options.get("lm_bearer_token"), validate_certs=validate_certs,
                   ca_path=options.get("ca_path"), timeout=30 if timeout is None else timeout, **kwargs)

    def authorization(self, verb, resource_path, body=""):
        """The Authorization header: the bearer token when given, else a fresh LMv1 signature."""
        if self.bearer_token:
            return "Bearer %s" % self.bearer_token
        epoch_ms = int(self.clock() * 1000)
        signature = lmv1_signature(self.access_key, verb, epoch_ms, body, resource_path)
        return "LMv1 %s:%s:%d" % (self.access_id, signature, epoch_ms)

    def get(self, resource_path, params=None):
        """GET ``resource_path`` (relative to ``/santaba/rest``); returns the data object."""
        headers = {"Authorization": self.authorization("GET", resource_path), "X-Version": "3",
                   "Accept": "application/json"}
        try:
            status, text, _headers = self.transport.send("GET", self.base_url + resource_path, read=True,
                                                         path=resource_path, headers=headers, params=params)
            return parse_lm_body(status, text)
        except RateLimitError as exc:
            wait = " (it asked to wait %ds)" % exc.retry_after if exc.retry_after is not None else ""
            raise RateLimitError("LogicMonitor kept refusing with HTTP 429 (rate limit)%s" % wait,
                                 retry_after=exc.retry_after, status=429, method="GET", path=resource_path,
                                 advice="Lower the number of entries asked for (limit) or run the task later.")
        except Exception as exc:  # pylint: disable=broad-except  # library errors may quote the header
            raise as_logpoint_error(exc, self.secrets | {self.access_id or ""}, method="GET", path=resource_path)


def filter_value(text):
    """A value for a v3 filter clause as LogicMonitor reads it: each of ``( ) $ & # [ ]`` after a backslash,
    those escapes and ``%`` and ``+`` percent-encoded, so that the query string's own encoding makes the
    double encoding LogicMonitor decodes (its PowerShell module's Format-LMFilter does the same)."""
    encoded = []
    for char in text:
        if char in RESERVED:
            encoded.append("%%5C%%%02X" % ord(char))
        elif char in "%+":
            encoded.append("%%%02X" % ord(char))
        else:
            encoded.append(char)
    return "".join(encoded)


def access_log_filter(window, user=None, keyword=None):
    """The v3 ``filter`` for a time window, a user (``*`` wildcards) and a keyword found in any field."""
    clauses = ['happenedOn>:"%d"' % window[0], 'happenedOn<:"%d"' % window[1]]
    if user:
        user = filter_value(checked_text("user", user))
        clauses.append('username~"%s"' % user if "*" in user else 'username:"%s"' % user)
    if keyword:
        clauses.append('_all~"*%s*"' % filter_value(checked_text("keyword", keyword)))
    return ",".join(clauses)


def logicmonitor_audit(client, *, window, user=None, keyword=None, action=None, newest_first=True, limit=None,
                       fields=None):
    """Audit entries from ``/setting/accesslogs``, newest (or oldest) first, at most ``limit`` (0: all).

    ``action`` is matched against the action derived from each description, so with it every page of
    the window is read before ``limit`` applies.
    """
    params = {"sort": "-happenedOn" if newest_first else "+happenedOn"}
    if fields and "raw" not in fields:
        wanted = set(fields) | ({"action"} if action else set())
        properties = set(PROPERTIES[field] for field in wanted if field in PROPERTIES) | {"id", "happenedOn"}
        params["fields"] = ",".join(sorted(properties))
    reader = _WindowReader(client, params, lambda part: access_log_filter(part, user, keyword), newest_first)
    items = _unique(reader.read(window, None if action else limit))
    entries = [logicmonitor_entry(item) for item in items]
    if action:
        entries = [entry for entry in entries if entry["action"] == action]
    return entries[:limit] if limit else entries


def _items(page):
    """The entries of one page; a page without an ``items`` list is an error, never read as no entries."""
    items = page.get("items") if isinstance(page, dict) else None
    if not isinstance(items, list):
        keys = ", ".join(sorted(str(key) for key in page)[:10]) if isinstance(page, dict) else type(page).__name__
        raise ResponseFormatError("LogicMonitor answered without an items list (it sent: %s), so the audit entries "
                                  "of this page cannot be read; no entries are returned rather than some of them"
                                  % (keys or "an empty object"), path=ACCESS_LOGS,
                                  advice="Check that lm_url is the portal URL and that the API token may read the "
                                         "access logs (Settings > Access Logs).")
    return items


class _WindowReader:
    """Reads the entries of a time window, in slices when the window holds more than LogicMonitor serves."""

    def __init__(self, client, params, filter_of, newest_first):
        self.client = client
        self.params = params
        self.filter_of = filter_of
        self.newest_first = newest_first

    def read(self, window, limit):
        """Every entry of ``window`` (``(start, end)``, both included), at most ``limit`` (None: all), in order.

        The first page tells how many entries the window holds and the page size LogicMonitor serves;
        when the pages to read would go past ``RESULT_DEPTH``, the window is split in two halves, each
        read the same way (the first page of each half costs one request more).
        """
        def fetch(offset, size):
            if offset == 0 and first:
                return first.pop()
            return self.client.get(ACCESS_LOGS, dict(self.params, filter=self.filter_of(window), size=size,
                                                     offset=offset))

        first = []
        first.append(fetch(0, min(PAGE_SIZE, limit) if limit else PAGE_SIZE))
        served, total = len(_items(first[0])), total_of(first[0])
        wanted = min(total, limit) if total is not None and limit else total
        if total is None or not served or -(-wanted // served) * served <= RESULT_DEPTH:
            return read_pages(fetch, page_size=PAGE_SIZE, rows=_items, limit=limit)
        return self._read_halves(window, limit, total)

    def _read_halves(self, window, limit, total):
        start, end = window
        if start >= end:
            raise ApiError("LogicMonitor holds %d audit entries at %d, more than the %d it serves for one filter; "
                           "they cannot all be read" % (total, start, RESULT_DEPTH),
                           advice="Narrow the entries with user or keyword.")
        middle = (start + end) // 2
        halves = [(middle + 1, end), (start, middle)] if self.newest_first else [(start, middle), (middle + 1, end)]
        items = []
        for half in halves:
            items.extend(self.read(half, limit - len(items) if limit else None))
            if limit and len(items) >= limit:
                break
        return items


def _unique(items):
    """Items in order, each id once (new entries arriving between pages shift the offsets)."""
    seen = set()
    unique = []
    for item in items:
        key = item.get("id")
        if key is None or key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
