#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: detection_export
short_description: Export Logpoint alert rules, their notifications and static lists as a rules directory
version_added: 0.2.0
description:
  - Reads every alert rule (or those matching O(name) or of O(pack)), their email and HTTP notifications and
    the static lists, and writes them into O(dest) in the directory format of the
    R(logpoint.siem.detection_rules role,ansible_collections.logpoint.siem.detection_rules_role) - so that
    converging the directory into the same Logpoint writes nothing.
  - One file per rule, C(<slug>.yml) (the name in lower case, other characters than letters and digits as
    C(_); the end of the rule's id added when two names give the same slug), keys in a fixed order, options
    a create would set anyway left out. Its notifications go under the rule's C(notifications) key, each
    with its secrets replaced by a variable reference C({{ detection_rules_secrets.<slug>_<type>_<part> }}) -
    the secret itself is never written (RV(secret_variables) names them).
  - One file per static list, C(lists/<NAME>.txt), its values one a line, sorted.
  - Only files whose content differs are written, so exporting the same Logpoint twice reports no change.
  - Writes on the host the task runs on; run it on localhost (the role does).
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the Logpoint, writes no file; RV(files) says what would be written.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
options:
  dest:
    description: The directory to write into; created when missing. Files of rules that no longer exist are left alone.
    type: path
    required: true
  name:
    description: Export only the rules whose name is this or matches it as a glob pattern, such as V(Brute*).
    type: str
  pack:
    description: Export only the rules of this pack (their C(managed_by) marker).
    type: str
  notifications:
    description: Export each rule's notifications.
    type: bool
    default: true
  lists:
    description: Export the static lists.
    type: bool
    default: true
notes:
  - Needs the C(alertrules:read) and C(search:read) scopes; user and group names need the classic credentials
    O(username) and O(secret_key) (without them the files hold ids).
requirements:
  - requests
  - PyJWT >= 2.6
  - PyYAML
seealso:
  - module: logpoint.siem.alert_rules
  - module: logpoint.siem.alert_rule_info
"""

EXAMPLES = r"""
- name: Export every rule, its notifications and the static lists
  logpoint.siem.detection_export:
    dest: "{{ playbook_dir }}/exported"
  register: exported

- name: Say which secrets the notifications need
  ansible.builtin.debug:
    msg: "Set detection_rules_secrets: {{ exported.secret_variables }}"

- name: Export only the brute-force rules, without lists
  logpoint.siem.detection_export:
    dest: "{{ playbook_dir }}/brute_force"
    name: "Brute*"
    lists: false
"""

RETURN = r"""
files:
  description: Every file of the export, in path order, with V(created), V(updated) or V(unchanged).
  returned: success
  type: list
  elements: dict
  sample:
    - {path: brute_force_on_windows_logons.yml, state: created}
    - {path: lists/KNOWN_SCANNERS.txt, state: unchanged}
rules:
  description: How many rules were exported.
  returned: success
  type: int
  sample: 12
lists:
  description: How many static lists were exported.
  returned: success
  type: int
  sample: 2
secret_variables:
  description: The keys of C(detection_rules_secrets) the exported notifications refer to.
  returned: success
  type: list
  elements: str
  sample: [brute_force_on_windows_logons_http_value]
"""

from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources.detection_export import export_files, write_files

ARGUMENT_SPEC = {
    "dest": {"type": "path", "required": True},
    "name": {"type": "str"},
    "pack": {"type": "str"},
    "notifications": {"type": "bool", "default": True},
    "lists": {"type": "bool", "default": True},
}


def run(params, client, check_mode, warn):
    files, summary = export_files(client, name=params["name"], pack=params["pack"],
                                  with_notifications=params["notifications"], with_lists=params["lists"])
    written = write_files(params["dest"], files, check_mode)
    result = dict(summary, files=written)
    return any(entry["state"] != "unchanged" for entry in written), result, None


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
