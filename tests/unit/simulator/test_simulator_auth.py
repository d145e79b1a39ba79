"""The three auth front-ends, through real endpoints over HTTPS."""

import jwt
import pytest
from logpoint_simulator import seed
from simtools import DIRECTOR_AUTH, DIRECTOR_BASE, mint_jwt

REPOS = "/Repo/get_all_searchable_logpoint"


def test_jwt_with_the_needed_scope_is_accepted(api):
    response = api.jwt_post(REPOS, mint_jwt(scope="search:read logsource:read"))
    assert response.status_code == 200
    assert response.json()["rows"]


def test_jwt_of_another_user_signed_with_that_users_key_is_accepted(api):
    response = api.jwt_post(REPOS, mint_jwt(sub="analyst", secret=seed.ANALYST_SECRET))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (mint_jwt(secret="not-the-secret-key-of-admin-000000"), "signature verification failed"),
        (mint_jwt(sub="analyst", secret=seed.ADMIN_SECRET), "signature verification failed"),
        (mint_jwt(lifetime=-60), "token expired"),
        (mint_jwt(exp=None), "token has no exp claim"),
        (mint_jwt(iss="logpoint"), "iss must be self-signed"),
        (mint_jwt(iss=None), "iss must be self-signed"),
        (mint_jwt(sub="ghost"), "unknown user 'ghost'"),
        (mint_jwt(sub=None), "token has no sub claim"),
        (
            # The algorithm is refused before the key is used; a long key only keeps PyJWT from warning.
            jwt.encode({"iss": "self-signed", "sub": "admin", "exp": 9999999999}, "k" * 64, "HS512"),
            "token must be signed with HS256",
        ),
        ("not-a-jwt", "malformed token: Not enough segments"),
    ],
)
def test_bad_jwt_is_401_with_the_reason(api, token, reason):
    response = api.jwt_post(REPOS, token)
    assert response.status_code == 401
    assert response.json() == {"error": reason, "status_code": 401}


def test_missing_bearer_token_is_401(api):
    for headers in ({}, {"Authorization": "Basic YWRtaW46eA=="}, {"Authorization": "Bearer "}):
        response = api.post(REPOS, headers=headers, json={})
        assert response.status_code == 401
        assert response.json() == {"error": "missing bearer token", "status_code": 401}


def test_jwt_without_the_scope_is_403(api):
    response = api.jwt_post(REPOS, mint_jwt(scope="alertrules:read alertrules:write"))
    assert response.status_code == 403
    assert response.json() == {"error": "insufficient scope: needs logsource:read", "status_code": 403}


def test_jwt_rejections_as_200_success_false_when_switched(api):
    api.control("POST", "settings", json={"jwt_error_style": "success_false"})
    expired = api.jwt_post(REPOS, mint_jwt(lifetime=-60))
    wrong_scope = api.jwt_post(REPOS, mint_jwt(scope="search:read"))
    assert (expired.status_code, expired.json()) == (200, {"success": False, "message": "token expired"})
    assert wrong_scope.status_code == 200
    assert wrong_scope.json() == {"success": False, "message": "insufficient scope: needs logsource:read"}


def test_classic_json_credentials_accepted_on_a_get_body(api):
    response = api.get_users({"username": "analyst", "secret_key": seed.ANALYST_SECRET})
    assert response.status_code == 200
    assert response.json()["success"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"username": "admin", "secret_key": "wrong"},
        {"username": "ghost", "secret_key": seed.ADMIN_SECRET},
        {"username": "admin"},
        {"secret_key": seed.ADMIN_SECRET},
        {"username": "admin", "secret_key": 12345},
        ["admin", seed.ADMIN_SECRET],
        None,
    ],
)
def test_bad_classic_json_credentials_are_200_authentication_failed(api, body):
    response = api.get("/get_users", json=body)
    assert response.status_code == 200
    assert response.json() == {"success": False, "message": "Authentication Failed"}


def test_classic_json_endpoint_does_not_read_form_credentials(api):
    response = api.get("/get_users", data={"username": "admin", "secret_key": seed.ADMIN_SECRET})
    assert response.json() == {"success": False, "message": "Authentication Failed"}


def test_classic_form_credentials(api):
    assert api.allowed_data("loginspects").json()["success"] is True
    wrong = api.allowed_data("loginspects", {"username": "admin", "secret_key": "wrong"})
    as_json = api.post(
        "/getalloweddata", json={"username": "admin", "secret_key": seed.ADMIN_SECRET, "type": "loginspects"}
    )
    for response in (wrong, as_json):
        assert response.status_code == 200
        assert response.json() == {"success": False, "message": "Authentication Failed"}


def test_each_successful_body_login_appends_one_authentication_audit_row(api):
    api.get_users()
    api.allowed_data("loginspects", {"username": "analyst", "secret_key": seed.ANALYST_SECRET})
    api.get_users({"username": "admin", "secret_key": "wrong"})
    api.jwt_post(REPOS, mint_jwt())  # JWT calls are not body-credential logins

    events = api.control("GET", "state")["audit_events"]
    assert [(event["user"], event["action"], event["_labels"]) for event in events] == [
        ("admin", "login", ["Logpoint", "Authentication"]),
        ("analyst", "login", ["Logpoint", "Authentication"]),
    ]
    assert events[0]["source_address"] == "127.0.0.1"
    assert events[0]["repo_name"] == "_logpoint"
    assert isinstance(events[0]["log_ts"], int)


def test_director_bearer_accepted(api):
    response = api.get(f"{DIRECTOR_BASE}/Users", headers=DIRECTOR_AUTH)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-the-token"}, {"Authorization": seed.DIRECTOR_TOKEN}]
)
def test_director_bad_token_is_401(api, headers):
    response = api.get(f"{DIRECTOR_BASE}/Users", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"status": "Failed", "message": "Invalid or expired token"}


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (f"/configapi/00000000-0000-4000-8000-000000000999/{seed.DIRECTOR_LOGPOINT}/Users", "pool"),
        (f"/configapi/{seed.DIRECTOR_POOL}/lp-other/Users", "Logpoint"),
    ],
)
def test_director_unknown_pool_or_logpoint_is_404(api, path, named):
    response = api.get(path, headers=DIRECTOR_AUTH)
    assert response.status_code == 404
    assert response.json()["status"] == "Failed"
    assert named in response.json()["message"]
