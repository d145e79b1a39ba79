# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup template: the one place where lookup options become a client and errors become ``AnsibleLookupError``.

Each lookup defines ``run(options, client) -> data`` (pure: no plugin object in there) and its
``LookupModule.run`` calls ``run_lookup(self, variables, kwargs, run, name=...)``, the lookups' twin
of ``module_utils.module.run_module``.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.module_utils.basic import missing_required_lib
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import MissingLibraryError, as_logpoint_error
from ansible_collections.logpoint.siem.plugins.module_utils.options import (
    CONNECTION_OPTIONS, check_credentials, secret_values)

display = Display()


def connection_values(plugin, options):
    """The connection options as modules see them: ``{{ }}`` in values templated (a variable such as
    ``logpoint_secret_key: "{{ vault_lp_secret }}"`` arrives untemplated), an empty value meaning not set,
    booleans and numbers converted, ``~`` in paths expanded. Only the connection options the lookup
    documents are there: the Logpoint ones, and the LogicMonitor ones of audit_logs; no lookup has the
    Director options."""
    templar = getattr(plugin, "_templar", None)
    values = dict(options)
    for name in [name for name in values if name in CONNECTION_OPTIONS]:
        spec = CONNECTION_OPTIONS[name]
        value = values[name]
        if isinstance(value, str) and templar is not None and ("{{" in value or "{%" in value):
            value = templar.template(value)
        if value is None or value == "":
            values[name] = spec.get("default")
            continue
        values[name] = _typed(name, spec["type"], value)
    return values


def _typed(name, kind, value):
    try:
        if kind == "bool":
            return boolean(value, strict=True)
        if kind == "int":
            return int(value)
    except (TypeError, ValueError):
        raise AnsibleLookupError("%s: %r is not a %s" % (name, value, "boolean" if kind == "bool" else "number"))
    if kind == "path":
        return os.path.expanduser(str(value))
    return value


def run_lookup(plugin, variables, direct, run, *, name, connect=LogpointClient.from_options):
    """Read the plugin's options, build the client, call ``run``, return its data marked unsafe.

    ``connect(options, warn=...)`` builds the client ``run`` receives (by default the Logpoint
    client). Credentials are checked as for modules. A missing library and every other failure, whatever
    its type, become one ``AnsibleLookupError`` naming the lookup (``name``), scrubbed of every secret.
    """
    plugin.set_options(var_options=variables, direct=direct)
    options = connection_values(plugin, plugin.get_options())
    try:
        check_credentials(options)
        client = connect(options, warn=display.warning)
        data = run(options, client)
    except MissingLibraryError as exc:
        raise AnsibleLookupError(missing_required_lib(exc.library))
    except AnsibleError:
        raise
    except Exception as exc:  # pylint: disable=broad-except  # any error, scrubbed of every secret
        raise AnsibleLookupError("%s: %s" % (name, as_logpoint_error(exc, secret_values(options))))
    return wrap_var(data)
