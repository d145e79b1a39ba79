# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of the logpoint.siem client.

Every failure the client or the API layer can meet becomes one of these. ``str(error)`` is the
whole message a person reads: what was attempted, what the server said, what to check. Messages
never carry secrets: the client scrubs them with ``scrub()`` before raising.
"""

from __future__ import annotations

import json
import re

REDACTED = "********"

# Credentials inside header values a library may echo (requests' InvalidHeader, urllib3 reprs): the
# value after the scheme is replaced, so a derived value (an LMv1 signature) cannot leak either.
_AUTH_HEADER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=:-]{8,}|\b(LMv1)\s+[^\s:'\"]+:[^\s'\"]+")


def secret_forms(secret):
    """The ways a secret can appear in a message: as it is, trimmed, and escaped by repr() or JSON."""
    forms = {secret, secret.strip(), repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    return set(form for form in forms if form)


def scrub(text, secrets):
    """Replace every secret (in each of its forms) and every credential in a header value with a
    placeholder; longest first, so a prefix cannot leave the rest of a secret behind."""
    if not text:
        return text
    text = str(text)
    forms = set()
    for secret in secrets:
        if secret:
            forms |= secret_forms(str(secret))
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return _AUTH_HEADER.sub(lambda match: "%s %s" % (match.group(1) or match.group(2), REDACTED), text)


def as_logpoint_error(exc, secrets, *, method=None, path=None):
    """Any exception as a secret-free LogpointError: typed errors are scrubbed, anything else (a library
    error such as requests' InvalidHeader, which quotes the header value) becomes a TransportError."""
    if not isinstance(exc, LogpointError):
        exc = TransportError("the request could not be sent (%s: %s)" % (type(exc).__name__, exc),
                             method=method, path=path)
    elif exc.method is None and method is not None:
        exc.method, exc.path = method, path
    return exc.scrubbed(secrets)


class LogpointError(Exception):
    """Base class: a request or a task that could not be completed."""

    advice = None

    def __init__(self, message, *, status=None, method=None, path=None, advice=None, server_message=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.server_message = server_message
        self.written = []  # what the task had already written when this error stopped it
        if advice is not None:
            self.advice = advice

    @property
    def endpoint(self):
        if self.method and self.path:
            return "%s %s" % (self.method, self.path)
        return None

    def __str__(self):
        parts = []
        if self.endpoint:
            parts.append("%s: %s" % (self.endpoint, self.message))
        else:
            parts.append(self.message)
        if self.advice:
            parts.append(self.advice)
        return " ".join(p.rstrip() if p.rstrip().endswith(".") else p.rstrip() + "." for p in parts)

    def to_result(self):
        """Extra keys for ``fail_json``: machine-readable details next to ``msg``."""
        result = {"error_type": type(self).__name__}
        if self.status is not None:
            result["status"] = self.status
        if self.endpoint:
            result["endpoint"] = self.endpoint
        if self.server_message:
            result["server_message"] = self.server_message
        if self.written:  # a run that wrote anything reports a change, failed or not
            result["changed"] = True
            result["written"] = list(self.written)
        return result

    def scrubbed(self, secrets):
        """Remove secrets from every text attribute, in place; returns self for chaining."""
        self.message = scrub(self.message, secrets)
        self.server_message = scrub(self.server_message, secrets)
        self.advice = scrub(self.advice, secrets)
        self.args = (self.message,)
        return self


class ConfigError(LogpointError):
    """Bad or missing options, detected before any request is sent."""


class MissingLibraryError(ConfigError):
    """A Python library the task needs is not installed; plugins report it with ``missing_required_lib``."""

    def __init__(self, library, import_traceback=None):
        super().__init__("the Python library %s is required" % library)
        self.library = library
        self.import_traceback = import_traceback


class TransportError(LogpointError):
    """The request did not complete: DNS, refused connection, TLS, timeout."""


class UncertainWriteError(TransportError):
    """A write was sent but its reply was lost: the server may or may not have applied it."""

    advice = ("The change may have been applied. Run the task again: it reads the current state "
              "first and only sends what is still missing.")
    # True when the reply timed out: the server may still be applying the write (the engine re-reads again
    # after a pause before it sends the write once more).
    in_flight = False


class ServerUnavailableError(LogpointError):
    """502/503/504 (often an HTML page from a proxy) that did not clear up within the retries."""

    advice = ("The Logpoint (or a proxy in front of it) is not answering requests right now; "
              "check that the appliance is up and that url points at it, then retry.")


class RateLimitError(LogpointError):
    """429 after the retries; ``retry_after`` is the wait the server asked for, in seconds."""

    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def to_result(self):
        result = super().to_result()
        if self.retry_after is not None:
            result["retry_after"] = self.retry_after
        return result


class AuthenticationError(LogpointError):
    """Credentials or token refused (401, 'Authentication Failed', bad or expired JWT)."""

    advice = ("Check username and secret_key (the user's API access key under My Preferences); "
              "regenerating the key invalidates every token signed with the old one.")


class ScopeError(AuthenticationError):
    """The token lacks the scope the endpoint needs (403)."""

    advice = ("A token given in the token option must carry the scope the task needs; mint one with "
              "logpoint.siem.token and the right scopes, or let the collection mint tokens from secret_key.")


class NotFoundError(LogpointError):
    """The object (or the endpoint: an older Logpoint without this API) does not exist."""


class ValidationError(LogpointError):
    """The server refused the input; ``fields`` maps dotted field paths to the server's text."""

    def __init__(self, message, *, fields=None, **kwargs):
        super().__init__(message, **kwargs)
        self.fields = dict(fields or {})

    def to_result(self):
        result = super().to_result()
        if self.fields:
            result["fields"] = self.fields
        return result

    def scrubbed(self, secrets):
        super().scrubbed(secrets)
        self.fields = dict((k, scrub(v, secrets)) for k, v in self.fields.items())
        return self


class ApiError(LogpointError):
    """The server answered but refused the request (200 + success:false, other 4xx/5xx)."""


class ConflictError(ApiError):
    """A create refused because an object of that name already exists (made meanwhile by a concurrent run)."""


class ResponseFormatError(LogpointError):
    """The body is not what the API sends: HTML, truncated or otherwise undecodable JSON."""

    advice = ("Check that url points at the Logpoint itself and not at a proxy or login page, "
              "and that nothing between them cuts responses short.")


class OrderTimeoutError(LogpointError):
    """Director orders still pending at the deadline: ``order_id`` the first, ``order_ids`` every one."""

    def __init__(self, message, *, order_id=None, order_ids=None, **kwargs):
        super().__init__(message, **kwargs)
        self.order_id = order_id
        self.order_ids = list(order_ids or ([order_id] if order_id else []))

    def to_result(self):
        result = super().to_result()
        if self.order_id:
            result["order_id"] = self.order_id
            result["order_ids"] = list(self.order_ids)
        return result
