# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distributed Logpoints and their repos (logpoint-api.md §6 and §10.1).

``/Repo/get_all_searchable_logpoint`` (JWT, ``logsource:read``) is the primary source; the classic
``/getalloweddata`` with ``type=logpoint_repos`` serves older Logpoints and users without JWT access.
Both become one flat list of ``{"logpoint", "logpoint_ip", "repo", "address", "active"}``.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.state import normalise_bool

SOURCES = ("repo_api", "getalloweddata")


def _address_ip(address):
    return str(address).split(":", 1)[0].split("/", 1)[0]


def parse_searchable_logpoints(body):
    """Rows of ``get_all_searchable_logpoint`` -> flat repo dicts (``active`` as a real boolean)."""
    repos = []
    rows = body.get("rows", body.get("data", [])) if isinstance(body, dict) else body or []
    for logpoint in rows:
        logpoint_active = normalise_bool(logpoint.get("active", True))
        for repo in logpoint.get("repos", []) or []:
            active = normalise_bool(repo.get("active", True))
            repos.append({
                "logpoint": logpoint.get("li") or logpoint.get("logpoint_name") or logpoint.get("name"),
                "logpoint_ip": logpoint.get("li_ip") or logpoint.get("ip") or _address_ip(repo.get("address", "")),
                "repo": repo.get("repo") or repo.get("name"),
                "address": repo.get("address"),
                "active": bool(active is not False and logpoint_active is not False),
            })
    return repos


def parse_allowed_repos(body):
    """``/getalloweddata`` ``logpoint_repos`` -> flat repo dicts; the Logpoint is matched by IP."""
    names = dict((lp.get("ip"), lp.get("name")) for lp in body.get("logpoint", []) or [])
    repos = []
    for repo in body.get("allowed_repos", []) or []:
        ip = _address_ip(repo.get("address", ""))
        repos.append({
            "logpoint": names.get(ip, ip),
            "logpoint_ip": ip,
            "repo": repo.get("repo"),
            "address": repo.get("address"),
            "active": True,  # this API lists only repos the user may search
        })
    return repos


def list_repos(client, source="repo_api"):
    """Every repo of every Logpoint the user can search, read once per task."""
    if source not in SOURCES:
        raise ConfigError("source: %r is not one of %s" % (source, ", ".join(SOURCES)))

    def load():
        if source == "repo_api":
            return parse_searchable_logpoints(client.call(
                "POST", "/Repo/get_all_searchable_logpoint", auth="jwt", scope="logsource:read", json={}, read=True))
        return parse_allowed_repos(client.call(
            "POST", "/getalloweddata", auth="classic_form", form={"type": "logpoint_repos"}, read=True))
    return client.cached(("repos", source), load)


def _matches(value, pattern):
    return pattern is None or fnmatch.fnmatchcase(str(value), pattern)


def filter_repos(repos, logpoint=None, repo=None, active_only=False):
    """Keep repos whose Logpoint (name or IP) and repo name match the glob patterns given."""
    return [r for r in repos
            if (_matches(r["logpoint"], logpoint) or _matches(r["logpoint_ip"], logpoint))
            and _matches(r["repo"], repo) and (r["active"] or not active_only)]


def resolve_repos(client, values, option="repos"):
    """Repo names (``windows``, ``LogPoint-Primary/windows``) or addresses -> addresses.

    A bare name that exists on several Logpoints resolves to all of them. Unknown names are a
    ConfigError listing the repos that exist.
    """
    repos = list_repos(client)
    addresses = []
    for value in values:
        value = str(value)
        found = [r["address"] for r in repos if value in (r["address"], r["repo"])
                 or value in ("%s/%s" % (r["logpoint"], r["repo"]), "%s/%s" % (r["logpoint_ip"], r["repo"]))]
        if not found:
            known = ", ".join(sorted(set("%s (%s)" % (r["repo"], r["logpoint"]) for r in repos)))
            raise ConfigError("%s: no repo %r on any Logpoint; repos that exist: %s" % (option, value, known))
        addresses.extend(a for a in found if a not in addresses)
    return addresses
