"""Fixtures of the integration tests: one simulator per test process (per xdist worker), reset per test.

The simulator runs in a thread of the test process (``harness.ThreadSimulator``: HTTPS with a
throwaway CA); modules and lookups in this process and Ansible subprocesses reach it alike.

Both tiers:

* ``simulator`` (session): the running simulator (``.url``, ``.ca_path``, ``.env()``, ``.alive()``,
  ``.profile``); ``simulator_process`` is the same object under its former name. Its profile (the
  answers to the open API questions, logpoint-api.md §19) comes from ``LOGPOINT_SIM_PROFILE``
  (``default`` when unset; ``make test`` runs each tier under ``default`` and again under ``strict``).
* ``sim`` (function): resets the simulator (the profile stays), then gives a ``harness.SimClient``:
  ``sim.url``, ``sim.ca_path``, ``sim.profile``, ``sim.strict``, ``sim.state()``, ``sim.requests()``,
  ``sim.clear_requests()``, ``sim.count(endpoint_prefix=None, method=None)``, ``sim.faults(**kw)``,
  ``sim.settings(**kw)``, ``sim.api(method, path, **requests_kwargs)``.
* marker ``sim_profile(name, reason=...)``: a test about one profile only; under the other it is
  skipped with that reason (``LOGPOINT_SIM_PROFILE=strict pytest ...`` runs the strict ones). A test
  that uses no ``simulator`` (directly or through ``sim``, ``call_module``...) counts as
  ``sim_profile('default')``: the profile cannot reach it, so it runs once.

In-process tier (``tests/integration/test_*.py``):

* ``call_module(module, args, *, check=False, diff=False, env=None)``: runs the module's ``main()``
  in this process (``inprocess.ModuleCaller``) -> ``inprocess.ModuleRun`` (``changed``, ``failed``,
  ``result``, ``msg``, ``diff``, ``warnings``, ``stdout``, ``assert_no_secrets()``).
* ``module_ok(module, args, **kw)``: ``call_module`` that fails the test when the module fails.
* ``call_lookup(name, *terms, variables=None, env=None, **options)``: a lookup's
  ``LookupModule().run()`` in this process -> ``inprocess.LookupRun`` (``ok``, ``value``, ``error``,
  ``output``, ``warnings``, ``assert_no_secrets()``).

Ansible tier (``tests/integration/ansible/``):

* ``adhoc_module(module, args)``: the module through Ansible's task executor in this process,
  with pytest-ansible's ``ansible_adhoc`` -> ``AdhocResult`` (``changed``, ``failed``, ``result``,
  ``msg``, ``warnings``).
* ``ansible_module(module, args, *, check=False, diff=False, env=None, verbosity=0)``: runs
  ``ansible localhost -m logpoint.siem.<module>`` -> ``harness.ModuleResult`` (it shadows
  pytest-ansible's fixture of the same name here; use ``adhoc_module`` for that one).
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
import inprocess  # noqa: E402  pylint: disable=wrong-import-position

inprocess.install_collection_loader()  # before any test module imports ansible_collections.*


SIM_PROFILE_VARIABLE = 'LOGPOINT_SIM_PROFILE'
SIM_PROFILES = ('default', 'strict')


def session_profile() -> str:
    """The simulator profile of this test run: ``LOGPOINT_SIM_PROFILE``, ``default`` when unset."""
    profile = os.environ.get(SIM_PROFILE_VARIABLE, '').strip() or 'default'
    if profile not in SIM_PROFILES:
        raise pytest.UsageError('%s=%s: the simulator profiles are %s'
                                % (SIM_PROFILE_VARIABLE, profile, ', '.join(SIM_PROFILES)))
    return profile


def pytest_configure(config):
    config.addinivalue_line('markers', 'sim_profile(name, reason): the test is about one simulator profile only; '
                            'it is skipped under the other (%s)' % SIM_PROFILE_VARIABLE)
    # pytest-ansible's host manager and ansible-core's loader announce their own deprecations: not ours
    for text in ('ignore:Host management is deprecated:DeprecationWarning',
                 'ignore:AnsibleCollectionFinder has already been configured:UserWarning'):
        config.addinivalue_line('filterwarnings', text)


def pytest_report_header(config):  # pylint: disable=unused-argument
    return 'simulator profile: %s (%s)' % (session_profile(), SIM_PROFILE_VARIABLE)


NO_SIMULATOR = pytest.mark.sim_profile('default', reason='it uses no simulator fixture, so no profile reaches it: '
                                       'it runs once, in the default tier')


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    profile = session_profile()
    for item in items:
        marker = item.get_closest_marker('sim_profile')
        if marker is None and 'simulator' not in getattr(item, 'fixturenames', ()):
            marker = NO_SIMULATOR.mark  # e.g. `make demo` with its own simulator, the EE builds: same under both
        if marker is None:
            continue
        wanted = marker.args[0] if marker.args else marker.kwargs.get('name')
        if wanted not in SIM_PROFILES:
            raise pytest.UsageError('%s: sim_profile(%r): the profiles are %s' % (item.nodeid, wanted, SIM_PROFILES))
        if wanted != profile:
            reason = marker.kwargs.get('reason', '')
            item.add_marker(pytest.mark.skip(reason='%s profile only (%s=%s)%s' % (
                wanted, SIM_PROFILE_VARIABLE, wanted, ': ' + reason if reason else '')))


@pytest.fixture(scope='session')
def simulator(tmp_path_factory):
    try:
        running = harness.ThreadSimulator(tmp_path_factory.mktemp('simulator'), profile=session_profile()).start()
    except OSError as error:
        pytest.fail('could not start the Logpoint simulator: %s' % error, pytrace=False)
    yield running
    running.stop()


@pytest.fixture(scope='session')
def simulator_process(simulator):
    return simulator


@pytest.fixture
def sim(simulator):
    if not simulator.alive():
        pytest.fail('the simulator thread is no longer running', pytrace=False)
    client = harness.SimClient(simulator)
    client.reset()
    return client


# ---- in-process tier ---------------------------------------------------------------------------


@pytest.fixture(scope='session')
def _module_tmpdir(tmp_path_factory):
    return tmp_path_factory.mktemp('module-tmp')


@pytest.fixture
def call_module(sim, _module_tmpdir):
    return inprocess.ModuleCaller(sim, _module_tmpdir).call


@pytest.fixture
def module_ok(sim, _module_tmpdir):
    return inprocess.ModuleCaller(sim, _module_tmpdir).ok


@pytest.fixture
def call_lookup(sim):
    return inprocess.LookupCaller(sim).call


# ---- Ansible tier ------------------------------------------------------------------------------


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


@pytest.fixture
def adhoc_module(request, sim, monkeypatch):
    """A module run through pytest-ansible's ``ansible_adhoc`` (Ansible's task executor, this process)."""
    if not request.config.pluginmanager.hasplugin('ansible'):
        pytest.skip('pytest-ansible is not installed or its plugin is disabled (-p no:ansible)')
    ansible_adhoc = request.getfixturevalue('ansible_adhoc')
    return harness.AdhocRunner(ansible_adhoc, sim, monkeypatch).module
