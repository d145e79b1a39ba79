#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alert_rule_info
short_description: Read Logpoint alert rules and their notifications
version_added: 0.1.0
description:
  - Lists alert rules (every page of the listing, 100 rules per request) or reads one by id. A Logpoint whose
    listing carries only a summary of each rule is asked for each rule selected as well (concurrently).
  - The owner is read whichever field the Logpoint names it in (C(owner) or C(user)).
  - Each rule comes back in the options of M(logpoint.siem.alert_rule), so it can be given to
    M(logpoint.siem.alert_rule) or, as a list, to M(logpoint.siem.alert_rules) unchanged.
  - The collection's marker (metadata field C(managed_by)) is not shown in the rules' C(metadata).
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
    details: Never changes anything.
options:
  name:
    description:
      - Only the rule with this name, or the rules whose names match it as a shell-style pattern
        (V(Brute force*), V(*VPN*)). At most 255 characters, no control characters.
    type: str
  id:
    description: Only the rule with this id (one request). At most 64 characters, no control characters.
    type: str
  include_notifications:
    description:
      - Also read each rule's email and HTTP notification (two requests per rule) into RV(notifications).
    type: bool
    default: false
notes:
  - Needs the C(alertrules:read) scope. User and group names need the classic credentials O(username)
    and O(secret_key); with a token only, ids are shown (and a warning says why).
seealso:
  - module: logpoint.siem.alert_rule
  - module: logpoint.siem.alert_rules
"""

EXAMPLES = r"""
- name: Every alert rule
  logpoint.siem.alert_rule_info:
  register: all_rules

- name: The brute force rules, with their notifications
  logpoint.siem.alert_rule_info:
    name: Brute force*
    include_notifications: true
  register: brute_force

- name: Names of the rules that are off
  ansible.builtin.debug:
    msg: "{{ all_rules.alert_rules | rejectattr('enabled') | map(attribute='name') | list }}"
"""

RETURN = r"""
alert_rules:
  description:
    - The rules, in the options of M(logpoint.siem.alert_rule) (repos as addresses, the assignee and user
      groups by name, O(logpoint.siem.alert_rule#module:time_range) in its shortest form such as V(1h)).
    - C(id) and C(owner) are read-only; M(logpoint.siem.alert_rule) finds the rule by C(id) and ignores C(owner).
  returned: success
  type: list
  elements: dict
  sample:
    - id: 65b1c0ffee0000000000beef
      owner: admin
      name: Brute force on Windows logons
      enabled: true
      description: ""
      query: label=User label=Login label=Fail | chart count() by user
      repos: [192.0.2.10:5504/windows]
      time_range: 1h
      search_interval: 10
      limit: 100
      delay_interval: 0
      condition: {operator: ">", value: 20}
      risk: high
      aggregate: max
      flush_on_trigger: false
      throttling: {enabled: true, field: user, window: 60}
      attack_tags: []
      log_sources: []
      metadata: {}
      assignee: admin
      visible_to_usergroups: []
      display_template: ""
      original_data: false
notifications:
  description:
    - With O(include_notifications=true), the notifications of the rules in RV(alert_rules), each in the options of
      M(logpoint.siem.notification) with C(alert_rules) naming its rule; secrets replaced by C(********).
  returned: when O(include_notifications=true)
  type: list
  elements: dict
  sample:
    - type: http
      alert_rules: [Brute force on Windows logons]
      enabled: true
      http_url: https://hooks.example.com/logpoint
      method: POST
      body: ""
      query_string: ""
      dispatch: auto
      threshold: null
      auth: {type: bearer, value: "********"}
"""

from ansible_collections.logpoint.siem.plugins.module_utils.api.alert_rules import select_rules
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources.alert_rules import check_selector, rule_options
from ansible_collections.logpoint.siem.plugins.module_utils.resources.notifications import notifications_of

ARGUMENT_SPEC = {
    "name": {"type": "str"},
    "id": {"type": "str"},
    "include_notifications": {"type": "bool", "default": False},
}


def run(params, client, check_mode, warn):
    check_selector(params["name"], params["id"])
    rules = select_rules(client, name=params["name"], rule_id=params["id"])
    result = {"alert_rules": [rule_options(rule, client) for rule in rules]}
    if params["include_notifications"]:
        result["notifications"] = notifications_of(client, rules)
    return False, result, None


def main():
    run_module(ARGUMENT_SPEC, run, mutually_exclusive=[("name", "id")])


if __name__ == "__main__":
    main()
