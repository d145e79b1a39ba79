# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where options become a client and errors become ``fail_json``.

Each module defines ``run(params, client, check_mode, warn) -> (changed, result, diff)`` and calls
``run_module(ARGUMENT_SPEC, run)`` from ``main()``. ``run`` never touches AnsibleModule, so its logic
is testable on its own.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.logpoint.siem.plugins.module_utils.auth import JWT_IMPORT_ERROR
from ansible_collections.logpoint.siem.plugins.module_utils._transport import REQUESTS_IMPORT_ERROR
from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import LogpointError, scrub
from ansible_collections.logpoint.siem.plugins.module_utils.options import connection_argspec


def build_module(argument_spec, **kwargs):
    spec = connection_argspec()
    spec.update(argument_spec)
    kwargs.setdefault("supports_check_mode", True)
    return AnsibleModule(argument_spec=spec, **kwargs)


def check_libraries(module, needs_requests=True):
    if JWT_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("PyJWT"), exception=JWT_IMPORT_ERROR)
    if needs_requests and REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def run_module(argument_spec, run, *, needs_client=True, **kwargs):
    """Build the module and client, call ``run``, report its outcome or its error."""
    module = build_module(argument_spec, **kwargs)
    check_libraries(module, needs_requests=needs_client)
    client = None
    try:
        if needs_client:
            client = LogpointClient.from_options(module.params, warn=module.warn)
            module.no_log_values.update(client.secrets)
        changed, result, diff = run(module.params, client, module.check_mode, module.warn)
    except LogpointError as exc:
        secrets = client.secrets if client else set()
        module.no_log_values.update(secrets)
        module.fail_json(msg=scrub(str(exc), secrets), **exc.to_result())
    if client is not None:
        module.no_log_values.update(client.secrets)  # tokens minted during the run
    if diff is not None and module._diff:
        result["diff"] = diff
    module.exit_json(changed=changed, **result)
