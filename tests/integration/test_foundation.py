# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The foundation against the simulator over HTTPS: token module, repos lookup, TLS, retries, secrets."""
from __future__ import annotations

import json
import time

import jwt
import pytest

ADMIN_KEY = "simulator-admin-secret-0123456789"
JWT_HS256_HEADER_PREFIX = "eyJhbGciOiJIUzI1NiIs"  # base64 of '{"alg":"HS256",' : the start of every minted token

REPOS_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read repos
      ansible.builtin.copy:
        content: "{{ query('logpoint.siem.repos' %(args)s) | to_json }}"
        dest: "%(out)s"
"""


def repos_via_lookup(run_playbook, tmp_path, args="", **kwargs):
    out = tmp_path / "repos.json"
    run = run_playbook(REPOS_PLAYBOOK % {"args": args, "out": out}, **kwargs)
    return run, (json.loads(out.read_text()) if out.exists() else None)


def mint(ansible_module, scopes, **extra):
    result = ansible_module("token", dict({"scopes": scopes}, **extra))
    assert not result.failed, result.msg
    return result.result["token"]


def test_token_module_mints_a_token_that_verifies_with_the_secret_key(ansible_module):
    result = ansible_module("token", {"scopes": ["alertrules:read", "logsource:read"], "expires_in": "30m"})
    assert result.changed is False and not result.failed
    claims = jwt.decode(result.result["token"], ADMIN_KEY, algorithms=["HS256"])
    assert claims["iss"] == "self-signed" and claims["sub"] == "admin"
    assert claims["scope"] == "alertrules:read logsource:read"
    assert 1790 <= claims["exp"] - time.time() <= 1800
    assert result.result["claims"] == claims


def test_token_module_works_in_check_mode_and_warns_without_no_log(ansible_module):
    result = ansible_module("token", {"scopes": ["search:read"]}, check=True)
    assert not result.failed and result.result["token"]
    assert any("no_log" in w for w in result.result.get("warnings", []))


@pytest.mark.parametrize("args,message", [
    ({"scopes": ["alerts:admin"]}, "alertrules:read"),
    ({"scopes": ["search:read"], "expires_in": "never"}, "must expire"),
    ({"scopes": ["search:read"], "expires_at": "2020-01-01T00:00:00Z"}, "not in the future"),
    ({"scopes": ["search:read"], "expires_in": "30m", "expires_at": "2030-01-01T00:00:00Z"}, "mutually exclusive"),
])
def test_token_module_refuses_bad_input(ansible_module, args, message):
    result = ansible_module("token", args)
    assert result.failed and message in result.msg


def test_a_minted_token_is_accepted_by_the_simulator(ansible_module, run_playbook, sim, tmp_path):
    token = mint(ansible_module, ["logsource:read"])
    run, repos = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})
    assert run.rc == 0, run.stdout
    assert repos and sim.count("POST /Repo/get_all_searchable_logpoint") == 1


def test_repos_lookup_returns_one_dict_per_repo_with_boolean_active(run_playbook, sim, tmp_path):
    run, repos = repos_via_lookup(run_playbook, tmp_path)
    assert run.rc == 0, run.stdout
    state = sim.state()
    expected = sorted(
        (lp["name"], repo["name"]) for lp in state["logpoints"] for repo in lp["repos"])
    assert sorted((r["logpoint"], r["repo"]) for r in repos) == expected
    assert all(set(r) == {"logpoint", "logpoint_ip", "repo", "address", "active"} for r in repos)
    assert all(isinstance(r["active"], bool) for r in repos)
    assert any(r["active"] is False for r in repos), "the seed has an inactive repo"
    assert all(r["address"] == "%s:5504/%s" % (r["logpoint_ip"], r["repo"]) for r in repos)


def test_repos_lookup_filters_and_classic_fallback(run_playbook, sim, tmp_path):
    run, repos = repos_via_lookup(run_playbook, tmp_path, args=", repo='_logpoint'")
    assert run.rc == 0 and len(repos) == len(sim.state()["logpoints"])
    assert {r["repo"] for r in repos} == {"_logpoint"}
    first = sim.state()["logpoints"][0]["name"]
    run, classic = repos_via_lookup(run_playbook, tmp_path, args=", source='getalloweddata', logpoint='%s'" % first)
    assert run.rc == 0, run.stdout
    assert classic and {r["logpoint"] for r in classic} == {first}
    assert sim.count("POST /getalloweddata") == 1


def test_token_with_the_wrong_scope_is_refused_with_the_scopes_named(ansible_module, run_playbook, sim, tmp_path):
    token = mint(ansible_module, ["alertrules:read"])
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})[0]
    assert run.rc != 0
    assert "carries the scopes alertrules:read" in run.stdout and "logsource:read" in run.stdout
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 0, "refused before any request"


def test_expired_token_is_refused(run_playbook, sim, tmp_path):
    claims = {"iss": "self-signed", "sub": "admin", "iat": 1000, "exp": 2000, "scope": "logsource:read"}
    token = jwt.encode(claims, ADMIN_KEY, algorithm="HS256")
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})[0]
    assert run.rc != 0 and "expired" in run.stdout


def test_token_signed_with_the_wrong_key_is_refused_by_the_server(run_playbook, sim, tmp_path):
    claims = {"iss": "self-signed", "sub": "admin", "iat": int(time.time()), "exp": int(time.time()) + 600,
              "scope": "logsource:read"}
    token = jwt.encode(claims, "not-the-admin-secret-key-0123456789", algorithm="HS256")
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_TOKEN": token, "LOGPOINT_SECRET_KEY": None})[0]
    assert run.rc != 0
    assert "signature" in run.stdout and "secret_key" in run.stdout
    assert token not in run.stdout


def test_wrong_secret_key_is_refused_by_the_server(run_playbook, sim, tmp_path):
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_SECRET_KEY": "wrong-secret-key-wrong-secret-key"})[0]
    assert run.rc != 0 and "signature" in run.stdout and "wrong-secret-key" not in run.stdout


def test_classic_api_with_a_wrong_key_says_authentication_failed(run_playbook, sim, tmp_path):
    run = repos_via_lookup(run_playbook, tmp_path, args=", source='getalloweddata'",
                           env={"LOGPOINT_SECRET_KEY": "wrong-secret-key-wrong-secret-key"})[0]
    assert run.rc != 0 and "Authentication Failed" in run.stdout and "wrong-secret-key" not in run.stdout


def test_validate_certs_without_ca_path_fails_with_advice_to_set_ca_path(run_playbook, sim, tmp_path):
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_CA_PATH": None})[0]
    assert run.rc != 0
    assert "certificate verification failed" in run.stdout and "ca_path" in run.stdout


def test_a_missing_ca_file_is_named(run_playbook, sim, tmp_path):
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_CA_PATH": str(tmp_path / "nope.pem")})[0]
    assert run.rc != 0 and "nope.pem is not a file" in run.stdout


def test_validate_certs_false_works_without_ca_path(run_playbook, sim, tmp_path):
    run, repos = repos_via_lookup(run_playbook, tmp_path,
                                  env={"LOGPOINT_CA_PATH": None, "LOGPOINT_VALIDATE_CERTS": "false"})
    assert run.rc == 0 and repos


def test_gateway_errors_are_retried_on_reads(run_playbook, sim, tmp_path):
    sim.faults(status_5xx=2, path_prefix="/Repo")
    run, repos = repos_via_lookup(run_playbook, tmp_path)
    assert run.rc == 0 and repos
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 3


def test_retries_are_bounded_and_the_cause_is_named(run_playbook, sim, tmp_path):
    sim.faults(status_5xx=10, path_prefix="/Repo")
    run = repos_via_lookup(run_playbook, tmp_path)[0]
    assert run.rc != 0
    assert "502" in run.stdout and "after 4 attempts" in run.stdout
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 4


def test_a_truncated_reply_is_retried_on_reads(run_playbook, sim, tmp_path):
    sim.faults(truncate=1, path_prefix="/Repo")
    run, repos = repos_via_lookup(run_playbook, tmp_path)
    assert run.rc == 0 and repos
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 2


def test_success_false_is_reported_with_the_server_message(run_playbook, sim, tmp_path):
    sim.faults(success_false=1, path_prefix="/Repo")
    run = repos_via_lookup(run_playbook, tmp_path)[0]
    assert run.rc != 0 and "simulated failure" in run.stdout
    assert sim.count("POST /Repo/get_all_searchable_logpoint") == 1, "an in-band refusal is not retried"


def test_the_200_style_token_refusal_is_understood(run_playbook, sim, tmp_path):
    sim.settings(jwt_error_style="success_false")
    run = repos_via_lookup(run_playbook, tmp_path, env={"LOGPOINT_SECRET_KEY": "wrong-secret-key-wrong-secret-key"})[0]
    assert run.rc != 0 and "credentials were refused" in run.stdout


SECRETS_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Mint a token
      logpoint.siem.token:
        scopes: [logsource:read]
      no_log: true
      register: minted

    - name: Keep it where the test can read it
      ansible.builtin.copy:
        content: "{{ minted.token }}"
        dest: "%(token_file)s"
      no_log: true

    - name: Use the minted token through module_defaults and a lookup
      ansible.builtin.debug:
        msg: "{{ query('logpoint.siem.repos', token=minted.token) | length }} repos"

    - name: Lookup that mints its own token
      ansible.builtin.debug:
        msg: "{{ query('logpoint.siem.repos') | map(attribute='address') | list }}"

    - name: Failing lookup whose server refuses the key
      ansible.builtin.debug:
        msg: "{{ query('logpoint.siem.repos', secret_key='wrong-secret-key-wrong-secret-key') }}"
      ignore_errors: true

    - name: Failing lookup that cannot connect while holding the token
      ansible.builtin.debug:
        msg: "{{ query('logpoint.siem.repos', token=minted.token, url='https://127.0.0.1:9') }}"
      ignore_errors: true

    - name: Failing module call
      logpoint.siem.token:
        scopes: [nope]
      ignore_errors: true
"""


def test_vvvv_output_never_contains_the_secret_key_or_a_minted_token(run_playbook, sim, tmp_path):
    token_file = tmp_path / "token"
    run = run_playbook(SECRETS_PLAYBOOK % {"token_file": token_file}, verbosity=4)
    assert run.rc == 0, run.stdout[-3000:]
    token = token_file.read_text()
    output = run.stdout + run.stderr
    assert len(output) > 10000, "a -vvvv run prints the module invocations"
    assert output.count("FAILED!") + output.count("fatal:") >= 3, "the failing tasks ran and reported"
    assert ADMIN_KEY not in output
    assert token not in output
    assert JWT_HS256_HEADER_PREFIX not in output
