# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logpoint users: names to ids and back (classic ``/get_users``, logpoint-api.md §8)."""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError


def parse_users(body):
    """``/get_users`` body -> ``[{"id", "name", "usergroups": [{"id", "name"}]}]``."""
    users = []
    for row in (body or {}).get("users", []) or []:
        users.append({
            "id": str(row.get("id") or row.get("_id")),
            "name": row.get("name") or row.get("username"),
            "usergroups": [{"id": str(g.get("id")), "name": g.get("name")} for g in row.get("usergroups", []) or []],
        })
    return users


def list_users(client):
    """All users, read once per task."""
    return client.cached("users", lambda: parse_users(client.call("GET", "/get_users", auth="classic_json", json={})))


def resolve_user(client, value, option, users=None):
    """A user name or id -> the user's id. Unknown values are a ConfigError listing the known names.

    ``users`` is a list read elsewhere (Director ``Users``); by default the classic ``/get_users``.
    """
    users = list_users(client) if users is None else users
    for user in users:
        if value == user["name"] or value == user["id"]:
            return user["id"]
    known = ", ".join(sorted(u["name"] for u in users if u["name"]))
    raise ConfigError("%s: no Logpoint user %r; known users are %s" % (option, value, known or "(none)"))


def list_usergroups(client):
    """The user groups ``/get_users`` shows (the groups of every user), each once: ``[{"id", "name"}]``."""
    groups = {}
    for user in list_users(client):
        for group in user["usergroups"]:
            groups.setdefault(group["id"], group)
    return list(groups.values())


def resolve_usergroups(client, values, option):
    """User-group names or ids -> ids. Unknown values are a ConfigError listing the known groups."""
    groups = list_usergroups(client)
    ids = []
    for value in values:
        match = next((g["id"] for g in groups if value in (g["id"], g["name"])), None)
        if match is None:
            known = ", ".join(sorted(g["name"] for g in groups if g["name"]))
            raise ConfigError("%s: no user group %r; known user groups are %s" % (option, value, known or "(none)"))
        ids.append(match)
    return ids


def user_name(client, user_id, users=None):
    """The name of a user id, or the id itself when it is not a known user (``users`` as in resolve_user)."""
    for user in list_users(client) if users is None else users:
        if user["id"] == user_id:
            return user["name"]
    return user_id
