# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""static_list and static_list_info against the simulator, in-process: converge, idempotency, check, diff, bad input."""
from __future__ import annotations

import json

import jwt
import pytest

LISTING = "GET /UserDefinedList/lists_api"
IMPORT = "POST /UserDefinedList/import_api"
SEEDED = ["KNOWN_SCANNERS", "VIP_USERS", "RECENT_FAILED_LOGONS"]
ADMIN_KEY = "simulator-admin-secret-0123456789"
JWT_HS256_HEADER_PREFIX = "eyJhbGciOiJIUzI1NiIs"


def server_lists(sim):
    return {entry["name"]: entry for entry in sim.state()["lists"].values()}


def test_create_then_nothing_to_do(call_module, sim):
    values = [" 192.0.2.66", "198.51.100.23", "", "192.0.2.66"]
    created = call_module("static_list", {"name": "malicious_ips", "values": values})
    assert created.changed and not created.failed, created
    assert {k: created.result[k] for k in ("name", "count", "added", "removed", "verified", "list_type")} == {
        "name": "MALICIOUS_IPS", "count": 2, "added": 2, "removed": 0, "verified": True, "list_type": "static_list"}
    stored = server_lists(sim)["MALICIOUS_IPS"]
    assert stored["lists"] == ["192.0.2.66", "198.51.100.23"] and stored["list_type"] == "static_list"
    assert (sim.count(LISTING), sim.count(IMPORT)) == (1, 1)

    sim.clear_requests()
    again = call_module("static_list", {"name": "Malicious_IPs", "values": ["198.51.100.23", "192.0.2.66"]})
    assert not again.changed and not again.failed, again
    assert again.result["id"] == stored["id"]
    assert (sim.count(LISTING), sim.count(IMPORT)) == (1, 0)


def test_new_values_replace_the_old_ones_with_a_counted_diff(call_module, sim):
    values = ["192.0.2.%d" % n for n in range(1, 31)]
    call_module("static_list", {"name": "bad_ips", "values": values})
    new_values = values[5:] + ["203.0.113.%d" % n for n in range(1, 26)]
    changed = call_module("static_list", {"name": "bad_ips", "values": new_values}, diff=True)
    assert changed.changed and (changed.result["added"], changed.result["removed"]) == (25, 5)
    assert changed.diff["before"] == {"name": "BAD_IPS", "count": 30, "removed": 5, "values_removed": values[:5]}
    assert changed.diff["after"]["added"] == 25 and len(changed.diff["after"]["values_added"]) == 20
    assert "203.0.113.1\"" in changed.stdout and "203.0.113.25\"" not in changed.stdout  # counted, not dumped
    assert len(server_lists(sim)["BAD_IPS"]["lists"]) == 50


def test_check_mode_reports_the_change_and_writes_nothing(call_module, sim):
    before = sim.state()
    checked = call_module("static_list", {"name": "bad_ips", "values": ["192.0.2.1"]}, check=True, diff=True)
    assert checked.changed and checked.diff["after"]["values_added"] == ["192.0.2.1"]
    assert checked.diff["before"] == {}
    after = sim.state()
    assert (after["lists"], after["generation"]) == (before["lists"], before["generation"])
    assert sim.count(IMPORT) == 0


@pytest.mark.parametrize(("overwrite", "changed", "imports"), [("always", True, 1), ("never", False, 0)])
def test_without_list_values_the_module_says_so_and_follows_overwrite(call_module, sim, overwrite, changed,
                                                                      imports):
    call_module("static_list", {"name": "bad_ips", "values": ["192.0.2.1"]})
    sim.settings(list_values=False)
    sim.clear_requests()
    result = call_module("static_list", {"name": "bad_ips", "values": ["192.0.2.1"], "overwrite": overwrite})
    assert not result.failed and result.changed is changed
    assert result.result["verified"] is False and result.result["added"] is None
    assert any("cannot be compared" in warning for warning in result.warnings)
    assert sim.count(IMPORT) == imports


def bad_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


BAD_INPUTS = [
    ("name too short", {"name": "x", "values": ["a"]}, "2 to 100 characters"),
    ("name too long", {"name": "a" * 101, "values": ["a"]}, "2 to 100 characters"),
    ("name starting with _", {"name": "_bad", "values": ["a"]}, "not starting or ending with - or _"),
    ("name with a space", {"name": "bad ips", "values": ["a"]}, "letters, digits, - and _"),
    ("both values and src", {"name": "ok_name", "values": ["a"], "src": "FILE:a.txt:a\n"}, "mutually exclusive"),
    ("neither values nor src", {"name": "ok_name"}, "one of the following is required: values, src"),
    ("only blank values", {"name": "ok_name", "values": ["", "  "]}, "values: no values to import"),
    ("a value with a line break", {"name": "ok_name", "values": ["a\nb"]}, "contains a line break"),
    ("empty file", {"name": "ok_name", "src": "FILE:empty.txt:"}, "src: no values to import"),
    ("binary file", {"name": "ok_name", "src": "FILE:image.csv:\x89PNG\r\n\x1a\n\x00\x00"}, "is not a"),
    ("wrong extension", {"name": "ok_name", "src": "FILE:feed.xlsx:a\n"}, "must be a .csv or .txt file"),
    # through Ansible the action plugin names a missing file first (ansible/test_ansible_plugins.py)
    ("missing file", {"name": "ok_name", "src": "/nonexistent/feed.txt"},
     "src: /nonexistent/feed.txt does not exist or is not a file"),
    ("name of a dynamic list", {"name": "recent_failed_logons", "values": ["a"]}, "is a dynamic_list"),
    ("unknown overwrite", {"name": "ok_name", "values": ["a"], "overwrite": "sometimes"}, "overwrite must be one of"),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_a_clear_message_and_nothing_is_written(call_module, sim, tmp_path, case, args, message):
    args = dict(args)
    if str(args.get("src", "")).startswith("FILE:"):
        _prefix, name, content = args["src"].split(":", 2)
        args["src"] = bad_file(tmp_path, name, content.encode("latin-1"))
    before = sim.state()
    result = call_module("static_list", args)
    assert result.failed and message in result.msg, (case, result.msg)
    assert sim.count(IMPORT) == 0
    after = sim.state()
    assert (after["lists"], after["generation"]) == (before["lists"], before["generation"])


def test_a_token_without_search_write_is_refused_before_the_upload(call_module, sim):
    token = call_module("token", {"scopes": ["search:read"]}).result["token"]
    result = call_module("static_list", {"name": "bad_ips", "values": ["a"]},
                         env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})
    assert result.failed and "carries the scopes search:read, but this task needs search:write" in result.msg
    assert sim.count(IMPORT) == 0 and "BAD_IPS" not in server_lists(sim)


def test_no_secret_or_token_in_the_module_output(call_module, sim):
    result = call_module("static_list", {"name": "bad_ips", "values": ["a"]}, diff=True)
    assert not result.failed, result
    result.assert_no_secrets()
    assert JWT_HS256_HEADER_PREFIX not in result.output


def test_info_lists_static_and_dynamic_lists_with_filters(call_module, sim):
    call_module("static_list", {"name": "bad_ips", "values": ["192.0.2.1"]})
    everything = call_module("static_list_info", {"include_values": False}).result["lists"]
    assert [entry["name"] for entry in everything] == SEEDED + ["BAD_IPS"]
    assert set(everything[0]) == {"name", "id", "list_type", "vid"}
    dynamic = call_module("static_list_info", {"list_type": "dynamic_list"}).result["lists"]
    assert [entry["name"] for entry in dynamic] == ["RECENT_FAILED_LOGONS"]
    with_values = call_module("static_list_info", {"name": "bad_*", "include_values": True}).result["lists"]
    assert [(entry["name"], entry["values"]) for entry in with_values] == [("BAD_IPS", ["192.0.2.1"])]
    sim.settings(list_values=False)
    assert call_module("static_list_info", {"name": "BAD_IPS", "include_values": True}).result["lists"][0][
        "values"] is None


def test_info_reads_every_page_at_the_largest_size(call_module, sim):
    token = jwt.encode({"iss": "self-signed", "sub": "admin", "exp": 4102444800, "scope": "search:write"}, ADMIN_KEY,
                       "HS256")
    for number in range(120):
        response = sim.api("POST", "/UserDefinedList/import_api", headers={"Authorization": "Bearer " + token},
                           data={"package_import_name": "LIST_%03d" % number},
                           files={"package_import": ("l.txt", b"v\n")})
        assert response.status_code == 200, response.text
    sim.clear_requests()
    result = call_module("static_list_info", {"name": "list_*"})
    assert [entry["name"] for entry in result.result["lists"]] == ["LIST_%03d" % n for n in range(120)]
    assert sim.count(LISTING) == 2
    assert json.dumps(result.result).count('"list_type": "static_list"') == 120


def test_a_large_file_imports_once_and_then_compares_without_uploading(call_module, sim, tmp_path):
    path = tmp_path / "large.txt"
    path.write_text("".join("host-%06d.bad.example\n" % number for number in range(200000)))
    created = call_module("static_list", {"name": "large_feed", "src": str(path)})
    assert created.changed and created.result["count"] == 200000, created
    assert len(server_lists(sim)["LARGE_FEED"]["lists"]) == 200000
    sim.clear_requests()
    again = call_module("static_list", {"name": "large_feed", "src": str(path)}, diff=True)
    assert not again.changed and (sim.count(LISTING), sim.count(IMPORT)) == (1, 0)
