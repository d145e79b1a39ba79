# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hosts of the ``logpoints`` inventory plugin: pure logic, no Ansible objects and no network.

A host is ``{"name": <inventory host name>, "vars": {...}}``. Its variables are the non-secret
connection (``logpoint_url``, ``logpoint_ca_path``..., for Director Logpoints also
``logpoint_director_url``, ``logpoint_pool_uuid``, ``logpoint_identifier``) and what a play branches on
(``logpoint_name``, ``logpoint_version``, ``logpoint_pool_name``, ``logpoint_source``, ``logpoint_repos``
when asked). Secrets never become host variables: entries that carry one are refused.
"""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.options import secret_option_names

ENTRY_KEYS = ("name", "url", "ca_path", "validate_certs", "timeout", "version", "vars")
CONNECTION_KEYS = ("ca_path", "validate_certs", "timeout")
SECRET_NAMES = frozenset(secret_option_names()) | frozenset("logpoint_" + name for name in secret_option_names()) | \
    frozenset(("password", "logpoint_password", "ansible_password"))
NAME_FIELDS = ("name", "identifier", "pool_name", "pool_uuid")


def _refuse_secrets(where, keys):
    found = sorted(set(keys) & SECRET_NAMES)
    if found:
        raise ConfigError("%s: %s would become host variables; secrets never go into the inventory: give them "
                          "through the LOGPOINT_* environment (an AWX credential) or a vault-encrypted group_vars file"
                          % (where, ", ".join(found)))


def checked_entry(entry, position):
    """A standalone entry of ``logpoints``, checked: a mapping with ``name`` and ``url``, known keys only."""
    where = "logpoints[%d]" % position
    if not isinstance(entry, dict):
        raise ConfigError("%s: each entry is a mapping with name and url, got %r" % (where, entry))
    if entry.get("name"):
        where = "%s (%s)" % (where, entry["name"])
    _refuse_secrets(where, entry)
    unknown = sorted(set(entry) - set(ENTRY_KEYS))
    if unknown:
        raise ConfigError("%s: unknown key %s; an entry has %s" % (where, ", ".join(unknown), ", ".join(ENTRY_KEYS)))
    for key in ("name", "url"):
        if not entry.get(key):
            raise ConfigError("%s: %s is required" % (where, key))
    extra = entry.get("vars") or {}
    if not isinstance(extra, dict):
        raise ConfigError("%s: vars must be a mapping of host variables" % where)
    _refuse_secrets(where + " vars", extra)
    return entry


def _connection_vars(values):
    return dict(("logpoint_" + key, values[key]) for key in CONNECTION_KEYS if values.get(key) is not None)


def standalone_hosts(entries, defaults):
    """One host per entry of ``logpoints``; ``defaults`` (the plugin's ca_path, validate_certs, timeout)
    apply where the entry leaves them out."""
    hosts = []
    for position, entry in enumerate(entries or []):
        entry = checked_entry(entry, position)
        values = dict(defaults, **dict((k, v) for k, v in entry.items() if v is not None))
        host_vars = dict(_connection_vars(values), logpoint_name=entry["name"], logpoint_url=entry["url"],
                         logpoint_source="standalone")
        if entry.get("version") is not None:
            host_vars["logpoint_version"] = str(entry["version"])
        host_vars.update(entry.get("vars") or {})
        hosts.append({"name": str(entry["name"]), "vars": host_vars})
    return hosts


def host_name(template, fields):
    """The inventory name of a Director Logpoint: ``template`` (str.format with ``NAME_FIELDS``)."""
    try:
        return template.format(**dict((key, fields.get(key) or "") for key in NAME_FIELDS))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError("host_name: %r is not a template of %s (%s)"
                          % (template, ", ".join("{%s}" % f for f in NAME_FIELDS), exc))


def director_hosts(fleet, director_url, defaults, name_template="{name}"):
    """One host per Logpoint of every pool in ``fleet`` (``api.fleet.director_fleet``)."""
    hosts = []
    for pool, logpoints in fleet:
        for logpoint in logpoints:
            fields = dict(logpoint, pool_name=pool["name"], pool_uuid=pool["pool_uuid"])
            url = logpoint.get("url") or ("https://%s" % logpoint["ip"] if logpoint.get("ip") else None)
            host_vars = dict(_connection_vars(defaults), logpoint_name=logpoint["name"], logpoint_source="director",
                             logpoint_director_url=director_url, logpoint_pool_uuid=pool["pool_uuid"],
                             logpoint_pool_name=pool["name"], logpoint_identifier=logpoint["identifier"],
                             logpoint_active=logpoint["active"])
            for key, value in (("logpoint_url", url), ("logpoint_ip", logpoint.get("ip")),
                               ("logpoint_version", logpoint.get("version"))):
                if value is not None:
                    host_vars[key] = str(value)
            hosts.append({"name": host_name(name_template, fields), "vars": host_vars})
    return hosts


def unique_hosts(hosts):
    """Refuse two hosts with one name (two pools with a Logpoint of the same name: use host_name)."""
    seen = {}
    for host in hosts:
        if host["name"] in seen:
            first = seen[host["name"]]
            raise ConfigError("two Logpoints would be host %r (%s and %s); set host_name, for example "
                              "'{pool_name}-{name}', or rename a standalone entry"
                              % (host["name"], _origin(first), _origin(host)))
        seen[host["name"]] = host
    return hosts


def _origin(host):
    host_vars = host["vars"]
    if host_vars.get("logpoint_source") == "director":
        return "pool %s, Logpoint %s" % (host_vars.get("logpoint_pool_name"), host_vars.get("logpoint_identifier"))
    return "standalone entry %s" % host_vars.get("logpoint_url")
