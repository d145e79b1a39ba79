"""Run tests/smoke/smoke.yml against a simulator with an installed copy of the collection only.

Usage (the smoke and compat sessions of noxfile.py call it)::

    PYTHON tests/smoke/run_smoke.py --collections-path DIR [--workdir DIR] [--playbook job.yml]

PYTHON is the Python whose ``ansible-playbook`` runs (its venv's ``bin``); it needs the simulator's
dependencies (flask, trustme, PyJWT, requests). The simulator runs in a thread of this process; the
playbook sees ``ANSIBLE_COLLECTIONS_PATH=DIR`` and nothing else, so it proves the installed tarball
works. The exit code is the playbook's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / 'integration'))

import harness  # noqa: E402  pylint: disable=wrong-import-position


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--collections-path', required=True, help='holds ansible_collections/logpoint/siem')
    parser.add_argument('--workdir', default=None, help='scratch directory (default: a temporary one)')
    parser.add_argument('--playbook', default='smoke.yml', help='a playbook of tests/smoke (default: smoke.yml)')
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix='logpoint-smoke-'))
    workdir.mkdir(parents=True, exist_ok=True)
    playbook = workdir / args.playbook
    shutil.copyfile(HERE / args.playbook, playbook)
    simulator = harness.ThreadSimulator(workdir).start()
    try:
        runner = harness.AnsibleRunner(workdir / 'ansible', sim=harness.SimClient(simulator),
                                       collections_path=Path(args.collections_path).resolve(), python=sys.executable)
        run = runner.playbook(playbook)
    finally:
        simulator.stop()
    print('$ %s\n%s%s[exit %s]' % (' '.join(run.command), run.stdout, run.stderr, run.rc), flush=True)
    return run.rc


if __name__ == '__main__':
    sys.exit(main())
