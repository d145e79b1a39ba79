# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definitions: the default one builds from the tarball you built (it is in the
build context and installs from there, offline); the Galaxy one installs the released collection."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import harness

ROOT = harness.ROOT
BIN = Path(sys.executable).parent


def run(command, cwd=None, env=None):
    completed = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True,
                               timeout=300, check=False, env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, ROOT])
    return next(out.glob("logpoint-siem-*.tar.gz"))


def copy_definitions(tmp_path):
    """meta/ee/ and the requirements file it names, as in a checkout (the repository stays untouched)."""
    (tmp_path / "meta").mkdir()
    shutil.copytree(ROOT / "meta" / "ee", tmp_path / "meta" / "ee")
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    return tmp_path / "meta" / "ee"


def create(definition, context):
    run([BIN / "ansible-builder", "create", "-f", definition, "-c", context])
    containerfile = next(context / name for name in ("Containerfile", "Dockerfile") if (context / name).exists())
    return containerfile.read_text(encoding="utf-8")


def test_the_default_ee_installs_the_local_tarball_from_its_build_context(tmp_path, tarball):
    ee = copy_definitions(tmp_path)
    shutil.copy(tarball, ee / "logpoint-siem.tar.gz")  # the README's step
    context = tmp_path / "context"
    containerfile = create(ee / "execution-environment.yml", context)
    assert 'ARG EE_BASE_IMAGE="quay.io/fedora/fedora-minimal:42"' in containerfile
    assert 'PKGMGR="/usr/bin/microdnf"' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    build = context / "_build"
    assert digest(build / "collections" / "logpoint-siem.tar.gz") == digest(tarball)
    assert yaml.safe_load((build / "requirements.yml").read_text())["collections"] == [
        {"name": "collections/logpoint-siem.tar.gz", "type": "file"}]
    python_requirements = (build / "requirements.txt").read_text().lower()
    assert "requests" in python_requirements and "pyjwt" in python_requirements

    # What the galaxy stage of the Containerfile runs, in _build, with no network: it installs this tarball.
    installed = tmp_path / "installed"
    # Only the target path counts: the checkout the tests put on ANSIBLE_COLLECTIONS_PATH must not.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed))
    run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-r", "requirements.yml", "-p", installed],
        cwd=build, env=env)
    manifest = json.loads((installed / "ansible_collections" / "logpoint" / "siem" / "MANIFEST.json").read_text())
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert manifest["collection_info"]["version"] == galaxy["version"]


def test_the_galaxy_ee_installs_the_released_collection(tmp_path):
    ee = copy_definitions(tmp_path)
    context = tmp_path / "context"
    create(ee / "execution-environment-galaxy.yml", context)
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [entry["name"] for entry in requirements["collections"]] == ["logpoint.siem"]
    assert not (context / "_build" / "collections").exists()
