# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX / AAP packaging: the action group and the custom credential type (the EE: test_ee.py)."""
from __future__ import annotations

import os
from pathlib import Path

import jinja2.sandbox
import yaml

import harness

ROOT = harness.ROOT
CREDENTIAL_TYPE = ROOT / "extensions" / "awx" / "logpoint_credential_type.yml"
CONNECTION_PREFIXES = ("LOGPOINT_", "LM_")


def test_every_module_is_in_the_action_group_and_nothing_else():
    # sigma_convert converts files on the controller: no connection options to share
    modules = {path.stem for path in (ROOT / "plugins" / "modules").glob("*.py")
               if path.stem not in ("__init__", "sigma_convert")}
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    group = runtime["action_groups"]["logpoint"]
    assert len(group) == len(set(group)), "duplicates in the action group: %s" % group
    assert sorted(group) == sorted(modules), (
        "not in the action group: %s; in the group without a module: %s"
        % (sorted(modules - set(group)), sorted(set(group) - modules)))


def render_injectors(definition, inputs, workdir):
    """Render the injectors as AWX does: file templates into files, then the env templates."""
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    injectors = definition["injectors"]
    filenames = {}
    for key, template in injectors.get("file", {}).items():
        name = key.split(".", 1)[1]
        path = Path(workdir) / ("awx_%s" % name)
        path.write_text(environment.from_string(template).render(**inputs), encoding="utf-8")
        filenames[name] = str(path)
    context = dict(inputs, tower={"filename": filenames})
    return {name: environment.from_string(template).render(**context)
            for name, template in injectors["env"].items()}


def credential_inputs(definition, values):
    """The inputs AWX passes to the templates: the values given, then each field's default."""
    inputs = {}
    for field in definition["inputs"]["fields"]:
        if field["id"] in values:
            inputs[field["id"]] = values[field["id"]]
        elif "default" in field:
            inputs[field["id"]] = field["default"]
        elif field.get("type", "string") == "string":
            inputs[field["id"]] = ""
    missing = [name for name in definition["inputs"].get("required", []) if not inputs.get(name)]
    assert not missing, missing
    return inputs


CREDENTIAL_PLAYBOOK = """
- name: A job template with only the Logpoint credential
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the static lists (a module)
      logpoint.siem.static_list_info:
      register: awx_lists

    - name: Read the open incidents, api auto picks the classic API as the credential has no Director
      logpoint.siem.incident_info:
        filters: {status: unresolved}
      register: awx_incidents

    - name: Read the repos (a lookup)
      ansible.builtin.set_fact:
        awx_repos: "{{ query('logpoint.siem.repos') }}"

    - name: Check what came back
      ansible.builtin.assert:
        that:
          - "'KNOWN_SCANNERS' in (awx_lists.lists | map(attribute='name'))"
          - awx_incidents.api == 'classic'
          - awx_incidents.incidents | length > 0
          - "'windows' in (awx_repos | map(attribute='repo'))"
"""


def test_credential_type_injects_everything_a_job_needs(run_playbook, sim, tmp_path):
    definition = yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))
    inputs = credential_inputs(definition, {
        "url": sim.url, "username": harness.ADMIN_USERNAME, "secret_key": harness.ADMIN_SECRET_KEY,
        "ca_certificate": Path(sim.ca_path).read_text(encoding="utf-8"),
    })
    injected = render_injectors(definition, inputs, tmp_path)
    assert injected["LOGPOINT_URL"] == sim.url
    assert Path(injected["LOGPOINT_CA_PATH"]).read_text(encoding="utf-8") == inputs["ca_certificate"]
    assert set(injected) >= {"LOGPOINT_URL", "LOGPOINT_USERNAME", "LOGPOINT_SECRET_KEY", "LOGPOINT_CA_PATH"}

    outer = [name for name in list(sim.process.env()) + list(os.environ) if name.startswith(CONNECTION_PREFIXES)]
    env = {name: None for name in outer}
    env.update(injected)
    result = run_playbook(CREDENTIAL_PLAYBOOK, env=env)
    assert result.ok, result
    assert sim.count("GET /incidents") >= 1 and sim.count("POST /Repo/get_all_searchable_logpoint") == 1
    result.assert_no_secrets()


def test_credential_type_without_a_ca_certificate_sets_no_ca_path(tmp_path):
    definition = yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))
    inputs = credential_inputs(definition, {"url": "https://lp.example.com", "username": "automation",
                                            "secret_key": "k"})
    injected = render_injectors(definition, inputs, tmp_path)
    assert injected["LOGPOINT_CA_PATH"] == ""
    assert injected["LOGPOINT_VALIDATE_CERTS"] == "True"
