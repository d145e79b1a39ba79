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
    and uploaded as a real file, streamed from disk. Values are compared as 16-byte digests, also while the
    server's listing is read, so a list of a million values is compared in about 100 MiB.
  - Idempotent when the Logpoint reports list contents (newer servers do) - the values are compared as a set
    and nothing is uploaded when they are equal. Older servers do not report contents; the module then says
    it cannot verify the list and follows O(overwrite).
  - Logpoint keeps list names upper-cased; the module compares and returns the upper-cased name.
  - The JWT API cannot delete lists, so only O(state=present) exists.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.converge
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
      - Each value has at most 4096 characters (after trimming) and no control character.
    type: list
    elements: str
  src:
    description:
      - A C(.csv) or C(.txt) file on the controller with one value per line (UTF-8). A relative path is
        looked up in the C(files/) directory of the role or playbook, like M(ansible.builtin.copy) does.
        Mutually exclusive with O(values).
      - A CSV file is read line by line; a line with commas is one value, so give one column.
      - A line (a value, trimmed) has at most 4096 characters.
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
  kind:
    description:
      - Check every value against the syntax of one kind of threat-intel indicator (the same checks as the
        P(logpoint.siem.valid_indicators#filter) filter) while the values are read; invalid values are
        dropped and reported in RV(invalid_count) and RV(invalid), and lines starting with C(#) are skipped.
      - V(ipv4), V(ipv6) and V(ip) are single addresses, V(cidr) a network without host bits, V(domain) a
        host name of two or more labels, V(url) an absolute http, https or ftp URL, V(md5), V(sha1) and
        V(sha256) hexadecimal hashes.
      - The check runs in the module, streaming, so a feed of any size costs no more memory than the import.
    type: str
    choices: [cidr, domain, ip, ipv4, ipv6, md5, sha1, sha256, url]
    version_added: 0.2.0
  fail_on_invalid:
    description:
      - With O(kind), fail before anything is sent when any value is invalid (the default drops and reports them).
    type: bool
    default: false
    version_added: 0.2.0
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

- name: A threat-intel feed checked as IPv4 addresses on the way in (bad lines dropped and reported)
  logpoint.siem.static_list:
    name: malicious_ips
    src: feeds/bad_ips.txt
    kind: ipv4
  register: feed

- name: On an older Logpoint that does not report list contents, create the list once and never re-import
  logpoint.siem.static_list:
    name: tor_exit_nodes
    src: /srv/feeds/tor_exit_nodes.csv
    overwrite: never
"""

RETURN = r"""
invalid_count:
  description: With O(kind), how many values were invalid and dropped.
  returned: when O(kind) is set
  type: int
  sample: 1
invalid:
  description: With O(kind), the first 20 invalid values with their line (or item) number and the reason.
  returned: when O(kind) is set
  type: list
  elements: dict
  sample: [{line: 3, value: 300.1.2.3, reason: not an IPv4 address}]
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

from ansible_collections.logpoint.siem.plugins.module_utils._converge import check_concurrency, execute
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources.lists import (
    STATIC_LIST_ARGSPEC, check_list_name, imported_id, normalised_file, plan_list, read_static_list, screened_source)

ARGUMENT_SPEC = STATIC_LIST_ARGSPEC


def run(params, client, check_mode, warn):
    max_concurrency = check_concurrency(params["max_concurrency"])
    name = check_list_name(params["name"])
    lines, option, extension, screen = screened_source(params)
    with normalised_file(lines, option, extension, screen) as desired:
        if screen is not None:
            screen.refuse_invalid(option, params["fail_on_invalid"])
        current = read_static_list(client, name, desired)
        plan = plan_list(client, name, desired, current, extension=extension, overwrite=params["overwrite"],
                         warn=warn)
        execute(plan, check_mode=check_mode, max_concurrency=max_concurrency)
    result = dict(plan.report, id=imported_id(plan))
    if screen is not None:
        result.update(invalid_count=screen.count, invalid=screen.sample)
    return plan.changed, result, plan.diffs[0]


def main():
    run_module(ARGUMENT_SPEC, run, mutually_exclusive=[("values", "src")], required_one_of=[("values", "src")])


if __name__ == "__main__":
    main()
