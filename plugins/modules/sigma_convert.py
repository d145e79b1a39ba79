#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sigma_convert
short_description: Convert a directory of Sigma rules into Logpoint alert rules
version_added: 0.2.0
description:
  - Reads every C(*.yml) and C(*.yaml) file under O(src) (sub-directories included, in path order) on the
    controller, converts each Sigma rule with pySigma and the Logpoint backend (C(pysigma-backend-logpoint)),
    and returns the rules in the format of the O(logpoint.siem.alert_rules#module:rules) option of
    M(logpoint.siem.alert_rules), with a report of every Sigma rule - converted, or skipped and why.
  - Sends nothing to a Logpoint and needs no connection; the conversion runs on the controller (an action
    plugin). Feed RV(rules) to M(logpoint.siem.alert_rules) with a O(logpoint.siem.alert_rules#module:pack), or
    use the role C(logpoint.siem.sigma_rules), which does both.
  - The Logpoint pipeline is chosen by the rule's C(logsource.product) - C(windows), C(linux), C(azure) and
    C(m365) (the pipelines the backend has). Other products are skipped unless O(without_pipeline=true).
  - B(Name) - the title (after O(name_prefix)). A title that two converted rules share, or that a rule on the
    Logpoint other than this Sigma rule holds (from O(existing)), gets the first 8 characters of the Sigma id,
    V(Suspicious Service Installed [5b1f6b4e]) - the same names whatever the file order.
  - B(Sigma id) - the stable key, stored in the metadata field C(sigma_id) (with C(sigma_pack) when O(pack) is
    given). A rule of O(existing) with the same C(sigma_id) and C(sigma_pack) but another name - the Sigma rule
    was renamed - gets its C(id) in the converted rule, so M(logpoint.siem.alert_rules) renames it in place.
  - B(Level) - C(risk) (C(low), C(medium), C(high), C(critical)); C(informational) is skipped unless
    O(include_informational=true) (then C(low)); no level is skipped.
  - B(Status) - C(enabled) - C(stable) and C(test) on, C(experimental) (and no status) off unless
    O(enable_experimental=true), C(deprecated) and C(unsupported) skipped.
  - B(ATT&CK tags) - metadata C(attack_techniques) (V(T1059.001, T1105)) and C(attack_tactics)
    (V(execution)); other tags in C(sigma_tags). The alert rule API takes attack tags only as the Logpoint's
    own attack tag ids, which it cannot list, so C(attack_tags) holds only the techniques given in
    O(attack_tags).
  - B(Description) - the description, then the references, false positives and author.
    Also in metadata - C(sigma_level), C(sigma_status), C(sigma_file) (the path under O(src)).
  - B(Logsource) - repos through O(repos); a rule whose logsource is not mapped is skipped.
  - B(Correlation rules) of type C(event_count) become the query of their rules followed by
    "| chart count() as event_count by <group-by> | search event_count >= <n>" (the condition's operator and
    count), over the C(timespan), alerting on any row; the search interval is the
    largest divisor of the timespan up to O(search_interval). Other correlation types are skipped. A rule that
    a correlation uses is an alert rule of its own only when the correlation sets C(generate) to true.
author:
  - logpoint.siem maintainers (@logpoint-siem)
requirements:
  - pySigma >= 1.4, < 2 and pysigma-backend-logpoint >= 1.0.2, < 2 on the controller
    (C(pip install -r requirements-sigma.txt) from the collection's directory)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: Runs on the controller; O(src) is a directory there.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Changes nothing; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
    details: Never changes anything; the same files give the same rules.
options:
  src:
    description:
      - The directory of Sigma rules on the controller. A relative path is looked for in the role's and the
        playbook's C(files/) directories, then relative to the role or playbook.
    type: path
    required: true
  pack:
    description:
      - The pack the rules will be converged in, stored in the metadata field C(sigma_pack); only the rules of
        O(existing) of this pack are renamed in place.
    type: str
  repos:
    description:
      - Where the rules of each logsource search - a mapping with the keys C(service), C(category) and
        C(product), each a mapping of logsource values to a repo name or a list of repo names. The most specific
        entry that matches wins - C(service), then C(category), then C(product).
      - A rule whose logsource matches no entry is skipped.
    type: dict
    default: {}
  include_informational:
    description: Convert the rules of level C(informational) too, with risk C(low).
    type: bool
    default: false
  enable_experimental:
    description: Enable the rules of status C(experimental) (and those without a status) too.
    type: bool
    default: false
  without_pipeline:
    description:
      - Convert the rules of products the backend has no pipeline for (C(aws), C(gcp), C(macos), C(okta), web
        proxies...) without a pipeline - the Sigma field names as they are, which only match logs normalised
        to them.
    type: bool
    default: false
  defer_contains:
    description:
      - Add the backend's C(logpoint_defer_contains) pipeline - lists of C(contains) values become an
        C(eval) after the search, for rules whose many wildcards make the search time out.
    type: bool
    default: false
  time_range:
    description: The time range of the converted rules that are not correlations (V(5m), V(1h)).
    type: str
    default: 5m
  search_interval:
    description:
      - The search interval of the converted rules in minutes; it must divide O(time_range). Correlations take
        the largest divisor of their timespan up to this.
    type: int
    default: 5
  name_prefix:
    description: Put in front of every title, for example V(Sigma - ).
    type: str
    default: ""
  attack_tags:
    description:
      - ATT&CK technique ids (V(T1059.001)) mapped to the Logpoint's attack tag ids; the techniques of a rule
        found here go into its C(attack_tags).
    type: dict
    default: {}
  existing:
    description:
      - The rules on the Logpoint, as RV(logpoint.siem.alert_rule_info#module:alert_rules) of
        M(logpoint.siem.alert_rule_info) returns them - to rename rules in place by their Sigma id, and to keep
        converted names off the names of other rules.
    type: list
    elements: dict
    default: []
notes:
  - pysigma-backend-logpoint 1.0.2 converts no correlation rules itself; this plugin builds the C(event_count)
    ones from the converted queries of their rules.
seealso:
  - module: logpoint.siem.alert_rules
  - module: logpoint.siem.alert_rule_info
"""

EXAMPLES = r"""
- name: Convert the Sigma rules of the repository
  logpoint.siem.sigma_convert:
    src: "{{ playbook_dir }}/sigma"
    pack: sigma
    repos:
      product: {windows: [windows], linux: [linux], azure: [cloud], m365: [cloud]}
  register: sigma

- name: Show why rules were skipped
  ansible.builtin.debug:
    msg: "{{ sigma.report | selectattr('outcome', 'equalto', 'skipped') | map(attribute='reason') | list }}"

- name: Converge them in their pack
  logpoint.siem.alert_rules:
    pack: sigma
    purge: true
    rules: "{{ sigma.rules }}"
"""

RETURN = r"""
rules:
  description: The converted rules, in the format of the C(rules) option of M(logpoint.siem.alert_rules), by name.
  returned: success
  type: list
  elements: dict
  sample:
    - name: Security Event Log Cleared
      description: The security event log was cleared.
      query: norm_id="WinServer" channel="Security" event_id=1102
      repos: [windows]
      time_range: 5m
      search_interval: 5
      condition: {operator: ">=", value: 1}
      risk: medium
      enabled: true
      attack_tags: []
      metadata: {sigma_id: 5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b02, sigma_level: medium, sigma_status: test,
                 sigma_file: windows/security_log_cleared.yml, attack_techniques: T1070.001,
                 attack_tactics: defense-evasion}
report:
  description:
    - One entry per Sigma rule (and per file that is not Sigma YAML), by file.
    - C(outcome) is V(converted) (with C(name) and C(pipeline)) or V(skipped) (with C(code) - V(invalid), V(id),
      V(status), V(level), V(logsource), V(pipeline), V(conversion), V(correlation), V(correlated), V(name) -
      and C(reason)).
  returned: success
  type: list
  elements: dict
  sample:
    - {file: windows/security_log_cleared.yml, title: Security Event Log Cleared, kind: rule,
       sigma_id: 5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b02, outcome: converted, name: Security Event Log Cleared,
       pipeline: logpoint_windows}
    - {file: web/proxy_paste.yml, title: Proxy Request To A Paste Site, kind: rule,
       sigma_id: 4a0a5a0d-f6ad-4a0d-a9a1-60cc7d984012, outcome: skipped, code: logsource,
       reason: "no repos for its logsource (category: proxy) in repos"}
summary:
  description: How many files were read, rules converted and skipped, and the skips by code.
  returned: success
  type: dict
  sample: {files: 23, converted: 11, skipped: 12, skipped_by_reason: {level: 2, status: 2, logsource: 1}}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.logpoint.siem.plugins.module_utils._sigma import ARGUMENT_SPEC, convert_tree
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, MissingLibraryError


def main():
    # Normally the action plugin runs the conversion on the controller; this runs it where the module is sent.
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        converted = convert_tree(module.params)
    except MissingLibraryError as exc:
        module.fail_json(msg=missing_required_lib(exc.library), exception=exc.import_traceback)
    except ConfigError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **converted)


if __name__ == "__main__":
    main()
