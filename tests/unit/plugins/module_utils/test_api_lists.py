# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-defined lists: name rules, value normalisation, comparison, row parsing, the streamed upload body."""
from __future__ import annotations

import io
import os

import pytest
from werkzeug.formparser import parse_form_data

from ansible_collections.logpoint.siem.plugins.module_utils.api.lists import parse_list_row
from ansible_collections.logpoint.siem.plugins.module_utils.resources.lists import (
    ServerValues, check_inline_values, check_list_name, check_source_file, compare, filter_lists, find_list,
    normalised_file, read_source_lines, source_of)
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.multipart import MultipartFileBody


@pytest.mark.parametrize("name", ["ab", "bad_ips", "Bad-IPs-2026", "a" * 100, "9x"])
def test_valid_names_are_upper_cased(name):
    assert check_list_name(name) == name.upper()


@pytest.mark.parametrize("name", ["a", "a" * 101, "_bad", "bad_", "-bad", "bad-", "has space", "bad.ips", "", None,
                                  "ünïcode"])
def test_invalid_names_name_the_rule(name):
    with pytest.raises(ConfigError, match="2 to 100 characters"):
        check_list_name(name)


def normalise(lines, option="values", suffix=".csv"):
    with normalised_file(lines, option, suffix) as desired:
        return list(desired), len(desired)


def test_values_are_trimmed_deduplicated_and_keep_their_order():
    ordered, values = normalise([" b ", "a", "", "  ", "b", "c\t", "a"])
    assert ordered == ["b", "a", "c"]
    assert values == 3


def test_the_temporary_file_is_removed():
    with normalised_file(["a"], "values", ".txt") as desired:
        path = desired.path
        assert path.endswith(".txt") and os.path.exists(path)
    assert not os.path.exists(path)


@pytest.mark.parametrize("lines", [[], [""], ["  ", "\t"]])
def test_no_values_is_an_error(lines):
    with pytest.raises(ConfigError, match="values: no values to import"):
        normalise(lines)


def test_inline_values_with_line_breaks_are_refused():
    with pytest.raises(ConfigError, match=r"values: item 1 .* line break"):
        list(check_inline_values(["a", "b\nc"]))
    assert list(check_inline_values(["a", None, 3])) == ["a", "", "3"]


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_source_files_of_any_line_ending_with_a_byte_order_mark(tmp_path):
    path = write(tmp_path, "feed.txt", b"\xef\xbb\xbfevil.example\r\nbad.example\rworse.example\n\n")
    assert normalise(read_source_lines(path), "src")[0] == ["evil.example", "bad.example", "worse.example"]


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\xff\xfe", "not a UTF-8 text file"),
    (b"a\nb\x00c\n", "NUL byte on line 2"),
])
def test_binary_source_files_are_refused(tmp_path, content, message):
    path = write(tmp_path, "feed.csv", content)
    with pytest.raises(ConfigError, match=message):
        normalise(read_source_lines(path), "src")


def test_source_file_extension_and_existence(tmp_path):
    assert check_source_file(write(tmp_path, "feed.CSV", b"a\n")) == ".csv"
    with pytest.raises(ConfigError, match="must be a .csv or .txt file"):
        check_source_file(write(tmp_path, "feed.xlsx", b"a\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        check_source_file(str(tmp_path / "missing.txt"))


def server_values(desired, values, sample_size):
    current = ServerValues(desired.index, sample_size)
    current.extend(values)
    return current


def test_compare_counts_and_samples_in_order():
    with normalised_file(["d", "a", "e", "b"], "values", ".csv") as desired:
        changes = compare(desired, server_values(desired, ["z", "a", "b", "y", "z"], 1), sample_size=1)
    assert changes == {"added": 2, "removed": 2, "values_added": ["d"], "values_removed": ["z"]}


def test_compare_equal_sets_in_another_order_is_no_change():
    with normalised_file(["a", "b"], "values", ".csv") as desired:
        assert compare(desired, server_values(desired, ["b", "a", "a"], 20), 20) == {
            "added": 0, "removed": 0, "values_added": [], "values_removed": []}


def test_list_rows_with_and_without_values():
    row = {"name": "BAD", "_id": "6" * 24, "list_type": "static_list", "vid": "VID_1", "lists": ["a", 2]}
    assert parse_list_row(row) == {"name": "BAD", "id": "6" * 24, "list_type": "static_list", "vid": "VID_1",
                                   "values": ["a", "2"]}
    assert parse_list_row({"name": "OLD", "id": "1", "list_type": "static_list"})["values"] is None


def test_find_and_filter_ignore_case():
    lists = [parse_list_row(row) for row in (
        {"name": "BAD_IPS", "id": "1", "list_type": "static_list"},
        {"name": "BAD_USERS", "id": "2", "list_type": "dynamic_list"},
        {"name": "GOOD", "id": "3", "list_type": "static_list"})]
    assert find_list(lists, "bad_ips")["id"] == "1"
    assert find_list(lists, "nope") is None
    assert [e["id"] for e in filter_lists(lists, name="bad_*")] == ["1", "2"]
    assert [e["id"] for e in filter_lists(lists, list_type="static_list")] == ["1", "3"]
    assert [e["id"] for e in filter_lists(lists, name="BAD*", list_type="dynamic_list")] == ["2"]


def parse_multipart(body):
    data = b"".join(body)
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": body.content_type, "CONTENT_LENGTH": str(len(data)),
               "wsgi.input": io.BytesIO(data)}
    _stream, form, files = parse_form_data(environ)
    return data, form, files


def test_multipart_body_is_one_named_file_with_its_declared_length(tmp_path):
    path = write(tmp_path, "values.csv", b"192.0.2.1\n192.0.2.2\n" * 50000)
    body = MultipartFileBody({"package_import_name": "BAD_IPS"}, "package_import", path, "BAD_IPS.csv",
                             content_type="text/csv")
    data, form, files = parse_multipart(body)
    assert len(data) == len(body)
    assert form.to_dict() == {"package_import_name": "BAD_IPS"}
    upload = files["package_import"]
    assert (upload.filename, upload.mimetype) == ("BAD_IPS.csv", "text/csv")
    assert upload.read() == open(path, "rb").read()
    assert body.headers == {"Content-Type": "multipart/form-data; boundary=%s" % body.boundary}


def test_multipart_body_starts_over_on_every_iteration(tmp_path):
    body = MultipartFileBody({"a": "1"}, "f", write(tmp_path, "x.txt", b"v\n"), "X.txt")
    assert b"".join(body) == b"".join(body)
    assert MultipartFileBody({"a": "1"}, "f", write(tmp_path, "y.txt", b"v\n"), "Y.txt").boundary != body.boundary


def test_inline_values_are_uploaded_as_a_txt_file():
    """One value a line in a .txt file: how Logpoint parses commas and quotes in a CSV is undocumented."""
    lines, option, extension = source_of({"src": None, "values": ["a,b", '"c"']})
    assert (list(lines), option, extension) == (["a,b", '"c"'], "values", ".txt")
