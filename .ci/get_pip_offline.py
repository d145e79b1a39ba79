"""Offline stand-in for get-pip.py, used by ansible-test to bootstrap pip into its virtual environments.

ansible-test downloads ``get-pip.py`` from a host that is not reachable everywhere. Before it
downloads, it looks for a cached copy at ``~/.ansible/test/cache/get_pip_<version>.py`` (for example
``get_pip_24_2.py``) and runs it as::

    python <quiet_pip.py> --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

with ``GET_PIP`` pointing at the cached file. This stand-in bootstraps pip with the standard
library's ``ensurepip``, installs the requested packages (the pinned pip) from the configured package
index, and honours ``--no-setuptools`` / ``--no-wheel`` by uninstalling those packages afterwards.
Every other option is accepted and ignored. The sanity session of ``noxfile.py`` installs it before ansible-test runs.
"""

from __future__ import annotations

import subprocess
import sys


def _pip(*args: str) -> None:
    command = [sys.executable, '-m', 'pip', '--disable-pip-version-check', *args]
    subprocess.run(command, check=True)


def main(argv: list[str]) -> int:
    packages = [arg for arg in argv if not arg.startswith('-')]
    no_setuptools = '--no-setuptools' in argv
    no_wheel = '--no-wheel' in argv

    subprocess.run([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'], check=True,
                   stdout=subprocess.DEVNULL)
    if packages:
        _pip('install', '--quiet', *packages)

    remove = [name for name, unwanted in (('setuptools', no_setuptools), ('wheel', no_wheel)) if unwanted]
    if remove:
        _pip('uninstall', '--yes', '--quiet', *remove)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as error:
        print('get_pip_offline: %s failed with exit code %s' % (' '.join(error.cmd), error.returncode), file=sys.stderr)
        sys.exit(1)
