# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module template: the one place where options become a client and errors become ``fail_json``.

Each module defines ``run(params, client, check_mode, warn) -> (changed, result, diff)`` and calls
``run_module(ARGUMENT_SPEC, run)`` from ``main()``. ``run`` never touches AnsibleModule, so its logic
is testable on its own.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    LogpointError, MissingLibraryError, as_logpoint_error, scrub)
from ansible_collections.logpoint.siem.plugins.module_utils.options import (
    LOGPOINT, check_credentials, connection_argspec, secret_values)


def run_module(argument_spec, run, *, connect=LogpointClient.from_options, connection=LOGPOINT, no_log_warning=None,
               **kwargs):
    """Build the module and what ``run`` needs, call ``run``, report its outcome or its error.

    ``connect(params, warn=...)`` builds the client ``run`` receives (by default the Logpoint
    client); ``None`` for a module that sends nothing (``run`` gets ``None``). ``no_log_warning`` is
    given when the task does not set ``no_log`` (for a result that holds a secret). The other keyword
    arguments go to AnsibleModule (``mutually_exclusive``, ``required_if``...). Credentials are checked
    (``check_credentials``) before anything else, and every failure, whatever its type, leaves through
    one ``fail_json`` scrubbed of every secret the task holds.

    ``connection`` names the sections of connection options (``options.CONNECTION_OPTIONS``) the module
    takes: ``options.LOGPOINT`` (the default), or ``options.WITH_DIRECTOR`` for the modules that can talk
    to the Director (their DOCUMENTATION adds the ``logpoint.siem.director`` fragment).
    """
    spec = connection_argspec(connection)
    spec.update(argument_spec)
    kwargs.setdefault("supports_check_mode", True)
    module = AnsibleModule(argument_spec=spec, **kwargs)
    if no_log_warning and not module.no_log:
        module.warn(no_log_warning)
    client = None
    try:
        check_credentials(module.params)
        client = connect(module.params, warn=module.warn) if connect else None
        module.no_log_values.update(_secrets(client))
        changed, result, diff = run(module.params, client, module.check_mode, module.warn)
    except MissingLibraryError as exc:
        module.fail_json(msg=missing_required_lib(exc.library), exception=exc.import_traceback)
    except Exception as exc:  # pylint: disable=broad-except  # every failure leaves here, scrubbed of secrets
        _fail(module, exc, secret_values(module.params) | _secrets(client))
    module.no_log_values.update(_secrets(client))  # tokens minted during the run
    if diff is not None and module._diff:
        result["diff"] = diff
    module.exit_json(changed=changed, **result)


def _fail(module, exc, secrets):
    module.no_log_values.update(secrets)
    details = {}
    if not isinstance(exc, LogpointError):  # a bug or a library error: keep its traceback, scrubbed
        details["exception"] = scrub(traceback.format_exc(), secrets)
    error = as_logpoint_error(exc, secrets)
    module.fail_json(msg=scrub(str(error), secrets), **dict(error.to_result(), **details))


def _secrets(client):
    return client.secrets if client is not None else set()
