"""The integration-test harness: the simulator (in a thread), its client, and Ansible runs as a user
would make them (``ansible`` / ``ansible-playbook`` subprocesses, pytest-ansible's task executor).

The fixtures in ``conftest.py`` build these objects; tests use the fixtures (``sim``, and in the
Ansible tier ``adhoc_module``, ``ansible_module``, ``run_playbook``) and may import the constants
below (``SECRETS``...). The in-process runners are in ``inprocess.py``.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = ROOT / '.collections'
CALLBACK_DIR = Path(__file__).resolve().parent / 'harness_plugins' / 'callback'
SIMULATOR_SOURCE = ROOT / 'tests' / 'simulator'

sys.path.insert(0, str(ROOT / 'tools'))
import with_simulator  # noqa: E402  pylint: disable=wrong-import-position

Simulator = with_simulator.Simulator
SimulatorError = with_simulator.SimulatorError
ADMIN_USERNAME = with_simulator.ADMIN_USERNAME
ADMIN_SECRET_KEY = with_simulator.ADMIN_SECRET_KEY
ANALYST_USERNAME = with_simulator.ANALYST_USERNAME
ANALYST_SECRET_KEY = with_simulator.ANALYST_SECRET_KEY
DIRECTOR_TOKEN = with_simulator.DIRECTOR_TOKEN
POOL_UUID = with_simulator.POOL_UUID
LOGPOINT_IDENTIFIER = with_simulator.LOGPOINT_IDENTIFIER
LM_ACCESS_ID = with_simulator.LM_ACCESS_ID
LM_ACCESS_KEY = with_simulator.LM_ACCESS_KEY
LM_BEARER_TOKEN = with_simulator.LM_BEARER_TOKEN
SECRETS = with_simulator.SECRETS

# Variables of the outer environment that must not reach a test run (a developer's real Logpoint
# credentials, their ansible.cfg...): every name with one of these prefixes is dropped.
_SCRUBBED_PREFIXES = ('ANSIBLE_', 'LOGPOINT_', 'LM_')

# Without -i only the implicit localhost exists: loading the inventory plugins that would try to
# parse the (absent) default inventory costs ~0.2 s per run, so only one is enabled then.
_IMPLICIT_LOCALHOST_ONLY = {'ANSIBLE_INVENTORY_ENABLED': 'host_list'}


def start_simulator(workdir, *, tls: bool = True) -> 'Simulator':
    """Start a simulator process (this checkout's ``tests/simulator``) with its files in ``workdir``."""
    return Simulator(workdir=str(workdir), tls=tls).start()


class ThreadSimulator:
    """The simulator served by a thread of this process (``logpoint_simulator.serve_in_thread``).

    Same interface as the process version (``with_simulator.Simulator``) where the tests use it:
    ``url``, ``ca_path``, ``tls``, ``env()``, ``log_tail()``, ``stop()``; ``alive()`` instead of
    ``process.poll()``. HTTPS with a throwaway trustme CA written to ``workdir/ca.pem``. Modules run
    in-process and Ansible runs (subprocesses) reach it alike, over loopback. ``profile`` picks the
    answers to the open API questions (``default`` or ``strict``; kept over resets); ``lm_entries``
    seeds that many LogicMonitor audit entries instead of the simulator's 3000.
    """

    def __init__(self, workdir, *, tls: bool = True, profile: str = 'default', lm_entries: int | None = None):
        self.workdir = Path(workdir)
        self.tls = tls
        self.profile = profile
        self.lm_entries = lm_entries
        self.ca_path = str(self.workdir / 'ca.pem') if tls else None
        self.url = None
        self._running = None

    def start(self) -> 'ThreadSimulator':
        if str(SIMULATOR_SOURCE) not in sys.path:
            sys.path.insert(0, str(SIMULATOR_SOURCE))
        # pylint: disable=import-outside-toplevel
        from logpoint_simulator import serve_in_thread
        from logpoint_simulator.state import SimState

        # werkzeug logs every request to stderr; the tests read the request counters instead
        logging.getLogger('werkzeug').setLevel(logging.ERROR)
        state = SimState(self.profile, lm_entries=self.lm_entries) if self.lm_entries else None
        self._running = serve_in_thread(port=0, tls=self.tls, ca_path=self.ca_path, state=state,
                                        profile=None if state else self.profile)
        self.url = self._running.url
        return self

    def alive(self) -> bool:
        return self._running is not None and self._running._thread.is_alive()  # pylint: disable=protected-access

    def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            running.stop()

    def env(self) -> dict[str, str]:
        """The environment variables that point the collection at this simulator."""
        return with_simulator.connection_env(self.url, self.ca_path)

    def log_tail(self, lines: int = 40) -> str:  # pylint: disable=unused-argument
        return '(the simulator runs in a thread of the test process: its errors are in the test output)'


# ---- the simulator's control API -----------------------------------------------------------------


class SimClient:
    """Client of one running simulator: its URL and CA, its control API and raw API calls.

    ``count()`` reads the request counters; the control API itself is never counted. ``profile`` is
    the profile the simulator was started with (``strict`` is true under ``--profile strict``).
    """

    def __init__(self, process: 'Simulator | ThreadSimulator'):
        self.process = process
        self.url = process.url
        self.profile = getattr(process, 'profile', 'default')
        self.ca_path = process.ca_path if process.tls else None
        self.session = requests.Session()
        self.session.verify = self.ca_path or True
        self.session.trust_env = False  # no proxy between the tests and loopback

    def __repr__(self):
        return '<SimClient %s %s>' % (self.url, self.profile)

    @property
    def strict(self) -> bool:
        return self.profile == 'strict'

    # -- control API --
    def _control(self, method: str, path: str, body=None):
        response = self.session.request(method, '%s/_simulator/%s' % (self.url, path), json=body, timeout=30)
        if response.status_code >= 400:
            raise AssertionError('simulator control %s /_simulator/%s answered %s: %s'
                                 % (method, path, response.status_code, response.text[:2000]))
        return response.json() if response.content.strip() else {}

    def health(self) -> dict:
        return self._control('GET', 'health')

    def reset(self) -> dict:
        """Back to the seeded state: data, counters, faults and settings."""
        return self._control('POST', 'reset')

    def state(self) -> dict:
        """The whole simulator state as JSON (users, repos, alert rules, lists, incidents...)."""
        return self._control('GET', 'state')

    def requests(self) -> dict:
        """The per-endpoint request counters, exactly as ``GET /_simulator/requests`` returns them."""
        return self._control('GET', 'requests')

    def clear_requests(self) -> None:
        self._control('DELETE', 'requests')

    def count(self, endpoint_prefix: str | None = None, method: str | None = None) -> int:
        """How many API requests the simulator received since the last reset / clear_requests().

        ``endpoint_prefix`` keeps the endpoints whose path starts with it (``"/AlertRules/"``); it may
        start with a method (``"POST /Repo/get_all_searchable_logpoint"``). ``method`` keeps one HTTP
        method. Some reads are POSTs (``/Repo/get_all_searchable_logpoint``, ``/getalloweddata``,
        search polls): ask for the endpoints you mean rather than for "all non-GET requests".
        """
        if endpoint_prefix and ' ' in endpoint_prefix:
            prefix_method, endpoint_prefix = endpoint_prefix.split(' ', 1)
            if method and method.upper() != prefix_method.upper():
                raise ValueError('count(%r, method=%r): two different methods' % (endpoint_prefix, method))
            method = prefix_method
        total = 0
        for entry_method, path, number in self.counters():
            if method and entry_method.upper() != method.upper():
                continue
            if endpoint_prefix and not path.startswith(endpoint_prefix):
                continue
            total += number
        return total

    def counters(self) -> list:
        """``[(method, path, count), ...]`` from ``GET /_simulator/requests`` (``{"by_endpoint": {"GET /x": n}}``)."""
        return [tuple(key.split(' ', 1)) + (number,)
                for key, number in self.requests().get('by_endpoint', {}).items()]

    def faults(self, **faults) -> dict:
        """Set fault injection knobs (POST /_simulator/faults); see the simulator's docs for the names."""
        return self._control('POST', 'faults', faults)

    def clear_faults(self) -> None:
        self._control('DELETE', 'faults')

    def settings(self, **settings) -> dict:
        """Switch §18 alternatives (POST /_simulator/settings); without arguments, read them."""
        if not settings:
            return self._control('GET', 'settings')
        return self._control('POST', 'settings', settings)

    # -- the simulated API itself (counted like any client's request) --
    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A raw request to the simulated Logpoint API, e.g. ``sim.api('GET', '/get_users', json=...)``."""
        kwargs.setdefault('timeout', 30)
        return self.session.request(method, self.url + path, **kwargs)


# ---- Ansible runs --------------------------------------------------------------------------------


class ResultAttributes:
    """What tests read of a module's result dict ``self.result``: shared by every tier's result class."""

    result: dict

    @property
    def changed(self) -> bool:
        return bool(self.result.get('changed', False))

    @property
    def msg(self):
        return self.result.get('msg')

    @property
    def diff(self):
        return self.result.get('diff')

    @property
    def warnings(self) -> list:
        return self.result.get('warnings') or []


# The environment a module sees, printed by ansible.builtin.command: the harness self-tests of both tiers
ENVIRONMENT_PROBE = ("import json, os; print(json.dumps({k: v for k, v in os.environ.items() "
                     "if k.startswith(('LOGPOINT_', 'LM_'))}))")


def environment_probe_args() -> dict:
    return {'argv': [sys.executable, '-c', ENVIRONMENT_PROBE]}


def assert_probe_saw_the_simulator(result, sim) -> None:
    """``result`` of the probe run with ``env={'LOGPOINT_CA_PATH': None, 'LOGPOINT_TIMEOUT': 7}``."""
    assert not result.failed, result
    seen = json.loads(result.result['stdout'])
    assert seen['LOGPOINT_URL'] == sim.url and seen['LOGPOINT_USERNAME'] == ADMIN_USERNAME
    assert seen['LOGPOINT_DIRECTOR_URL'] == sim.url and seen['LM_URL'] == sim.url
    assert seen['LOGPOINT_POOL_UUID'] == POOL_UUID and seen['LOGPOINT_TIMEOUT'] == '7'
    assert 'LOGPOINT_CA_PATH' not in seen


class RunResult:
    """One ``ansible`` or ``ansible-playbook`` run: exit code, output and what the callback recorded."""

    def __init__(self, command, rc, stdout, stderr, records):
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records

    @property
    def output(self) -> str:
        """stdout and stderr together: what a person at the terminal reads."""
        return self.stdout + self.stderr

    @property
    def tasks(self) -> list:
        """One dict per task result: ``status`` (ok/failed/skipped/unreachable), ``task``, ``action``, ``result``."""
        return [record for record in self.records if record.get('event') == 'task']

    @property
    def stats(self) -> dict:
        """The play recap per host (``ok``, ``changed``, ``failures``...), empty for ad-hoc runs."""
        for record in reversed(self.records):
            if record.get('event') == 'stats':
                return record['stats']
        return {}

    def assert_no_secrets(self, *extra: str) -> None:
        """Fail if any simulator secret (or one of ``extra``) appears in the output or the results."""
        text = self.output + json.dumps(self.records)
        leaked = [secret for secret in SECRETS + tuple(extra) if secret and secret in text]
        assert not leaked, 'secret(s) leaked into the output or results: %s' % ', '.join(
            '%s...' % secret[:6] for secret in leaked)

    def _tail(self, text, lines=30):
        return '\n'.join(text.rstrip().splitlines()[-lines:])

    def describe(self) -> str:
        return '$ %s\nrc=%s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (
            shlex.join(self.command), self.rc, self._tail(self.stdout), self._tail(self.stderr))

    def __repr__(self):
        return '<%s rc=%s>\n%s' % (type(self).__name__, self.rc, self.describe())


class ModuleResult(ResultAttributes, RunResult):
    """The result of ``ansible localhost -m MODULE``: ``.result`` is the module's returned dict."""

    @property
    def record(self) -> dict:
        tasks = self.tasks
        return tasks[-1] if tasks else {}

    @property
    def result(self) -> dict:
        return self.record.get('result', {})

    @property
    def failed(self) -> bool:
        return self.rc != 0 or self.record.get('status') in (None, 'failed', 'unreachable')

    @property
    def msg(self):
        if self.record:
            return self.result.get('msg')
        return self.stderr.strip() or None  # the run never reached the module (bad name, bad args...)

    def __repr__(self):
        return '<ModuleResult rc=%s changed=%s failed=%s msg=%r>\n%s' % (
            self.rc, self.changed, self.failed, self.msg, self.describe())


class PlaybookResult(RunResult):
    """The result of ``ansible-playbook``; ``task(name)`` gives one task's result dict."""

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def task(self, name: str, host: str = 'localhost') -> dict:
        """The result dict of the last run of the task called ``name`` (KeyError if it never ran)."""
        for record in reversed(self.tasks):
            if record['task'] == name and record['host'] == host:
                return record['result']
        raise KeyError('no task %r ran on %s; tasks that ran: %s'
                       % (name, host, [record['task'] for record in self.tasks]))

    def status(self, name: str, host: str = 'localhost') -> str:
        for record in reversed(self.tasks):
            if record['task'] == name and record['host'] == host:
                return record['status']
        raise KeyError(name)

    @property
    def changed_tasks(self) -> list:
        return [record['task'] for record in self.tasks if record['result'].get('changed')]

    @property
    def failed_tasks(self) -> list:
        return [record['task'] for record in self.tasks
                if record['status'] in ('failed', 'unreachable') and not record['ignore_errors']]


class AnsibleRunner:
    """Runs ``ansible`` / ``ansible-playbook`` of a venv (``python``'s, default: this one) against a simulator.

    Inventory: the implicit localhost (no ``-i``), with ``ansible_python_interpreter`` set to the venv's
    Python through ``ANSIBLE_PYTHON_INTERPRETER``, so interpreter discovery never runs. Only
    ``collections_path`` holds collections (no sys.path scan).
    """

    def __init__(self, workdir, *, sim: SimClient | None = None, collections_path=COLLECTIONS_PATH,
                 python=sys.executable):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sim = sim
        self.collections_path = Path(collections_path)
        self.python = str(python)
        self.bindir = Path(python).parent
        self.config = self.workdir / 'ansible.cfg'
        if not self.config.exists():
            self.config.write_text('# logpoint.siem test harness: settings come from the environment\n'
                                   '[defaults]\n')

    def executable(self, name: str) -> str:
        candidate = self.bindir / name
        return str(candidate) if candidate.exists() else name

    def base_env(self, record_path) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith(_SCRUBBED_PREFIXES)}
        env.update({
            'ANSIBLE_CONFIG': str(self.config),
            'ANSIBLE_COLLECTIONS_PATH': str(self.collections_path),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_PYTHON_INTERPRETER': self.python,
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_MODULE_COMPRESSION': 'ZIP_STORED',  # ~0.1 s CPU less per module run, same behaviour
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_CALLBACK_PLUGINS': str(CALLBACK_DIR),
            'ANSIBLE_CALLBACKS_ENABLED': 'harness_record',
            'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
            'LOGPOINT_HARNESS_RECORD': str(record_path),
        })
        if self.sim is not None:
            env.update(self.sim.process.env())
        return env

    def _run(self, command, *, env=None, timeout=600, cwd=None):
        calldir = Path(tempfile.mkdtemp(prefix='run-', dir=self.workdir))
        record_path = calldir / 'results.jsonl'
        full_env = self.base_env(record_path)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = str(value)
        command = [str(part) for part in command]
        returncode, stdout, stderr, timed_out = with_simulator.run_group(
            command, timeout=timeout, env=full_env, cwd=str(cwd or calldir), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if timed_out:
            stderr += '\n[harness] killed after %ss: the run hung\n' % timeout
        completed = subprocess.CompletedProcess(command, returncode, stdout, stderr)
        records = []
        if record_path.exists():
            records = [json.loads(line) for line in record_path.read_text(encoding='utf-8').splitlines() if line]
        return command, completed, records

    @staticmethod
    def _flags(check, diff, verbosity):
        flags = []
        if check:
            flags.append('--check')
        if diff:
            flags.append('--diff')
        if verbosity:
            flags.append('-' + 'v' * verbosity)
        return flags

    def module(self, module: str, args: dict | None = None, *, check=False, diff=False, env=None,
               verbosity=0, timeout=120) -> ModuleResult:
        """``ansible localhost -m logpoint.siem.<module> -a '<json>'``; ``module`` may be a full FQCN."""
        fqcn = module if '.' in module else 'logpoint.siem.' + module
        command = [self.executable('ansible'), 'localhost', '-m', fqcn, '-a', json.dumps(args or {})]
        command += self._flags(check, diff, verbosity)
        command, completed, records = self._run(command, env=dict(_IMPLICIT_LOCALHOST_ONLY, **(env or {})),
                                                timeout=timeout)
        return ModuleResult(command, completed.returncode, completed.stdout, completed.stderr, records)

    def playbook(self, playbook, *, extra_vars=None, check=False, diff=False, env=None, verbosity=0,
                 timeout=300, inventory=None) -> PlaybookResult:
        """``ansible-playbook`` on a file (path) or on YAML text; ``extra_vars`` go in as JSON (typed)."""
        calldir = Path(tempfile.mkdtemp(prefix='playbook-', dir=self.workdir))
        text = str(playbook)
        if isinstance(playbook, Path) or ('\n' not in text and text.endswith(('.yml', '.yaml'))):
            path = Path(playbook)
            if not path.is_absolute() and not path.exists():
                path = ROOT / path
            if not path.exists():
                raise FileNotFoundError(path)
        else:
            path = calldir / 'playbook.yml'
            path.write_text(text, encoding='utf-8')
        command = [self.executable('ansible-playbook'), str(path)]
        if inventory is None:
            env = dict(_IMPLICIT_LOCALHOST_ONLY, **(env or {}))
        else:
            command += ['-i', str(inventory)]
        if extra_vars:
            vars_file = calldir / 'extra_vars.json'
            vars_file.write_text(json.dumps(extra_vars), encoding='utf-8')
            command += ['-e', '@%s' % vars_file]
        command += self._flags(check, diff, verbosity)
        command, completed, records = self._run(command, env=env, timeout=timeout, cwd=calldir)
        return PlaybookResult(command, completed.returncode, completed.stdout, completed.stderr, records)


# ---- modules through pytest-ansible (Ansible's task executor in the test process) ------------------


class AdhocResult(ResultAttributes):
    """A module's result dict as pytest-ansible returns it, with the attributes of ``ModuleResult``."""

    def __init__(self, module, result):
        import inprocess  # pylint: disable=import-outside-toplevel

        self.module = module
        self.raw = dict(result)
        self.result = {key: value for key, value in self.raw.items() if key != 'invocation'}
        if 'warnings' in self.result:
            self.result['warnings'] = inprocess.warning_texts(self.result['warnings'])

    @property
    def failed(self) -> bool:
        return bool(self.result.get('failed')) or self.result.get('rc', 0) != 0

    def assert_no_secrets(self, *extra: str) -> None:
        text = json.dumps(self.raw, default=repr)
        leaked = [secret for secret in SECRETS + tuple(extra) if secret and secret in text]
        assert not leaked, 'secret(s) leaked into the result: %s' % ', '.join('%s...' % s[:6] for s in leaked)

    def __repr__(self):
        return '<AdhocResult %s changed=%s failed=%s msg=%r>\n%s' % (
            self.module, self.changed, self.failed, self.msg, json.dumps(self.result, indent=2, default=repr)[-4000:])


class AdhocRunner:
    """Runs one module on the implicit localhost with pytest-ansible's ``ansible_adhoc`` fixture.

    The connection variables of the simulator are set in this process's environment (the forked
    worker and the module inherit them); ``ansible_python_interpreter`` is this Python, and the
    collections path is this checkout's ``.collections``.
    """

    def __init__(self, ansible_adhoc, sim, monkeypatch):
        self.ansible_adhoc = ansible_adhoc
        self.sim = sim
        self.monkeypatch = monkeypatch

    def module(self, module: str, args: dict | None = None, *, env: dict | None = None) -> AdhocResult:
        from pytest_ansible.module_dispatcher import v213  # pylint: disable=import-outside-toplevel

        fqcn = module if '.' in module else 'logpoint.siem.' + module
        for key in [key for key in os.environ if key.startswith(('LOGPOINT_', 'LM_'))]:
            self.monkeypatch.delenv(key)
        variables = dict(self.sim.process.env(), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                         ANSIBLE_DEPRECATION_WARNINGS='false', **(env or {}))
        for key, value in variables.items():
            if value is None:
                self.monkeypatch.delenv(key, raising=False)
            else:
                self.monkeypatch.setenv(key, str(value))
        self.monkeypatch.setattr(v213, 'COLLECTIONS_PATHS', [str(COLLECTIONS_PATH)])
        host = self.ansible_adhoc(inventory='localhost,', connection='local')['localhost']
        contacted = getattr(host, fqcn)(**(args or {}))
        return AdhocResult(fqcn, contacted['localhost'])
