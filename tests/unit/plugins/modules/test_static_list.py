# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""static_list.run against a fake client: compare, check mode, unverifiable lists, the diff."""
from __future__ import annotations

import json

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.modules import static_list


class FakeLists:
    def __init__(self, rows):
        self.rows = rows
        self.uploads = []

    def list_all(self, path, *, scope, page_size, params=None, loads=json.loads, as_bytes=False):
        assert (path, scope, page_size, params) == ("/UserDefinedList/lists_api", "search:read", 100,
                                                    {"return_all_data": "true"})
        body = json.dumps({"rows": self.rows, "total": len(self.rows)})  # decoded as the client does
        return loads(body.encode("utf-8") if as_bytes else body)["rows"]

    def call(self, method, path, *, auth, scope, body, headers):
        assert (method, path, auth, scope) == ("POST", "/UserDefinedList/import_api", "jwt", "search:write")
        self.uploads.append(b"".join(body))
        return {"success": True}


def params(**overrides):
    return dict({"name": "bad_ips", "values": None, "src": None, "state": "present", "overwrite": "always",
                 "max_concurrency": 4}, **overrides)


def row(name="BAD_IPS", values=("192.0.2.1", "192.0.2.2"), list_type="static_list"):
    entry = {"name": name, "id": "6" * 24, "list_type": list_type, "vid": "VID_6666"}
    if values is not None:
        entry["lists"] = list(values)
    return entry


def run(client, check_mode=False, **overrides):
    warnings = []
    changed, result, diff = static_list.run(params(**overrides), client, check_mode, warnings.append)
    return changed, result, diff, warnings


def test_same_values_in_another_order_and_case_of_name_change_nothing():
    client = FakeLists([row()])
    changed, result, _diff, _warnings = run(client, name="Bad_Ips", values=["192.0.2.2", " 192.0.2.1", "192.0.2.2"])
    assert not changed and not client.uploads
    assert result == {"name": "BAD_IPS", "id": "6" * 24, "list_type": "static_list", "count": 2, "verified": True,
                      "added": 0, "removed": 0}


def test_different_values_upload_the_normalised_file_once():
    client = FakeLists([row()])
    changed, result, diff, _warnings = run(client, values=["192.0.2.3", "192.0.2.1"])
    assert changed and (result["added"], result["removed"]) == (1, 1)
    assert len(client.uploads) == 1
    assert b'filename="BAD_IPS.txt"' in client.uploads[0] and b"\r\n\r\n192.0.2.3\n192.0.2.1\n\r\n" in client.uploads[0]
    assert diff == {"before": {"name": "BAD_IPS", "count": 2, "removed": 1, "values_removed": ["192.0.2.2"]},
                    "after": {"name": "BAD_IPS", "count": 2, "added": 1, "values_added": ["192.0.2.3"]}}


def test_check_mode_predicts_without_uploading():
    client = FakeLists([])
    changed, result, diff, _warnings = run(client, check_mode=True, values=["a"])
    assert changed and not client.uploads and result["id"] is None
    assert diff["before"] == {} and diff["after"]["values_added"] == ["a"]


def test_large_diffs_show_counts_and_a_sample():
    client = FakeLists([row(values=[])])
    _changed, _result, diff, _warnings = run(client, check_mode=True, values=[str(n) for n in range(500)])
    assert diff["after"]["added"] == 500 and diff["after"]["values_added"] == [str(n) for n in range(20)]


@pytest.mark.parametrize(("overwrite", "uploads"), [("always", 1), ("never", 0)])
def test_lists_whose_values_are_not_reported_follow_overwrite(overwrite, uploads):
    client = FakeLists([row(values=None)])
    changed, result, diff, warnings = run(client, values=["a"], overwrite=overwrite)
    assert changed is (uploads == 1) and len(client.uploads) == uploads
    assert (result["verified"], result["added"], result["removed"]) == (False, None, None)
    assert "cannot be compared" in warnings[0] and ("overwrite=%s" % overwrite) in warnings[0]
    assert diff == {"before": {"name": "BAD_IPS", "count": None}, "after": {"name": "BAD_IPS", "count": 1}}


def test_a_dynamic_list_of_that_name_is_refused_before_any_upload():
    client = FakeLists([row(list_type="dynamic_list")])
    with pytest.raises(ConfigError, match="BAD_IPS is a dynamic_list"):
        run(client, values=["a"])
    assert not client.uploads


def test_src_files_keep_their_extension(tmp_path):
    path = tmp_path / "domains.txt"
    path.write_text("evil.example\n")
    client = FakeLists([])
    run(client, src=str(path))
    assert b'filename="BAD_IPS.txt"' in client.uploads[0] and b"Content-Type: text/plain" in client.uploads[0]
