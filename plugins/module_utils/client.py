# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport and Logpoint authentication modes.

``HttpTransport`` owns the ``requests.Session`` (TLS, timeouts, proxies from the environment,
bounded retries). ``interpret_response`` turns every response convention of logpoint-api.md §3 and
§14 into a decoded body or a typed error. ``LogpointClient`` adds the auth modes (self-signed JWT per
scope, classic body credentials, Director bearer) and the tolerant readers for rows and ids.
Nothing here knows about Ansible modules.
"""

from __future__ import annotations

import email.utils
import json
import math
import os
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

try:
    import requests
    import urllib3
except ImportError:  # reported by the module or plugin with missing_required_lib
    requests = None
    urllib3 = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.logpoint.siem.plugins.module_utils.auth import TokenProvider
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    LogpointError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ScopeError,
    ServerUnavailableError,
    TransportError,
    UncertainWriteError,
    ValidationError,
    as_logpoint_error,
)

USER_AGENT = "ansible-collection-logpoint.siem"
ROW_KEYS = ("rows", "data", "results", "alertrules", "items")
BODY_BLOCK = 64 * 1024
ID_KEYS = ("id", "_id", "alertrule_unique_id", "alert_id")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class RetryPolicy:
    """Which failures are retried, how often, and how long to wait.

    Reads are retried after transport errors, 502/503/504 and unreadable bodies; every request after
    429 (the server did not process it) and after a refused connection (nothing was sent). A write
    whose reply was lost is never replayed: the caller re-reads and converges instead.
    """

    RETRY_STATUSES = (502, 503, 504)

    def __init__(self, attempts=4, backoff=0.5, max_backoff=8.0, max_retry_after=60.0, sleep=time.sleep):
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep

    def backoff_delay(self, attempt):
        """Exponential backoff after the ``attempt``-th failure (1-based)."""
        return min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))

    def delay(self, attempt, *, read, status=None, retry_after=None, failure=None):
        """Seconds to wait before another attempt, or None to give up.

        ``failure`` is one of ``"connect"`` (nothing was sent), ``"transport"`` (sent, reply lost or
        timed out), ``"body"`` (reply unreadable) for failures without a status.
        """
        if attempt >= self.attempts:
            return None
        if status == 429:
            if retry_after is None:
                return self.backoff_delay(attempt)
            return min(max(float(retry_after), 0.0), self.max_retry_after)
        if failure == "connect":
            return self.backoff_delay(attempt)
        if not read:
            return None
        if status in self.RETRY_STATUSES or failure in ("transport", "body"):
            return self.backoff_delay(attempt)
        return None


def parse_retry_after(value, now=None):
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = str(value).strip()
    if re.match(r"^\d+(\.\d+)?$", value):
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, moment.timestamp() - now)


def requested_wait(headers):
    """Seconds a refusal asks the client to wait: ``Retry-After``, else the rate-limit window that
    LogicMonitor announces in ``X-Rate-Limit-Window`` (waiting it out always clears the limit)."""
    wait = parse_retry_after(headers.get("Retry-After"))
    return wait if wait is not None else parse_retry_after(headers.get("X-Rate-Limit-Window"))


# --------------------------------------------------------------------------------------------
# Response interpretation (logpoint-api.md §3, §14)
# --------------------------------------------------------------------------------------------

def _blank(text):
    """Whether a body is empty or only white space (``isspace`` does not copy a large body as ``strip`` does)."""
    return not text or text.isspace()


def _looks_like_html(text, content_type):
    return "html" in (content_type or "").lower() or text.lstrip()[:1] == "<"


def _html_title(text):
    match = re.search(r"<title>(.*?)</title>|<h1>(.*?)</h1>", text, re.IGNORECASE | re.DOTALL)
    if not match:
        return None
    return re.sub(r"\s+", " ", match.group(1) or match.group(2)).strip()[:120]


def flatten_validation(errors, prefix=""):
    """Nested ``{"section": {"field": "text"}}`` (any depth) -> ``{"section.field": "text"}``."""
    flat = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = "%s.%s" % (prefix, key) if prefix else str(key)
            flat.update(flatten_validation(value, path))
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        flat[prefix or "input"] = "; ".join(errors)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            flat.update(flatten_validation(value, "%s.%d" % (prefix, index) if prefix else str(index)))
    else:
        flat[prefix or "input"] = str(errors)
    return flat


def _detail_fields(detail):
    """FastAPI-style ``detail: [{"loc": [...], "msg": ...}]`` -> dotted fields."""
    fields = {}
    for item in detail:
        if not isinstance(item, dict):
            fields.setdefault("input", str(item))
            continue
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query")]
        fields[".".join(loc) or "input"] = str(item.get("msg", item))
    return fields


def validation_fields(body):
    """The per-field errors of a validation response in either nested shape, or None."""
    if not isinstance(body, dict):
        return None
    if body.get("validationErrors"):
        return flatten_validation(body["validationErrors"])
    if isinstance(body.get("detail"), list):
        return _detail_fields(body["detail"])
    return None


def _server_text(body):
    if isinstance(body, dict):
        for key in ("message", "error", "errmsg", "errorMessage", "msg"):
            if body.get(key):
                return str(body[key])
    return None


_AUTH_WORDS = ("authentication failed", "expired", "signature", "self-signed", "unknown user", "invalid token",
               "missing bearer", "not authenticated", "unauthorized", "invalid or expired token")


def _refusal_error(text, status, body):
    """Map an in-band refusal to the most specific error type."""
    lowered = (text or "").lower()
    if "scope" in lowered:
        return ScopeError("the token was refused: %s" % text, status=status, server_message=text)
    if any(word in lowered for word in _AUTH_WORDS):
        return AuthenticationError("the credentials were refused: %s" % text, status=status, server_message=text)
    if "not found" in lowered or "does not exist" in lowered:
        return NotFoundError(text, status=status, server_message=text)
    return ApiError("the server refused the request: %s" % (text or json.dumps(body)[:300]),
                    status=status, server_message=text)


def interpret_response(status, text, content_type="", loads=json.loads):
    """Decode a response body (with ``loads``) or raise the typed error its convention means."""
    text = text or ""
    if _blank(text):
        if 200 <= status < 300:
            return {}
        body = None
    else:
        try:
            body = loads(text)
        except ValueError:
            body = None
            if _looks_like_html(text, content_type):
                title = _html_title(text)
                described = "an HTML page%s" % (" (%s)" % title if title else "")
                if status in (502, 503, 504) or status >= 500:
                    raise ServerUnavailableError("HTTP %d with %s instead of JSON" % (status, described), status=status)
                if status in (401, 403):
                    raise AuthenticationError("HTTP %d with %s" % (status, described), status=status)
                raise ResponseFormatError("the server answered HTTP %d with %s instead of JSON" % (status, described),
                                          status=status)
            if 200 <= status < 300:
                raise ResponseFormatError("the reply is not valid JSON (%d bytes, it may have been cut short)"
                                          % len(text), status=status)
    server_text = _server_text(body)
    if status == 401:
        raise AuthenticationError("the credentials were refused: %s" % (server_text or "HTTP 401"),
                                  status=status, server_message=server_text)
    if status == 403:
        if server_text and "scope" in server_text.lower():
            raise ScopeError("the token was refused: %s" % server_text, status=status, server_message=server_text)
        raise AuthenticationError("access denied: %s" % (server_text or "HTTP 403"), status=status,
                                  server_message=server_text,
                                  advice="The user may lack the permission for this action in Logpoint.")
    if status == 404:
        raise NotFoundError(server_text or "HTTP 404 not found", status=status, server_message=server_text,
                            advice="Check url; an older Logpoint may not have this API.")
    if status == 422 or (200 <= status < 300 and validation_fields(body)):
        fields = validation_fields(body) or {}
        summary = "; ".join("%s: %s" % item for item in sorted(fields.items())) or server_text or "HTTP %d" % status
        raise ValidationError("the server refused the input: %s" % summary, status=status, fields=fields,
                              server_message=server_text)
    if status == 429:
        raise RateLimitError("rate limited (HTTP 429)%s" % (": %s" % server_text if server_text else ""), status=status)
    if status >= 500:
        raise ServerUnavailableError("HTTP %d%s" % (status, ": %s" % server_text if server_text else ""),
                                     status=status, server_message=server_text)
    if status >= 400 or status < 200:
        raise ApiError("HTTP %d%s" % (status, ": %s" % server_text if server_text else ""), status=status,
                       server_message=server_text)
    if isinstance(body, dict):
        if body.get("success") in (False, "false", "False"):
            raise _refusal_error(server_text, status, body)
        if isinstance(body.get("status_code"), int) and body["status_code"] >= 400 and body.get("error"):
            raise _refusal_error(str(body["error"]), body["status_code"], body)
        if str(body.get("status", "")).lower() in ("failed", "failure", "error"):
            raise _refusal_error(server_text, status, body)
    return body


def rows_of(body):
    """The list of rows of a listing, wherever this server version puts them."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        return []
    for key in ROW_KEYS:
        value = body.get(key)
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            nested = rows_of(value)
            if nested:
                return nested
    return []


def id_of(row):
    """The id of a row under any of the key names servers use."""
    for key in ID_KEYS:
        if isinstance(row, dict) and row.get(key):
            return str(row[key])
    return None


# --------------------------------------------------------------------------------------------
# Transport
# --------------------------------------------------------------------------------------------

def _connect_failure(exc):
    """True when the request never left this machine (safe to retry, even a write)."""
    reason = getattr(exc, "args", [None])[0]
    reason = getattr(reason, "reason", reason)
    return isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(
        reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


class HttpTransport:
    """A ``requests.Session`` with TLS settings, timeouts and the retry policy."""

    def __init__(self, *, validate_certs=True, ca_path=None, timeout=30, retry=None, secrets=None):
        if requests is None:
            raise ConfigError("the Python library requests is required")
        if ca_path and not os.path.isfile(ca_path):
            raise ConfigError("ca_path: %s is not a file; give the PEM file of the CA that signed the server's "
                              "certificate" % ca_path)
        self.session = requests.Session()  # trust_env: proxies and NO_PROXY come from the environment
        self.session.headers["User-Agent"] = USER_AGENT
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override a session-level verify.
        self.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.secrets = secrets if secrets is not None else set()
        self.request_count = 0
        if not validate_certs:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def send(self, method, url, *, read, path, headers=None, loads=json.loads, as_bytes=False, **kwargs):
        """Send with retries; return ``(status, text, headers)`` or raise a typed error.

        ``as_bytes``: a 2xx body comes back as the bytes read (held once; ``.text`` would hold it twice).
        """
        attempt = 0
        while True:
            attempt += 1
            failure = status = retry_after = None
            try:
                self.request_count += 1
                response = self.session.request(method, url, headers=headers, timeout=self.timeout,
                                                verify=self.verify, stream=as_bytes, **kwargs)
                text = _body(response, as_bytes)
            except requests.exceptions.SSLError as exc:
                raise self._tls_error(exc, method, path)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                failure = "connect" if _connect_failure(exc) else "transport"
                error = exc
            else:
                status = response.status_code
                retry_after = requested_wait(response.headers)
                if status == 429 or status in RetryPolicy.RETRY_STATUSES:
                    error = None
                elif 200 <= status < 300 and read and not _blank(text) and not _parses(text, loads):
                    failure = "body"
                    error = None
                else:
                    return status, text, response.headers
            wait = self.retry.delay(attempt, read=read, status=status, retry_after=retry_after, failure=failure)
            if wait is None:
                self._give_up(method, path, attempt, read, failure, error, status, text if status else "",
                              response.headers if status else {}, retry_after)
            self.retry.sleep(wait)

    def _give_up(self, method, path, attempts, read, failure, error, status, text, headers, retry_after):
        tried = " after %d attempts" % attempts if attempts > 1 else ""
        if failure in ("connect", "transport"):
            detail = _exception_text(error)
            if failure == "transport" and not read:
                raise UncertainWriteError("the connection failed before the reply arrived (%s)" % detail,
                                          method=method, path=path)
            raise TransportError("request failed%s: %s" % (tried, detail), method=method, path=path,
                                 advice="Check url, the network path and proxy settings (HTTPS_PROXY, NO_PROXY).")
        if failure == "body":
            raise ResponseFormatError("the reply was not valid JSON%s (%d bytes, cut short?)" % (tried, len(text)),
                                      method=method, path=path)
        try:
            interpret_response(status, text, headers.get("Content-Type", ""))
        except RateLimitError as exc:
            exc.retry_after = retry_after
            exc.message = "%s%s" % (exc.message, tried) + (
                "; the server asked to wait %ds" % retry_after if retry_after is not None else "")
            raise exc
        except LogpointError as exc:
            exc.message = "%s%s" % (exc.message, tried)
            raise
        raise ServerUnavailableError("HTTP %d%s" % (status, tried), status=status)

    def _tls_error(self, exc, method, path):
        detail = _exception_text(exc)
        if "CERTIFICATE_VERIFY_FAILED" in detail or "certificate verify failed" in detail.lower():
            advice = ("Set ca_path (or LOGPOINT_CA_PATH) to the PEM file of the CA that signed the Logpoint's "
                      "certificate. validate_certs: false would turn verification off and expose the secret key "
                      "to anyone in between.")
            if self.ca_path:
                advice = "The certificate was not signed by the CA in ca_path %s; check that it is the right CA file." \
                    % self.ca_path
            return TransportError("TLS certificate verification failed: %s" % detail, method=method, path=path,
                                  advice=advice)
        return TransportError("TLS error: %s" % detail, method=method, path=path)


def _body(response, as_bytes):
    """The text of a reply; with ``as_bytes`` (a streamed request) the bytes of a 2xx reply, read in blocks."""
    if not as_bytes:
        return response.text
    body = bytearray()
    for block in response.iter_content(BODY_BLOCK):
        body += block
    if 200 <= response.status_code < 300:
        return body
    return body.decode(response.encoding or "utf-8", "replace")


def _parses(text, loads=json.loads):
    try:
        loads(text)
    except ValueError:
        return False
    return True


def _exception_text(exc):
    """A short reason from a requests exception, without the URL's query string."""
    text = str(exc)
    match = re.search(r"\(Caused by (\w+)\((?:<[^>]*>,\s*)?'?(.*?)'?\)\)", text)
    if match:
        return "%s: %s" % (match.group(1), match.group(2))
    return text.split("(Caused by", maxsplit=1)[0].strip() or exc.__class__.__name__


# --------------------------------------------------------------------------------------------
# Logpoint client
# --------------------------------------------------------------------------------------------

class LogpointClient:
    """Calls to a Logpoint (and its Director) with the right authentication for each API family."""

    def __init__(self, *, url=None, username=None, secret_key=None, token=None, validate_certs=True,
                 ca_path=None, timeout=30, director_url=None, director_token=None, pool_uuid=None,
                 logpoint_identifier=None, warn=None, retry=None):
        self.warn = warn or (lambda message: None)
        self.url = _check_url(url, "url", self.warn) if url else None
        self.director_url = _check_url(director_url, "director_url", self.warn) if director_url else None
        self.username = username
        self.secret_key = secret_key
        self.director_token = director_token
        self.pool_uuid = pool_uuid
        self.logpoint_identifier = logpoint_identifier
        self._static_secrets = set(s for s in (secret_key, token, director_token) if s)
        self.tokens = TokenProvider(username=username, secret_key=secret_key, token=token, warn=self.warn)
        self.transport = HttpTransport(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout,
                                       retry=retry, secrets=self._static_secrets)
        self._lock = threading.Lock()
        # Apart from the token lock: cached() never holds it while a loader calls the client.
        self._cache_lock = threading.Lock()
        self.cache = {}  # per-task reads shared by the api layer (users, repos)

    @classmethod
    def from_options(cls, options, warn=None, **kwargs):
        names = ("url", "username", "secret_key", "token", "validate_certs", "ca_path", "timeout",
                 "director_url", "director_token", "pool_uuid", "logpoint_identifier")
        values = dict((name, options.get(name)) for name in names if options.get(name) is not None)
        return cls(warn=warn, **dict(values, **kwargs))

    @property
    def secrets(self):
        """Every secret this task holds, minted tokens included, for masking and scrubbing."""
        return self._static_secrets | set(self.tokens.minted)

    @property
    def request_count(self):
        return self.transport.request_count

    def call(self, method, path, *, auth, scope=None, params=None, json=None, form=None, files=None,
             body=None, headers=None, read=None, api="logpoint", loads=json.loads, as_bytes=False):
        """One API call; returns the decoded body or raises a typed, secret-free LogpointError.

        ``json``, ``form`` and ``files`` are encoded by requests; ``body`` is sent as it is (bytes, a
        file object or an iterator, for streamed uploads) with the caller's ``headers``. ``loads`` decodes
        the reply, given as bytes with ``as_bytes`` (``_json_consumers.ConsumingDecoder`` for bodies too
        large to hold decoded).
        """
        read = (method == "GET") if read is None else read
        try:
            url = self._url(api, path)
            auth_headers, json, form = self._authenticate(auth, scope, json, form)
            headers = dict(headers or {}, **auth_headers)
            kwargs = {}
            if body is not None:
                kwargs["data"] = body
            if json is not None:
                kwargs["json"] = json
            if form is not None:
                kwargs["data"] = form
            if files is not None:
                kwargs["files"] = files
            status, text, response_headers = self.transport.send(
                method, url, read=read, path=path, headers=headers, params=params, loads=loads,
                as_bytes=as_bytes, **kwargs)
            try:
                return interpret_response(status, text, response_headers.get("Content-Type", ""), loads)
            except ResponseFormatError as exc:
                if not read and 200 <= status < 300:
                    raise UncertainWriteError("the reply was cut short or unreadable", status=status)
                raise exc
        except Exception as exc:  # pylint: disable=broad-except  # library errors may quote a header value
            raise as_logpoint_error(exc, self.secrets, method=method, path=path)

    def list_all(self, path, *, scope, page_size, params=None, workers=4, loads=json.loads, as_bytes=False):
        """Every row of a paged JWT listing (``limit``/``page``, 1-based, ``total``), in order.

        The first page tells the total; the remaining pages are fetched concurrently.
        """
        base = dict(params or {})

        def page(number):
            return self.call("GET", path, auth="jwt", scope=scope, params=dict(base, limit=page_size, page=number),
                             loads=loads, as_bytes=as_bytes)

        first = page(1)
        rows = list(rows_of(first))
        total = first.get("total") if isinstance(first, dict) else None
        if isinstance(total, int) and total > len(rows):
            pages = range(2, int(math.ceil(total / float(page_size))) + 1)
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(pages)))) as pool:
                for body in pool.map(page, pages):
                    rows.extend(rows_of(body))
        elif total is None and len(rows) == page_size:
            number = 1
            while True:
                number += 1
                more = rows_of(page(number))
                rows.extend(more)
                if len(more) < page_size:
                    break
        return rows

    def cached(self, key, loader):
        """A read done once per task (users, repos). The load runs outside the lock, so a loader may
        mint tokens, nest cached reads or fan out to threads that do."""
        with self._cache_lock:
            if key in self.cache:
                return self.cache[key]
        value = loader()
        with self._cache_lock:
            return self.cache.setdefault(key, value)

    def _url(self, api, path):
        base = self.director_url if api == "director" else self.url
        if not base:
            if api == "director":
                raise ConfigError("the Director API needs director_url (or LOGPOINT_DIRECTOR_URL)")
            raise ConfigError("url is required: set the url option or LOGPOINT_URL to the Logpoint's base URL")
        return base.rstrip("/") + "/" + path.lstrip("/")

    def _authenticate(self, auth, scope, json, form):
        headers = {}
        if auth == "jwt":
            with self._lock:
                token = self.tokens.for_scope(scope)
            headers["Authorization"] = "Bearer %s" % token
        elif auth in ("classic_json", "classic_form"):
            if not (self.username and self.secret_key):
                raise ConfigError("this API needs username and secret_key (or LOGPOINT_USERNAME and "
                                  "LOGPOINT_SECRET_KEY); a token alone does not work for the classic APIs")
            credentials = {"username": self.username, "secret_key": self.secret_key}
            if auth == "classic_json":
                json = dict(json or {}, **credentials)
            else:
                form = dict(form or {}, **credentials)
        elif auth == "director":
            if not self.director_token:
                raise ConfigError("the Director API needs director_token (or LOGPOINT_DIRECTOR_TOKEN)")
            headers["Authorization"] = "Bearer %s" % self.director_token
        elif auth != "none":
            raise ValueError("unknown auth mode %r" % auth)
        return headers, json, form


def _check_url(url, option, warn):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("%s: %r is not an http(s) URL; give the base URL such as https://logpoint.example.com"
                          % (option, url))
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        warn("%s uses plain http: the secret key and tokens cross the network unencrypted" % option)
    return url
