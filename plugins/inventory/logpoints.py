# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: logpoints
short_description: Logpoints as inventory hosts, from a Director's pools and from a list of standalone Logpoints
version_added: 0.2.0
description:
  - One host per Logpoint. Hosts come from the O(logpoints) list of standalone Logpoints in the inventory
    file and, when O(director_url) is set, from a Director (Fabric), its pools and the Logpoints of each.
  - "Host variables: the connection without secrets (C(logpoint_url), C(logpoint_ca_path),
    C(logpoint_validate_certs), C(logpoint_timeout); for Director Logpoints C(logpoint_director_url),
    C(logpoint_pool_uuid), C(logpoint_identifier)) and what a play branches on (C(logpoint_name),
    C(logpoint_version), C(logpoint_source) V(director) or V(standalone), C(logpoint_pool_name),
    C(logpoint_ip), C(logpoint_active), and C(logpoint_repos) with O(with_repos)). Every host is in the
    group C(logpoints)."
  - Secrets never become host variables or cache entries. The Director token, user name and secret key
    come from the same C(LOGPOINT_*) environment variables an AWX/AAP credential of the type in
    C(extensions/awx/logpoint_credential_type.yml) injects; the modules of a play read them from there too.
    An entry of O(logpoints) that carries a secret is refused.
  - The public Director API record documents no listing of pools and Logpoints; the paths read are
    O(director_pools_path) and O(director_logpoints_path), answered with the rows under C(data).
  - The file name must end in C(logpoints.yml) or C(logpoints.yaml).
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [logpoint.siem.logpoints]
  logpoints:
    description:
      - Standalone Logpoints, each a mapping with C(name) (the host name, required), C(url) (required),
        optional C(ca_path), C(validate_certs), C(timeout) (default the options of the same names),
        C(version) and C(vars) (more host variables, such as the tenant's overlays; no secrets).
    type: list
    elements: dict
    default: []
  director_url:
    description: Base URL of the Director API server. Without it only O(logpoints) are read.
    type: str
    env:
      - name: LOGPOINT_DIRECTOR_URL
  director_token:
    description:
      - The Director Console bearer token. Give it through the environment (an AWX credential), not in the file.
    type: str
    env:
      - name: LOGPOINT_DIRECTOR_TOKEN
  username:
    description: Logpoint user for O(with_repos) (the Repos API).
    type: str
    env:
      - name: LOGPOINT_USERNAME
  secret_key:
    description:
      - The user's API access key, for O(with_repos). Give it through the environment, not in the file.
    type: str
    env:
      - name: LOGPOINT_SECRET_KEY
  token:
    description: A JWT with scope C(logsource:read), for O(with_repos), instead of O(secret_key).
    type: str
    env:
      - name: LOGPOINT_TOKEN
  ca_path:
    description:
      - A PEM file with the CA certificate(s) of the Director and, unless an entry gives its own, of the Logpoints.
      - Becomes the host variable C(logpoint_ca_path).
    type: path
    env:
      - name: LOGPOINT_CA_PATH
  validate_certs:
    description: Verify TLS certificates; becomes C(logpoint_validate_certs) when set.
    type: bool
    env:
      - name: LOGPOINT_VALIDATE_CERTS
  timeout:
    description: Seconds per request; becomes C(logpoint_timeout) when set.
    type: int
    env:
      - name: LOGPOINT_TIMEOUT
  pools:
    description: Only the Director pools named here, by UUID or name. A name that matches no pool is an error.
    type: list
    elements: str
    default: []
  host_name:
    description:
      - The inventory name of a Director Logpoint, a Python format string of C({name}), C({identifier}),
        C({pool_name}) and C({pool_uuid}). Two Logpoints with one name are an error that says to set it.
    type: str
    default: "{name}"
  with_repos:
    description:
      - Read each Logpoint's repos (Repos API, scope C(logsource:read)) into C(logpoint_repos), a list of
        C(logpoint), C(logpoint_ip), C(repo), C(address), C(active). Needs O(username) and O(secret_key) (or O(token)).
      - A Logpoint that cannot be read stays in the inventory without C(logpoint_repos), with a warning.
    type: bool
    default: false
  local_connection:
    description:
      - Set C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}) on every
        host, since the modules run on the controller and talk HTTPS to the Logpoint.
    type: bool
    default: true
  max_concurrency:
    description: At most this many listing or repos requests at a time.
    type: int
    default: 4
  director_pools_path:
    description: The Director path that lists the pools.
    type: str
    default: /configapi/pools
  director_logpoints_path:
    description: The Director path that lists the Logpoints of a pool; C({pool_uuid}) is replaced.
    type: str
    default: /configapi/pools/{pool_uuid}/logpoints
requirements:
  - requests
  - PyJWT >= 2.6 (for O(with_repos))
"""

EXAMPLES = r"""
# tenants.logpoints.yml: two standalone tenants (the bundled simulator twice), grouped by a host variable.
# ansible-inventory -i tenants.logpoints.yml --graph
plugin: logpoint.siem.logpoints
logpoints:
  - name: acme
    url: https://127.0.0.1:8443
    ca_path: .simulator/ca.pem
    vars: {tier: gold}
  - name: globex
    url: https://127.0.0.1:8444
    ca_path: .simulator/ca-2.pem
    version: "7.6.0"
    vars: {tier: silver}
keyed_groups:
  - key: tier
    prefix: tier

# director.logpoints.yml: every Logpoint of a Director; the token comes from LOGPOINT_DIRECTOR_TOKEN
# (an AWX credential), the repos need LOGPOINT_USERNAME and LOGPOINT_SECRET_KEY. Cached for an hour.
plugin: logpoint.siem.logpoints
director_url: https://director.example.com
with_repos: true
host_name: "{pool_name}-{name}"
keyed_groups:
  - key: logpoint_pool_name
    prefix: pool
  - key: logpoint_version.split('.')[0]
    prefix: major
groups:
  has_windows: logpoint_repos | default([]) | selectattr('repo', 'equalto', 'windows') | list | length > 0
compose:
  tenant: logpoint_pool_name | lower
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/logpoint-inventory
cache_timeout: 3600
"""

import types

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import fan_out_settled
from ansible_collections.logpoint.siem.plugins.module_utils.api.fleet import director_fleet
from ansible_collections.logpoint.siem.plugins.module_utils.api.repos import list_repos
from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import as_logpoint_error
from ansible_collections.logpoint.siem.plugins.module_utils.options import check_credentials, secret_values
from ansible_collections.logpoint.siem.plugins.plugin_utils._fleet import (
    director_hosts, standalone_hosts, unique_hosts)
from ansible_collections.logpoint.siem.plugins.plugin_utils._lookup import connection_values

try:
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover - ansible-core before 2.19 templates every inventory string
    def trust_as_template(value):
        return value

CONNECTION = ("director_url", "director_token", "username", "secret_key", "token", "ca_path", "validate_certs", "timeout")
GROUP = "logpoints"
display = Display()


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "logpoint.siem.logpoints"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("logpoints.yml", "logpoints.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        hosts = None
        if use_cache:
            try:
                hosts = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if hosts is None:
            hosts = self._read_hosts()
        if update_cache:
            self._cache[cache_key] = hosts
        self._populate(hosts)

    def _connection_options(self):
        options = dict((name, self.get_option(name)) for name in CONNECTION)
        # connection_values templates ``{{ }}`` in values (the file is trusted) and types them as modules do
        options = connection_values(types.SimpleNamespace(_templar=self.templar), options)
        for name in ("validate_certs", "timeout"):
            if self.get_option(name) is None:
                options[name] = None  # not set: no host variable, the modules' default applies
        return options

    def _read_hosts(self):
        options = self._connection_options()
        try:
            check_credentials(options)
            defaults = dict((name, options[name]) for name in ("ca_path", "validate_certs", "timeout"))
            # the file is trusted: "{{ lookup('env', 'TENANT_URL') }}" in an entry is templated here
            hosts = standalone_hosts(self.templar.template(self.get_option("logpoints")), defaults)
            if options.get("director_url"):
                hosts += director_hosts(self._director_fleet(options), options["director_url"], defaults,
                                        self.get_option("host_name"))
            hosts = unique_hosts(hosts)
        except AnsibleError:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # any error, scrubbed of every secret
            raise AnsibleParserError("%s: %s" % (self.NAME, as_logpoint_error(exc, secret_values(options))))
        if self.get_option("with_repos"):
            self._add_repos(hosts, options)
        return hosts

    def _director_fleet(self, options):
        client = LogpointClient.from_options(options, warn=display.warning)
        return director_fleet(client, pools_path=self.get_option("director_pools_path"),
                              logpoints_path=self.get_option("director_logpoints_path"),
                              only=self.get_option("pools"), max_concurrency=self.get_option("max_concurrency"))

    def _add_repos(self, hosts, options):
        reachable = [host for host in hosts if host["vars"].get("logpoint_url")]

        def read(host):
            host_vars = host["vars"]
            values = dict(options, url=host_vars["logpoint_url"], director_url=None, director_token=None)
            for name in ("ca_path", "validate_certs", "timeout"):
                if host_vars.get("logpoint_" + name) is not None:
                    values[name] = host_vars["logpoint_" + name]
            values = dict((k, v) for k, v in values.items() if v is not None)
            return list_repos(LogpointClient.from_options(values, warn=display.warning))

        for host, (repos, error) in zip(reachable, fan_out_settled(read, reachable,
                                                                   max_concurrency=self.get_option("max_concurrency"))):
            if error is None:
                host["vars"]["logpoint_repos"] = repos
            else:
                reason = as_logpoint_error(error, secret_values(options))
                display.warning("%s: the repos of %s could not be read, so it has no logpoint_repos: %s"
                                % (self.NAME, host["name"], reason))

    def _populate(self, hosts):
        strict = self.get_option("strict")
        self.inventory.add_group(GROUP)
        for host in hosts:
            name = self.inventory.add_host(host["name"], group=GROUP)
            for key, value in host["vars"].items():
                self.inventory.set_variable(name, key, value)
            if self.get_option("local_connection"):
                self.inventory.set_variable(name, "ansible_connection", "local")
                self.inventory.set_variable(name, "ansible_python_interpreter",
                                            trust_as_template("{{ ansible_playbook_python }}"))
            host_vars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option("compose"), host_vars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, name, strict=strict)
