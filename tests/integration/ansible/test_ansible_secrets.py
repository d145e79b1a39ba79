# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets under Ansible itself: -vvvv output of real ansible-playbook runs never holds a secret key or token."""
from __future__ import annotations

ADMIN_KEY = "simulator-admin-secret-0123456789"
JWT_HS256_HEADER_PREFIX = "eyJhbGciOiJIUzI1NiIs"  # base64 of '{"alg":"HS256",' : the start of every minted token


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


def test_static_list_vvvv_with_diff_shows_no_secret_or_token(ansible_module, sim):
    result = ansible_module("static_list", {"name": "bad_ips", "values": ["a"]}, verbosity=4, diff=True)
    assert not result.failed, result
    assert "module_args" in result.output, "a -vvvv run prints the module invocation"
    result.assert_no_secrets()
    assert JWT_HS256_HEADER_PREFIX not in result.output


AUDIT_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Logpoint audit trail
      ansible.builtin.debug:
        msg: "{{ query('logpoint.siem.audit_logs', since='1h') | length }} entries"

    - name: LogicMonitor audit log
      ansible.builtin.debug:
        msg: "{{ query('logpoint.siem.audit_logs', source='logicmonitor', since='1h') | length }} entries"

    - name: LogicMonitor with a wrong key
      ansible.builtin.debug:
        # built from two parts: the playbook's own source line (shown with errors) does not hold the key
        msg: "{{ query('logpoint.siem.audit_logs', source='logicmonitor', lm_access_key='wrong-lm-key' ~ '-000') }}"
      ignore_errors: true
"""


def test_audit_logs_vvvv_shows_no_secret(run_playbook, sim):
    run = run_playbook(AUDIT_PLAYBOOK, verbosity=4)
    assert run.ok, run
    assert run.status("Logpoint audit trail") == "ok" and run.status("LogicMonitor audit log") == "ok"
    assert run.task("LogicMonitor audit log")["msg"] != "0 entries"
    assert run.status("LogicMonitor with a wrong key") == "failed"
    assert "LogicMonitor refused the request: Authentication failed: signature mismatch" in run.output
    assert "lm_access_key" in run.output
    run.assert_no_secrets("wrong-lm-key-000")
    assert JWT_HS256_HEADER_PREFIX not in run.output
