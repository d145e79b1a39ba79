# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declared ansible-core range is the tested one (issue 11: an EE with ansible-core 2.15 to 2.18 was
told "Collection logpoint.siem does not support Ansible version ..."). The compat stage runs
tests/smoke/job.yml on the oldest core of tests/requirements-compat-oldest.txt and on the newest of
tests/requirements-compat.txt; this checks that those are what meta/runtime.yml and the roles declare."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def core_pin(requirements):
    """(lowest, below) of the ansible-core line of a requirements file, as version tuples."""
    text = (ROOT / "tests" / requirements).read_text(encoding="utf-8")
    match = re.search(r"^ansible-core>=(\d+)\.(\d+),<(\d+)\.(\d+)\s*$", text, re.MULTILINE)
    assert match, "%s has no ansible-core>=X.Y,<X.Z line" % requirements
    low_major, low_minor, high_major, high_minor = (int(part) for part in match.groups())
    return (low_major, low_minor), (high_major, high_minor)


def test_requires_ansible_is_the_oldest_core_the_compat_stage_tests():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    match = re.fullmatch(r">=(\d+)\.(\d+)\.0", runtime["requires_ansible"])
    assert match, runtime["requires_ansible"]
    declared = tuple(int(part) for part in match.groups())
    oldest, below = core_pin("requirements-compat-oldest.txt")
    assert declared == oldest and below == (oldest[0], oldest[1] + 1)
    assert declared < (2, 19), "the range reaches below the ansible-core of the development venv"


def test_the_newest_core_is_tested_too():
    newest, _below = core_pin("requirements-compat.txt")
    assert newest >= (2, 21)


def test_the_roles_declare_the_same_oldest_core():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    for meta in sorted((ROOT / "roles").glob("*/meta/main.yml")):
        info = yaml.safe_load(meta.read_text(encoding="utf-8"))["galaxy_info"]
        assert ">=%s.0" % info["min_ansible_version"] == runtime["requires_ansible"], meta
