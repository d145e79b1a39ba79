"""Self-test of the Ansible tier's harness: `ansible` / `ansible-playbook` runs and pytest-ansible runs."""

from __future__ import annotations

import json

import harness


def test_module_result_is_captured(ansible_module):
    result = ansible_module('ansible.builtin.ping', {'data': 'harness-ok'})
    assert result.rc == 0, result
    assert not result.failed
    assert not result.changed
    assert result.result['ping'] == 'harness-ok'
    assert 'harness-ok' in result.stdout


def test_module_failure_is_reported(ansible_module):
    result = ansible_module('ansible.builtin.ping', {'data': 'crash'})
    assert result.failed
    assert result.rc != 0
    assert 'boom' in json.dumps(result.result)


def test_unknown_module_fails_with_a_message(ansible_module):
    result = ansible_module('no_such_module_here')
    assert result.failed
    assert 'logpoint.siem.no_such_module_here' in result.msg


def test_check_and_diff_reach_the_module(ansible_module, tmp_path):
    target = tmp_path / 'file.txt'
    args = {'dest': str(target), 'content': 'new content\n'}

    checked = ansible_module('ansible.builtin.copy', args, check=True, diff=True)
    assert checked.changed, checked
    assert not target.exists()
    assert 'new content' in json.dumps(checked.diff)

    applied = ansible_module('ansible.builtin.copy', args)
    assert applied.changed and target.read_text() == 'new content\n'
    assert not applied.diff

    again = ansible_module('ansible.builtin.copy', args)
    assert not again.changed


def test_module_environment_points_at_the_simulator(ansible_module, sim):
    result = ansible_module('ansible.builtin.command', harness.environment_probe_args(),
                            env={'LOGPOINT_CA_PATH': None, 'LOGPOINT_TIMEOUT': 7})
    harness.assert_probe_saw_the_simulator(result, sim)


def test_playbook_from_text_with_typed_extra_vars(run_playbook):
    result = run_playbook("""
- name: Harness self-test
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Add one
      ansible.builtin.set_fact:
        answer: "{{ number + 1 }}"
    - name: Show it
      ansible.builtin.debug:
        msg: "answer={{ answer }}"
    - name: Fail politely
      ansible.builtin.fail:
        msg: expected failure
      ignore_errors: true
""", extra_vars={'number': 41})
    assert result.ok, result
    assert result.task('Show it')['msg'] == 'answer=42'
    assert result.status('Fail politely') == 'failed'
    assert result.failed_tasks == []
    assert result.stats['localhost']['ignored'] == 1
    result.assert_no_secrets()


def test_check_mode_playbook(run_playbook, tmp_path):
    target = tmp_path / 'made.txt'
    playbook = """
- name: Check mode
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write
      ansible.builtin.copy:
        dest: "{{ target }}"
        content: hello
"""
    result = run_playbook(playbook, extra_vars={'target': str(target)}, check=True, diff=True)
    assert result.ok, result
    assert result.changed_tasks == ['Write']
    assert not target.exists()


def test_adhoc_module_runs_through_ansible(adhoc_module, sim):
    minted = adhoc_module('token', {'scopes': ['search:read']})
    assert not minted.failed and not minted.changed, minted
    assert minted.result['claims']['scope'] == 'search:read'
    assert any('no_log' in warning for warning in minted.warnings)
    refused = adhoc_module('token', {'scopes': ['search:read'], 'expires_in': '30m',
                                     'expires_at': '2030-01-01T00:00:00Z'})
    assert refused.failed and 'mutually exclusive' in refused.msg
    listed = adhoc_module('static_list_info', {'include_values': False})
    assert not listed.failed and sim.count('GET /UserDefinedList/lists_api') == 1, listed
