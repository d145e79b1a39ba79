# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.logpoint.siem.plugins.filter.valid_indicators import FilterModule, valid_indicators


@pytest.mark.parametrize("kind,good,bad", [
    ("ipv4", ["192.0.2.66", "10.0.0.1"], ["300.1.2.3", "192.0.2", "2001:db8::1", "01.2.3.4", "example.com"]),
    ("ipv6", ["2001:db8::1", "::1"], ["192.0.2.1", "2001:db8:::1", "fe80::zz"]),
    ("ip", ["192.0.2.1", "2001:db8::1"], ["192.0.2.256", "host"]),
    ("cidr", ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"], ["10.0.0.1/8", "10.0.0.0", "10.0.0.0/33"]),
    ("domain", ["example.com", "xn--bcher-kva.example", "a-b.c.example.org."],
     ["localhost", "-bad.example", "bad-.example", "under_score.example", "1.2.3.4", "a..example",
      "%s.example" % ("a" * 64)]),
    ("url", ["https://example.com/path?q=1", "http://192.0.2.1:8080/x", "ftp://files.example.org/a",
             "http://[2001:db8::1]/"],
     ["example.com/path", "javascript:alert(1)", "https://", "http://bad_host/", "http://example.com:99999/",
      "https://exa mple.com/"]),
    ("md5", ["d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427E"],
     ["d41d8cd98f00b204e9800998ecf8427", "g41d8cd98f00b204e9800998ecf8427e"]),
    ("sha1", ["da39a3ee5e6b4b0d3255bfef95601890afd80709"], ["d41d8cd98f00b204e9800998ecf8427e"]),
    ("sha256", ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
     ["da39a3ee5e6b4b0d3255bfef95601890afd80709"]),
])
def test_kinds(kind, good, bad):
    result = valid_indicators(good + bad, kind)
    assert result["valid"] == good
    assert [entry["value"] for entry in result["invalid"]] == bad
    assert [entry["line"] for entry in result["invalid"]] == list(range(len(good) + 1, len(good) + len(bad) + 1))
    assert all(entry["reason"] for entry in result["invalid"])


def test_text_lines_trimmed_comments_blanks_and_repeats():
    text = "# feed of 2026-11-22\n 192.0.2.1 \n\n192.0.2.1\nnot-an-ip\r\n198.51.100.7\n"
    assert valid_indicators(text, "ipv4") == {
        "valid": ["192.0.2.1", "198.51.100.7"],
        "invalid": [{"line": 5, "value": "not-an-ip", "reason": "not an IPv4 address"}],
    }


def test_empty_input():
    assert valid_indicators([], "domain") == {"valid": [], "invalid": []}
    assert valid_indicators("", "domain") == {"valid": [], "invalid": []}


def test_non_strings_are_checked_as_text():
    assert valid_indicators([None, 12], "ipv4")["invalid"] == [
        {"line": 2, "value": "12", "reason": "not an IPv4 address"}]


def test_unknown_kind():
    with pytest.raises(AnsibleFilterError, match="unknown kind 'hostname'.*cidr, domain"):
        valid_indicators(["a"], "hostname")


def test_bad_input_type():
    with pytest.raises(AnsibleFilterError, match="got dict"):
        valid_indicators({"a": 1}, "ip")


def test_registered():
    assert FilterModule().filters()["valid_indicators"] is valid_indicators
