"""Classic Search API `POST /getsearchlogs` (logpoint-api.md §10.2; audit events are read through it, §11).

Form `username`, `secret_key`, `requestData` (a JSON string). With `query` it starts a search and
answers with its id; with `search_id` (or `searchId`) it polls. The searched rows are the live audit
events (`state.audit_events`) and the rows of `seed_logs` (repo `_logpoint`, and a few Windows events
in repo `windows`); the query language is the one of `query.py`, `IN LIST_NAME` reading the
user-defined lists of the state. A search is answered in `POLLS_TO_FINISH` polls: each poll returns the
rows found so far (cumulative) with a `version` one higher, the last one `final: true`. Searches not
polled for `SEARCH_TTL` seconds, and those the `forget_searches` setting names, are forgotten: a poll
answers `{"success": false, "message": "Forgotten search"}`.

Open questions (profiles.py): `search_default_limit` (a search that sends no `limit` gets at most
that many rows, of any query kind; an explicit `limit` still cuts simple queries only) and
`log_ts_format` (the `log_ts` of result rows as epoch int, float, or text `YYYY/MM/DD HH:MM:SS`, UTC).
"""

import datetime
import json
import math
import re
import time
import uuid

import flask

from .. import seed_logs
from ..frontends import classic_credentials
from ..query import Query, QueryError
from ..responses import success_false
from ..state import current_state

blueprint = flask.Blueprint("search", __name__)

POLLS_TO_FINISH = 2
SEARCH_TTL = 600
FORGOTTEN = "Forgotten search"
_LAST = re.compile(r"^Last\s+(\d+)\s+(minute|hour|day)s?$", re.IGNORECASE)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_DATE_FORMAT = "%Y/%m/%d %H:%M:%S"


@blueprint.post("/getsearchlogs")
@classic_credentials("form")
def search_logs():
    try:
        request = json.loads(flask.request.form.get("requestData", ""))
    except ValueError:
        return success_false("requestData must be a JSON object")
    if not isinstance(request, dict):
        return success_false("requestData must be a JSON object")
    search_id = request.get("search_id") or request.get("searchId")
    if search_id:
        return _poll(str(search_id))
    if "query" in request:
        return _start(request)
    return success_false("requestData needs a query (to start a search) or a search_id (to poll one)")


def _start(request):
    try:
        query = Query(str(request["query"]), lists=_list_values)
        time_range = _time_range(request.get("time_range", "Last 24 hours"))
        repos = _repo_names(request.get("repos", []))
        limit = _limit(request.get("limit"))
    except (QueryError, ValueError) as error:
        return success_false(str(error))
    rows = [row for row in _searchable_rows() if time_range[0] <= row["log_ts"] <= time_range[1]]
    if repos:
        rows = [row for row in rows if row.get("repo_name") in repos]
    matched = [row for row in rows if query.matches(row)]
    found = query.apply(matched)
    sim = current_state()
    if query.kind == "simple" and limit:
        found = found[:limit]
    elif limit is None and sim.settings["search_default_limit"] is not None:
        found = found[:sim.settings["search_default_limit"]]
    search_id = str(uuid.uuid4())
    with sim.lock:
        _forget_idle(sim)
        if sim.settings["forget_searches"] > 0:
            sim.settings["forget_searches"] -= 1
        else:
            sim.searches[search_id] = {
                "kind": query.kind, "grouping": query.grouping, "time_range": time_range, "rows": found,
                "matched": len(matched), "polls": 0,
                "started": time.time(), "last_seen": time.time(),
            }
    return {
        "search_id": search_id, "client_type": "UI", "query_filter": "", "latest": False, "lookup": False,
        "query_type": query.kind, "time_range": time_range, "searchId": search_id, "clientType": "UI",
        "success": True,
    }


def _poll(search_id):
    sim = current_state()
    with sim.lock:
        _forget_idle(sim)
        search = sim.searches.get(search_id)
        if search is None:
            return success_false(FORGOTTEN)
        search["polls"] = min(search["polls"] + 1, POLLS_TO_FINISH)
        search["last_seen"] = time.time()
        final = search["polls"] == POLLS_TO_FINISH
        shown = search["rows"][:math.ceil(len(search["rows"]) * search["polls"] / POLLS_TO_FINISH)]
        shown = [_with_log_ts(row, sim.settings["log_ts_format"]) for row in shown]
        common = {
            "version": search["polls"], "interesting_fields": [], "time_range": search["time_range"],
            "orig_search_id": search_id, "success": True, "final": final, "totalPages": 1, "complete": final,
            "showAdditionalPanels": True,
        }
        if search["kind"] == "chart":
            return {"num_aggregated": search["matched"], "columns": ["count()"], "query_type": "chart",
                    "rows": shown, "grouping": search["grouping"], **common}
        return {"estim_count": search["matched"], "fields": _field_names(shown), "next_starts": {},
                "elapsed_seconds": round(time.time() - search["started"], 3),
                "status": "finished" if final else "searching", "query_type": "simple", "rows": shown, **common}


def _with_log_ts(row, style):
    """A copy of `row` with its log_ts as the log_ts_format setting shows it (rows store epoch ints)."""
    row = dict(row)
    if isinstance(row.get("log_ts"), int) and style != "int":
        if style == "float":
            row["log_ts"] = float(row["log_ts"])
        else:
            moment = datetime.datetime.fromtimestamp(row["log_ts"], tz=datetime.timezone.utc)
            row["log_ts"] = moment.strftime(_DATE_FORMAT)
    return row


def _list_values(name):
    """The values of the user-defined list `name` (names are upper-cased), or None."""
    sim = current_state()
    with sim.lock:
        found = next((entry for entry in sim.lists.values() if entry["name"] == str(name).upper()), None)
        return list(found["lists"]) if found else None


def _searchable_rows():
    sim = current_state()
    with sim.lock:
        live = list(sim.audit_events)
    return sorted(live + seed_logs.seeded_rows(time.time()), key=lambda row: row["log_ts"], reverse=True)


def _forget_idle(sim):
    expired = [key for key, search in sim.searches.items() if time.time() - search["last_seen"] > SEARCH_TTL]
    for key in expired:
        del sim.searches[key]


def _field_names(rows):
    return list(dict.fromkeys(key for row in rows for key in row if not key.startswith("_")))


def _time_range(value):
    """`[from, to]` epoch seconds, "Last N minutes|hours|days" or "YYYY/MM/DD HH:MM:SS To ..."."""
    now = int(time.time())
    if isinstance(value, list) and len(value) == 2 and all(_is_number(item) for item in value):
        start, end = int(value[0]), int(value[1])
    elif isinstance(value, str) and _LAST.match(value.strip()):
        amount, unit = _LAST.match(value.strip()).groups()
        start, end = now - int(amount) * _UNIT_SECONDS[unit.lower()], now
    elif isinstance(value, str) and " To " in value:
        start, end = (_parse_date(part) for part in value.split(" To ", 1))
    else:
        raise ValueError(f"Invalid time_range {value!r}")
    if start > end:
        raise ValueError(f"Invalid time_range: start {start} is after end {end}")
    return [start, end]


def _parse_date(text):
    try:
        moment = datetime.datetime.strptime(text.strip(), _DATE_FORMAT)
    except ValueError:
        raise ValueError(f"Invalid time_range date {text.strip()!r}; expected {_DATE_FORMAT}") from None
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())


def _repo_names(value):
    """The repo names a `repos` value selects ("ip:5504/name" or "ip:5504"); empty means all."""
    entries = [item.strip() for item in value.split(",")] if isinstance(value, str) else value
    if not isinstance(entries, list):
        raise ValueError("repos must be a list of repo addresses")
    names = set()
    sim = current_state()
    for entry in filter(None, entries):
        address, _slash, name = str(entry).partition("/")
        logpoint = next((lp for lp in sim.logpoints if address.split(":")[0] == lp["ip"]), None)
        if logpoint is None or (name and name not in [repo["name"] for repo in logpoint["repos"]]):
            raise ValueError(f"Repo {entry!r} is not allowed for this user")
        names.update([name] if name else [repo["name"] for repo in logpoint["repos"]])
    return names


def _limit(value):
    if value in (None, ""):
        return None
    if not _is_number(value) or value < 0:
        raise ValueError(f"Invalid limit {value!r}")
    return int(value)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
