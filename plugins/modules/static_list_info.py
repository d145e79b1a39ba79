#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: static_list_info
short_description: List Logpoint's user-defined lists, static and dynamic
version_added: 0.1.0
description:
  - Returns every user-defined list - static and dynamic - through Logpoint's user-defined list API
    (C(GET /UserDefinedList/lists_api), scope C(search:read)), all pages of it, optionally filtered by
    name and type, optionally with their values.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Only reads.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
options:
  name:
    description:
      - Keep only lists whose name matches this glob pattern, such as V(BAD_*). Case does not matter
        (Logpoint keeps names upper-cased). At most 100 characters, no control characters.
    type: str
  list_type:
    description:
      - Keep only lists of this type.
    type: str
    choices: [static_list, dynamic_list]
  include_values:
    description:
      - Also return each list's values. Older Logpoints do not report them; RV(lists[].values) is then null.
    type: bool
    default: false
notes:
  - Needs O(username) with O(secret_key), or a O(token) with the C(search:read) scope.
requirements:
  - requests
  - PyJWT >= 2.6
seealso:
  - module: logpoint.siem.static_list
"""

EXAMPLES = r"""
- name: Every user-defined list
  logpoint.siem.static_list_info:
  register: all_lists

- name: The static lists whose names start with BAD_, with their values
  logpoint.siem.static_list_info:
    name: bad_*
    list_type: static_list
    include_values: true
  register: bad_lists

- name: Show how many values each has
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item['values'] | length }} values"
  loop: "{{ bad_lists.lists }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
lists:
  description: One dictionary per list, in the order Logpoint lists them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The list's name (upper case).
      type: str
      sample: BAD_DOMAINS
    id:
      description: The list's id.
      type: str
      sample: 67f8ae6fbe9edae2fcfbc1ee
    list_type:
      description: C(static_list) or C(dynamic_list).
      type: str
      sample: static_list
    vid:
      description: Logpoint's vendor id of the list.
      type: str
      sample: VID_1234
    values:
      description: The values; null when the Logpoint does not report them.
      returned: when O(include_values=true)
      type: list
      elements: str
      sample: [bad.example, evil.example]
"""

from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources.lists import LIST_INFO_ARGSPEC, read_lists

ARGUMENT_SPEC = LIST_INFO_ARGSPEC


def run(params, client, check_mode, warn):
    return False, {"lists": read_lists(client, params["name"], params["list_type"], params["include_values"])}, None


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
