#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alert_rule
short_description: Create, change, enable, disable or delete one Logpoint alert rule
version_added: 0.1.0
description:
  - Manages one alert rule through Logpoint's Alert Rules API, found by O(name) or O(id).
  - Idempotent. The module reads the rule, compares only the options given in the task (stored values
    such as V("20") and V(20), or V("on") and V(true), count as equal; lists of repos, tags and user
    groups compare as sets), and sends one update with the whole rule only when something differs.
    Options left out keep their current values.
  - Every rule the collection creates carries the metadata field C(managed_by) with value
    C(logpoint.siem). It is how M(logpoint.siem.alert_rules) with O(logpoint.siem.alert_rules#module:purge=true)
    tells its rules from rules made by hand. It is never shown in O(metadata), in results or in diffs, and the
    collection does not add it to existing rules it updates.
  - Bad options fail before anything is written, with the option and the rule named.
  - A rule read by M(logpoint.siem.alert_rule_info) has exactly these options (with O(id) and O(owner))
    and can be given back to this module unchanged.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.converge
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Nothing is written; C(changed), the result and the diff are what a real run would do.
  diff_mode:
    support: full
    details: Before and after of the options given in the task.
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
options:
  pack:
    description:
      - The rule pack the rule belongs to (see M(logpoint.siem.alert_rules)). Without it a new rule belongs to no
        pack, so no pack's O(logpoint.siem.alert_rules#module:purge) deletes it, and an existing rule keeps its pack.
    type: str
    version_added: 0.2.0
  provenance:
    description:
      - Store in the rule's metadata C(managed_hash), a content hash of the rule as written, and
        C(managed_commit) (O(commit)), next to the C(managed_by) pack marker, as
        O(logpoint.siem.alert_rules#module:provenance) does; the drift report of a later
        M(logpoint.siem.alert_rules) run then tells whether the rule was edited on the server since.
      - Written with the rule's writes, never alone, so a second run writes nothing. Rules made by hand get none.
    type: bool
    default: false
    version_added: 0.2.0
  commit:
    description:
      - The git commit the rule comes from, stored with O(provenance=true).
    type: str
    version_added: 0.2.0
  name:
    description:
      - The rule's name, 5 to 255 characters without control characters (no line breaks or tabs), unique on the
        Logpoint. Finds the rule when O(id) is not given.
      - With O(id), a different name renames the rule.
    type: str
  id:
    description:
      - The rule's id, as returned by this module or M(logpoint.siem.alert_rule_info). Finds the rule
        instead of O(name). A rule cannot be created with a chosen id. At most 64 characters.
    type: str
  state:
    description:
      - V(present) creates or updates the rule, V(absent) deletes it (with its notifications).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description:
      - Whether the rule runs (activate or deactivate). A rule the module creates is enabled unless this is
        V(false); on a Logpoint that creates rules inactive, the module reads the new rule back and activates
        it in the same task.
    type: bool
  description:
    description: Free text shown with the rule; at most 4096 characters (line breaks and tabs allowed, no other control characters).
    type: str
  query:
    description: The Logpoint search query, at most 32768 characters (line breaks and tabs allowed). Required to create a rule.
    type: str
  repos:
    description:
      - Repos the query searches, by name (V(windows)), as V(<logpoint name>/<repo>), or by address
        (V(192.0.2.10:5504/windows)). A name that exists on several Logpoints means all of them.
      - Compared as a set. An unknown repo is an error that lists the repos that exist. At most 1000 repos of at
        most 255 characters each.
      - Required to create a rule.
    type: list
    elements: str
  time_range:
    description:
      - How far back each run searches, such as V(30m), V(1h) or V(2d); from 1 minute to 30 days, whole
        minutes. Required to create a rule.
      - Sent in one unit, the largest that divides it. Some Logpoints take at most 59 minutes, 720 hours or
        30 days per unit and combine units instead; a range such as V(90m) that such a Logpoint refuses in
        one unit is sent once more as 1 hour and 30 minutes.
    type: str
  search_interval:
    description:
      - Minutes between runs, 1 to 43200 (30 days); must divide O(time_range). The server's default is 10.
    type: int
  limit:
    description: The most rows a run returns, 1 to 10000 (server default 100).
    type: int
  condition:
    description: When a run raises an incident. Required to create a rule.
    type: dict
    suboptions:
      operator:
        description:
          - Compares the number of rows with O(condition.value). The API names are accepted too
            (V(greaterthan), V(lessthan), V(moreequal), V(lessequal), V(equals) or V(equalsto), V(notequal)).
        type: str
        required: true
        choices: ['>', '<', '>=', '<=', '==', '!=', greaterthan, lessthan, moreequal, lessequal, equals, equalsto,
                  notequal]
      value:
        description: The number of rows, 0 to 2147483647.
        type: int
        required: true
  risk:
    description: Risk of the incidents the rule raises. Required to create a rule.
    type: str
    choices: [low, medium, high, critical]
  aggregate:
    description: How the risk value of an incident is calculated. V(max) when a rule is created without it.
    type: str
    choices: [min, max, avg]
  flush_on_trigger:
    description: After an alert, the next one is raised only from new events.
    type: bool
  throttling:
    description:
      - Raise at most one alert per value of O(throttling.field) within O(throttling.window) minutes.
      - Give O(throttling.enabled=false) to turn throttling off.
    type: dict
    suboptions:
      enabled:
        description: Whether throttling is on.
        type: bool
        default: true
      field:
        description: The field to throttle on, at most 255 characters. Required when O(throttling.enabled=true).
        type: str
      window:
        description: Minutes, 1 to 43200 (30 days). Required when O(throttling.enabled=true).
        type: int
  attack_tags:
    description: MITRE ATT&CK tag ids (attack tag hashes). Compared as a set. At most 1000 of at most 255 characters.
    type: list
    elements: str
  log_sources:
    description: Log source names the rule is about. Compared as a set. At most 1000 of at most 255 characters.
    type: list
    elements: str
  metadata:
    description:
      - Free pairs of field and value; values are stored as text. At most 100 fields; a field name has 1 to 255
        characters, a value is a text, number or boolean (no list or dict) of at most 1024 characters, neither
        with control characters.
      - C(managed_by) is reserved for the collection's marker.
    type: dict
  assignee:
    description:
      - User name or id the rule's incidents are assigned to. To create a rule the connection's O(username)
        is taken when this is left out. At most 255 characters.
    type: str
  visible_to_usergroups:
    description: User group names or ids that see the rule's incidents. Compared as a set. At most 1000.
    type: list
    elements: str
  display_template:
    description:
      - A Jinja template for the incident's display, at most 65536 characters. The empty string turns the template off.
      - Logpoint's placeholders need escaping from Ansible, for example with C(!unsafe).
    type: str
  original_data:
    description: Whether incidents keep the original log data for review ("four eyes").
    type: bool
  delay_interval:
    description:
      - Minutes to wait before processing, 0 to 1440. Logpoint uses it only when logs are timestamped
        by C(log_ts).
    type: int
  owner:
    description:
      - Read-only. The user who owns the rule, as M(logpoint.siem.alert_rule_info) returns it; accepted so
        that a rule read back can be given to this module, ignored (with a warning when it differs, and when
        a new rule gets the connection's user instead).
    type: str
notes:
  - Needs the C(alertrules:read) and C(alertrules:write) scopes; repo names need C(logsource:read), user
    and group names the classic credentials O(username) and O(secret_key).
  - Finding a rule by O(name) reads the rule listing (100 rules per request); O(id) reads one rule. A Logpoint
    whose listing carries only a summary of each rule costs one more read, of the rule found.
  - Creating a rule costs one read more than the create itself, to learn whether the Logpoint made it
    active (and one activation when it did not).
  - If the reply to a write is lost, the module reads the rule again rather than sending the write
    twice (after a reply that timed out, again after 1 and 2 seconds); running the task again converges in any case.
  - A create refused because another run created a rule of that name in the meantime reads that rule and
    converges onto it (an update when it differs), so overlapping runs of one task all succeed.
  - Bad options (control characters, lengths and numbers outside the ranges above) fail before any request.
seealso:
  - module: logpoint.siem.alert_rules
  - module: logpoint.siem.alert_rule_info
  - module: logpoint.siem.notification
  - name: Alert Rules API
    description: Logpoint's description of the API.
    link: https://docs.logpoint.com/siem/readme/siem_api_reference/alert_rules_api
"""

EXAMPLES = r"""
- name: Brute force detection
  logpoint.siem.alert_rule:
    name: Brute force on Windows logons
    description: Many failed logons for one user
    query: label=User label=Login label=Fail | chart count() by user
    repos: [windows]
    time_range: 1h
    search_interval: 10
    condition:
      operator: ">"
      value: 20
    risk: high
    aggregate: max
    throttling:
      field: user
      window: 60
    attack_tags: [T1110]
    metadata:
      playbook: https://wiki.example.com/soc/brute-force
    assignee: analyst
    visible_to_usergroups: [SOC Analyst]
  register: brute_force

- name: Pause the rule
  logpoint.siem.alert_rule:
    id: "{{ brute_force.alert_rule.id }}"
    enabled: false

- name: Raise the threshold, see what would change
  logpoint.siem.alert_rule:
    name: Brute force on Windows logons
    condition:
      operator: ">"
      value: 50
  check_mode: true
  diff: true

- name: Delete it
  logpoint.siem.alert_rule:
    name: Brute force on Windows logons
    state: absent
"""

RETURN = r"""
alert_rule:
  description:
    - The rule after the task (in check mode, as it would be), in the options of this module, with
      its C(id) (null for a rule check mode would create) and C(owner). Empty after O(state=absent).
  returned: success
  type: dict
  sample:
    id: 65b1c0ffee0000000000beef
    owner: admin
    name: Brute force on Windows logons
    enabled: true
    description: Many failed logons for one user
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
    attack_tags: [T1110]
    log_sources: []
    metadata: {playbook: https://wiki.example.com/soc/brute-force}
    assignee: analyst
    visible_to_usergroups: [SOC Analyst]
    display_template: ""
    original_data: false
outcome:
  description: What the task did (in check mode, would do) - V(created), V(updated), V(unchanged) or V(deleted).
  returned: success
  type: str
  sample: updated
changes:
  description: The options that differed from the rule on the server.
  returned: success
  type: list
  elements: str
  sample: [condition, enabled]
"""

from ansible_collections.logpoint.siem.plugins.module_utils._converge import CONVERGE_ARGSPEC, check_concurrency
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources.alert_rules import RULE_OPTIONS
from ansible_collections.logpoint.siem.plugins.module_utils.resources.detection import converge_one


ARGUMENT_SPEC = dict(RULE_OPTIONS, pack={"type": "str"}, provenance={"type": "bool", "default": False},
                     commit={"type": "str"}, **CONVERGE_ARGSPEC)


def run(params, client, check_mode, warn):
    max_concurrency = check_concurrency(params["max_concurrency"])
    return converge_one(client, dict((key, params[key]) for key in RULE_OPTIONS), check_mode, max_concurrency,
                        pack=params["pack"], provenance=params["provenance"], commit=params["commit"])


def main():
    run_module(ARGUMENT_SPEC, run, required_one_of=[("name", "id")])


if __name__ == "__main__":
    main()
