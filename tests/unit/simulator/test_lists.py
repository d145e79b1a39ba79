"""User-defined lists: `/UserDefinedList/lists_api` and `/UserDefinedList/import_api` over HTTPS."""

import pytest
from simtools import mint_jwt

LISTS = "/UserDefinedList/lists_api"
IMPORT = "/UserDefinedList/import_api"
SEEDED = ["KNOWN_SCANNERS", "VIP_USERS", "RECENT_FAILED_LOGONS"]


def auth(scope="search:read search:write"):
    return {"Authorization": f"Bearer {mint_jwt(scope=scope)}"}


def listing(api, **params):
    response = api.get(LISTS, headers=auth("search:read"), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def upload(api, name, content, filename=None, scope="search:write"):
    files = {"package_import": (filename or f"{name}.csv", content, "text/csv")}
    return api.post(IMPORT, headers=auth(scope), data={"package_import_name": name}, files=files)


def test_listing_rows_carry_name_vid_type_and_id(api):
    body = listing(api)
    assert body["total"] == 3
    assert [row["name"] for row in body["rows"]] == SEEDED
    assert all(set(row) == {"name", "vid", "list_type", "id"} for row in body["rows"])
    assert [row["list_type"] for row in body["rows"]] == ["static_list", "static_list", "dynamic_list"]


def test_listing_pages_with_limit_and_page(api):
    pages = [listing(api, limit=2, page=page)["rows"] for page in (1, 2, 3)]
    assert [[row["name"] for row in rows] for rows in pages] == [SEEDED[:2], SEEDED[2:], []]


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"limit": "many"}, {"page": 0}])
def test_listing_refuses_bad_paging_with_422(api, params):
    response = api.get(LISTS, headers=auth("search:read"), params=params)
    assert response.status_code == 422
    assert set(response.json()["validationErrors"]["query"]) == set(params)


def test_return_all_data_adds_the_values_unless_switched_off(api):
    rows = listing(api, return_all_data="true")["rows"]
    assert rows[0]["lists"] == ["192.0.2.200", "192.0.2.201", "198.51.100.77"]
    assert rows[2]["age_limit"] == 86400
    api.control("POST", "settings", json={"list_values": False})
    rows = listing(api, return_all_data="true")["rows"]
    assert all("lists" not in row for row in rows)
    assert rows[0]["age_limit"] == 0


def test_import_creates_an_upper_cased_static_list_with_clean_values(api):
    response = upload(api, "bad_ips", b"192.0.2.1\r\n\n  192.0.2.2 \n192.0.2.1\n")
    assert response.status_code == 200
    assert response.json() == {"success": True, "summary": "2 values", "message": "Static list BAD_IPS imported"}
    created = [row for row in listing(api, return_all_data="true")["rows"] if row["name"] == "BAD_IPS"]
    assert len(created) == 1 and created[0]["list_type"] == "static_list"
    assert created[0]["lists"] == ["192.0.2.1", "192.0.2.2"]


def test_import_of_an_existing_name_replaces_the_values(api):
    upload(api, "KNOWN_scanners", b"203.0.113.9\n", filename="scanners.txt")
    rows = listing(api, return_all_data="true")["rows"]
    assert [row["name"] for row in rows] == SEEDED
    assert rows[0]["lists"] == ["203.0.113.9"]


def test_imports_append_configuration_audit_rows(api):
    upload(api, "bad_ips", b"192.0.2.1\n")
    upload(api, "bad_ips", b"192.0.2.3\n")
    audit = api.control("GET", "state")["audit_events"]
    assert [(row["action"], row["object"], row["type"], row["_labels"]) for row in audit] == [
        ("created", "BAD_IPS", "UserDefinedList", ["Logpoint", "Configuration", "Add"]),
        ("updated", "BAD_IPS", "UserDefinedList", ["Logpoint", "Configuration", "Change"]),
    ]


@pytest.mark.parametrize(
    ("name", "content", "filename", "field", "text"),
    [
        ("x", b"1\n", None, "package_import_name", "2 to 100 characters"),
        ("-bad", b"1\n", None, "package_import_name", "not starting or ending"),
        ("bad_", b"1\n", None, "package_import_name", "not starting or ending"),
        ("a" * 101, b"1\n", None, "package_import_name", "2 to 100 characters"),
        ("has space", b"1\n", None, "package_import_name", "letters, digits"),
        ("", b"1\n", "x.csv", "package_import_name", "required"),
        ("GOOD", b"", None, "package_import", "is empty"),
        ("GOOD", b" \n\n", None, "package_import", "is empty"),
        ("GOOD", b"\x89PNG\r\n\x1a\n\x00\x00", None, "package_import", "not a UTF-8 text file"),
        ("GOOD", b"1\n", "GOOD.xlsx", "package_import", "only .csv and .txt"),
        ("RECENT_FAILED_LOGONS", b"1\n", None, "package_import_name", "is a dynamic_list"),
    ],
)
def test_bad_imports_are_422_naming_the_field_and_change_nothing(api, name, content, filename, field, text):
    before = api.control("GET", "state")
    response = upload(api, name, content, filename=filename)
    assert response.status_code == 422
    assert text in response.json()["validationErrors"]["import"][field]
    after = api.control("GET", "state")
    assert (after["lists"], after["audit_events"]) == (before["lists"], before["audit_events"])


def test_content_sent_as_a_form_field_is_refused(api):
    # The bug Guardsix fixed in 21c0607: the list must be a real file part with a filename.
    response = api.post(IMPORT, headers=auth(), data={"package_import_name": "GOOD", "package_import": "1\n2\n"})
    assert response.status_code == 422
    assert "must be uploaded as a file" in response.json()["validationErrors"]["import"]["package_import"]


def test_two_files_in_one_request_are_refused(api):
    files = [("package_import", ("a.csv", b"1\n")), ("package_import", ("b.csv", b"2\n"))]
    response = api.post(IMPORT, headers=auth(), data={"package_import_name": "GOOD"}, files=files)
    assert response.status_code == 422
    assert "one file per request" in response.json()["validationErrors"]["import"]["package_import"]


def test_scopes_are_enforced(api):
    assert api.get(LISTS, headers=auth("search:write")).status_code == 403
    assert upload(api, "GOOD", b"1\n", scope="search:read").status_code == 403


def test_validation_style_setting_applies(api):
    api.control("POST", "settings", json={"validation_style": "success_false"})
    response = upload(api, "x", b"1\n")
    assert response.status_code == 200 and response.json()["success"] is False
    assert "package_import_name" in response.json()["message"]
