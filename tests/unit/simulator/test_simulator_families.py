"""Repos and users: the seeded data through every endpoint that shows it."""

import json

from logpoint_simulator import seed
from simtools import DIRECTOR_AUTH, DIRECTOR_BASE, mint_jwt

PRIMARY = {"name": "LogPoint-Primary", "ip": "192.0.2.10"}
SECONDARY = {"name": "LogPoint-Secondary", "ip": "192.0.2.20"}


def test_searchable_logpoints_list_both_logpoints_and_their_repos(api):
    rows = api.jwt_post("/Repo/get_all_searchable_logpoint", mint_jwt()).json()["rows"]
    assert [(row["li"], row["li_ip"], row["active"]) for row in rows] == [
        ("LogPoint-Primary", "192.0.2.10", True),
        ("LogPoint-Secondary", "192.0.2.20", True),
    ]
    secondary_repos = {repo["repo"]: repo for repo in rows[1]["repos"]}
    assert sorted(secondary_repos) == ["_logpoint", "cloud", "default", "o365"]
    assert secondary_repos["cloud"] == {
        "repo": "cloud",
        "address": "192.0.2.20:5504/cloud",
        "active": "True",
        "ha": "False",
    }
    assert secondary_repos["o365"]["active"] == "False"


def test_getalloweddata_logpoint_repos(api):
    body = api.allowed_data("logpoint_repos").json()
    assert body["logpoint"] == [PRIMARY, SECONDARY]
    addresses = [repo["address"] for repo in body["allowed_repos"]]
    assert len(addresses) == 9
    assert "192.0.2.10:5504/windows" in addresses
    assert {"repo": "o365", "address": "192.0.2.20:5504/o365"} in body["allowed_repos"]


def test_getalloweddata_logpoints_filter(api):
    body = api.allowed_data("logpoint_repos", logpoints=json.dumps([SECONDARY])).json()
    assert body["logpoint"] == [SECONDARY]
    assert {repo["address"].split(":")[0] for repo in body["allowed_repos"]} == {"192.0.2.20"}
    everything = api.allowed_data("logpoint_repos", logpoints="[]").json()
    assert everything["logpoint"] == [PRIMARY, SECONDARY]


def test_getalloweddata_bad_logpoints_filter_is_success_false(api):
    body = api.allowed_data("logpoint_repos", logpoints="192.0.2.20").json()
    assert body["success"] is False
    assert "logpoints must be a JSON list" in body["message"]


def test_getalloweddata_other_types(api):
    assert api.allowed_data("user_preference").json() == {
        "success": True,
        "timezone": "UTC",
        "date_format": "%Y/%m/%d",
        "hour_format": "24 Hour",
    }
    assert api.allowed_data("loginspects").json() == {"success": True, "allowed_loginspects": [PRIMARY, SECONDARY]}
    devices = api.allowed_data("devices").json()
    assert devices["allowed_devices"] == [
        {
            "192.0.2.10/198.51.100.11": "dc-01",
            "192.0.2.10/198.51.100.12": "fw-edge-01",
            "192.0.2.20/203.0.113.5": "o365-connector",
        }
    ]
    assert devices["logpoint"] == [PRIMARY, SECONDARY]
    livesearch = api.allowed_data("livesearches").json()["livesearches"][0]
    assert {"searchname", "query", "query_info", "timerange_hour", "limit", "life_id"} <= set(livesearch)


def test_getalloweddata_unknown_type_is_200_success_false(api):
    for kind in ("Logpoint_repos", ""):
        response = api.allowed_data(kind)
        assert response.status_code == 200
        assert response.json() == {"success": False, "message": f"Invalid type {kind!r}"}


def test_get_users_lists_the_seeded_users_with_their_groups(api):
    body = api.get_users().json()
    assert body["success"] is True
    assert body["users"] == [
        {
            "usergroups": [{"id": seed.ADMINISTRATORS_GROUP_ID, "name": "LogPoint Administrator"}],
            "id": seed.ADMIN_ID,
            "name": "admin",
        },
        {
            "usergroups": [{"id": seed.ANALYSTS_GROUP_ID, "name": "SOC Analyst"}],
            "id": seed.ANALYST_ID,
            "name": "analyst",
        },
    ]


def test_director_users(api):
    users = api.get(f"{DIRECTOR_BASE}/Users", headers=DIRECTOR_AUTH).json()
    assert [(user["id"], user["username"], user["email"]) for user in users] == [
        (seed.ADMIN_ID, "admin", "admin@example.com"),
        (seed.ANALYST_ID, "analyst", "analyst@example.com"),
    ]
    assert users[1]["usergroup"] == [{"id": seed.ANALYSTS_GROUP_ID, "name": "SOC Analyst"}]
