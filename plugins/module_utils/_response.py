# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading responses: every convention of logpoint-api.md §3 and §14, and the tolerant row readers.

``interpret_response(status, text, content_type)`` decodes a body or raises the typed error its
convention means, in three steps: decode (JSON, else HTML page or cut-short body), the HTTP status
(one builder per special status in ``_STATUS_ERRORS``), then the in-band refusals a 2xx body can
carry (``_REFUSALS``). ``rows_of`` and ``id_of`` read rows and ids under any key a server version
uses. Nothing here sends a request.
"""

from __future__ import annotations

import json
import re

from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ScopeError,
    ServerUnavailableError,
    ValidationError,
)

ROW_KEYS = ("rows", "data", "results", "alertrules", "items")
ID_KEYS = ("id", "_id", "alertrule_unique_id", "alert_id")
_SERVER_TEXT_KEYS = ("message", "error", "errmsg", "errorMessage", "msg")
_AUTH_WORDS = ("authentication failed", "expired", "signature", "self-signed", "unknown user", "invalid token",
               "missing bearer", "not authenticated", "unauthorized", "invalid or expired token")
_FALSE = (False, "false", "False")
_FAILED = ("failed", "failure", "error")


def interpret_response(status, text, content_type="", loads=json.loads):
    """Decode a response body (with ``loads``; ``text`` may be bytes) or raise the typed error its
    convention means."""
    text = text or ""
    if blank(text) and 200 <= status < 300:
        return {}
    body = _decode(status, text, content_type, loads)
    server_text = _server_text(body)
    error = _status_error(status, body, server_text) or _refusal(status, body, server_text)
    if error is not None:
        raise error
    return body


# ---- step 1: decode --------------------------------------------------------------------------------

def blank(text):
    """Whether a body is empty or white space only (``isspace`` does not copy a large body as ``strip`` does)."""
    return not text or text.isspace()


def _decode(status, text, content_type, loads=json.loads):
    """The JSON body (None when there is none); an HTML page or a cut-short 2xx body is an error."""
    if blank(text):
        return None
    try:
        return loads(text)
    except ValueError:
        pass
    if _looks_like_html(text, content_type):
        raise _html_error(status, text)
    if 200 <= status < 300:
        raise ResponseFormatError("the reply is not valid JSON (%d bytes, it may have been cut short)" % len(text),
                                  status=status)
    return None


def _looks_like_html(text, content_type):
    return "html" in (content_type or "").lower() or text.lstrip()[:1] == "<"


def _html_title(text):
    match = re.search(r"<title>(.*?)</title>|<h1>(.*?)</h1>", text, re.IGNORECASE | re.DOTALL)
    if not match:
        return None
    return re.sub(r"\s+", " ", match.group(1) or match.group(2)).strip()[:120]


def _html_error(status, text):
    title = _html_title(text)
    described = "an HTML page%s" % (" (%s)" % title if title else "")
    if status >= 500:
        return ServerUnavailableError("HTTP %d with %s instead of JSON" % (status, described), status=status)
    if status in (401, 403):
        return AuthenticationError("HTTP %d with %s" % (status, described), status=status)
    return ResponseFormatError("the server answered HTTP %d with %s instead of JSON" % (status, described),
                               status=status)


def _server_text(body):
    if isinstance(body, dict):
        for key in _SERVER_TEXT_KEYS:
            if body.get(key):
                return str(body[key])
    return None


# ---- step 2: the HTTP status -----------------------------------------------------------------------

def _unauthorized(status, body, server_text):
    return AuthenticationError("the credentials were refused: %s" % (server_text or "HTTP 401"),
                               status=status, server_message=server_text)


def _forbidden(status, body, server_text):
    if server_text and "scope" in server_text.lower():
        return ScopeError("the token was refused: %s" % server_text, status=status, server_message=server_text)
    return AuthenticationError("access denied: %s" % (server_text or "HTTP 403"), status=status,
                               server_message=server_text,
                               advice="The user may lack the permission for this action in Logpoint.")


def _not_found(status, body, server_text):
    return NotFoundError(server_text or "HTTP 404 not found", status=status, server_message=server_text,
                         advice="Check url; an older Logpoint may not have this API.")


def _invalid(status, body, server_text):
    fields = validation_fields(body) or {}
    summary = "; ".join("%s: %s" % item for item in sorted(fields.items())) or server_text or "HTTP %d" % status
    return ValidationError("the server refused the input: %s" % summary, status=status, fields=fields,
                           server_message=server_text)


def _rate_limited(status, body, server_text):
    return RateLimitError("rate limited (HTTP 429)%s" % _said(server_text), status=status)


_STATUS_ERRORS = {401: _unauthorized, 403: _forbidden, 404: _not_found, 422: _invalid, 429: _rate_limited}


def _said(server_text):
    return ": %s" % server_text if server_text else ""


def _status_error(status, body, server_text):
    """The error a status means, or None for a 2xx/3xx to read on (a 2xx may still be a validation error)."""
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status](status, body, server_text)
    if 200 <= status < 300:
        return _invalid(status, body, server_text) if validation_fields(body) else None
    if 300 <= status < 400:
        return None
    if status >= 500:
        return ServerUnavailableError("HTTP %d%s" % (status, _said(server_text)), status=status,
                                      server_message=server_text)
    return ApiError("HTTP %d%s" % (status, _said(server_text)), status=status, server_message=server_text)


# ---- step 3: refusals inside a successful reply ----------------------------------------------------

def _success_false(status, body, server_text):
    """``{"success": false, "message": ...}`` (Logpoint's classic and JWT APIs)."""
    if body.get("success") in _FALSE:
        return server_text, status
    return None


def _error_with_status_code(status, body, server_text):
    """``{"error": ..., "status_code": 401}`` in a 200 reply."""
    code = body.get("status_code")
    if isinstance(code, int) and code >= 400 and body.get("error"):
        return str(body["error"]), code
    return None


def _failed_status(status, body, server_text):
    """``{"status": "Failed", "message": ...}`` (Director)."""
    if str(body.get("status", "")).lower() in _FAILED:
        return server_text, status
    return None


_REFUSALS = (_success_false, _error_with_status_code, _failed_status)


def _refusal(status, body, server_text):
    """The error of the first refusal convention the body follows, or None."""
    if not isinstance(body, dict):
        return None
    for convention in _REFUSALS:
        found = convention(status, body, server_text)
        if found is not None:
            return _refusal_error(found[0], found[1], body)
    return None


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


# ---- validation fields -----------------------------------------------------------------------------

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


# ---- rows and ids ----------------------------------------------------------------------------------

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
