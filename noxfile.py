"""Test sessions of logpoint.siem (plain nox; run with the Python of .venv: ``make test`` or
``.venv/bin/python -m nox [-s SESSION...]``).

Stages, one session each (``make <stage>`` runs one):

  sanity     ansible-test sanity --venv --python 3.11 in a copy at <tmp>/ansible_collections/logpoint/siem
  unit       pytest tests/unit
  inprocess  pytest tests/integration without ansible/: modules and lookups in the test process
  ansible    pytest tests/integration/ansible: pytest-ansible and real ansible-playbook runs
  inprocess-strict, ansible-strict
             the same two tiers against a simulator under ``--profile strict`` (the adverse answer to
             each open API question, logpoint-api.md §19; LOGPOINT_SIM_PROFILE=strict)
  lint       ansible-lint, production profile, offline, on playbooks/ and roles/
  docs       antsibull-docs lint-collection-docs --plugin-docs
  smoke      ansible-galaxy collection build, galaxy-importer, install, tests/smoke/smoke.yml on the
             installed copy
  compat     the newest ansible-core, 2.21 on Python 3.12 (in .nox/compat): unit tests + tests/smoke/job.yml;
             the oldest declared (tests/requirements-compat-oldest.txt) on Python 3.9 (in
             .nox/compat-oldest): tests/smoke/job.yml; each only where its pyenv Python exists

``integration`` runs inprocess and ansible, ``integration-strict`` their strict twins. Without
``-s``, nox runs every stage with sanity in the background (``sanity-start`` ... ``summary``) and
``summary`` prints ``tests: N passed, N failed`` (pytest cases, one per other stage) and writes it to
tests/output/summary.txt. A pytest stage that collects no test fails. Each stage's output is in tests/output/<stage>.log; its tail is shown when it
fails. Stage sessions run in this venv (``python=False``); only compat has a venv of its own.

plain nox, not antsibull-nox: antsibull-nox runs ansible-test with ``--docker`` (no container engine
here), installs ansible-core from GitHub archives by default (only the package index is reachable)
and gives every session a venv of its own, which would cost minutes that `make test` does not have.
"""

from __future__ import annotations

import atexit
import fcntl
import glob
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

import nox

ROOT = Path(__file__).resolve().parent
OUTPUT = ROOT / 'tests' / 'output'
COLLECTIONS_PATH = ROOT / '.collections'
VENV_BIN = Path(sys.executable).parent
SANITY_PYTHON = '3.11'
TAIL_LINES = 60

# Unit tests and the in-process tier mostly wait (retry back-off, Director polling): more workers
# than cores pay off. The Ansible tier is CPU-bound: one worker per core. LOGPOINT_<STAGE>_WORKERS
# overrides (0 or 1: serial).
WORKERS = {'unit': '4', 'inprocess': '4', 'ansible': '2', 'inprocess-strict': '4', 'ansible-strict': '2', 'compat': '4'}

# Checkout content that never goes into the collection tree when the checkout is not a git work tree
COPY_EXCLUDE_TOP = {'.git', '.venv', '.nox', '.collections', 'collections', '.simulator', '.ansible', '.pytest_cache'}
COPY_EXCLUDE_ANY = {'__pycache__', '.pytest_cache'}

ALL_STAGES = ('sanity', 'unit', 'inprocess', 'ansible', 'inprocess-strict', 'ansible-strict', 'lint', 'docs', 'smoke',
              'compat')
# The integration tiers run under each simulator profile (tests/integration/conftest.py reads it)
SIM_PROFILE_VARIABLE = 'LOGPOINT_SIM_PROFILE'

nox.options.default_venv_backend = 'none'
nox.options.reuse_venv = 'yes'
nox.options.sessions = ['sanity-start', 'unit', 'inprocess', 'ansible', 'inprocess-strict', 'ansible-strict', 'lint',
                        'docs', 'smoke', 'compat', 'summary']


class Outcome:
    """What a stage reports: counted passes and failures, or a skip."""

    def __init__(self, passed=0, failed=0, note='', skipped=False):
        self.passed = passed
        self.failed = failed
        self.note = note
        self.skipped = skipped

    def __add__(self, other):
        notes = '; '.join(note for note in (self.note, other.note) if note)
        return Outcome(self.passed + other.passed, self.failed + other.failed, notes)

    def describe(self):
        text = '%d passed, %d failed' % (self.passed, self.failed)
        return '%s (%s)' % (text, self.note) if self.note else text


def ok(note=''):
    return Outcome(1, 0, note)


def bad(note=''):
    return Outcome(0, 1, note)


class Run:
    """State of one nox invocation, shared by its sessions: results, temporary trees, the built collection."""

    def __init__(self):
        OUTPUT.mkdir(parents=True, exist_ok=True)
        self._lock = open(OUTPUT / '.nox.lock', 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print('waiting for another nox run in this checkout to finish (tests/output is shared)...', flush=True)
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.tmp = Path(tempfile.mkdtemp(prefix='logpoint-siem-tests-'))
        self.results = {}  # stage -> (Outcome, seconds)
        self.background = {}  # stage -> thread
        self.running = set()  # process groups of the commands running now
        self._tree = None
        self._installed = None
        self._build_lock = threading.Lock()
        atexit.register(self.cleanup)

    def cleanup(self):
        for group in list(self.running):  # a background stage still running (Ctrl-C, a crash)
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._lock.close()

    def collection_tree(self):
        """<tmp>/tree/ansible_collections/logpoint/siem: a copy (ansible-test resolves symlinks)."""
        with self._build_lock:
            if self._tree is None:
                base = self.tmp / 'tree'
                target = base / 'ansible_collections' / 'logpoint' / 'siem'
                for relative in checkout_files():
                    destination = target / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / relative, destination, follow_symlinks=False)
                self._tree = (base, target)
            return self._tree

    def installed_collection(self, log):
        """(tarball, collections path, error): built with ansible-galaxy and installed, once per run."""
        with self._build_lock:
            if self._installed is None:
                self._installed = self._build_and_install(log)
            return self._installed

    def _build_and_install(self, log):
        dist, installed = self.tmp / 'dist', self.tmp / 'installed'
        rc = log.run([VENV_BIN / 'ansible-galaxy', 'collection', 'build', '--output-path', dist, ROOT])
        tarballs = sorted(dist.glob('logpoint-siem-*.tar.gz'))
        if rc != 0 or not tarballs:
            return None, None, 'ansible-galaxy collection build failed'
        rc = log.run([VENV_BIN / 'ansible-galaxy', 'collection', 'install', '--offline', '-p', installed,
                      tarballs[-1]], env={'ANSIBLE_COLLECTIONS_PATH': str(installed)})
        if rc != 0 or not (installed / 'ansible_collections' / 'logpoint' / 'siem' / 'MANIFEST.json').exists():
            return tarballs[-1], None, 'ansible-galaxy collection install failed'
        return tarballs[-1], installed, ''


_RUN = []


def current_run():
    if not _RUN:
        _RUN.append(Run())
    return _RUN[0]


class StageLog:
    """Runs commands with their output appended to tests/output/<stage>.log."""

    def __init__(self, run, stage, description):
        self.run_state = run
        self.path = OUTPUT / ('%s.log' % stage)
        self.path.write_text('# stage %s: %s\n' % (stage, description), encoding='utf-8')

    def env(self, extra=None, bindir=VENV_BIN):
        env = dict(os.environ)
        env['PATH'] = os.pathsep.join([str(bindir), env.get('PATH', '')])
        env.setdefault('ANSIBLE_NOCOLOR', '1')
        env.pop('PYTHONPATH', None)
        env.update(extra or {})
        return env

    def note(self, text):
        with open(self.path, 'a', encoding='utf-8') as log:
            log.write(text.rstrip() + '\n')

    def run(self, command, *, env=None, cwd=ROOT, timeout=1800, bindir=VENV_BIN):
        """Run a command in its own process group (killed on timeout); returns its exit code."""
        command = [str(part) for part in command]
        with open(self.path, 'a', encoding='utf-8') as log:
            log.write('\n$ %s\n  (cwd: %s)\n' % (' '.join(command), cwd))
            log.flush()
            started = time.monotonic()
            try:
                process = subprocess.Popen(command, cwd=str(cwd), env=self.env(env, bindir=bindir),  # pylint: disable=consider-using-with
                                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)
            except OSError as error:
                log.write('\n!! could not run: %s\n' % error)
                return 127
            self.run_state.running.add(process.pid)
            try:
                returncode = process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                log.write('\n!! killed after %ss\n' % timeout)
                return 124
            finally:
                self.run_state.running.discard(process.pid)
            log.write('[exit %s after %.1fs]\n' % (returncode, time.monotonic() - started))
            return returncode


def log_tail(path, lines=TAIL_LINES):
    """A stage log's tail, preceded by its ``ERROR:`` lines that the tail does not show (ansible-test
    prints its findings between the names of the tests that follow)."""
    try:
        content = Path(path).read_text(encoding='utf-8', errors='replace').splitlines(keepends=True)
    except OSError:
        return ''
    head, last = content[:-lines], content[-lines:]
    errors = [line for line in head if line.startswith('ERROR:')][:40]
    return (''.join(errors) + '[...]\n' if errors else '') + ''.join(last)


def checkout_files():
    """Relative paths of the checkout's files: git's view (tracked + untracked, not ignored) if possible."""
    try:
        listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                                 cwd=str(ROOT), capture_output=True, check=True).stdout.decode()
        files = sorted({name for name in listing.split('\0') if name})
        return [name for name in files if (ROOT / name).is_symlink() or (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for directory, dirnames, filenames in os.walk(ROOT):
        relative_dir = Path(directory).relative_to(ROOT)
        dirnames[:] = [name for name in dirnames if name not in COPY_EXCLUDE_ANY
                       and not (relative_dir == Path('.') and name in COPY_EXCLUDE_TOP)
                       and (relative_dir / name).as_posix() not in ('tests/output', 'bench/output')
                       and not name.endswith('.egg-info')]
        files.extend(str(relative_dir / name) for name in filenames if not name.endswith('.pyc'))
    return files


# ---- pytest -------------------------------------------------------------------------------------


def junit_counts(path):
    """(passed, failed, skipped) of a pytest junit XML file."""
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    tests = failed = skipped = 0
    for suite in suites:
        tests += int(suite.get('tests', 0))
        failed += int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        skipped += int(suite.get('skipped', 0))
    return tests - failed - skipped, failed, skipped


def xdist_args(stage, python):
    """``-n N`` when ``python`` has pytest-xdist; LOGPOINT_<STAGE>_WORKERS overrides N (0 or 1: serial;
    ``-`` in a stage name is ``_`` there: LOGPOINT_INPROCESS_STRICT_WORKERS)."""
    workers = os.environ.get('LOGPOINT_%s_WORKERS' % stage.upper().replace('-', '_'), WORKERS[stage])
    has_xdist = subprocess.run([str(python), '-c', 'import xdist'], capture_output=True, check=False).returncode == 0
    return ['-n', workers] if has_xdist and workers not in ('0', '1') else []


def run_pytest(log, stage, args, *, python=sys.executable, env=None, bindir=VENV_BIN):
    junit = OUTPUT / ('junit-%s.xml' % stage)
    if junit.exists():
        junit.unlink()
    rc = log.run([python, '-m', 'pytest', *args, *xdist_args(stage, python), '-p', 'no:cacheprovider',
                  '-o', 'junit_family=xunit2', '--junitxml', junit], env=env, bindir=bindir)
    if rc == 5:
        return bad('pytest collected no test')  # a stage without tests is a broken stage, never green
    if not junit.exists():
        return bad('pytest exited %s without a report' % rc)
    passed, failed, skipped = junit_counts(junit)
    outcome = Outcome(passed, failed, '%d skipped' % skipped if skipped else '')
    if rc != 0 and failed == 0:
        outcome.failed = 1
        outcome.note = 'pytest exited %s' % rc
    return outcome


# ---- stages -------------------------------------------------------------------------------------


def ansible_test_pip_version():
    """The pip version ansible-test bootstraps into its venvs (python_requirements.py, e.g. "24.2")."""
    spec = importlib.util.find_spec('ansible_test')
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(list(spec.submodule_search_locations)[0], '_internal', 'python_requirements.py')
    match = re.search(r"""pip\s*=\s*['"]([0-9][0-9.]*)['"]""", source.read_text(encoding='utf-8'))
    return match.group(1) if match else None


def stage_sanity(run, log):
    ignores = sorted(str(path.relative_to(ROOT)) for path in (ROOT / 'tests' / 'sanity').glob('ignore-*.txt'))
    if ignores:
        return bad('sanity ignore files are not allowed: %s' % ', '.join(ignores))
    version = ansible_test_pip_version()
    if not version:
        return bad('ansible-test not found in this venv (run make venv)')
    # ansible-test downloads get-pip.py unless a cached copy exists: put the offline stand-in there
    cache = Path(os.path.expanduser('~/.ansible/test/cache'))
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / '.ci' / 'get_pip_offline.py', cache / ('get_pip_%s.py' % version.replace('.', '_')))
    log.note('installed the get-pip stand-in for pip %s in %s' % (version, cache))
    _base, tree = run.collection_tree()
    rc = log.run([VENV_BIN / 'ansible-test', 'sanity', '--venv', '--python', SANITY_PYTHON, '--color', 'no'], cwd=tree)
    return ok() if rc == 0 else bad('ansible-test exited %s' % rc)


def stage_unit(_run, log):
    return run_pytest(log, 'unit', ['tests/unit', '-p', 'no:pytest-ansible'])


def stage_inprocess(_run, log, profile='default'):
    stage = 'inprocess' if profile == 'default' else 'inprocess-%s' % profile
    return run_pytest(log, stage, ['tests/integration', '--ignore=tests/integration/ansible',
                                   '-p', 'no:pytest-ansible'], env={SIM_PROFILE_VARIABLE: profile})


def stage_ansible(_run, log, profile='default'):
    # pytest-ansible: take ANSIBLE_COLLECTIONS_PATH as it is (no collections/ symlink tree in the checkout)
    # --dist loadgroup: tests marked xdist_group share one module-scoped run on one worker
    stage = 'ansible' if profile == 'default' else 'ansible-%s' % profile
    return run_pytest(log, stage, ['tests/integration/ansible', '--ansible-unit-inject-only', '--dist', 'loadgroup'],
                      env={'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH), SIM_PROFILE_VARIABLE: profile})


def stage_inprocess_strict(run, log):
    return stage_inprocess(run, log, profile='strict')


def stage_ansible_strict(run, log):
    return stage_ansible(run, log, profile='strict')


def stage_lint(_run, log):
    targets = [name for name in ('playbooks', 'roles') if any((ROOT / name).glob('**/*.y*ml'))]
    rc = log.run([VENV_BIN / 'ansible-lint', '--offline', '--profile', 'production', '--nocolor', *targets],
                 env={'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH)})
    return ok() if rc == 0 else bad('ansible-lint exited %s' % rc)


def stage_docs(run, log):
    base, tree = run.collection_tree()
    rc = log.run([VENV_BIN / 'antsibull-docs', 'lint-collection-docs', '--plugin-docs', '.'], cwd=tree,
                 env={'ANSIBLE_COLLECTIONS_PATH': str(base)})
    return ok() if rc == 0 else bad('antsibull-docs exited %s' % rc)


def smoke_playbook(run, log, python, label, playbook='smoke.yml'):
    """tests/smoke/<playbook> with the ansible of ``python``'s venv against the installed collection only."""
    _tarball, installed, error = run.installed_collection(log)
    if installed is None:
        return bad(error)
    workdir = Path(tempfile.mkdtemp(prefix='smoke-%s-' % label, dir=run.tmp))
    rc = log.run([python, ROOT / 'tests' / 'smoke' / 'run_smoke.py', '--collections-path', installed,
                  '--workdir', workdir, '--playbook', playbook], bindir=Path(python).parent)
    return ok() if rc == 0 else bad('%s failed (%s)' % (playbook, label))


def galaxy_import(run, log):
    """galaxy-importer on the tarball, as Galaxy would import it; it exits 0 on findings, so read them."""
    tarball, _installed, error = run.installed_collection(log)
    if tarball is None:
        return bad(error)
    start = log.path.stat().st_size
    # ansible-lint is the lint stage's job (it costs a minute here); ansible-doc and the rest stay on
    rc = log.run([sys.executable, '-m', 'galaxy_importer.main', tarball], cwd=run.tmp,
                 env={'GALAXY_IMPORTER_RUN_ANSIBLE_LINT': 'false'})
    with open(log.path, encoding='utf-8', errors='replace') as handle:
        handle.seek(start)
        errors = [line.strip() for line in handle if line.startswith('ERROR')]
    if rc != 0 or errors:
        return bad('galaxy-importer: %s' % (errors[0][:200] if errors else 'exit code %s' % rc))
    return Outcome()


def stage_smoke(run, log):
    outcome = galaxy_import(run, log) + smoke_playbook(run, log, sys.executable, 'ansible-core-2.19')
    return bad(outcome.note) if outcome.failed else ok()


def find_python(version):
    """A pyenv Python ``version`` (such as ``3.12``) that can make venvs, or None."""
    roots = []
    try:
        roots.append(subprocess.run(['pyenv', 'root'], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    roots += [os.environ.get('PYENV_ROOT', ''), os.path.expanduser('~/.pyenv')]
    pattern = os.path.join('versions', version + '.*', 'bin', 'python' + version)
    for root in filter(None, roots):
        for candidate in reversed(sorted(glob.glob(os.path.join(root, pattern)))):
            if subprocess.run([candidate, '-c', 'import ensurepip'], capture_output=True, check=False).returncode == 0:
                return candidate
    return None


# compat: the newest ansible-core (tests/requirements-compat.txt) in the session's venv, and the oldest that
# meta/runtime.yml declares (tests/requirements-compat-oldest.txt) on the oldest Python it runs modules with
PYTHON312 = find_python('3.12')
OLDEST_PYTHON = '3.9'
PYTHON_OLDEST = find_python(OLDEST_PYTHON)


def compat_requirements(log, bindir, requirements):
    """Install ``requirements`` into the venv of ``bindir`` unless it holds them already; False on failure."""
    stamp = bindir.parent / '.logpoint-requirements'
    wanted = requirements.read_text(encoding='utf-8') + (ROOT / 'tests' / 'unit' / 'requirements.txt').read_text()
    if stamp.exists() and stamp.read_text(encoding='utf-8') == wanted:
        log.note('reusing %s (requirements unchanged)' % bindir.parent)
        return True
    if log.run([bindir / 'python', '-m', 'pip', 'install', '--quiet', '-r', requirements], bindir=bindir) != 0:
        return False
    stamp.write_text(wanted, encoding='utf-8')
    return True


def compat_oldest(run, log):
    """The job playbook (every module family, the action plugin, both lookups) on the oldest declared core."""
    if PYTHON_OLDEST is None:
        return Outcome(note='no pyenv Python %s: the oldest ansible-core did not run' % OLDEST_PYTHON)
    venv = ROOT / '.nox' / 'compat-oldest'
    if not (venv / 'bin' / 'python').exists() and log.run([PYTHON_OLDEST, '-m', 'venv', venv]) != 0:
        return bad('could not create %s' % venv)
    if not compat_requirements(log, venv / 'bin', ROOT / 'tests' / 'requirements-compat-oldest.txt'):
        return bad('could not install tests/requirements-compat-oldest.txt')
    return smoke_playbook(run, log, venv / 'bin' / 'python', 'ansible-core-oldest', 'job.yml')


def stage_compat(run, log, session=None):
    """Newest ansible-core (2.21, Python 3.12: unit tests and the job playbook) and the oldest declared
    (tests/requirements-compat-oldest.txt, Python 3.9: the job playbook)."""
    oldest = compat_oldest(run, log)
    if PYTHON312 is None or session is None:
        note = 'no pyenv Python 3.12: the Python 3.12 + ansible-core 2.21 stage did not run'
        if oldest.passed or oldest.failed:
            return oldest + Outcome(note=note)
        return Outcome(note='%s; %s' % (note, oldest.note), skipped=True)
    bindir = Path(session.bin)
    if not compat_requirements(log, bindir, ROOT / 'tests' / 'requirements-compat.txt'):
        return oldest + bad('could not install tests/requirements-compat.txt')
    units = run_pytest(log, 'compat', ['tests/unit', '-p', 'no:pytest-ansible'], python=bindir / 'python',
                       env={'PYTHONPATH': str(ROOT / 'tests' / 'simulator')}, bindir=bindir)
    return oldest + units + smoke_playbook(run, log, bindir / 'python', 'ansible-core-2.21', 'job.yml')


STAGES = {
    'sanity': (stage_sanity, 'ansible-test sanity --venv --python %s' % SANITY_PYTHON),
    'unit': (stage_unit, 'pytest tests/unit'),
    'inprocess': (stage_inprocess, 'pytest tests/integration, modules and lookups in-process'),
    'ansible': (stage_ansible, 'pytest tests/integration/ansible: pytest-ansible and ansible-playbook runs'),
    'inprocess-strict': (stage_inprocess_strict, 'the in-process tier against a simulator under --profile strict'),
    'ansible-strict': (stage_ansible_strict, 'the Ansible tier against a simulator under --profile strict'),
    'lint': (stage_lint, 'ansible-lint --profile production --offline'),
    'docs': (stage_docs, 'antsibull-docs lint-collection-docs --plugin-docs'),
    'smoke': (stage_smoke, 'build, galaxy-importer, install, tests/smoke/smoke.yml on the installed collection'),
    'compat': (stage_compat, 'oldest declared ansible-core (Python 3.9) and 2.21 (Python 3.12): unit tests, job playbook'),
}


def execute(name, **kwargs):
    """Run one stage; record and return ``(outcome, seconds)``."""
    run = current_run()
    function, description = STAGES[name]
    log = StageLog(run, name, description)
    started = time.monotonic()
    try:
        outcome = function(run, log, **kwargs)
    except Exception as error:  # pylint: disable=broad-exception-caught
        log.note('!! the stage failed to run: %r' % error)
        outcome = bad('runner error: %s' % error)
    run.results[name] = (outcome, time.monotonic() - started)
    return outcome, run.results[name][1]


def report(session, name, *, fail=True):
    """Print a stage's result (and the tail of its log on failure); a failed stage fails its session."""
    outcome, elapsed = current_run().results[name]
    if outcome.skipped:
        print('skipped: %s (%s)' % (outcome.note, name), flush=True)
        return
    log = (OUTPUT / ('%s.log' % name)).relative_to(ROOT)
    print('--- %s: %s [%.1fs, log: %s]' % (name, outcome.describe(), elapsed, log), flush=True)
    if outcome.failed:
        print('--- tail of %s:\n%s--- end of tail' % (log, log_tail(ROOT / log)), flush=True)
        if fail:
            session.error('stage %s failed' % name)


def stage_session(name, **decorator):
    def session_function(session):
        print('=== %s: %s' % (name, STAGES[name][1]), flush=True)
        execute(name, **({'session': session} if name == 'compat' else {}))
        report(session, name)

    session_function.__doc__ = STAGES[name][1]
    session_function.__name__ = name
    return nox.session(name=name, python=decorator.pop('python', False), **decorator)(session_function)


for _stage in ('sanity', 'unit', 'inprocess', 'ansible', 'inprocess-strict', 'ansible-strict', 'lint', 'docs', 'smoke'):
    stage_session(_stage)
if PYTHON312:
    stage_session('compat', python=PYTHON312, venv_backend='venv')
else:
    stage_session('compat')


def run_tiers(session, names):
    for name in names:
        print('=== %s: %s' % (name, STAGES[name][1]), flush=True)
        execute(name)
    for name in names:
        report(session, name)


@nox.session(python=False)
def integration(session):
    """Both integration tiers: inprocess, then ansible."""
    run_tiers(session, ('inprocess', 'ansible'))


@nox.session(name='integration-strict', python=False)
def integration_strict(session):
    """Both integration tiers under the simulator's strict profile."""
    run_tiers(session, ('inprocess-strict', 'ansible-strict'))


@nox.session(name='sanity-start', python=False)
def sanity_start(_session):
    """Start sanity in the background (mostly one core and pip downloads); `summary` collects it."""
    run = current_run()
    run.collection_tree()
    print('=== sanity: %s [in the background; result below]' % STAGES['sanity'][1], flush=True)
    thread = threading.Thread(target=execute, args=('sanity',), daemon=True)
    thread.start()
    run.background['sanity'] = thread


@nox.session(python=False)
def summary(session):
    """Wait for background stages, then print and write ``tests: N passed, N failed``."""
    run = current_run()
    for name, thread in run.background.items():
        thread.join()
        report(session, name, fail=False)  # the total below decides
    total = Outcome()
    for name in ALL_STAGES:
        if name not in run.results:
            continue
        outcome, _seconds = run.results[name]
        if not outcome.skipped:
            total = total + outcome
    if not run.results:
        total = bad('no stage ran in this nox invocation')
    timings = ', '.join('%s %.0fs' % (name, run.results[name][1]) for name in ALL_STAGES if name in run.results)
    line = 'tests: %d passed, %d failed' % (total.passed, total.failed)
    (OUTPUT / 'summary.txt').write_text(line + '\n', encoding='utf-8')
    print('timings: %s' % timings, flush=True)
    print(line, flush=True)
    if total.failed:
        session.error('%d failed' % total.failed)


@nox.session(python=False)
def eda(session):
    """The EDA event source logpoint.siem.incidents alone (its tests also run in unit, inprocess and ansible)."""
    pytest = [str(VENV_BIN / 'python'), '-m', 'pytest', '-p', 'no:cacheprovider']
    session.run(*pytest, 'tests/unit/plugins/module_utils/test_incident_events.py', 'tests/integration/test_eda_incidents.py',
                'tests/integration/test_eda_credential_type.py', '-p', 'no:pytest-ansible', external=True)
    session.run(*pytest, 'tests/integration/ansible/test_eda_rulebook.py', '--ansible-unit-inject-only', external=True,
                env={'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH), 'PATH': '%s:%s' % (VENV_BIN, os.environ.get('PATH', ''))})
