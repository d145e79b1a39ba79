# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-defined lists, JWT API (logpoint-api.md §7.1).

``GET /UserDefinedList/lists_api`` (``search:read``) lists static and dynamic lists; with
``return_all_data=true`` newer servers add each list's values under ``lists``. ``POST
/UserDefinedList/import_api`` (``search:write``) creates or replaces a static list from one uploaded
``.csv`` or ``.txt`` file with one value per line. Logpoint keeps list names upper-cased.

Values are normalised once, while they are written to a temporary file: trimmed, blank lines and
repeats dropped, order kept. The file is what gets uploaded (streamed), and the set of values is
what gets compared, so a large list is held in memory once.
"""

from __future__ import annotations

import contextlib
import fnmatch
import itertools
import os
import re
import tempfile

from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.multipart import MultipartFileBody

LISTS_PATH = "/UserDefinedList/lists_api"
IMPORT_PATH = "/UserDefinedList/import_api"
PAGE_SIZE = 100
EXTENSIONS = (".csv", ".txt")
CONTENT_TYPES = {".csv": "text/csv", ".txt": "text/plain"}
LIST_TYPES = ("static_list", "dynamic_list")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,98}[A-Za-z0-9]$")


def check_list_name(name):
    """The name as Logpoint keeps it (upper case), or a ConfigError stating the rule it breaks."""
    if not _NAME.match(name or ""):
        raise ConfigError("name: %r is not a valid list name; use 2 to 100 characters (letters, digits, - and _), "
                          "not starting or ending with - or _" % name)
    return name.upper()


def check_source_file(path):
    """The extension of a list file (``.csv`` or ``.txt``), or a ConfigError."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in EXTENSIONS:
        raise ConfigError("src: %s must be a .csv or .txt file (one value per line)" % path)
    if not os.path.isfile(path):
        raise ConfigError("src: %s does not exist or is not a file" % path)
    return extension


def read_source_lines(path):
    """The lines of a UTF-8 text file (a leading byte-order mark is dropped), one at a time."""
    try:
        with open(path, encoding="utf-8-sig", newline=None) as handle:
            for number, line in enumerate(handle, 1):
                if "\x00" in line:
                    raise ConfigError("src: %s is not a text file (NUL byte on line %d)" % (path, number))
                yield line
    except UnicodeDecodeError as exc:
        raise ConfigError("src: %s is not a UTF-8 text file (%s)" % (path, exc.reason))
    except OSError as exc:
        raise ConfigError("src: cannot read %s: %s" % (path, exc.strerror))


def check_inline_values(values):
    """Inline values as lines; a value spanning lines would become several values, so it is refused."""
    for index, value in enumerate(values):
        if value is not None and re.search(r"[\r\n]", str(value)):
            raise ConfigError("values: item %d (%r) contains a line break; give one value per item" % (index, value))
        yield "" if value is None else str(value)


@contextlib.contextmanager
def normalised_file(lines, option, suffix):
    """A temporary file holding the values of ``lines``, one per line, and the set of those values.

    Values are trimmed; blank lines and repeats are dropped; the first occurrence keeps its place.
    Yields ``(path, values)``; the file is removed afterwards.
    """
    descriptor, path = tempfile.mkstemp(prefix="logpoint-list-", suffix=suffix)
    try:
        values = set()
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            for line in lines:
                value = line.strip()
                if value and value not in values:
                    values.add(value)
                    handle.write(value + "\n")
        if not values:
            raise ConfigError("%s: no values to import (empty, or only blank lines)" % option)
        yield path, values
    finally:
        os.unlink(path)


def read_values(path):
    """The values of a normalised file, in order."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield line.rstrip("\n")


def compare_values(current, desired, desired_path, sample_size):
    """How the desired values differ from the ``current`` ones (a list, in server order).

    ``desired`` is the set of values, ``desired_path`` the normalised file holding them in order.
    Returns the numbers of values ``added`` and ``removed`` and, as ``values_added`` and
    ``values_removed``, the first ``sample_size`` of each (file order, server order).
    """
    current_set = set(current)
    changes = {"added": 0, "removed": 0, "values_added": [], "values_removed": []}
    if current_set == desired:
        return changes
    changes["added"] = sum(1 for value in desired if value not in current_set)
    changes["removed"] = sum(1 for value in current_set if value not in desired)
    added = (value for value in read_values(desired_path) if value not in current_set)
    changes["values_added"] = list(itertools.islice(added, sample_size))
    for value in current:
        if len(changes["values_removed"]) == sample_size:
            break
        if value not in desired and value not in changes["values_removed"]:
            changes["values_removed"].append(value)
    return changes


def parse_list_row(row):
    """A list row -> ``{"name", "id", "list_type", "vid", "values"}``; ``values`` is None when absent."""
    values = row.get("lists")
    return {
        "name": row.get("name"),
        "id": id_of(row),
        "list_type": row.get("list_type") or row.get("type"),
        "vid": row.get("vid"),
        "values": [str(value) for value in values] if isinstance(values, list) else None,
    }


def list_lists(client, with_values):
    """Every user-defined list, paged at the largest page size; values only when asked for."""
    params = {"return_all_data": "true"} if with_values else None
    rows = client.list_all(LISTS_PATH, scope="search:read", page_size=PAGE_SIZE, params=params)
    return [parse_list_row(row) for row in rows]


def find_list(lists, name):
    """The list called ``name`` (compared upper-cased, as Logpoint keeps names), or None."""
    wanted = name.upper()
    return next((entry for entry in lists if str(entry["name"]).upper() == wanted), None)


def filter_lists(lists, name=None, list_type=None):
    """Lists whose name matches the glob ``name`` (ignoring case) and whose type is ``list_type``."""
    pattern = name.upper() if name else None
    return [entry for entry in lists
            if (pattern is None or fnmatch.fnmatchcase(str(entry["name"]).upper(), pattern))
            and (list_type is None or entry["list_type"] == list_type)]


def import_list(client, name, path, extension):
    """Upload the file at ``path`` as static list ``name`` (one file, streamed); returns the server's body."""
    body = MultipartFileBody({"package_import_name": name}, "package_import", path, name + extension,
                             content_type=CONTENT_TYPES[extension])
    return client.call("POST", IMPORT_PATH, auth="jwt", scope="search:write", body=body, headers=body.headers)
