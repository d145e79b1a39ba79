# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ansible-doc shows against what the plugins take (issue 11).

* Connection options only on the plugins that use them: the Director options on incident_info and
  incident_state alone (they were on every module), the LogicMonitor ones on audit_logs alone.
* alert_rules' O(rules) documents its suboptions (ansible-doc showed none), exactly the options one rule
  is checked against (resources/alert_rules.RULE_OPTIONS), with alert_rule's text.

The documentation is read through ansible-doc (fragments merged, as users see it); the argument spec
is the one ``run_module`` hands to AnsibleModule, captured from each module's ``main()``.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils import module as module_template
from ansible_collections.logpoint.siem.plugins.module_utils.options import CONNECTION_OPTIONS
from ansible_collections.logpoint.siem.plugins.module_utils.resources.alert_rules import RULE_OPTIONS

ROOT = Path(__file__).resolve().parents[4]
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
LOOKUPS = sorted(path.stem for path in (ROOT / "plugins" / "lookup").glob("*.py") if path.stem != "__init__")
SECTIONS = dict((section, {name for name, spec in CONNECTION_OPTIONS.items() if spec["section"] == section})
                for section in ("logpoint", "director", "logicmonitor"))
DIRECTOR_MODULES = {"incident_info", "incident_state"}
# Modules that never connect to a Logpoint (sigma_convert converts files on the controller)
OFFLINE_MODULES = {"sigma_convert"}


def ansible_doc(kind, names):
    command = [str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", kind]
    command += ["logpoint.siem.%s" % name for name in names]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    return dict((name.split(".")[-1], entry["doc"]) for name, entry in json.loads(result.stdout).items())


@pytest.fixture(scope="module")
def module_docs():
    return ansible_doc("module", MODULES)


@pytest.fixture(scope="module")
def lookup_docs():
    return ansible_doc("lookup", LOOKUPS)


class _Captured(Exception):
    def __init__(self, argument_spec):
        super().__init__("captured")
        self.argument_spec = argument_spec


def argument_spec_of(name, monkeypatch):
    """The argument spec module ``name`` gives AnsibleModule (connection options included)."""
    def capture(argument_spec, **kwargs):
        raise _Captured(argument_spec)
    monkeypatch.setattr(module_template, "AnsibleModule", capture)
    plugin = importlib.import_module("ansible_collections.logpoint.siem.plugins.modules.%s" % name)
    # a module outside the run_module template builds its AnsibleModule itself
    monkeypatch.setattr(plugin, "AnsibleModule", capture, raising=False)
    with pytest.raises(_Captured) as captured:
        plugin.main()
    return captured.value.argument_spec


@pytest.mark.parametrize("name", MODULES)
def test_a_module_documents_the_options_it_takes_and_no_other(name, module_docs, monkeypatch):
    spec = argument_spec_of(name, monkeypatch)
    documented = set(module_docs[name]["options"])
    assert documented == set(spec), "documented only: %s; taken only: %s" % (
        sorted(documented - set(spec)), sorted(set(spec) - documented))
    if name in OFFLINE_MODULES:
        assert not SECTIONS["logpoint"] & documented
    else:
        assert SECTIONS["logpoint"] <= documented
    assert not SECTIONS["logicmonitor"] & documented


@pytest.mark.parametrize("name", MODULES)
def test_only_the_incident_modules_have_the_director_options(name, module_docs):
    documented = set(module_docs[name]["options"])
    if name in DIRECTOR_MODULES:
        assert SECTIONS["director"] <= documented
    else:
        assert not SECTIONS["director"] & documented, "%s lists %s" % (name, sorted(SECTIONS["director"] & documented))


def test_lookups_have_the_logpoint_options_and_only_audit_logs_the_logicmonitor_ones(lookup_docs):
    for name, doc in lookup_docs.items():
        documented = set(doc["options"])
        assert SECTIONS["logpoint"] <= documented, name
        assert not SECTIONS["director"] & documented, name
        assert bool(SECTIONS["logicmonitor"] & documented) == (name == "audit_logs"), name


def _shape(doc_options):
    """What the argument spec of documented options would be: type, elements, choices, default, required."""
    shape = {}
    for name, doc in doc_options.items():
        entry = dict((key, doc[key]) for key in ("type", "elements", "choices", "default") if key in doc)
        if doc.get("required"):
            entry["required"] = True
        if "suboptions" in doc:
            entry["options"] = _shape(doc["suboptions"])
        shape[name] = entry
    return shape


def test_alert_rules_documents_the_suboptions_each_rule_is_checked_against(module_docs):
    rules = module_docs["alert_rules"]["options"]["rules"]
    assert rules["type"] == "list" and rules["elements"] == "dict"
    assert set(rules["suboptions"]) == set(RULE_OPTIONS)
    assert _shape(rules["suboptions"]) == RULE_OPTIONS


def test_the_rule_suboptions_read_like_alert_rules_options(module_docs):
    single = module_docs["alert_rule"]["options"]
    suboptions = module_docs["alert_rules"]["options"]["rules"]["suboptions"]
    # what alert_rules takes once for all its rules (pack, provenance, commit) is not a rule suboption
    assert set(single) - set(suboptions) == {"pack", "provenance", "commit", "max_concurrency"} | SECTIONS["logpoint"]
    for name, doc in suboptions.items():
        assert _shape({name: doc}) == _shape({name: single[name]}), name
    # references to a rule's options point into rules[], the others stay
    assert "O(rules[].time_range)" in " ".join(suboptions["search_interval"]["description"])
    assert "O(username)" in " ".join(suboptions["assignee"]["description"])
