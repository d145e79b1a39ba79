"""Self-test of the in-process tier: call_module, call_lookup and the simulator's control API."""

from __future__ import annotations

import json
import os

import harness


def test_module_result_is_captured(call_module):
    result = call_module('ansible.builtin.ping', {'data': 'harness-ok'})
    assert result.rc == 0, result
    assert not result.failed and not result.changed
    assert result.result['ping'] == 'harness-ok'
    assert 'harness-ok' in result.stdout
    assert 'invocation' not in result.result, 'the result is what Ansible shows, without the invocation'


def test_module_crash_is_a_failed_result_with_the_traceback(call_module):
    result = call_module('ansible.builtin.ping', {'data': 'crash'})
    assert result.failed and result.rc != 0
    assert result.msg.startswith('MODULE FAILURE') and 'boom' in result.msg
    assert 'Traceback' in result.result['exception']


def test_argument_spec_errors_come_from_ansible_module(call_module, sim):
    result = call_module('alert_rule', {'name': 'Some rule', 'risk': 'severe'})
    assert result.failed and result.msg == 'value of risk must be one of: low, medium, high, critical, got: severe'
    unknown = call_module('token', {'scopes': ['search:read'], 'colour': 'blue'})
    assert unknown.failed and 'Unsupported parameters for (logpoint.siem.token) module: colour' in unknown.msg
    assert sim.count() == 0


def test_check_and_diff_reach_the_module(call_module, tmp_path):
    target = tmp_path / 'file.txt'
    target.write_text('old content\n')
    args = {'path': str(target), 'regexp': '^old', 'line': 'new content'}
    checked = call_module('ansible.builtin.lineinfile', args, check=True, diff=True)
    assert checked.changed, checked
    assert target.read_text() == 'old content\n'
    assert 'new content' in json.dumps(checked.diff)
    applied = call_module('ansible.builtin.lineinfile', args)
    assert applied.changed and target.read_text() == 'new content\n'
    assert not call_module('ansible.builtin.lineinfile', args).changed


def test_diff_only_in_diff_mode(call_module, sim):
    assert call_module('static_list', {'name': 'harness_list', 'values': ['a']}, diff=True).diff
    assert call_module('static_list', {'name': 'harness_list', 'values': ['b']}).diff is None


def test_no_log_values_are_masked_and_warnings_are_per_run(call_module):
    minted = call_module('token', {'scopes': ['search:read']})
    assert any('no_log' in warning for warning in minted.warnings)
    assert harness.ADMIN_SECRET_KEY not in minted.output
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in minted.output  # the invocation, masked by AnsibleModule
    quiet = call_module('token', {'scopes': ['search:read']}, no_log=True)
    assert quiet.warnings == [], 'a warning of an earlier run must not leak into the next one'


def test_module_environment_points_at_the_simulator(call_module, sim):
    result = call_module('ansible.builtin.command', harness.environment_probe_args(),
                         env={'LOGPOINT_CA_PATH': None, 'LOGPOINT_TIMEOUT': 7})
    harness.assert_probe_saw_the_simulator(result, sim)
    assert 'LOGPOINT_TIMEOUT' not in os.environ, 'the environment of a run is restored after it'


def test_lookup_result_and_error(call_lookup, sim):
    repos = call_lookup('repos', repo='_logpoint')
    assert repos.ok and {entry['repo'] for entry in repos.value} == {'_logpoint'}, repos
    refused = call_lookup('repos', env={'LOGPOINT_SECRET_KEY': 'wrong-secret-key-wrong-secret-key'})
    assert refused.failed and refused.msg.startswith('logpoint.siem.repos: ')
    refused.assert_no_secrets('wrong-secret-key-wrong-secret-key')


def _get_users(sim):
    return sim.api('GET', '/get_users', json={'username': harness.ADMIN_USERNAME,
                                              'secret_key': harness.ADMIN_SECRET_KEY})


def test_simulator_counts_requests(sim):
    assert sim.count() == 0  # the fixture reset the simulator

    response = _get_users(sim)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body['success'] is True
    assert 'admin' in [user['name'] for user in body['users']]

    assert sim.count('/get_users') == 1
    assert sim.count('/get_users', method='GET') == 1
    assert sim.count('/get_users', method='POST') == 0
    assert sim.count('/AlertRules/') == 0

    sim.clear_requests()
    assert sim.count() == 0


def test_simulator_rejects_a_wrong_key(sim):
    response = sim.api('GET', '/get_users', json={'username': 'admin', 'secret_key': 'wrong-key-0123456789'})
    body = response.json()
    assert body.get('success') is False
    assert 'users' not in body


def test_simulator_is_reset_between_tests(sim):
    assert sim.count() == 0
    assert sim.state()
