"""User-defined lists, JWT `/UserDefinedList/*_api` (logpoint-api.md §7.1 and the §18 decisions).

* `GET /UserDefinedList/lists_api` (`search:read`): query `limit` (default 25, at most 100, else
  422), `page` (1-based), `return_all_data`. Rows `{"name", "vid", "list_type", "id"}` in creation
  order, with `total`; with `return_all_data=true` the whole list object, values under `lists`
  unless the `list_values` setting is false (older servers).
* `POST /UserDefinedList/import_api` (`search:write`): multipart/form-data with the list name in
  `package_import_name` and exactly one file, with a filename ending in `.csv` or `.txt`, in
  `package_import`. The file holds one value per line (UTF-8; blank lines and repeats are dropped).
  The name is upper-cased; importing an existing static list replaces its values. Bad input: 422
  `{"validationErrors": {"import": {"<field>": "<text>"}}}` and nothing changes.
"""

import re
import time

import flask

from ..frontends import jwt_required
from ..responses import validation_error
from ..state import current_state

blueprint = flask.Blueprint("lists", __name__)

READ, WRITE = "search:read", "search:write"
PAGE_DEFAULT, PAGE_MAX = 25, 100
SUMMARY_FIELDS = ("name", "vid", "list_type", "id")
NAME_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,98}[A-Za-z0-9]$")
NAME_RULE_TEXT = ("must be 2 to 100 characters: letters, digits, - and _, "
                  "not starting or ending with - or _")
EXTENSIONS = (".csv", ".txt")
NAME_FIELD, FILE_FIELD = "package_import_name", "package_import"
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends of text files, and only those


@blueprint.get("/UserDefinedList/lists_api")
@jwt_required(READ)
def list_lists():
    problems = {}
    limit = _positive_int("limit", PAGE_DEFAULT, PAGE_MAX, problems)
    page = _positive_int("page", 1, None, problems)
    if problems:
        return validation_error({"query": problems})
    full = flask.request.args.get("return_all_data", "false").strip().lower() in ("true", "1")
    sim = current_state()
    with sim.lock:
        lists = list(sim.lists.values())
        rows = [_row(entry, full, sim.settings["list_values"]) for entry in lists[(page - 1) * limit:page * limit]]
        return {"rows": rows, "total": len(lists)}


@blueprint.post("/UserDefinedList/import_api")
@jwt_required(WRITE)
def import_list():
    problems = {}
    name = _checked_name(problems)
    upload = _checked_file(problems)
    values = _file_values(upload, problems) if upload is not None else None
    sim = current_state()
    with sim.lock:
        existing = next((entry for entry in sim.lists.values() if entry["name"] == name), None)
        if existing is not None and existing["list_type"] != "static_list":
            problems[NAME_FIELD] = f"{name} is a {existing['list_type']}; only static lists can be imported"
        if problems:
            return validation_error({"import": problems})
        user = flask.g.user["name"]
        if existing is None:
            existing = _new_static_list(sim, name, user)
            action = "created"
        else:
            action = "updated"
        existing["lists"] = values
        existing["last_updated"] = int(time.time())
        sim.mutated()
        sim.audit(user, action, name, "UserDefinedList")
    return {"success": True, "summary": f"{len(values)} values", "message": f"Static list {name} imported"}


def _row(entry, full, with_values):
    if not full:
        return {field: entry[field] for field in SUMMARY_FIELDS}
    row = {key: (list(value) if isinstance(value, list) else value) for key, value in entry.items()}
    if not with_values:
        del row["lists"]
    return row


def _new_static_list(sim, name, user):
    list_id = sim.new_id24()
    entry = {
        "id": list_id, "name": name, "list_type": "static_list", "lists": [], "age_limit": 0, "user": user,
        "active": True, "hidden": False, "tid": "", "vid": "VID_" + list_id[-4:], "lists_vendor": [],
        "last_updated": 0,
    }
    sim.lists[list_id] = entry
    return entry


def _checked_name(problems):
    name = flask.request.form.get(NAME_FIELD, "").strip()
    if not name:
        problems[NAME_FIELD] = "this field is required"
    elif not NAME_RULE.match(name):
        problems[NAME_FIELD] = f"{name!r} {NAME_RULE_TEXT}"
    return name.upper()


def _checked_file(problems):
    """The one uploaded file, or None with the reason in `problems`."""
    files = flask.request.files
    uploads = [upload for key in files for upload in files.getlist(key)]
    if FILE_FIELD in flask.request.form:
        problems[FILE_FIELD] = "must be uploaded as a file (multipart/form-data with a filename), not as a form field"
    elif len(uploads) > 1:
        problems[FILE_FIELD] = f"one file per request; this request has {len(uploads)}"
    elif FILE_FIELD not in files:
        problems[FILE_FIELD] = "a .csv or .txt file is required"
    elif not uploads[0].filename.lower().endswith(EXTENSIONS):
        problems[FILE_FIELD] = f"{uploads[0].filename!r}: only .csv and .txt files can be imported"
    else:
        return uploads[0]
    return None


def _file_values(upload, problems):
    """The file's values (one per line, trimmed, blank lines and repeats dropped, order kept)."""
    content = upload.read()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        problems[FILE_FIELD] = f"{upload.filename!r} is not a UTF-8 text file"
        return None
    values = list(dict.fromkeys(line.strip() for line in LINE_BREAK.split(text) if line.strip()))
    if not values:
        problems[FILE_FIELD] = f"{upload.filename!r} is empty: it holds no values"
        return None
    return values


def _positive_int(name, default, maximum, problems):
    raw = flask.request.args.get(name)
    if raw is None:
        return default
    number = int(raw) if raw.strip().isdigit() else 0
    if number < 1 or (maximum is not None and number > maximum):
        problems[name] = f"must be an integer from 1 to {maximum}" if maximum else "must be an integer of at least 1"
    return number
