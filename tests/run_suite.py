#!/usr/bin/env python
"""Run the test stages of logpoint.siem and print one summary line: ``tests: N passed, N failed``.

Usage: ``python tests/run_suite.py [STAGE...]`` with the Python of ``.venv`` (``make test`` does this);
without STAGE every stage runs, in this order:

  sanity       ansible-test sanity --venv --python 3.11 in a copy at <tmp>/ansible_collections/logpoint/siem
  unit         pytest tests/unit (every test case counts)
  integration  pytest tests/integration against the simulator (every test case counts)
  lint         ansible-lint, production profile, offline, on playbooks/ and roles/
  docs         antsibull-docs lint-collection-docs --plugin-docs
  smoke        ansible-galaxy collection build, galaxy-importer, install, tests/smoke/smoke.yml on the
               installed copy (counts as one)
  compat       Python 3.12 + ansible-core 2.21 (if a pyenv Python 3.12 exists): unit tests + smoke

Stages that are not pytest count as one test each. Each stage's output goes to tests/output/<stage>.log;
the tail is shown when the stage fails. The exit code is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import hashlib
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

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / 'tests' / 'output'
VENV_BIN = Path(sys.executable).parent
COLLECTIONS_PATH = ROOT / '.collections'
SANITY_PYTHON = '3.11'
COMPAT_VENV = OUTPUT / 'venv-py312'
COMPAT_REQUIREMENTS = (ROOT / 'tests' / 'requirements-compat.txt', ROOT / 'tests' / 'unit' / 'requirements.txt')
TAIL_LINES = 60

# Checkout content that never goes into the collection tree used by ansible-test and antsibull-docs
# when the checkout is not a git work tree (then `git ls-files` decides).
COPY_EXCLUDE_TOP = {'.git', '.venv', '.collections', 'collections', '.simulator', '.ansible', '.pytest_cache'}
COPY_EXCLUDE_ANY = {'__pycache__', '.pytest_cache'}


sys.path.insert(0, str(ROOT / 'tests' / 'integration'))
import harness  # noqa: E402  pylint: disable=wrong-import-position

with_simulator = harness.with_simulator


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


class Context:
    """Shared state of one runner invocation: logs, temporary trees, the built collection."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix='logpoint-siem-tests-'))
        self._local = threading.local()  # stages may run in threads: each has its own log
        self._tree_lock = threading.Lock()
        self.running = set()  # process groups of the commands running now
        self._tree = None
        self._installed = None

    @property
    def log(self):
        return self._local.log

    @log.setter
    def log(self, path):
        self._local.log = path

    def cleanup(self):
        for group in list(self.running):  # a stage still running in the background (Ctrl-C)
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, extra=None, bindir=VENV_BIN):
        env = dict(os.environ)
        env['PATH'] = os.pathsep.join([str(bindir), env.get('PATH', '')])
        env.setdefault('ANSIBLE_NOCOLOR', '1')
        env.pop('PYTHONPATH', None)
        env.update(extra or {})
        return env

    def run(self, command, *, env=None, cwd=ROOT, timeout=1800):
        """Run a command, appending its output to the current stage log; return its exit code."""
        command = [str(part) for part in command]
        with open(self.log, 'a', encoding='utf-8') as log:
            log.write('\n$ %s\n  (cwd: %s)\n' % (' '.join(command), cwd))
            log.flush()
            started = time.monotonic()
            try:
                returncode, _out, _err, timed_out = with_simulator.run_group(
                    command, timeout=timeout, running=self.running, cwd=str(cwd), env=env or self.env(),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            except OSError as error:
                log.write('\n!! could not run: %s\n' % error)
                return 127
            if timed_out:
                log.write('\n!! killed after %ss\n' % timeout)
                return 124
            log.write('[exit %s after %.1fs]\n' % (returncode, time.monotonic() - started))
            return returncode

    def note(self, text):
        with open(self.log, 'a', encoding='utf-8') as log:
            log.write(text.rstrip() + '\n')

    # ---- a real ansible_collections/logpoint/siem tree (symlinks are resolved by ansible-test) ----

    def collection_tree(self):
        with self._tree_lock:
            return self._make_collection_tree()

    def _make_collection_tree(self):
        if self._tree is None:
            base = self.tmp / 'tree'
            target = base / 'ansible_collections' / 'logpoint' / 'siem'
            for relative in checkout_files():
                source = ROOT / relative
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                if source.is_symlink() or source.is_file():
                    shutil.copy2(source, destination, follow_symlinks=False)
            self._tree = (base, target)
        return self._tree

    # ---- ansible-galaxy collection build + install -------------------------------------------

    def installed_collection(self):
        """Build the collection tarball and install it into a fresh collections path (once)."""
        if self._installed is None:
            dist = self.tmp / 'dist'
            installed = self.tmp / 'installed'
            rc = self.run([VENV_BIN / 'ansible-galaxy', 'collection', 'build', '--output-path', dist, ROOT])
            tarballs = sorted(dist.glob('logpoint-siem-*.tar.gz'))
            if rc != 0 or not tarballs:
                self._installed = (None, None, 'ansible-galaxy collection build failed')
                return self._installed
            rc = self.run([VENV_BIN / 'ansible-galaxy', 'collection', 'install', '--offline', '-p', installed,
                           tarballs[-1]], env=self.env({'ANSIBLE_COLLECTIONS_PATH': str(installed)}))
            if rc != 0 or not (installed / 'ansible_collections' / 'logpoint' / 'siem' / 'MANIFEST.json').exists():
                self._installed = (tarballs[-1], None, 'ansible-galaxy collection install failed')
            else:
                self._installed = (tarballs[-1], installed, '')
        return self._installed


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


def run_pytest(ctx, name, args, *, python=sys.executable, env=None):
    junit = OUTPUT / ('junit-%s.xml' % name)
    if junit.exists():
        junit.unlink()
    rc = ctx.run([python, '-m', 'pytest', *args, '-p', 'no:cacheprovider', '-o', 'junit_family=xunit2',
                  '--junitxml', junit], env=env)
    if rc == 5:
        return Outcome(0, 0, 'no tests collected')
    if not junit.exists():
        return bad('pytest exited %s without a report' % rc)
    passed, failed, skipped = junit_counts(junit)
    outcome = Outcome(passed, failed, '%d skipped' % skipped if skipped else '')
    if rc != 0 and failed == 0:
        outcome.failed = 1
        outcome.note = 'pytest exited %s' % rc
    return outcome


# ---- stages --------------------------------------------------------------------------------------


def ansible_test_pip_version():
    """The pip version ansible-test bootstraps into its venvs (python_requirements.py, e.g. "24.2")."""
    spec = importlib.util.find_spec('ansible_test')
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(list(spec.submodule_search_locations)[0], '_internal', 'python_requirements.py')
    match = re.search(r"""pip\s*=\s*['"]([0-9][0-9.]*)['"]""", source.read_text(encoding='utf-8'))
    return match.group(1) if match else None


def install_get_pip_stand_in(ctx):
    """Put .ci/get_pip_offline.py where ansible-test looks for its cached get-pip.py."""
    version = ansible_test_pip_version()
    if not version:
        ctx.note('!! could not read the pip version from ansible_test/_internal/python_requirements.py')
        return False
    cache = Path(os.path.expanduser('~/.ansible/test/cache'))
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / ('get_pip_%s.py' % version.replace('.', '_'))
    shutil.copyfile(ROOT / '.ci' / 'get_pip_offline.py', target)
    ctx.note('installed the get-pip stand-in for pip %s at %s' % (version, target))
    return True


def stage_sanity(ctx):
    ignores = sorted(str(path.relative_to(ROOT)) for path in (ROOT / 'tests' / 'sanity').glob('ignore-*.txt'))
    if ignores:
        return bad('sanity ignore files are not allowed: %s' % ', '.join(ignores))
    if not install_get_pip_stand_in(ctx):
        return bad('ansible-test not found in this venv (run make venv)')
    _base, tree = ctx.collection_tree()
    rc = ctx.run([VENV_BIN / 'ansible-test', 'sanity', '--venv', '--python', SANITY_PYTHON, '--color', 'no'],
                 cwd=tree)
    return ok() if rc == 0 else bad('ansible-test exited %s' % rc)


def xdist_args(variable, default, python=sys.executable):
    """``-n N`` for pytest-xdist when the given Python has it; ``variable`` (0 or 1: serial) overrides N."""
    workers = os.environ.get(variable, default)
    has_xdist = subprocess.run([str(python), '-c', 'import xdist'], capture_output=True, check=False).returncode == 0
    return ['-n', workers] if has_xdist and workers not in ('0', '1') else []


# Unit tests mostly wait (simulator latency, retry back-off): more workers than cores pay off.
# Integration tests are CPU-bound Ansible runs: one worker per core, each with its own simulator.
UNIT_WORKERS = ('LOGPOINT_UNIT_WORKERS', '4')
INTEGRATION_WORKERS = ('LOGPOINT_TEST_WORKERS', 'auto')


def stage_unit(ctx):
    return run_pytest(ctx, 'unit', ['tests/unit', *xdist_args(*UNIT_WORKERS)])


def stage_integration(ctx):
    return run_pytest(ctx, 'integration', ['tests/integration', *xdist_args(*INTEGRATION_WORKERS)])


def stage_lint(ctx):
    targets = [name for name in ('playbooks', 'roles') if any((ROOT / name).glob('**/*.y*ml'))]
    if not targets:
        ctx.note('nothing under playbooks/ or roles/ yet: ansible-lint lints the collection metadata only')
    env = ctx.env({'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH)})
    rc = ctx.run([VENV_BIN / 'ansible-lint', '--offline', '--profile', 'production', '--nocolor', *targets],
                 env=env)
    return ok() if rc == 0 else bad('ansible-lint exited %s' % rc)


def stage_docs(ctx):
    base, tree = ctx.collection_tree()
    env = ctx.env({'ANSIBLE_COLLECTIONS_PATH': str(base)})
    rc = ctx.run([VENV_BIN / 'antsibull-docs', 'lint-collection-docs', '--plugin-docs', '.'], cwd=tree, env=env)
    return ok() if rc == 0 else bad('antsibull-docs exited %s' % rc)


def smoke_playbook(ctx, bindir, label):
    """Run tests/smoke/smoke.yml with the ansible of ``bindir`` against the installed collection only."""
    _tarball, installed, error = ctx.installed_collection()
    if installed is None:
        return bad(error)
    workdir = Path(tempfile.mkdtemp(prefix='smoke-%s-' % label, dir=ctx.tmp))
    playbook = workdir / 'smoke.yml'
    shutil.copyfile(ROOT / 'tests' / 'smoke' / 'smoke.yml', playbook)
    simulator = harness.Simulator(workdir=str(workdir), log_path=str(OUTPUT / ('simulator-%s.log' % label)))
    try:
        simulator.start()
    except harness.SimulatorError as error:
        ctx.note(str(error))
        return bad('the simulator did not start')
    try:
        runner = harness.AnsibleRunner(workdir / 'ansible', sim=harness.SimClient(simulator),
                                       collections_path=installed, python=bindir / 'python')
        run = runner.playbook(playbook)
    finally:
        simulator.stop()
    ctx.note('\n$ %s\n%s%s[exit %s]' % (' '.join(run.command), run.stdout, run.stderr, run.rc))
    return ok() if run.rc == 0 else bad('smoke playbook failed (%s)' % label)


def galaxy_import(ctx):
    """galaxy-importer on the tarball, as Galaxy would import it; it exits 0 on findings, so read them."""
    tarball, _installed, error = ctx.installed_collection()
    if tarball is None:
        return bad(error)
    report = ctx.tmp / 'galaxy-importer.log'
    with open(report, 'w', encoding='utf-8') as handle:
        # ansible-lint is the lint stage's job (it costs a minute here); ansible-doc and the rest stay on
        env = ctx.env({'GALAXY_IMPORTER_RUN_ANSIBLE_LINT': 'false'})
        rc = with_simulator.run_group([sys.executable, '-m', 'galaxy_importer.main', str(tarball)], timeout=600,
                                      running=ctx.running, cwd=str(ctx.tmp), env=env, stdin=subprocess.DEVNULL,
                                      stdout=handle, stderr=subprocess.STDOUT)[0]
    text = report.read_text(encoding='utf-8', errors='replace')
    ctx.note('\n$ python -m galaxy_importer.main %s\n%s' % (tarball.name, text))
    errors = [line for line in text.splitlines() if line.startswith('ERROR')]
    if rc != 0 or errors:
        return bad('galaxy-importer: %s' % (errors[0][:200] if errors else 'exit code %s' % rc))
    return Outcome()


def stage_smoke(ctx):
    outcome = galaxy_import(ctx) + smoke_playbook(ctx, VENV_BIN, 'ansible-core-2.19')
    return bad(outcome.note) if outcome.failed else ok()


def find_python312():
    roots = []
    try:
        roots.append(subprocess.run(['pyenv', 'root'], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    roots += [os.environ.get('PYENV_ROOT', ''), os.path.expanduser('~/.pyenv')]
    for root in filter(None, roots):
        candidates = sorted(glob.glob(os.path.join(root, 'versions', '3.12.*', 'bin', 'python3.12')))
        for candidate in reversed(candidates):
            if subprocess.run([candidate, '-c', 'import ensurepip'], capture_output=True, check=False).returncode == 0:
                return candidate
    return None


def compat_venv(ctx, python):
    """tests/output/venv-py312 with tests/requirements-compat.txt, rebuilt when the requirements change."""
    digest = hashlib.sha256(python.encode())
    for path in COMPAT_REQUIREMENTS:
        digest.update(path.read_bytes())
    stamp = COMPAT_VENV / '.requirements-sha256'
    bindir = COMPAT_VENV / 'bin'
    if stamp.exists() and stamp.read_text() == digest.hexdigest() and (bindir / 'ansible-playbook').exists():
        ctx.note('reusing %s' % COMPAT_VENV)
        return bindir
    shutil.rmtree(COMPAT_VENV, ignore_errors=True)
    if ctx.run([python, '-m', 'venv', COMPAT_VENV]) != 0:
        return None
    if ctx.run([bindir / 'python', '-m', 'pip', 'install', '--quiet', '-r', COMPAT_REQUIREMENTS[0]]) != 0:
        return None
    stamp.write_text(digest.hexdigest())
    return bindir


def stage_compat(ctx):
    python = find_python312()
    if python is None:
        return Outcome(note='no Python 3.12', skipped=True)
    ctx.note('Python 3.12: %s' % python)
    bindir = compat_venv(ctx, python)
    if bindir is None:
        return bad('could not create the Python 3.12 venv')
    units = run_pytest(ctx, 'compat-unit', ['tests/unit', *xdist_args(*UNIT_WORKERS, python=bindir / 'python')],
                       python=bindir / 'python',
                       env=ctx.env({'PYTHONPATH': str(ROOT / 'tests' / 'simulator')}, bindir=bindir))
    return units + smoke_playbook(ctx, bindir, 'ansible-core-2.21')


STAGES = {
    'sanity': (stage_sanity, 'ansible-test sanity --venv --python %s' % SANITY_PYTHON),
    'unit': (stage_unit, 'pytest tests/unit'),
    'integration': (stage_integration, 'pytest tests/integration (against the simulator)'),
    'lint': (stage_lint, 'ansible-lint --profile production --offline'),
    'docs': (stage_docs, 'antsibull-docs lint-collection-docs --plugin-docs'),
    'smoke': (stage_smoke, 'build, galaxy-importer, install, tests/smoke/smoke.yml on the installed collection'),
    'compat': (stage_compat, 'Python 3.12 + ansible-core 2.21: unit tests and smoke'),
}


def failure_report(path, lines=TAIL_LINES):
    """The tail of a stage log, preceded by its ``ERROR:`` lines that the tail does not show
    (ansible-test prints its findings between the names of the tests that follow)."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            content = handle.readlines()
    except OSError:
        return ''
    head, last = content[:-lines], content[-lines:]
    errors = [line for line in head if line.startswith('ERROR:')][:40]
    report = ''.join(last)
    if errors:
        report = ''.join(errors) + '[...]\n' + report
    return report


def execute(ctx, name):
    """Run one stage with its own log; returns ``(outcome, seconds)``."""
    function, description = STAGES[name]
    ctx.log = OUTPUT / ('%s.log' % name)
    ctx.log.write_text('# stage %s: %s\n' % (name, description), encoding='utf-8')
    started = time.monotonic()
    try:
        outcome = function(ctx)
    except Exception as error:  # pylint: disable=broad-exception-caught
        ctx.note('!! the runner failed in stage %s: %r' % (name, error))
        outcome = bad('runner error: %s' % error)
    return outcome, time.monotonic() - started


def report(name, outcome, elapsed, timings):
    """Print a stage's result (and the tail of its log on failure); returns what counts."""
    timings.append('%s %.0fs' % (name, elapsed))
    if outcome.skipped:
        print('skipped: %s (%s)' % (outcome.note, name), flush=True)
        return Outcome()
    log = (OUTPUT / ('%s.log' % name)).relative_to(ROOT)
    print('--- %s: %s [%.1fs, log: %s]' % (name, outcome.describe(), elapsed, log), flush=True)
    if outcome.failed:
        print('--- tail of %s:\n%s--- end of tail' % (log, failure_report(ROOT / log)), flush=True)
    return outcome


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('stages', nargs='*', metavar='STAGE',
                        help='stages to run (default: all): %s' % ', '.join(STAGES))
    args = parser.parse_args(argv)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    unknown = [name for name in args.stages if name not in STAGES]
    if unknown:
        parser.error('unknown stage(s) %s; choose from %s' % (', '.join(unknown), ', '.join(STAGES)))
    selected = args.stages or list(STAGES)

    lock = open(OUTPUT / '.run_suite.lock', 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print('waiting for another tests/run_suite.py in this checkout to finish (tests/output is shared)...',
              flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)

    ctx = Context()
    total = Outcome()
    timings = []
    try:
        sanity_thread, sanity_result = None, []
        if 'sanity' in selected and len(selected) > 1 and os.environ.get('LOGPOINT_SANITY_BACKGROUND', '1') != '0':
            # ansible-test sanity is mostly serial and waits on pip: it runs beside the other stages
            selected.remove('sanity')
            ctx.collection_tree()
            print('=== sanity: %s [in the background; result below]' % STAGES['sanity'][1], flush=True)
            sanity_thread = threading.Thread(target=lambda: sanity_result.extend(execute(ctx, 'sanity')),
                                             daemon=True)
            sanity_thread.start()
        for name in selected:
            print('=== %s: %s' % (name, STAGES[name][1]), flush=True)
            total = total + report(name, *execute(ctx, name), timings)
        if sanity_thread is not None:
            sanity_thread.join()
            total = total + report('sanity', *sanity_result, timings)
    finally:
        ctx.cleanup()
        lock.close()
    summary = 'tests: %d passed, %d failed' % (total.passed, total.failed)
    (OUTPUT / 'summary.txt').write_text(summary + '\n', encoding='utf-8')
    print('timings: %s' % ', '.join(timings), flush=True)
    print(summary, flush=True)
    return 1 if total.failed else 0


if __name__ == '__main__':
    sys.exit(main())
