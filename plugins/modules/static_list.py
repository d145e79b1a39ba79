#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: static_list
short_description: Import a static user-defined list (threat-intel values) into Logpoint
version_added: 0.1.0
description:
  - Creates or replaces a static user-defined list from inline O(values) or from a C(.csv) or C(.txt) file
    O(src) with one value per line, through Logpoint's user-defined list API
    (C(POST /UserDefinedList/import_api), scope C(search:write); read with C(search:read)).
  - Values are normalised before anything is sent - trimmed, blank lines and repeats dropped, order kept -
    and uploaded as a real file, streamed from disk, so large lists (a million values) are held in memory once.
  - Idempotent when the Logpoint reports list contents (newer servers do) - the values are compared as a set
    and nothing is uploaded when they are equal. Older servers do not report contents; the module then says
    it cannot verify the list and follows O(overwrite).
  - Logpoint keeps list names upper-cased; the module compares and returns the upper-cased name.
  - The JWT API cannot delete lists, so only O(state=present) exists.
author:
  - logpoint.siem maintainers (!UNKNOWN)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: Finds O(src) on the controller and copies it to the target before the module runs.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reads the lists and reports what would change; uploads nothing.
  diff_mode:
    support: full
    details: >-
      Shows the number of values before and after, how many are added and removed, and the first
      20 of each; large lists are counted, never dumped.
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: partial
    details: >-
      Full when the Logpoint reports list contents. Otherwise O(overwrite=always) imports again on every
      run (and reports a change), O(overwrite=never) leaves an existing list alone.
options:
  name:
    description:
      - Name of the list - 2 to 100 characters, letters, digits, C(-) and C(_), not starting or ending
        with C(-) or C(_). Logpoint upper-cases it.
    type: str
    required: true
  values:
    description:
      - The values of the list. Mutually exclusive with O(src).
    type: list
    elements: str
  src:
    description:
      - A C(.csv) or C(.txt) file on the controller with one value per line (UTF-8). A relative path is
        looked up in the C(files/) directory of the role or playbook, like M(ansible.builtin.copy) does.
        Mutually exclusive with O(values).
      - A CSV file is read line by line; a line with commas is one value, so give one column.
    type: path
  state:
    description:
      - V(present) makes the list hold exactly these values.
    type: str
    choices: [present]
    default: present
  overwrite:
    description:
      - What to do when the list exists but the Logpoint does not report its values, so they cannot be
        compared. V(always) imports the values again (reports a change); V(never) leaves the list unchanged.
      - Not used when the Logpoint reports list contents.
    type: str
    choices: [always, never]
    default: always
notes:
  - Needs O(username) with O(secret_key) (tokens with C(search:read) and C(search:write) are minted per task),
    or a O(token) carrying both scopes.
  - The task runs on the target host and the file is copied there first, so the usual pattern is a play
    on C(localhost) or C(delegate_to) C(localhost).
requirements:
  - requests
  - PyJWT >= 2.6
seealso:
  - module: logpoint.siem.static_list_info
  - name: User-defined lists API
    description: Logpoint's description of the list API.
    link: https://docs.logpoint.com/siem/readme/siem_api_reference/user-defined-lists-api
"""

EXAMPLES = r"""
- name: Malicious IP addresses from inline values
  logpoint.siem.static_list:
    name: malicious_ips
    values:
      - 192.0.2.66
      - 198.51.100.23
      - 203.0.113.7

- name: Bad domains from files/bad_domains.txt next to the playbook
  logpoint.siem.static_list:
    name: BAD_DOMAINS
    src: bad_domains.txt

- name: On an older Logpoint that does not report list contents, create the list once and never re-import
  logpoint.siem.static_list:
    name: tor_exit_nodes
    src: /srv/feeds/tor_exit_nodes.csv
    overwrite: never
"""

RETURN = r"""
name:
  description: The list's name as Logpoint keeps it (upper case).
  returned: always
  type: str
  sample: MALICIOUS_IPS
id:
  description: The list's id when the Logpoint has reported it (not for a list the task has just created).
  returned: always
  type: str
  sample: 67f8ae6fbe9edae2fcfbc1ee
list_type:
  description: Always C(static_list).
  returned: always
  type: str
  sample: static_list
count:
  description: Number of values in the list after normalisation.
  returned: always
  type: int
  sample: 3
verified:
  description: Whether the Logpoint reported the list's values so they could be compared.
  returned: always
  type: bool
  sample: true
added:
  description: Number of values added; null when the values could not be compared.
  returned: always
  type: int
  sample: 1
removed:
  description: Number of values removed; null when the values could not be compared.
  returned: always
  type: int
  sample: 0
"""

from ansible_collections.logpoint.siem.plugins.module_utils.api.lists import (
    check_inline_values, check_list_name, check_source_file, compare_values, find_list, import_list, list_lists,
    normalised_file, read_source_lines)
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module

DIFF_SAMPLE = 20

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "values": {"type": "list", "elements": "str"},
    "src": {"type": "path"},
    "state": {"type": "str", "choices": ["present"], "default": "present"},
    "overwrite": {"type": "str", "choices": ["always", "never"], "default": "always"},
}


def run(params, client, check_mode, warn):
    name = check_list_name(params["name"])
    if params["src"] is not None:
        extension, option = check_source_file(params["src"]), "src"
        lines = read_source_lines(params["src"])
    else:
        extension, option = ".csv", "values"
        lines = check_inline_values(params["values"])
    with normalised_file(lines, option, extension) as (path, desired):
        current = find_list(list_lists(client, with_values=True), name)
        if current is not None and current["list_type"] != "static_list":
            raise ConfigError("name: %s is a %s in Logpoint; only static lists can be imported"
                              % (name, current["list_type"]))
        if current is not None and current["values"] is None:
            changes = None
            changed = params["overwrite"] == "always"
            warn("Logpoint does not report the values of list %s, so they cannot be compared; overwrite=%s %s"
                 % (name, params["overwrite"], "imports them again" if changed else "leaves the list as it is"))
        else:
            changes = compare_values(current["values"] if current else [], desired, path, DIFF_SAMPLE)
            changed = bool(changes["added"] or changes["removed"])
        list_id = current["id"] if current else None
        if changed and not check_mode:
            imported = import_list(client, name, path, extension)
            list_id = list_id or id_of(imported)
    result = {
        "name": name, "id": list_id, "list_type": "static_list", "count": len(desired),
        "verified": changes is not None,
        "added": changes["added"] if changes else None,
        "removed": changes["removed"] if changes else None,
    }
    return changed, result, list_diff(name, current, len(desired), changes)


def list_diff(name, current, count, changes):
    """Counts and the first values added and removed; an unverifiable list shows counts only."""
    before = {}
    if current is not None:
        before = {"name": name, "count": len(current["values"]) if current["values"] is not None else None}
    after = {"name": name, "count": count}
    if changes and (changes["added"] or changes["removed"]):
        if current is not None:
            before.update(removed=changes["removed"], values_removed=changes["values_removed"])
        after.update(added=changes["added"], values_added=changes["values_added"])
    return {"before": before, "after": after}


def main():
    run_module(ARGUMENT_SPEC, run, mutually_exclusive=[("values", "src")], required_one_of=[("values", "src")])


if __name__ == "__main__":
    main()
