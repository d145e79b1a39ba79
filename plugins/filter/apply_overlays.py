# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: apply_overlays
short_description: Apply per-tenant overlays (add, drop, override rules by name) to a base rule pack
version_added: 0.2.0
description:
  - Takes a base pack of alert rules (items of the O(logpoint.siem.alert_rules#module:rules) option) and
    a list of overlays, and returns the tenant's rule set and a report of what each overlay did.
  - "An overlay is a mapping with the keys C(name) (how reports name it), C(drop) (rule names taken out),
    C(override) (rule name -> fields to change: C(risk), C(repos), C(assignee), C(enabled), C(condition),
    C(throttling), C(time_range) or any other rule option but C(name) and C(id)) and C(add) (whole rules)."
  - Merge rules. Overlays apply in list order, each to the result of the ones before. Inside one overlay
    C(drop), then C(override), then C(add). C(drop) and C(override) must name a rule that exists at that
    point, C(add) one that does not (use C(override) to change it); a rule in both C(drop) and C(override)
    of one overlay is an error. Lists and scalars replace the base value; dict fields (C(condition),
    C(throttling), C(metadata)) are merged one level deep; C(null) removes a field (or a dict key).
    The base order is kept, added rules come last.
  - Every problem fails the task with a message naming the tenant, the overlay, the key and the rule, so a
    role that applies overlays before converging writes nothing for that tenant; other hosts go on.
  - "Ansible does not merge a variable across group and host variables, so give the region's and the
    tenant's overlays different variable names and list both, for example
    C(detection_rules_overlays: {{ [overlay_region, overlay_tenant] }})."
author:
  - logpoint.siem maintainers (@logpoint-siem)
positional: _input, overlays
options:
  _input:
    description: The base rules, a list of rule mappings.
    type: list
    elements: dict
    required: true
  overlays:
    description: The overlays, applied in order. A single mapping is one overlay; V(null) or V([]) changes nothing.
    type: raw
    required: true
  tenant:
    description: Names the tenant (usually C(inventory_hostname)) in messages and in the report.
    type: str
"""

EXAMPLES = r"""
- name: The tenant's rule set from the base pack and its overlays
  ansible.builtin.set_fact:
    tenant_rules: "{{ base_rules | logpoint.siem.apply_overlays(overlays, tenant=inventory_hostname) }}"
  vars:
    base_rules:
      - {name: Brute force logons, query: 'label=Login label=Fail | chart count() by user', repos: [default],
         time_range: 10m, condition: {operator: '>=', value: 5}, risk: medium}
      - {name: Admin group change, query: 'label=Group label=Change', repos: [default], time_range: 1h,
         condition: {operator: '>', value: 0}, risk: high}
    overlays:
      - name: acme
        drop: [Admin group change]
        override:
          Brute force logons: {risk: high, condition: {value: 10}, assignee: analyst}

- name: Converge them
  logpoint.siem.alert_rules:
    rules: "{{ tenant_rules.rules }}"
    pack: soc-base

- name: Say what the overlays did on this tenant
  ansible.builtin.debug:
    msg: "{{ tenant_rules.report }}"
"""

RETURN = r"""
_value:
  description: The tenant's rules and the report.
  type: dict
  contains:
    rules:
      description: The rule set after every overlay, base order first, added rules last.
      type: list
      elements: dict
    report:
      description: What the overlays did.
      type: dict
      sample:
        tenant: acme
        overlays: [emea, acme]
        added: [ACME VPN logons]
        dropped: [Admin group change]
        overridden: {Brute force logons: [risk, condition]}
        base_rules: 2
        rules: 2
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.overlays import apply_overlays as merge
from ansible_collections.logpoint.siem.plugins.module_utils.resources.alert_rules import RULE_OPTIONS

RULE_FIELDS = dict((name, spec["type"]) for name, spec in RULE_OPTIONS.items())


def apply_overlays(rules, overlays, tenant=None):
    """``{'rules': [...], 'report': {...}}`` for the base ``rules`` with ``overlays`` applied."""
    try:
        merged, report = merge(rules, overlays, RULE_FIELDS, tenant=tenant)
    except ConfigError as exc:
        raise AnsibleFilterError("apply_overlays: %s" % exc)
    return {'rules': merged, 'report': report}


class FilterModule:
    """logpoint.siem filters."""

    def filters(self):
        return {'apply_overlays': apply_overlays}
