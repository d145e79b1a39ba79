"""Fixtures of the integration tests: one simulator per session (per xdist worker), reset per test.

* ``simulator_process`` (session): the running simulator (``harness.Simulator``: ``.url``,
  ``.ca_path``, ``.env()``, ``.log_tail()``).
* ``sim`` (function): resets the simulator, then gives a ``harness.SimClient``: ``sim.url``,
  ``sim.ca_path``, ``sim.state()``, ``sim.requests()``, ``sim.clear_requests()``,
  ``sim.count(endpoint_prefix=None, method=None)``, ``sim.faults(**kw)``, ``sim.settings(**kw)``,
  ``sim.api(method, path, **requests_kwargs)``.
* ``ansible_module(module, args, *, check=False, diff=False, env=None, verbosity=0)``: runs
  ``ansible localhost -m logpoint.siem.<module>`` against ``sim`` -> ``harness.ModuleResult``.
* ``run_playbook(path_or_text, *, extra_vars=None, check=False, diff=False, env=None, verbosity=0)``
  -> ``harness.PlaybookResult``.

``env`` adds or overrides environment variables of the run; a value of ``None`` removes one
(``env={'LOGPOINT_CA_PATH': None}``).
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='session')
def simulator_process(tmp_path_factory):
    try:
        process = harness.start_simulator(tmp_path_factory.mktemp('simulator'))
    except harness.SimulatorError as error:
        pytest.fail('could not start the Logpoint simulator: %s' % error, pytrace=False)
    yield process
    process.stop()


@pytest.fixture
def sim(simulator_process):
    if simulator_process.process is None or simulator_process.process.poll() is not None:
        pytest.fail('the simulator is no longer running; its log ends with:\n%s' % simulator_process.log_tail(),
                    pytrace=False)
    client = harness.SimClient(simulator_process)
    client.reset()
    return client


@pytest.fixture(scope='session')
def _ansible_workdir(tmp_path_factory):
    return tmp_path_factory.mktemp('ansible')


@pytest.fixture
def ansible_runner(sim, _ansible_workdir):
    return harness.AnsibleRunner(_ansible_workdir, sim=sim)


@pytest.fixture
def ansible_module(ansible_runner):
    return ansible_runner.module


@pytest.fixture
def run_playbook(ansible_runner):
    return ansible_runner.playbook
