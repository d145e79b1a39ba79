#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alert_rules
short_description: Converge many Logpoint alert rules in one task
version_added: 0.1.0
description:
  - Brings a whole set of alert rules to the state described in O(rules), with the requests the API
    makes necessary and no more - one read of the rule listing (100 rules per request), at most one read
    of the repos and one of the users, then one request per rule that must be created or updated, one
    request for all deletions, one for all activations and one for all deactivations. A run that finds
    nothing to change over 200 rules costs 4 requests.
  - On a Logpoint whose listing carries only a summary of each rule (id, name, state, owner), the rules
    compared are read one by one as well (concurrently, O(max_concurrency) at a time; with O(purge=true)
    every rule, to find the collection's marker).
  - Rules created without O(logpoint.siem.alert_rule#module:enabled=false) are active after the task - their
    state is read back (the listing, or one read per new rule when that is fewer requests) and the ones a
    Logpoint created inactive are activated in the one activation request.
  - Each rule is compared like M(logpoint.siem.alert_rule) compares it - only the options given, with
    normalisation of loosely typed stored values, lists as sets.
  - Every rule is checked before anything is written; a bad rule fails the task with its position and
    name and nothing is sent.
  - Rules the collection writes carry the metadata field C(managed_by) - C(logpoint.siem:<pack>) for the
    rules of a O(pack), C(logpoint.siem) for rules of no pack (what M(logpoint.siem.alert_rule) writes
    without its O(logpoint.siem.alert_rule#module:pack), and what version 0.1.0 wrote on every rule).
    With O(purge=true), only the rules of O(pack) that are not in O(rules) are deleted - never rules made
    by hand, by M(logpoint.siem.alert_rule) or by another pack, so two rule sets (two repositories, two
    job templates) can each purge their own.
  - A rule the collection wrote joins O(pack) when the pack lists it (rules written by 0.1.0 this way too);
    a rule made by hand is compared and updated but never adopted, so it is never purged.
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
    details: Nothing is written; the result lists what would be done, with RV(rules[].would_be).
  diff_mode:
    support: full
    details: One before/after per rule that changes, of the options given for that rule.
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
options:
  rules:
    description:
      - The rules, each a dictionary with the options of M(logpoint.siem.alert_rule) but its
        O(logpoint.siem.alert_rule#module:pack) (the pack of all of them is O(pack)), with the same types,
        choices, defaults and meaning. Each rule is checked against them before anything is written; an error names
        the rule by its position and name.
      - The RV(logpoint.siem.alert_rule_info#module:alert_rules) of M(logpoint.siem.alert_rule_info) can be
        given as it is.
      - A rule with O(rules[].state=absent) is deleted if it exists.
      - Each rule may be listed once; at most 10000 rules. Every rule is checked before the first request.
      - Two keys of a rule are not options of M(logpoint.siem.alert_rule) - C(source), the file the rule comes
        from (stored with O(provenance=true)), and C(expect), the rows its query should find with
        O(validate=search) (C(min_rows), C(max_rows), C(window) such as C(1h), default 15 minutes).
    type: list
    elements: dict
    required: true
    # BEGIN suboptions: written from the options of alert_rule by tools/gen_doc_fragments.py; do not edit
    suboptions:
      name:
        description:
        - The rule's name, 5 to 255 characters without control characters (no line breaks or tabs), unique on the Logpoint.
          Finds the rule when O(rules[].id) is not given.
        - With O(rules[].id), a different name renames the rule.
        type: str
      id:
        description:
        - The rule's id, as returned by this module or M(logpoint.siem.alert_rule_info). Finds the rule instead of O(rules[].name).
          A rule cannot be created with a chosen id. At most 64 characters.
        type: str
      state:
        description:
        - V(present) creates or updates the rule, V(absent) deletes it (with its notifications).
        type: str
        choices:
        - present
        - absent
        default: present
      enabled:
        description:
        - Whether the rule runs (activate or deactivate). A rule the module creates is enabled unless this is V(false);
          on a Logpoint that creates rules inactive, the module reads the new rule back and activates it in the same
          task.
        type: bool
      description:
        description: Free text shown with the rule; at most 4096 characters (line breaks and tabs allowed, no other
          control characters).
        type: str
      query:
        description: The Logpoint search query, at most 32768 characters (line breaks and tabs allowed). Required to
          create a rule.
        type: str
      repos:
        description:
        - Repos the query searches, by name (V(windows)), as V(<logpoint name>/<repo>), or by address (V(192.0.2.10:5504/windows)).
          A name that exists on several Logpoints means all of them.
        - Compared as a set. An unknown repo is an error that lists the repos that exist. At most 1000 repos of at most
          255 characters each.
        - Required to create a rule.
        type: list
        elements: str
      time_range:
        description:
        - How far back each run searches, such as V(30m), V(1h) or V(2d); from 1 minute to 30 days, whole minutes. Required
          to create a rule.
        - Sent in one unit, the largest that divides it. Some Logpoints take at most 59 minutes, 720 hours or 30 days
          per unit and combine units instead; a range such as V(90m) that such a Logpoint refuses in one unit is sent
          once more as 1 hour and 30 minutes.
        type: str
      search_interval:
        description:
        - Minutes between runs, 1 to 43200 (30 days); must divide O(rules[].time_range). The server's default is 10.
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
            - Compares the number of rows with O(rules[].condition.value). The API names are accepted too (V(greaterthan),
              V(lessthan), V(moreequal), V(lessequal), V(equals) or V(equalsto), V(notequal)).
            type: str
            required: true
            choices:
            - '>'
            - <
            - '>='
            - <=
            - ==
            - '!='
            - greaterthan
            - lessthan
            - moreequal
            - lessequal
            - equals
            - equalsto
            - notequal
          value:
            description: The number of rows, 0 to 2147483647.
            type: int
            required: true
      risk:
        description: Risk of the incidents the rule raises. Required to create a rule.
        type: str
        choices:
        - low
        - medium
        - high
        - critical
      aggregate:
        description: How the risk value of an incident is calculated. V(max) when a rule is created without it.
        type: str
        choices:
        - min
        - max
        - avg
      flush_on_trigger:
        description: After an alert, the next one is raised only from new events.
        type: bool
      throttling:
        description:
        - Raise at most one alert per value of O(rules[].throttling.field) within O(rules[].throttling.window) minutes.
        - Give O(rules[].throttling.enabled=false) to turn throttling off.
        type: dict
        suboptions:
          enabled:
            description: Whether throttling is on.
            type: bool
            default: true
          field:
            description: The field to throttle on, at most 255 characters. Required when O(rules[].throttling.enabled=true).
            type: str
          window:
            description: Minutes, 1 to 43200 (30 days). Required when O(rules[].throttling.enabled=true).
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
        - Free pairs of field and value; values are stored as text. At most 100 fields; a field name has 1 to 255 characters,
          a value is a text, number or boolean (no list or dict) of at most 1024 characters, neither with control characters.
        - C(managed_by) is reserved for the collection's marker.
        type: dict
      assignee:
        description:
        - User name or id the rule's incidents are assigned to. To create a rule the connection's O(username) is taken
          when this is left out. At most 255 characters.
        type: str
      visible_to_usergroups:
        description: User group names or ids that see the rule's incidents. Compared as a set. At most 1000.
        type: list
        elements: str
      display_template:
        description:
        - A Jinja template for the incident's display, at most 65536 characters. The empty string turns the template
          off.
        - Logpoint's placeholders need escaping from Ansible, for example with C(!unsafe).
        type: str
      original_data:
        description: Whether incidents keep the original log data for review ("four eyes").
        type: bool
      delay_interval:
        description:
        - Minutes to wait before processing, 0 to 1440. Logpoint uses it only when logs are timestamped by C(log_ts).
        type: int
      owner:
        description:
        - Read-only. The user who owns the rule, as M(logpoint.siem.alert_rule_info) returns it; accepted so that a
          rule read back can be given to this module, ignored (with a warning when it differs, and when a new rule gets
          the connection's user instead).
        type: str
    # END suboptions
  pack:
    description:
      - The rule pack O(rules) belong to - a name of 1 to 64 letters, digits, C(.), C(_) and C(-), for example
        the name of the repository that holds the rules. It is stored in each rule's C(managed_by) marker.
      - Required with O(purge=true).
    type: str
    version_added: 0.2.0
  purge:
    description:
      - Delete the rules of O(pack) that are not in O(rules). Rules of other packs, of no pack and rules made
        by hand are never deleted.
      - Refused when O(rules) is empty, unless O(allow_empty=true) - an empty or missing rule set never means
        "delete every rule of the pack" by accident. Check mode lists what would be deleted.
    type: bool
    default: false
  allow_empty:
    description:
      - With O(purge=true), accept an empty O(rules) and delete every rule of O(pack).
    type: bool
    default: false
    version_added: 0.2.0
  validate:
    description:
      - V(offline) - before anything is written, check every rule - each option, the structure of its query
        (quotes, parentheses, C(IN [...]) lists, commands after each C(|)), and that the repos, users, user
        groups and lists it names exist - and report every problem of every rule at once.
      - V(search) - also run each new or changed query, and each rule with C(expect), through the Search API
        over a short window on the rule's repos, before anything is written (check mode too). A query the
        server refuses, or a row count outside C(expect), fails the task with the server's message and
        nothing is written. Needs O(username) and O(secret_key).
      - V(none) - no check beyond the options' types (the first bad option of a rule still fails the task).
    type: str
    choices: [offline, search, none]
    default: offline
    version_added: 0.2.0
  provenance:
    description:
      - Store in the metadata of every rule written the rule's C(source), C(managed_hash) (a content hash of
        the rule as written) and C(managed_commit) (O(commit)), next to the C(managed_by) pack marker.
      - Provenance is written with a rule's writes, never alone - a rule that is otherwise unchanged keeps
        what it stores, so a second run writes nothing. Rules made by hand get none.
      - RV(drift) then tells the rules edited on the server since the collection wrote them.
    type: bool
    default: false
    version_added: 0.2.0
  commit:
    description:
      - The git commit the rules come from, stored with O(provenance=true).
    type: str
    version_added: 0.2.0
notes:
  - Needs the C(alertrules:read) and C(alertrules:write) scopes; repo names need C(logsource:read), user
    and group names the classic credentials O(username) and O(secret_key).
  - If the reply to a write is lost, the module reads the server again rather than sending the write
    twice. If a write fails, the rules written before it stay written; the error says which. Running the
    task again converges.
seealso:
  - module: logpoint.siem.alert_rule
  - module: logpoint.siem.alert_rule_info
"""

EXAMPLES = r"""
- name: Converge the detection pack, delete the rules of this pack that left it
  logpoint.siem.alert_rules:
    pack: soc-windows
    purge: true
    rules:
      - name: Brute force on Windows logons
        query: label=User label=Login label=Fail | chart count() by user
        repos: [windows]
        time_range: 1h
        condition: {operator: ">", value: 20}
        risk: high
        throttling: {field: user, window: 60}
      - name: Admin group membership change
        query: label=Group label=Member label=Add group="Domain Admins"
        repos: [windows]
        time_range: 10m
        search_interval: 5
        condition: {operator: ">=", value: 1}
        risk: critical
        assignee: analyst
      - name: Old VPN rule
        state: absent
  register: pack

- name: Show what happened
  ansible.builtin.debug:
    var: pack.summary

- name: Copy every rule as it is into a second task (export and re-apply)
  logpoint.siem.alert_rule_info:
  register: exported

- name: Apply the exported rules (a no-op against the same Logpoint)
  logpoint.siem.alert_rules:
    rules: "{{ exported.alert_rules }}"
"""

RETURN = r"""
rules:
  description:
    - One entry per rule of O(rules), in order, then one per rule deleted by O(purge), by name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name.
      type: str
    id:
      description: The rule's id (null for a rule check mode would create).
      type: str
    outcome:
      description: V(created), V(updated), V(unchanged) or V(deleted).
      type: str
    changes:
      description: The options that differed.
      type: list
      elements: str
    would_be:
      description:
        - Only in check mode - true when the outcome is what a real run would do (nothing was written),
          false for unchanged rules.
      type: bool
      returned: check mode
  sample:
    - {name: Brute force on Windows logons, id: 65b1c0ffee0000000000beef, outcome: updated, changes: [condition]}
    - {name: Admin group membership change, id: 65b1c0ffee0000000000bef0, outcome: unchanged, changes: []}
summary:
  description: How many rules got each outcome.
  returned: success
  type: dict
  sample: {created: 1, updated: 1, unchanged: 198, deleted: 0}
drift:
  description:
    - The drift report - per rule its outcome, whether it was edited on the server since the collection
      wrote it (its stored C(managed_hash) no longer matches it), the options that differ and its
      provenance; C(counts), C(drifted) (any rule not unchanged or edited on the server) and C(text), a
      readable summary.
  returned: success
  type: dict
  version_added: 0.2.0
  sample:
    rules:
      - {name: Brute force on Windows logons, id: 65b1c0ffee0000000000beef, outcome: updated, changes: [condition],
         edited_on_server: true, pack: soc-windows, source: brute_force.yml, commit: 3f2a9c1, sigma_id: null,
         stored_hash: "sha256:9b1d..."}
    counts: {created: 0, updated: 1, deleted: 0, unchanged: 199, edited_on_server: 1}
    drifted: true
    text: "0 created, 1 updated, 0 deleted, 199 unchanged; 1 edited on the server since the collection wrote them\n"
"""

from ansible_collections.logpoint.siem.plugins.module_utils._converge import CONVERGE_ARGSPEC, check_concurrency
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources import detection

ARGUMENT_SPEC = dict({
    "rules": {"type": "list", "elements": "dict", "required": True},
    "purge": {"type": "bool", "default": False},
    "pack": {"type": "str"},
    "allow_empty": {"type": "bool", "default": False},
    "validate": {"type": "str", "choices": list(detection.VALIDATE), "default": "offline"},
    "provenance": {"type": "bool", "default": False},
    "commit": {"type": "str"},
}, **CONVERGE_ARGSPEC)


def run(params, client, check_mode, warn):
    max_concurrency = check_concurrency(params["max_concurrency"])
    return detection.converge(client, params["rules"], params["purge"], check_mode, max_concurrency,
                              pack=params["pack"], allow_empty=params["allow_empty"], validate=params["validate"],
                              provenance=params["provenance"], commit=params["commit"])


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
