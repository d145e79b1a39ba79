# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's way to use the simulator in your own CI: pip-install it from the installed collection.
Building it must leave the installed collection unchanged (``ansible-galaxy collection verify`` passes)."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import harness

BIN = Path(sys.executable).parent


def run(command, env=None):
    completed = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=300,
                               check=False, env=env)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed


def test_installing_the_simulator_leaves_the_installed_collection_intact(tmp_path):
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", tmp_path, harness.ROOT])
    tarball = next(tmp_path.glob("logpoint-siem-*.tar.gz"))
    installed = tmp_path / "collections"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed))
    run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", installed, tarball], env=env)
    collection = installed / "ansible_collections" / "logpoint" / "siem"
    simulator = collection / "tests" / "simulator"
    # the tarball leaves out what users do not need and keeps the simulator
    assert [name for name in ("Makefile", "noxfile.py", "tools", ".ci", "requirements-dev.txt", ".venv", ".nox")
            if (collection / name).exists()] == []
    assert (simulator / "logpoint_simulator" / "server.py").is_file()

    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
         "-w", wheels, simulator])
    wheel = next(wheels.glob("logpoint_simulator-*.whl"))
    assert "logpoint_simulator/families/alert_rules.py" in zipfile.ZipFile(wheel).namelist()

    verified = run([BIN / "ansible-galaxy", "collection", "verify", "--offline", "-p", installed, "logpoint.siem"],
                   env=env)
    assert "Successfully verified" in verified.stdout, verified.stdout
