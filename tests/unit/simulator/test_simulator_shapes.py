"""Simulator bodies have the keys and value types of bodies captured from real servers."""

import json
import pathlib

import pytest
from shapes import shape
from simtools import DIRECTOR_AUTH, DIRECTOR_BASE, mint_jwt

REAL_RESPONSES = pathlib.Path(__file__).parents[2] / "fixtures" / "real-responses"


def real_response(name):
    return json.loads((REAL_RESPONSES / name).read_text())


def test_shape_keeps_keys_and_json_types():
    assert shape({"a": 1, "b": [{"c": "x", "d": None}], "e": True, "f": 1.5}) == {
        "a": "int",
        "b": [{"c": "str", "d": "null"}],
        "e": "bool",
        "f": "float",
    }


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": True}, {"a": 1}),
        ({"a": "1"}, {"a": 1}),
        ({"a": 1}, {"a": 1, "b": 1}),
        ({"rows": [{"a": 1}]}, {"rows": [{"a": 1}, {"a": 1, "b": 2}]}),
        ({"rows": []}, {"rows": [{"a": 1}]}),
    ],
)
def test_shape_tells_different_bodies_apart(left, right):
    assert shape(left) != shape(right)


def test_shape_ignores_values_and_list_lengths():
    assert shape({"rows": [{"a": 1}, {"a": 2}]}) == shape({"rows": [{"a": 3}]})


def test_get_users_has_the_real_shape(api):
    assert shape(api.get_users().json()) == shape(real_response("get_users.json"))


def test_getalloweddata_logpoint_repos_has_the_real_shape(api):
    body = api.allowed_data("logpoint_repos").json()
    assert shape(body) == shape(real_response("getalloweddata_logpoint_repos.json"))


def test_searchable_logpoints_have_the_documented_shape(api):
    # No captured body exists; logpoint-api.md §6 gives this one.
    documented = {
        "rows": [
            {
                "li": "LogPoint",
                "li_ip": "127.0.0.1",
                "active": True,
                "repos": [{"repo": "_logpoint", "address": "127.0.0.1:5504/_logpoint", "active": "True", "ha": "x"}],
            }
        ]
    }
    body = api.jwt_post("/Repo/get_all_searchable_logpoint", mint_jwt()).json()
    assert shape(body) == shape(documented)


def test_director_users_have_the_documented_fields(api):
    users = api.get(f"{DIRECTOR_BASE}/Users", headers=DIRECTOR_AUTH).json()
    assert shape(users) == [
        {"id": "str", "username": "str", "email": "str", "usergroup": [{"id": "str", "name": "str"}]}
    ]
