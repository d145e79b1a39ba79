# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport: the ``requests.Session`` with TLS settings, timeouts and bounded retries.

``HttpTransport.send`` returns ``(status, text, headers)`` of the reply to read, or raises the typed
error of a request that could not be completed (connection, TLS, timeout, retries used up), with
advice on what to check. ``RetryPolicy`` decides which failures are retried and how long to wait.
Both the Logpoint client and the LogicMonitor client send through it. Nothing here knows about
Logpoint's authentication or about Ansible.
"""

from __future__ import annotations

import email.utils
import json
import math
import os
import re
import time
import traceback
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

from ansible_collections.logpoint.siem.plugins.module_utils._response import blank, interpret_response
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ConfigError,
    LogpointError,
    MissingLibraryError,
    RateLimitError,
    ResponseFormatError,
    ServerUnavailableError,
    TransportError,
    UncertainWriteError,
)

USER_AGENT = "ansible-collection-logpoint.siem"
BODY_BLOCK = 64 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MIN_TIMEOUT, MAX_TIMEOUT = 1, 3600
CA_ADVICE = ("Set ca_path (or LOGPOINT_CA_PATH) to the PEM file of the CA that signed the server's certificate. "
             "validate_certs: false would turn verification off and expose the secret key to anyone in between.")
# What OpenSSL says (lower case) -> what it means for the user; the first match wins.
TLS_CAUSES = (
    (("hostname mismatch", "ip address mismatch", "doesn't match", "not valid for"),
     "the certificate is not issued for the host name in the URL",
     "Use the host name the certificate names in url (not an IP address or alias), or reissue the certificate "
     "for this name."),
    (("certificate has expired",), "the server's certificate has expired",
     "Renew the certificate on the server; the clock of this machine must also be right."),
    (("certificate is not yet valid",), "the server's certificate is not valid yet",
     "Check the clock of this machine and of the server."),
    (("wrong_version_number", "wrong version number", "record layer failure", "http_request", "unknown protocol"),
     "the server does not speak HTTPS on this port (it answered in plain HTTP)",
     "Use http:// in the URL if the server only speaks HTTP (the secret key then crosses the network "
     "unencrypted), or point the URL at the server's HTTPS port."),
)


def check_endpoint(url, option, *, validate_certs=True, warn=None):
    """A base URL option, checked: http(s) with a host; warns for plain http beyond this machine and
    for certificate verification turned off. Returns the URL."""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc or any(ord(char) < 33 for char in str(url)):
        raise ConfigError("%s: %r is not an http(s) URL; give the base URL such as https://logpoint.example.com"
                          % (option, url))
    warn = warn or (lambda message: None)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        warn("%s uses plain http: the secret key and tokens cross the network unencrypted; use https://" % option)
    if parts.scheme == "https" and not validate_certs:
        warn("validate_certs is false: the certificate of %s is not checked, so anyone in between can read the "
             "credentials; set ca_path to the CA that signed it instead" % parts.hostname)
    return url


def check_timeout(timeout):
    """``timeout`` as seconds, or a ConfigError stating the range."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or math.isnan(timeout) \
            or not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        raise ConfigError("timeout: %r is not a number of seconds from %d to %d" % (timeout, MIN_TIMEOUT, MAX_TIMEOUT))
    return timeout


def check_ca_file(ca_path):
    """The CA bundle must be a readable file with at least one PEM certificate."""
    if not os.path.isfile(ca_path):
        raise ConfigError("ca_path: %s is not a file; give the PEM file of the CA that signed the server's "
                          "certificate" % ca_path)
    try:
        with open(ca_path, "rb") as handle:
            head = handle.read(1024 * 1024)
    except OSError as exc:
        raise ConfigError("ca_path: %s cannot be read (%s)" % (ca_path, exc.strerror))
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise ConfigError("ca_path: %s holds no PEM certificate (no -----BEGIN CERTIFICATE----- line); give the "
                          "CA certificate in PEM form (convert a DER file with openssl x509 -inform der)" % ca_path)


def require_requests():
    """Raise MissingLibraryError when the requests library is not installed."""
    if REQUESTS_IMPORT_ERROR:
        raise MissingLibraryError("requests", REQUESTS_IMPORT_ERROR)


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


class _Attempt:
    """What one try of a request gave: a reply to hand back (``final``), or a failure to retry or report."""

    def __init__(self, *, status=None, text="", headers=None, retry_after=None, failure=None, error=None,
                 final=False):
        self.status = status
        self.text = text
        self.headers = headers if headers is not None else {}
        self.retry_after = retry_after
        self.failure = failure
        self.error = error
        self.final = final


class HttpTransport:
    """A ``requests.Session`` with TLS settings, timeouts and the retry policy."""

    def __init__(self, *, validate_certs=True, ca_path=None, timeout=30, retry=None, secrets=None):
        require_requests()
        if ca_path:
            check_ca_file(ca_path)
        self.session = requests.Session()  # trust_env: proxies and NO_PROXY come from the environment
        self.session.headers["User-Agent"] = USER_AGENT
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override a session-level verify.
        self.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = check_timeout(timeout)
        self.retry = retry or RetryPolicy()
        self.secrets = secrets if secrets is not None else set()
        if not validate_certs:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def send(self, method, url, *, read, path, headers=None, loads=json.loads, as_bytes=False, **kwargs):
        """Send with retries; return ``(status, text, headers)`` or raise a typed error.

        ``loads`` is the decoder that tells a readable body; with ``as_bytes`` a 2xx body comes back as
        the bytes read (held once, for large listings decoded by a streaming consumer).
        """
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(method, url, read, path, headers, dict(kwargs, stream=as_bytes), loads)
            if outcome.final:
                return outcome.status, outcome.text, outcome.headers
            wait = self.retry.delay(attempt, read=read, status=outcome.status, retry_after=outcome.retry_after,
                                    failure=outcome.failure)
            if wait is None:
                self._give_up(method, url, path, attempt, read, outcome)
            self.retry.sleep(wait)

    def _attempt(self, method, url, read, path, headers, kwargs, loads):
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.timeout, verify=self.verify,
                                            **kwargs)
            text = _body(response, kwargs["stream"])
        except requests.exceptions.SSLError as exc:
            raise self._tls_error(exc, method, path)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:
            return _Attempt(failure="connect" if _connect_failure(exc) else "transport", error=exc)
        status = response.status_code
        retry_after = requested_wait(response.headers)
        if status == 429 or status in RetryPolicy.RETRY_STATUSES:
            return _Attempt(status=status, text=text, headers=response.headers, retry_after=retry_after)
        if 200 <= status < 300 and read and not blank(text) and not _parses(text, loads):
            return _Attempt(status=status, text=text, headers=response.headers, retry_after=retry_after,
                            failure="body")
        return _Attempt(status=status, text=text, headers=response.headers, final=True)

    def _give_up(self, method, url, path, attempts, read, outcome):
        tried = " after %d attempts" % attempts if attempts > 1 else ""
        if outcome.failure in ("connect", "transport"):
            detail = _exception_text(outcome.error)
            if outcome.failure == "transport" and not read:
                error = UncertainWriteError("the connection failed before the reply arrived (%s)" % detail,
                                            method=method, path=path)
                error.in_flight = isinstance(outcome.error, requests.exceptions.Timeout) or "timed out" in detail.lower()
                raise error
            raise TransportError("request failed%s: %s" % (tried, detail), method=method, path=path,
                                 advice=_transport_advice(url, detail))
        if outcome.failure == "body":
            raise ResponseFormatError("the reply was not valid JSON%s (%d bytes, cut short?)"
                                      % (tried, len(outcome.text)), method=method, path=path)
        retry_after = outcome.retry_after
        try:
            interpret_response(outcome.status, outcome.text, outcome.headers.get("Content-Type", ""))
        except RateLimitError as exc:
            exc.retry_after = retry_after
            exc.message = "%s%s" % (exc.message, tried) + (
                "; the server asked to wait %ds" % retry_after if retry_after is not None else "")
            raise exc
        except LogpointError as exc:
            exc.message = "%s%s" % (exc.message, tried)
            raise
        raise ServerUnavailableError("HTTP %d%s" % (outcome.status, tried), status=outcome.status)

    def _tls_error(self, exc, method, path):
        detail = _exception_text(exc)
        lowered = detail.lower()
        for needles, cause, advice in TLS_CAUSES:
            if any(needle in lowered for needle in needles):
                return TransportError("TLS failed: %s (%s)" % (cause, detail), method=method, path=path, advice=advice)
        if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
            advice = CA_ADVICE
            if self.ca_path:
                advice = ("The certificate was not signed by the CA in ca_path %s; check that it is the CA of this "
                          "server." % self.ca_path)
            return TransportError("TLS certificate verification failed: %s" % detail, method=method, path=path,
                                  advice=advice)
        return TransportError("TLS error: %s" % detail, method=method, path=path)


def _transport_advice(url, detail):
    """What to check after a failed connection; a plain-http URL whose server hung up may speak HTTPS."""
    lowered = detail.lower()
    if urlsplit(url).scheme == "http" and any(word in lowered for word in (
            "remotedisconnected", "connection reset", "connection aborted", "badstatusline", "protocolerror")):
        return ("The URL uses http:// and the server closed the connection: it probably speaks HTTPS on this "
                "port; use https://.")
    return "Check url, the network path and proxy settings (HTTPS_PROXY, NO_PROXY)."


def _connect_failure(exc):
    """True when the request never left this machine (safe to retry, even a write)."""
    reason = getattr(exc, "args", [None])[0]
    reason = getattr(reason, "reason", reason)
    return isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(
        reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


def _body(response, as_bytes):
    """The text of a reply; with ``as_bytes`` (a streamed request) the bytes of a 2xx reply, read in
    blocks and held once (``.text`` would hold them twice)."""
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
