# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A secret with a line break or surrounding blanks (a pasted AWX credential, ``ansible-vault
encrypt_string`` of an echoed value) is refused before anything is sent, naming the option, and never
appears in any output: not at default verbosity, not at -vvvv, not in ANSIBLE_LOG_PATH, not in the
registered results. Every secret option of every module and lookup is fed such a value."""
from __future__ import annotations

import json

import pytest
from harness import ADMIN_SECRET_KEY, DIRECTOR_TOKEN, POOL_UUID

LM_ACCESS_ID = "simulator-lm-id"
LM_ACCESS_KEY = "simulator-lm-key"
LM_BEARER_TOKEN = "simulator-lm-bearer"

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Mint a token to pass on with a line break
      logpoint.siem.token:
        scopes: [alertrules:read]
        secret_key: "{{ clean_key }}"
      register: minted
      no_log: true

    - name: Keep the minted token for the test (not in any output it greps)
      ansible.builtin.copy:
        dest: "{{ token_file }}"
        content: "{{ minted.token }}"
        mode: "0600"
      no_log: true

    - name: module secret_key
      logpoint.siem.alert_rule_info:
        secret_key: "{{ key_nl }}"
      register: r_module_secret_key
      ignore_errors: true

    - name: module secret_key from the environment (AWX injects it)
      logpoint.siem.alert_rule_info:
      register: r_module_env_secret_key
      ignore_errors: true

    - name: module token
      logpoint.siem.alert_rule_info:
        token: "{{ minted.token ~ nl }}"
        secret_key: "{{ clean_key }}"
      register: r_module_token
      ignore_errors: true

    # The run's environment carries LOGPOINT_SECRET_KEY with CR/LF (as an AWX credential may): every
    # task but the one testing it gives a clean secret_key, so each is refused for its own option.
    - name: token module secret_key
      logpoint.siem.token:
        scopes: [alertrules:read]
        secret_key: "{{ key_lead }}"
      register: r_token_secret_key
      ignore_errors: true

    - name: module director_token
      logpoint.siem.incident_info:
        api: director
        director_url: "{{ director_url }}"
        director_token: "{{ director_nl }}"
        secret_key: "{{ clean_key }}"
        pool_uuid: "{{ pool }}"
        logpoint_identifier: lp-simulator-01
      register: r_module_director_token
      ignore_errors: true

    - name: lookup secret_key
      ansible.builtin.set_fact:
        repos: "{{ query('logpoint.siem.repos', secret_key=key_nl) }}"
      register: r_lookup_secret_key
      ignore_errors: true

    - name: lookup token
      ansible.builtin.set_fact:
        repos: "{{ query('logpoint.siem.repos', token=minted.token ~ nl, secret_key=clean_key) }}"
      register: r_lookup_token
      ignore_errors: true

    - name: lookup lm_access_id
      ansible.builtin.set_fact:
        entries: "{{ query('logpoint.siem.audit_logs', source='logicmonitor', lm_access_id=lm_id_nl, secret_key=clean_key) }}"
      register: r_lookup_lm_access_id
      ignore_errors: true

    - name: lookup lm_access_key
      ansible.builtin.set_fact:
        entries: "{{ query('logpoint.siem.audit_logs', source='logicmonitor', lm_access_key=lm_key_nl, secret_key=clean_key) }}"
      register: r_lookup_lm_access_key
      ignore_errors: true

    - name: lookup lm_bearer_token
      ansible.builtin.set_fact:
        entries: "{{ query('logpoint.siem.audit_logs', source='logicmonitor', lm_bearer_token=lm_bearer_nl, secret_key=clean_key) }}"
      register: r_lookup_lm_bearer_token
      ignore_errors: true

    - name: Write the registered results and the minted token for the test to grep
      ansible.builtin.copy:
        dest: "{{ results_file }}"
        content: "{{ {'results': [r_module_secret_key, r_module_env_secret_key,
                   r_module_token, r_token_secret_key, r_module_director_token, r_lookup_secret_key,
                   r_lookup_token, r_lookup_lm_access_id, r_lookup_lm_access_key, r_lookup_lm_bearer_token]}
                   | to_json }}"
        mode: "0600"
"""

# task name -> the option its message must name
EXPECTED = {
    "module secret_key": "secret_key",
    "module secret_key from the environment (AWX injects it)": "secret_key",
    "module token": "token",
    "token module secret_key": "secret_key",
    "module director_token": "director_token",
    "lookup secret_key": "secret_key",
    "lookup token": "token",
    "lookup lm_access_id": "lm_access_id",
    "lookup lm_access_key": "lm_access_key",
    "lookup lm_bearer_token": "lm_bearer_token",
}


@pytest.mark.parametrize("verbosity", [0, 4])
def test_secrets_with_line_breaks_are_refused_and_never_printed(run_playbook, sim, tmp_path, verbosity):
    log_path = tmp_path / "ansible.log"
    results_file = tmp_path / "results.json"
    extra_vars = {
        "nl": "\n", "key_nl": ADMIN_SECRET_KEY + "\n", "clean_key": ADMIN_SECRET_KEY,
        "key_lead": " " + ADMIN_SECRET_KEY, "director_nl": DIRECTOR_TOKEN + "\n", "director_url": sim.url,
        "pool": POOL_UUID, "lm_id_nl": LM_ACCESS_ID + "\n", "lm_key_nl": LM_ACCESS_KEY + "\n",
        "lm_bearer_nl": LM_BEARER_TOKEN + "\n", "results_file": str(results_file),
        "token_file": str(tmp_path / "token"),
    }
    sim.clear_requests()
    env = {"ANSIBLE_LOG_PATH": str(log_path), "LOGPOINT_SECRET_KEY": ADMIN_SECRET_KEY + "\r\n"}
    run = run_playbook(PLAYBOOK, extra_vars=extra_vars, verbosity=verbosity, env=env)
    assert run.rc == 0, run.stdout[-3000:]
    for name, option in EXPECTED.items():
        assert run.status(name) == "failed", (name, run.task(name))
        message = run.task(name).get("msg", "")
        assert option + ": the value has leading or trailing white space" in message, (name, message)
    assert sim.count() == 0, "nothing with a bad secret reached the server (minting a token sends no request)"

    minted = (tmp_path / "token").read_text()
    assert minted.startswith("eyJ")
    everything = run.stdout + run.stderr + log_path.read_text() + results_file.read_text() + json.dumps(run.records)
    if verbosity:
        assert len(everything) > 20000, "a -vvvv run prints the module invocations"
    leaked = [secret for secret in (ADMIN_SECRET_KEY, DIRECTOR_TOKEN, LM_ACCESS_KEY, LM_BEARER_TOKEN, minted,
                                    "LMv1 " + LM_ACCESS_ID) if secret in everything]
    assert not leaked, "leaked: %s" % ", ".join(secret[:6] + "..." for secret in leaked)
