# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers read the bodies captured from real Logpoint servers (tests/fixtures/real-responses/)."""
from __future__ import annotations

import os

from ansible_collections.logpoint.siem.plugins.module_utils.api.repos import (
    filter_repos, parse_allowed_repos, parse_searchable_logpoints)
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import parse_users
from ansible_collections.logpoint.siem.plugins.module_utils._response import interpret_response

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "real-responses"))


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        text = handle.read()
    return interpret_response(200, text, "application/json")


def test_get_users():
    users = parse_users(load("get_users.json"))
    assert [u["name"] for u in users] == ["admin", "testadmin", "test"]
    assert users[0] == {"id": "5bebd9fdd8aaa42840edc853", "name": "admin",
                        "usergroups": [{"id": "5bebd9fdd8aaa42840edc84f", "name": "LogPoint Administrator"}]}


def test_getalloweddata_logpoint_repos():
    repos = parse_allowed_repos(load("getalloweddata_logpoint_repos.json"))
    assert repos == [
        {"logpoint": "LogPoint", "logpoint_ip": "127.0.0.1", "repo": "default",
         "address": "127.0.0.1:5504/default", "active": True},
        {"logpoint": "LogPoint", "logpoint_ip": "127.0.0.1", "repo": "_logpoint",
         "address": "127.0.0.1:5504/_logpoint", "active": True},
    ]


def test_searchable_logpoints_make_active_a_real_boolean():
    body = {"rows": [
        {"li": "LP1", "li_ip": "192.0.2.10", "active": True, "repos": [
            {"repo": "default", "address": "192.0.2.10:5504/default", "active": "True"},
            {"repo": "old", "address": "192.0.2.10:5504/old", "active": "False"}]},
        {"li": "LP2", "li_ip": "192.0.2.20", "active": False, "repos": [
            {"repo": "default", "address": "192.0.2.20:5504/default", "active": "True"}]},
    ]}
    repos = parse_searchable_logpoints(body)
    assert [(r["logpoint"], r["repo"], r["active"]) for r in repos] == [
        ("LP1", "default", True), ("LP1", "old", False), ("LP2", "default", False)]
    assert [r["address"] for r in filter_repos(repos, logpoint="LP1", active_only=True)] == ["192.0.2.10:5504/default"]
    assert [r["logpoint"] for r in filter_repos(repos, logpoint="192.0.2.2*")] == ["LP2"]
    assert [r["repo"] for r in filter_repos(repos, repo="o*")] == ["old"]
