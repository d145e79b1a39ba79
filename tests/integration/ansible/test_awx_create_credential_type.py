# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""extensions/awx/create_credential_type.yml hands awx.awx.credential_type the inputs and injectors of
logpoint_credential_type.yml unchanged (the injector templates must reach AWX as templates, not be
rendered by the playbook). No AWX controller runs here, so awx.awx.credential_type is a stand-in module
in a throwaway collection that records the arguments it was given."""
from __future__ import annotations

import json
import os

import yaml

import harness

STAND_IN = '''#!/usr/bin/python
import json, os
from ansible.module_utils.basic import AnsibleModule
module = AnsibleModule(argument_spec=dict(name=dict(), description=dict(), kind=dict(), inputs=dict(type="dict"),
                                          injectors=dict(type="dict"), state=dict()))
with open(os.environ["AWX_STAND_IN_RECORD"], "w") as handle:
    json.dump(module.params, handle)
module.exit_json(changed=True)
'''


def test_the_playbook_passes_the_credential_type_unrendered(ansible_runner, tmp_path):
    collections = tmp_path / "collections"
    modules = collections / "ansible_collections" / "awx" / "awx" / "plugins" / "modules"
    modules.mkdir(parents=True)
    (modules / "credential_type.py").write_text(STAND_IN)
    (modules.parent.parent / "galaxy.yml").write_text("namespace: awx\nname: awx\nversion: 99.0.0\n")
    record = tmp_path / "record.json"
    playbook = harness.ROOT / "extensions" / "awx" / "create_credential_type.yml"
    command = [ansible_runner.executable("ansible-playbook"), str(playbook)]
    env = dict(harness._IMPLICIT_LOCALHOST_ONLY, AWX_STAND_IN_RECORD=str(record),
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(collections), str(harness.COLLECTIONS_PATH)]))
    _command, completed, _records = ansible_runner._run(command, env=env)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    sent = json.loads(record.read_text())
    definition = yaml.safe_load((harness.ROOT / "extensions" / "awx" / "logpoint_credential_type.yml").read_text())
    assert sent["name"] == "Logpoint SIEM" and sent["kind"] == "cloud" and sent["state"] == "present"
    assert sent["inputs"] == definition["inputs"]
    assert sent["injectors"] == definition["injectors"]
    assert sent["injectors"]["env"]["LM_ACCESS_KEY"] == "{{ lm_access_key | default('') }}"
