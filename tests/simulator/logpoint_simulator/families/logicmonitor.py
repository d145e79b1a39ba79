"""LogicMonitor audit ("access") logs `/santaba/rest/setting/accesslogs` (logpoint-api.md §12).

Served on the simulator's own base URL, so a client's `lm_url` is the simulator URL.

* Auth: `LMv1 <id>:<signature>:<epoch ms>`, the signature being base64 of the lower-case hex
  HMAC-SHA256 of verb + epoch + body + resource path (after `/santaba/rest`, no query string), with
  the timestamp within 30 minutes of the server's clock; or `Bearer <token>` (API v3 only).
  Fixed credentials: `seed_logicmonitor.ACCESS_ID`, `ACCESS_KEY`, `BEARER_TOKEN`.
* Version: v1 envelope `{"status": 200, "errmsg": "OK", "data": {...}}` (errors with HTTP 200 and the
  error in `status`/`errmsg`) unless `X-Version: 3` (or `?v=3`, or 2): the bare data object and real
  HTTP statuses, errors as `{"errorMessage", "errorCode", "errorDetail"}`.
* Query: `size` (default 50, at most 1000), `offset`, `sort` (`[+|-]happenedOn|username|sessionId`,
  default `-happenedOn`), `fields`, `filter`. v1 filters: `_all~*keyword*`, `happenedOn>:<epoch>`,
  `happenedOn<:<epoch>`, comma = AND. v3 basic filters: `field<op>value` with `:` `!:` `~` `!~` `>`
  `<` `>:` `<:`, values optionally in double quotes, `|` between alternative values, comma = AND,
  `||` = OR between groups of clauses. A v3 filter is URL-decoded once more after the query string,
  and a backslash escapes the next character of a value (`\\(`): LogicMonitor wants `( ) $ & # [ ]`
  sent so (logpoint-api.md §19.8), and a v3 value with one of them unescaped is refused (400).
* Rate limiting (setting `lm_rate_limit`: requests per `RATE_WINDOW` seconds): 429 with
  `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining`, `X-Rate-Limit-Window` and `Retry-After`.
* Open questions (profiles.py): `lm_page_cap` (a page silently holds at most that many items,
  whatever `size` asks; `total` stays the full count) and `lm_offset_limit` (`offset + size` above it
  is an error, as the result depth of the real API is limited).
"""

import base64
import hashlib
import hmac
import math
import re
import time
import urllib.parse

import flask

from ..seed_logicmonitor import ACCESS_ID, ACCESS_KEY, BEARER_TOKEN
from ..state import current_state

blueprint = flask.Blueprint("logicmonitor", __name__, url_prefix="/santaba/rest")

PREFIX = "/santaba/rest"
SIZE_DEFAULT, SIZE_MAX = 50, 1000
CLOCK_WINDOW_MS = 30 * 60 * 1000
RATE_WINDOW = 2
ENTRY_FIELDS = ("id", "username", "happenedOn", "happenedOnLocal", "ip", "sessionId", "description")
SORTABLE = ("happenedOn", "username", "sessionId")
_CLAUSE = re.compile(r"^(?P<field>[A-Za-z_]+)(?P<op>>:|<:|!:|!~|:|~|>|<)(?P<value>.+)$")
_V1_CLAUSE = re.compile(r"^(_all~\*[^*]+\*|happenedOn[><]:\d+)$")
_UNESCAPED_RESERVED = re.compile(r"(?<!\\)[()$&#\[\]]")


class LMError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@blueprint.get("/setting/accesslogs")
def access_logs():
    return _answer(_list_entries)


@blueprint.get("/setting/accesslogs/<entry_id>")
def access_log(entry_id):
    return _answer(lambda: _one_entry(entry_id))


def _answer(read):
    version = 3 if _requested_version() >= 2 else 1
    limited = _rate_limit()
    if limited:
        return limited
    try:
        _authenticate(version)
        data = read()
    except LMError as error:
        if version == 1:
            return flask.jsonify({"status": error.code, "errmsg": error.message, "data": None})
        body = {"errorMessage": error.message, "errorCode": error.code, "errorDetail": None}
        return flask.jsonify(body), error.status
    body = data if version == 3 else {"status": 200, "errmsg": "OK", "data": data}
    return flask.jsonify(body), 200, _rate_headers()


def _requested_version():
    raw = flask.request.headers.get("X-Version") or flask.request.args.get("v") or "1"
    return int(raw) if raw.strip().isdigit() else 1


def _authenticate(version):
    scheme, _space, credentials = flask.request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        if version < 2:
            raise LMError(401, 1401, "Bearer tokens need API v3: send X-Version: 3")
        if not hmac.compare_digest(credentials.strip().encode(), BEARER_TOKEN.encode()):
            raise LMError(401, 1401, "Authentication failed: invalid bearer token")
        return
    if scheme != "LMv1":
        raise LMError(401, 1401, "Authentication failed: send an LMv1 signature or a bearer token")
    access_id, signature, epoch = (credentials.split(":") + ["", "", ""])[:3]
    if access_id != ACCESS_ID:
        raise LMError(401, 1401, "Authentication failed: unknown access id")
    if not epoch.isdigit() or abs(time.time() * 1000 - int(epoch)) > CLOCK_WINDOW_MS:
        raise LMError(401, 1401, "Authentication failed: the timestamp is more than 30 minutes off the server's clock")
    resource_path = flask.request.path[len(PREFIX):]
    request_vars = flask.request.method + epoch + flask.request.get_data(as_text=True) + resource_path
    digest = hmac.new(ACCESS_KEY.encode(), request_vars.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(base64.b64encode(digest.encode()).decode(), signature):
        raise LMError(401, 1401, "Authentication failed: signature mismatch")


def _rate_limit():
    """A 429 response when the `lm_rate_limit` budget of the current window is spent, else None."""
    sim = current_state()
    with sim.lock:
        limit = sim.settings["lm_rate_limit"]
        if limit is None:
            return None
        window = sim.lm_rate_window
        now = time.time()
        if window["start"] is None or now - window["start"] >= RATE_WINDOW:
            window.update(start=now, used=0)
        window["used"] += 1
        if window["used"] <= limit:
            return None
        wait = max(1, math.ceil(window["start"] + RATE_WINDOW - now))
    body = {"errorMessage": "Too many requests, retry later", "errorCode": 1429, "errorDetail": None}
    return flask.jsonify(body), 429, {**_rate_headers(), "Retry-After": str(wait)}


def _rate_headers():
    sim = current_state()
    with sim.lock:
        limit = sim.settings["lm_rate_limit"]
        if limit is None:
            return {}
        remaining = max(0, limit - sim.lm_rate_window["used"])
    return {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Window": str(RATE_WINDOW)}


def _list_entries():
    args = flask.request.args
    size = _bounded_int(args.get("size"), SIZE_DEFAULT, 1, SIZE_MAX, "size")
    offset = _bounded_int(args.get("offset"), 0, 0, None, "offset")
    matches = _filter(args.get("filter", ""), _requested_version() >= 2)
    with current_state().lock:
        settings = current_state().settings
        depth, cap = settings["lm_offset_limit"], settings["lm_page_cap"]
        entries = [entry for entry in current_state().lm_entries if matches(entry)]
    if depth is not None and offset + size > depth:
        raise LMError(400, 1400, f"offset + size must not exceed {depth} (offset {offset}, size {size}); "
                                 "narrow the filter instead of paging deeper")
    if cap is not None:
        size = min(size, cap)  # silently: nothing in the answer says the page was cut
    entries = _sorted(entries, args.get("sort", "-happenedOn"))
    fields = [field for field in args.get("fields", "").split(",") if field in ENTRY_FIELDS]
    items = [_project(entry, fields) for entry in entries[offset:offset + size]]
    return {"total": len(entries), "items": items, "searchId": None}


def _one_entry(entry_id):
    with current_state().lock:
        entry = next((entry for entry in current_state().lm_entries if entry["id"] == entry_id), None)
    if entry is None:
        raise LMError(404, 1404, f"No such access log entry: {entry_id}")
    return dict(entry)


def _project(entry, fields):
    return {field: entry[field] for field in fields} if fields else dict(entry)


def _sorted(entries, sort):
    match = re.fullmatch(r"([+-]?)(\w+)", sort.strip())
    if not match or match.group(2) not in SORTABLE:
        raise LMError(400, 1400, f"sort {sort!r}: sortable properties are {', '.join(SORTABLE)}")
    return sorted(entries, key=lambda entry: entry[match.group(2)], reverse=match.group(1) == "-")


def _bounded_int(raw, default, low, high, name):
    if raw is None:
        return default
    value = int(raw) if raw.strip().isdigit() else -1
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise LMError(400, 1400, f"{name} must be an integer {bound}")
    return value


def _filter(text, v3):
    """A predicate for the `filter` parameter; LMError for a filter outside the version's syntax."""
    groups = []
    if v3:
        text = urllib.parse.unquote(text)  # the second decoding LogicMonitor applies to v3 filters
    for group_text in (_split(text, "||") if v3 else [text]):
        clauses = [clause for clause in _split(group_text, ",") if clause]
        for clause in clauses:
            if not v3 and not _V1_CLAUSE.match(clause):
                raise LMError(400, 1400, f"filter {clause!r} is not supported for access logs in API v1; use "
                                         "_all~*keyword* or happenedOn>:<epoch> / happenedOn<:<epoch>")
        groups.append([_clause(clause, v3) for clause in clauses])
    return lambda entry: not groups or any(all(test(entry) for test in group) for group in groups)


def _split(text, separator):
    """Split on `separator` outside double quotes."""
    parts, current, quoted, index = [], "", False, 0
    while index < len(text):
        if text[index] == '"':
            quoted = not quoted
        if not quoted and text.startswith(separator, index):
            parts.append(current.strip())
            current, index = "", index + len(separator)
            continue
        current += text[index]
        index += 1
    parts.append(current.strip())
    return parts


def _clause(clause, v3=True):
    match = _CLAUSE.match(clause)
    if not match or (match.group("field") not in ENTRY_FIELDS and match.group("field") != "_all"):
        raise LMError(400, 1400, f"filter {clause!r}: expected <property><operator><value> on one of "
                                 f"{', '.join(ENTRY_FIELDS)} or _all")
    field, operator = match.group("field"), match.group("op")
    raw = match.group("value").strip()
    if v3 and _UNESCAPED_RESERVED.search(raw):
        raise LMError(400, 1400, f"filter {clause!r}: escape ( ) $ & # [ ] in values with a backslash")
    values = [re.sub(r"\\(.)", r"\1", value.strip('"'))
              for value in (raw[1:-1].split("|") if raw.startswith('"') else raw.split("|"))]
    negate = operator.startswith("!")
    compare = _COMPARE[operator.lstrip("!")]

    def test(entry):
        candidates = [entry[key] for key in ENTRY_FIELDS] if field == "_all" else [entry[field]]
        hit = any(compare(candidate, value) for candidate in candidates for value in values)
        return not hit if negate else hit

    return test


def _contains(candidate, value):
    return value.strip("*").lower() in str(candidate).lower()


def _ordered(operator):
    def compare(candidate, value):
        if isinstance(candidate, int):
            if not value.lstrip("-").isdigit():
                raise LMError(400, 1400, f"{value!r} is not a number")
            return operator(candidate, int(value))
        return operator(str(candidate), value)
    return compare


_COMPARE = {
    ":": lambda candidate, value: str(candidate).lower() == value.lower(),
    "~": _contains,
    ">": _ordered(lambda a, b: a > b),
    "<": _ordered(lambda a, b: a < b),
    ">:": _ordered(lambda a, b: a >= b),
    "<:": _ordered(lambda a, b: a <= b),
}
