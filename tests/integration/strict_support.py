# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the tests of the collection under the simulator's open-question settings (issue 10).

* ``strict_profile(sim)``: the ``strict`` profile for one test (back to ``default`` afterwards, since
  the simulator keeps a profile over resets).
* ``run_module(sim, module, args, check=False)``: a module's ``run()`` in this process against the
  simulator over real HTTPS, with the module's argument spec applied (defaults, types) ->
  ``Outcome`` (changed, result, diff, warnings). The tests that need Ansible itself use the
  ``ansible_module`` / ``run_playbook`` fixtures instead; these runs let each setting's answers be
  tried in seconds.
* ``run_lookup_audit(options, warnings)``: the ``audit_logs`` lookup's ``run()`` with the same client
  the lookup builds.
* ``in_thread_simulator(**state)``: a second simulator of this checkout in a thread (for a
  LogicMonitor trail larger than the session simulator's).
"""
from __future__ import annotations

import contextlib
import importlib
import sys
from dataclasses import dataclass, field

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from harness import ADMIN_SECRET_KEY, ADMIN_USERNAME, LM_ACCESS_ID, LM_ACCESS_KEY, ROOT

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient

SIMULATOR_SOURCE = str(ROOT / "tests" / "simulator")
MODULES = "ansible_collections.logpoint.siem.plugins.modules."


@dataclass
class Outcome:
    changed: bool
    result: dict
    diff: object
    warnings: list = field(default_factory=list)


@contextlib.contextmanager
def strict_profile(sim):
    answer = sim.api("POST", "/_simulator/profile", json={"profile": "strict"})
    assert answer.status_code == 200 and answer.json()["profile"] == "strict", answer.text
    try:
        yield sim
    finally:
        sim.api("POST", "/_simulator/profile", json={"profile": "default"})
        sim.reset()


def client_of(sim, warnings, **options):
    values = dict(url=sim.url, username=ADMIN_USERNAME, secret_key=ADMIN_SECRET_KEY, ca_path=sim.ca_path)
    values.update(options)
    return LogpointClient(warn=warnings.append, **values)


def run_module(sim, module, args, check=False, **connection):
    """``plugins/modules/<module>.py``'s ``run()`` with ``args`` checked by its argument spec."""
    code = importlib.import_module(MODULES + module)
    validated = ArgumentSpecValidator(code.ARGUMENT_SPEC).validate(dict(args))
    assert not validated.error_messages, validated.error_messages
    warnings = []
    params = dict(validated.validated_parameters, username=ADMIN_USERNAME, secret_key=ADMIN_SECRET_KEY)
    changed, result, diff = code.run(params, client_of(sim, warnings, **connection), check, warnings.append)
    return Outcome(changed, result, diff, warnings)


def audit_options(**given):
    """Every option of the audit_logs lookup, its defaults, with ``given`` on top."""
    options = dict(source="logpoint", category=None, user=None, action=None, keyword=None, since="24h", until="now",
                   sort="newest", fields=None, limit=1000, search_timeout=120, lm_url=None, lm_company=None,
                   lm_access_id=LM_ACCESS_ID, lm_access_key=LM_ACCESS_KEY, lm_bearer_token=None,
                   validate_certs=True, ca_path=None, timeout=30, url=None, username=ADMIN_USERNAME,
                   secret_key=ADMIN_SECRET_KEY, token=None)
    options.update(given)
    return options


def run_lookup_audit(options, warnings):
    lookup = importlib.import_module("ansible_collections.logpoint.siem.plugins.lookup.audit_logs")
    return lookup.run(options, lookup.connect(options, warn=warnings.append))


def in_thread_simulator(**state):
    """A TLS simulator of this checkout in a thread, with ``SimState(**state)``; call ``.stop()``."""
    if SIMULATOR_SOURCE not in sys.path:
        sys.path.insert(0, SIMULATOR_SOURCE)
    from logpoint_simulator import serve_in_thread  # pylint: disable=import-outside-toplevel
    from logpoint_simulator.state import SimState  # pylint: disable=import-outside-toplevel
    return serve_in_thread(port=0, tls=True, state=SimState(**state))
