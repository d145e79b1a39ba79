# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""static_list with kind: values are checked by kind in the module while they stream into the upload;
invalid ones are dropped and reported, or fail the task before any request."""
from __future__ import annotations


def stored(sim, name):
    return next(entry["lists"] for entry in sim.state()["lists"].values() if entry["name"] == name)


def test_inline_values_are_checked_and_the_invalid_ones_reported(call_module, sim):
    result = call_module("static_list", {"name": "kind_ips", "kind": "ipv4",
                                         "values": ["192.0.2.66", "300.1.2.3", "198.51.100.23", "# note", ""]})
    assert result.changed and result.result["count"] == 2, result
    assert result.result["invalid_count"] == 1
    assert result.result["invalid"] == [{"line": 2, "value": "300.1.2.3", "reason": "not an IPv4 address"}]
    assert stored(sim, "KIND_IPS") == ["192.0.2.66", "198.51.100.23"]
    again = call_module("static_list", {"name": "kind_ips", "kind": "ipv4",
                                        "values": ["192.0.2.66", "300.1.2.3", "198.51.100.23"]})
    assert not again.changed and again.result["invalid_count"] == 1


def test_a_file_is_checked_line_by_line(call_module, sim, tmp_path):
    feed = tmp_path / "domains.txt"
    feed.write_text("# feed\nevil.example.com\nnot a domain\n\nc2.example.net\nevil.example.com\n", encoding="utf-8")
    result = call_module("static_list", {"name": "kind_domains", "kind": "domain", "src": str(feed)})
    assert result.changed and result.result["invalid"] == [
        {"line": 3, "value": "not a domain", "reason": "not a domain name"}]
    assert stored(sim, "KIND_DOMAINS") == ["evil.example.com", "c2.example.net"]


def test_fail_on_invalid_and_no_valid_value_send_nothing(call_module, sim):
    sim.clear_requests()
    strict = call_module("static_list", {"name": "kind_urls", "kind": "url", "fail_on_invalid": True,
                                         "values": ["https://a.example/", "example.com/no-scheme"]})
    assert strict.failed and strict.msg.startswith(
        "values: 1 invalid url value(s) and fail_on_invalid is true, so nothing was imported; the first: line 2")
    empty = call_module("static_list", {"name": "kind_urls", "kind": "url", "values": ["example.com/no-scheme"]})
    assert empty.failed and empty.msg.startswith("values: no valid url value to import (1 invalid)")
    assert sim.requests()["total"] == 0
