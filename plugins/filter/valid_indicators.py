# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: valid_indicators
short_description: Split threat-intel values into valid and invalid ones, by kind
version_added: 0.1.0
description:
  - Checks each value of a list, or each line of a text, against the syntax of one kind of
    indicator and returns the valid values and the invalid ones with their line number and the reason.
  - Values are trimmed; blank lines and lines starting with C(#) are skipped; repeated values are
    kept once, in their first position. Valid values are returned as given (no case change).
  - Needs nothing but the Python standard library (C(ipaddress), C(urllib.parse)).
author:
  - logpoint.siem maintainers (@logpoint-siem)
positional: _input, kind
options:
  _input:
    description:
      - The values, as a list of strings or as one text with one value per line (the content of a
        C(.txt) or one-column C(.csv) file).
    type: raw
    required: true
  kind:
    description:
      - What every value must be.
      - V(ipv4), V(ipv6) and V(ip) (either) are single addresses; V(cidr) is an IPv4 or IPv6 network
        in C(address/prefix) form without host bits set (a single address is not a network).
      - V(domain) is a host name of at least two labels of letters, digits and inner hyphens,
        at most 63 characters each and 253 in all, whose last label is not numeric.
      - V(url) is an absolute C(http), C(https) or C(ftp) URL whose host is a domain or an IP address.
      - V(md5), V(sha1) and V(sha256) are 32, 40 and 64 hexadecimal digits.
    type: str
    required: true
    choices: [ip, ipv4, ipv6, cidr, domain, url, md5, sha1, sha256]
"""

EXAMPLES = r"""
- name: Keep the valid IP addresses of a feed file, report the rest
  ansible.builtin.set_fact:
    feed: "{{ lookup('ansible.builtin.file', 'feeds/bad_ips.txt') | logpoint.siem.valid_indicators('ipv4') }}"

- name: Report the dropped lines
  ansible.builtin.debug:
    msg: "line {{ item.line }}: {{ item.value }} - {{ item.reason }}"
  loop: "{{ feed.invalid }}"

- name: Import the valid ones
  logpoint.siem.static_list:
    name: bad_ips
    values: "{{ feed.valid }}"

# ['d41d8cd98f00b204e9800998ecf8427e']
- name: Validate inline values
  ansible.builtin.debug:
    msg: "{{ (['d41d8cd98f00b204e9800998ecf8427e', 'not-a-hash'] | logpoint.siem.valid_indicators('md5')).valid }}"
"""

RETURN = r"""
_value:
  description: The valid values and the invalid ones.
  type: dict
  contains:
    valid:
      description: The valid values, trimmed, without repeats, in input order.
      type: list
      elements: str
      sample: [192.0.2.66, 198.51.100.23]
    invalid:
      description: One entry per invalid value, in input order.
      type: list
      elements: dict
      sample: [{line: 3, value: 300.1.2.3, reason: not an IPv4 address}]
      contains:
        line:
          description: The 1-based position of the value in the input (the line of a text).
          type: int
        value:
          description: The value, trimmed.
          type: str
        reason:
          description: Why it is invalid.
          type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.logpoint.siem.plugins.module_utils.indicators import KINDS, classify


def valid_indicators(values, kind):
    """``{'valid': [...], 'invalid': [{'line', 'value', 'reason'}]}`` for ``values`` of ``kind``."""
    if kind not in KINDS:
        raise AnsibleFilterError('valid_indicators: unknown kind %r; use one of %s' % (kind, ', '.join(KINDS)))
    if isinstance(values, str):
        values = values.splitlines()
    elif not isinstance(values, (list, tuple)):
        raise AnsibleFilterError('valid_indicators: expects a list of values or a text, got %s'
                                 % type(values).__name__)
    valid, invalid = [], []
    for line, value, reason in classify(values, kind):
        if reason:
            invalid.append({'line': line, 'value': value, 'reason': reason})
        else:
            valid.append(value)
    return {'valid': valid, 'invalid': invalid}


class FilterModule:
    """logpoint.siem filters."""

    def filters(self):
        return {'valid_indicators': valid_indicators}
