# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logpoint's audit trail (logpoint-api.md §11) and the audit entry both audit sources return.

Logpoint has no audit endpoint: audit records are logs in repo ``_logpoint``, read with the search
queries Logpoint documents per category. ``audit_query`` builds them from structured options - the
documented queries with every ``OR`` parenthesised (so the query means the same whatever precedence
a version gives ``OR``) and ``repo_name``/``source_address`` added to the fields - and
``logpoint_audit`` runs one search per category, concurrently, through ``api/search.py``.

Every entry, from Logpoint or LogicMonitor, has the keys of ``ENTRY_FIELDS`` (null where a source
has no such value). ``time`` is epoch seconds whatever form the row's ``log_ts`` has (epoch int,
float, or UTC text such as ``2020/07/15 08:38:20``), null when it is unreadable.

Every search sends a ``limit``: a server cuts a search that sends none at its own default (100 on
some, logpoint-api.md §19.11) without saying so. When a search comes back with as many rows as it
asked for, or fewer than it says it found, entries of the window may be missing and the client's
``warn`` says which category and what to do (``search_warning``).
"""

from __future__ import annotations

import re

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import fan_out
from ansible_collections.logpoint.siem.plugins.module_utils.api.search import run_search, search_request
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc, log_time, parse_instant, shown

ENTRY_FIELDS = ("time", "user", "action", "object", "type", "description", "source_address", "repo", "category",
                "id", "session_id", "source", "raw")
_AUDIT_FIELDS = "log_ts, user, object, type, action, source_address, repo_name"
CATEGORY_QUERIES = {
    "user_management": ("-label=LPSearch label=Logpoint (label=User OR (label=User label=Management)) object=*",
                        "| latest by object, action | fields " + _AUDIT_FIELDS),
    "authentication": ("-label=LPSearch label=Logpoint label=Authentication user=*",
                       "| fields " + _AUDIT_FIELDS),
    "configuration": ("-label=LPSearch label=Logpoint label=Configuration "
                      "(label=Change OR label=Add OR label=Delete OR label=Install OR label=Mount)",
                      "| chart count() by " + _AUDIT_FIELDS),
    "trusted_channel": ("-label=LPSearch label=Logpoint ((label=Remote label=Connection) OR "
                        "(label=DLP (label=Connect OR label=Disconnect OR label=Initialize)))",
                        "| chart count() by " + _AUDIT_FIELDS),
    "system": ("label=Logpoint label=Harddisk use=*",
               "| fields log_ts, use, mount_point, device_name, msg, repo_name"),
}
ACTION_CATEGORIES = ("user_management", "authentication", "configuration", "trusted_channel")
SYSTEM_ACTION = "disk_usage"  # disk usage rows have no action of their own
# The limit a search sends when every row of the window is wanted (no limit, or the oldest entries first).
ALL_ROWS = 100000
_PLAIN_VALUE = re.compile(r"^[\w.@*:/-]+$")


# Bounds of the audit_logs options (stated in the lookup's documentation).
MAX_LIMIT = ALL_ROWS
MAX_SEARCH_TIMEOUT = 3600
MAX_FILTER_LENGTH = 1000


def check_options(options):
    """The audit_logs options within their documented ranges, before any request; a ConfigError names the option.

    ``limit`` is 0 (every entry of the window) or 1 to ``MAX_LIMIT``: a negative limit would silently
    drop entries from the end. ``search_timeout`` is 1 to ``MAX_SEARCH_TIMEOUT`` seconds; filter texts
    at most ``MAX_FILTER_LENGTH`` characters.
    """
    limit = options.get("limit")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ConfigError("limit: %s must be a whole number from 1 to %d, or 0 for every entry of the window (a "
                          "negative limit would silently drop entries)" % (shown(limit), MAX_LIMIT))
    timeout = options.get("search_timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= MAX_SEARCH_TIMEOUT:
        raise ConfigError("search_timeout: %s must be a whole number of seconds from 1 to %d"
                          % (shown(timeout), MAX_SEARCH_TIMEOUT))
    for option in ("user", "action", "keyword"):
        value = options.get(option)
        if value is not None and len(str(value)) > MAX_FILTER_LENGTH:
            raise ConfigError("%s: %d characters; at most %d" % (option, len(str(value)), MAX_FILTER_LENGTH))
        if value is not None:
            checked_text(option, value)


def time_window(since, until, now):
    """``(start, end)`` epoch seconds from two instants (epoch, ISO 8601, relative ``24h``)."""
    try:
        start = int(parse_instant(since, now=now, option="since"))
        end = int(parse_instant(until, now=now, option="until"))
    except ValueError as exc:
        raise ConfigError(str(exc))
    if start >= end:
        raise ConfigError("since (%s) must be before until (%s)" % (iso_utc(start), iso_utc(end)))
    return start, end


def checked_text(option, value):
    """A user-supplied filter text that cannot break out of a query or filter expression."""
    text = str(value)
    if not text or re.search(r'["\\\x00-\x1f\x7f]', text):
        raise ConfigError("%s: %s must be non-empty, without double quotes, backslashes, line breaks or other "
                          "control characters" % (option, shown(value)))
    return text


def query_value(option, value):
    """A filter value for a search query: bare when it is one word (``*`` wildcards kept), else quoted."""
    text = checked_text(option, value)
    return text if _PLAIN_VALUE.match(text) else '"%s"' % text


def audit_query(category, user=None, action=None, keyword=None):
    """The search query for one audit category, narrowed by user, action and a keyword."""
    filters, pipeline = CATEGORY_QUERIES[category]
    terms = [filters]
    if user:
        terms.append("user=" + query_value("user", user))
    if action:
        terms.append("action=" + query_value("action", action))
    if keyword:
        terms.append('"%s"' % checked_text("keyword", keyword))
    return " ".join(terms) + " " + pipeline


def logpoint_entry(row, category):
    """A search row of an audit query -> an audit entry."""
    return {
        "time": log_time(row.get("log_ts")),
        "user": row.get("user"),
        "action": row.get("action") or (SYSTEM_ACTION if category == "system" else None),
        "object": row.get("object"),
        "type": row.get("type"),
        "description": row.get("msg"),
        "source_address": row.get("source_address"),
        "repo": row.get("repo_name"),
        "category": category,
        "id": None,
        "session_id": None,
        "source": "logpoint",
        "raw": row,
    }


def logpoint_audit(client, *, categories, window, user=None, action=None, keyword=None, limit=None,
                   newest_first=True, deadline=120):
    """Audit entries of the given categories in ``window``, one search per category, run concurrently.

    Each search sends ``limit`` when the newest entries are wanted (the server keeps the first rows,
    the newest), else ``ALL_ROWS``; a search that may have dropped entries is reported with
    ``client.warn`` (see ``search_warning``).
    """
    sent = limit if limit and newest_first else ALL_ROWS

    def search(category):
        request = search_request(audit_query(category, user, action, keyword), window, limit=sent, timeout=deadline)
        result = run_search(client, request, deadline=deadline)
        warning = search_warning(category, result, sent, wanted=limit if newest_first else None)
        if warning:
            client.warn(warning)
        return [logpoint_entry(row, category) for row in result["rows"]]

    return [entry for entries in fan_out(search, categories, max_concurrency=len(categories)) for entry in entries]


def search_warning(category, result, sent, wanted=None):
    """What a finished search may have dropped, in words, or None when it returned every row asked for.

    ``sent`` is the limit the search sent, ``wanted`` how many entries the caller keeps (None: all):
    rows up to ``wanted`` are all a caller needs, so reaching it drops nothing.
    """
    rows = len(result["rows"])
    if wanted and rows >= wanted:
        return None
    advice = "narrow the time window (since, until) or filter by user, action or keyword"
    if rows >= sent:
        return ("audit category %s: the search returned %d rows, the most it asks for, so older entries of the "
                "window may be missing; %s" % (category, rows, advice))
    if result.get("matched") is not None and result["matched"] > rows:
        return ("audit category %s: the Logpoint found %d entries but returned %d, so %d are missing; %s"
                % (category, result["matched"], rows, result["matched"] - rows, advice))
    return None


def finish_entries(entries, *, newest_first=True, limit=None, fields=None):
    """Sorted by time (stable; entries without a time last), cut to ``limit`` (0 or None: all), reduced to
    ``fields`` when given."""
    entries = sorted((entry for entry in entries if entry["time"] is not None), key=lambda entry: entry["time"],
                     reverse=newest_first) + [entry for entry in entries if entry["time"] is None]
    if limit:
        entries = entries[:limit]
    if fields:
        entries = [dict((field, entry[field]) for field in fields) for entry in entries]
    return entries
