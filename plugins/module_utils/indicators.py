# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Threat-intel indicator syntax by kind: the one place both the ``valid_indicators`` filter and the
``static_list`` module (its ``kind`` option) check values. Standard library only.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-f]+$", re.IGNORECASE)
_HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
_URL_SCHEMES = ("http", "https", "ftp")


def _address(value, versions):
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.version in versions


def _check_ip(value, versions, name):
    return None if _address(value, versions) else "not an %s address" % name


def _check_cidr(value):
    if "/" not in value:
        return "not a network (address/prefix)"
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        return "not a network: %s" % error
    return None


def _is_domain(value):
    name = value[:-1] if value.endswith(".") else value
    labels = name.split(".")
    return (len(name) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels)
            and not labels[-1].isdigit())


def _check_domain(value):
    return None if _is_domain(value) else "not a domain name"


def _check_url(value):
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError for a bad port
    except ValueError as error:
        return "not a URL: %s" % error
    if parts.scheme.lower() not in _URL_SCHEMES:
        return "not an http, https or ftp URL"
    if not host or not (_is_domain(host) or _address(host, (4, 6))):
        return "no valid host in the URL"
    if any(char.isspace() for char in value):
        return "a URL has no spaces"
    return None


def _check_hash(value, kind):
    if len(value) != _HASH_LENGTHS[kind] or not _HEX.match(value):
        return "not an %s hash (%d hexadecimal digits)" % (kind.upper(), _HASH_LENGTHS[kind])
    return None


_CHECKS = {
    "ip": lambda value: _check_ip(value, (4, 6), "IP"),
    "ipv4": lambda value: _check_ip(value, (4,), "IPv4"),
    "ipv6": lambda value: _check_ip(value, (6,), "IPv6"),
    "cidr": _check_cidr,
    "domain": _check_domain,
    "url": _check_url,
    "md5": lambda value: _check_hash(value, "md5"),
    "sha1": lambda value: _check_hash(value, "sha1"),
    "sha256": lambda value: _check_hash(value, "sha256"),
}

KINDS = tuple(sorted(_CHECKS))


def check(kind, value):
    """Why ``value`` (trimmed) is not an indicator of ``kind``, or None when it is one."""
    return _CHECKS[kind](value)


def classify(lines, kind):
    """``(line number, value, reason or None)`` for each value of ``lines``, one at a time.

    Values are trimmed; blank lines, ``#`` comments and values already seen valid are skipped, so a
    caller streaming a million-line file holds only the set of valid values.
    """
    verify = _CHECKS[kind]
    seen = set()
    for line, raw in enumerate(lines, start=1):
        value = ("" if raw is None else str(raw)).strip()
        if not value or value.startswith("#") or value in seen:
            continue
        reason = verify(value)
        if reason is None:
            seen.add(value)
        yield line, value, reason
