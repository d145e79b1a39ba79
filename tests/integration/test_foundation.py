# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The foundation against the simulator over HTTPS, in-process: token module, repos lookup, TLS, retries, secrets.

The same under Ansible (-vvvv output, lookups through templating): ansible/test_ansible_secrets.py.
"""
from __future__ import annotations

import time

import jwt
import pytest

ADMIN_KEY = "simulator-admin-secret-0123456789"
JWT_HS256_HEADER_PREFIX = "eyJhbGciOiJIUzI1NiIs"  # base64 of '{"alg":"HS256",' : the start of every minted token


def repos_via_lookup(call_lookup, env=None, **options):
    """(run, repos): the lookup run and its list, or None when it failed."""
    run = call_lookup("repos", env=env, **options)
    return run, (run.value if run.ok else None)


def mint(call_module, scopes, **extra):
    result = call_module("token", dict({"scopes": scopes}, **extra))
    assert not result.failed, result.msg
    return result.result["token"]


def test_token_module_mints_a_token_that_verifies_with_the_secret_key(call_module):
    result = call_module("token", {"scopes": ["alertrules:read", "logsource:read"], "expires_in": "30m"})
    assert result.changed is False and not result.failed
    claims = jwt.decode(result.result["token"], ADMIN_KEY, algorithms=["HS256"])
    assert claims["iss"] == "self-signed" and claims["sub"] == "admin"
    assert claims["scope"] == "alertrules:read logsource:read"
    assert 1790 <= claims["exp"] - time.time() <= 1800
    assert result.result["claims"] == claims


def test_token_module_works_in_check_mode_and_warns_without_no_log(call_module):
    result = call_module("token", {"scopes": ["search:read"]}, check=True)
    assert not result.failed and result.result["token"]
    assert any("no_log" in w for w in result.result.get("warnings", []))


@pytest.mark.parametrize("args,message", [
    ({"scopes": ["alerts:admin"]}, "alertrules:read"),
    ({"scopes": ["search:read"], "expires_in": "never"}, "must expire"),
    ({"scopes": ["search:read"], "expires_at": "2020-01-01T00:00:00Z"}, "not in the future"),
    ({"scopes": ["search:read"], "expires_in": "30m", "expires_at": "2030-01-01T00:00:00Z"}, "mutually exclusive"),
])
def test_token_module_refuses_bad_input(call_module, args, message):
    result = call_module("token", args)
    assert result.failed and message in result.msg


def test_a_minted_token_is_accepted_by_the_simulator(call_module, sim, call_lookup):
    token = mint(call_module, ["logsource:read"])
    run, repos = repos_via_lookup(call_lookup, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})
    assert run.ok, run
    assert repos and sim.count("POST /Repo/get_all_searchable_logpoint") == 1


def test_repos_lookup_returns_one_dict_per_repo_with_boolean_active(sim, call_lookup):
    run, repos = repos_via_lookup(call_lookup)
    assert run.ok, run
    state = sim.state()
    expected = sorted(
        (lp["name"], repo["name"]) for lp in state["logpoints"] for repo in lp["repos"])
    assert sorted((r["logpoint"], r["repo"]) for r in repos) == expected
    assert all(set(r) == {"logpoint", "logpoint_ip", "repo", "address", "active"} for r in repos)
    assert all(isinstance(r["active"], bool) for r in repos)
    assert any(r["active"] is False for r in repos), "the seed has an inactive repo"
    assert all(r["address"] == "%s:5504/%s" % (r["logpoint_ip"], r["repo"]) for r in repos)


def test_repos_lookup_filters_and_classic_fallback(sim, call_lookup):
    run, repos = repos_via_lookup(call_lookup, repo="_logpoint")
    assert run.ok and len(repos) == len(sim.state()["logpoints"])
    assert {r["repo"] for r in repos} == {"_logpoint"}
    first = sim.state()["logpoints"][0]["name"]
    run, classic = repos_via_lookup(call_lookup, source="getalloweddata", logpoint=first)
    assert run.ok, run
    assert classic and {r["logpoint"] for r in classic} == {first}
    assert sim.count("POST /getalloweddata") == 1


def test_token_with_the_wrong_scope_is_refused_with_the_scopes_named(call_module, sim, call_lookup):
    token = mint(call_module, ["alertrules:read"])
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})[0]
    assert run.failed
    assert "carries the scopes alertrules:read" in run.output and "logsource:read" in run.output
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 0, "refused before any request"


def test_expired_token_is_refused(sim, call_lookup):
    claims = {"iss": "self-signed", "sub": "admin", "iat": 1000, "exp": 2000, "scope": "logsource:read"}
    token = jwt.encode(claims, ADMIN_KEY, algorithm="HS256")
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})[0]
    assert run.failed and "expired" in run.output


def test_token_signed_with_the_wrong_key_is_refused_by_the_server(sim, call_lookup):
    claims = {"iss": "self-signed", "sub": "admin", "iat": int(time.time()), "exp": int(time.time()) + 600,
              "scope": "logsource:read"}
    token = jwt.encode(claims, "not-the-admin-secret-key-0123456789", algorithm="HS256")
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})[0]
    assert run.failed
    assert "signature" in run.output and "secret_key" in run.output
    assert token not in run.output


def test_wrong_secret_key_is_refused_by_the_server(sim, call_lookup):
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_SECRET_KEY": "wrong-secret-key-wrong-secret-key"})[0]
    assert run.failed and "signature" in run.output and "wrong-secret-key" not in run.output


def test_classic_api_with_a_wrong_key_says_authentication_failed(sim, call_lookup):
    run = repos_via_lookup(call_lookup, source="getalloweddata",
                           env={"LOGPOINT_SECRET_KEY": "wrong-secret-key-wrong-secret-key"})[0]
    assert run.failed and "Authentication Failed" in run.output and "wrong-secret-key" not in run.output


def test_validate_certs_without_ca_path_fails_with_advice_to_set_ca_path(sim, call_lookup):
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_CA_PATH": None})[0]
    assert run.failed
    assert "certificate verification failed" in run.output and "ca_path" in run.output


def test_a_missing_ca_file_is_named(call_lookup, sim, tmp_path):
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_CA_PATH": str(tmp_path / "nope.pem")})[0]
    assert run.failed and "nope.pem is not a file" in run.output


def test_validate_certs_false_works_without_ca_path(sim, call_lookup):
    run, repos = repos_via_lookup(call_lookup,
                                  env={"LOGPOINT_CA_PATH": None, "LOGPOINT_VALIDATE_CERTS": "false"})
    assert run.ok and repos


def test_gateway_errors_are_retried_on_reads(sim, call_lookup):
    sim.faults(status_5xx=2, path_prefix="/Repo")
    run, repos = repos_via_lookup(call_lookup)
    assert run.ok and repos
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 3


def test_retries_are_bounded_and_the_cause_is_named(sim, call_lookup):
    sim.faults(status_5xx=10, path_prefix="/Repo")
    run = repos_via_lookup(call_lookup)[0]
    assert run.failed
    assert "502" in run.output and "after 4 attempts" in run.output
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 4


def test_a_truncated_reply_is_retried_on_reads(sim, call_lookup):
    sim.faults(truncate=1, path_prefix="/Repo")
    run, repos = repos_via_lookup(call_lookup)
    assert run.ok and repos
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 2


def test_success_false_is_reported_with_the_server_message(sim, call_lookup):
    sim.faults(success_false=1, path_prefix="/Repo")
    run = repos_via_lookup(call_lookup)[0]
    assert run.failed and "simulated failure" in run.output
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 1, "an in-band refusal is not retried"


def test_the_200_style_token_refusal_is_understood(sim, call_lookup):
    sim.settings(jwt_error_style="success_false")
    run = repos_via_lookup(call_lookup, env={"LOGPOINT_SECRET_KEY": "wrong-secret-key-wrong-secret-key"})[0]
    assert run.failed and "credentials were refused" in run.output
