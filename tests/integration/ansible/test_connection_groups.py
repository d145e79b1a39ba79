# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Director options belong to the incident modules only (issue 11): they are set through the
action group ``incidents``; the other modules refuse them instead of documenting options they ignore."""
from __future__ import annotations

import harness

DIRECTOR_ENV = ("LOGPOINT_DIRECTOR_URL", "LOGPOINT_DIRECTOR_TOKEN", "LOGPOINT_POOL_UUID", "LOGPOINT_IDENTIFIER")

PLAYBOOK = """
- name: Classic options for every module, Director options for the incident modules
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/logpoint.siem.incidents:
      director_url: "{{ director_url }}"
      director_token: "{{ director_token }}"
      pool_uuid: "{{ pool_uuid }}"
      logpoint_identifier: "{{ logpoint_identifier }}"
  tasks:
    - name: A module of the incidents group reaches the Director through module_defaults
      logpoint.siem.incident_info:
        api: director
      register: director_read

    - name: Another module gets none of them
      logpoint.siem.alert_rule_info:
      register: rules_read

    - name: and refuses a Director option given to it
      logpoint.siem.alert_rule_info:
        director_url: "{{ director_url }}"
      register: refused
      ignore_errors: true

    - name: What came back
      ansible.builtin.assert:
        that:
          - director_read.api == 'director'
          - director_read.incidents | length > 0
          - rules_read is succeeded
          - refused is failed
          - "'director_url' in refused.msg and 'nsupported parameters' in refused.msg"
"""


def test_director_options_come_from_the_incidents_group_and_other_modules_refuse_them(run_playbook, sim):
    result = run_playbook(PLAYBOOK, env=dict((name, None) for name in DIRECTOR_ENV), extra_vars={
        "director_url": sim.url, "director_token": harness.DIRECTOR_TOKEN, "pool_uuid": harness.POOL_UUID,
        "logpoint_identifier": harness.LOGPOINT_IDENTIFIER})
    assert result.ok, result
    assert sim.count("POST /configapi") >= 1
    result.assert_no_secrets()
