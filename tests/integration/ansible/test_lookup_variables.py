# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookups read their connection the way a user writes it: variables that are templates (``{{ }}``) and
vault values work, an empty environment variable (AWX's LOGPOINT_CA_PATH="") means not set, and a missing
option is named exactly."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import harness

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    lp_url: "%(url)s"
    logpoint_url: "{{ lp_url }}"
    logpoint_username: "{{ lp_user }}"
    lp_user: admin
    vault_lp_secret: %(vaulted)s
    logpoint_secret_key: "{{ vault_lp_secret }}"
    logpoint_validate_certs: "{{ lp_verify }}"
    lp_verify: true
  tasks:
    - name: Repos through templated and vaulted variables
      ansible.builtin.set_fact:
        repos: "{{ query('logpoint.siem.repos') | map(attribute='repo') | list }}"

    - name: A missing secret key is named
      ansible.builtin.set_fact:
        nothing: "{{ query('logpoint.siem.repos', secret_key='', token='') }}"
      register: missing
      ignore_errors: true

    - name: Check
      ansible.builtin.assert:
        that:
          - "'windows' in repos"
          - "'secret_key not set' in missing.msg"
"""


def test_lookups_template_their_variables_and_read_an_empty_env_as_unset(run_playbook, sim, tmp_path):
    password = tmp_path / "vault-password"
    password.write_text("test-vault-password\n")
    vaulted = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-vault"), "encrypt_string",
         "--vault-password-file", str(password), "--name", "x", harness.ADMIN_SECRET_KEY],
        capture_output=True, text=True, check=True).stdout.split("x: ", 1)[1]
    vaulted = vaulted.replace("\n", "\n    ")  # indented under the play's vars
    env = {"LOGPOINT_URL": None, "LOGPOINT_USERNAME": None, "LOGPOINT_SECRET_KEY": None,
           "LOGPOINT_CA_PATH": "", "REQUESTS_CA_BUNDLE": sim.ca_path,  # the CA trusted machine-wide, as in an EE
           "ANSIBLE_VAULT_PASSWORD_FILE": str(password)}
    run = run_playbook(PLAYBOOK % {"url": sim.url, "vaulted": vaulted}, env=env)
    assert run.ok, run
    assert "is not a file" not in run.output and "is not an http(s) URL" not in run.output
    run.assert_no_secrets()


def readme_blocks_after(marker):
    """The two YAML blocks of the README's inventory example (the inventory and the play)."""
    text = (harness.ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(marker):]
    blocks = section.split("```yaml\n")[1:3]
    return [block.split("```", 1)[0] for block in blocks]


def test_the_readme_inventory_example_runs(run_playbook, sim, tmp_path):
    inventory_text, play_text = readme_blocks_after("Or in an inventory, for several Logpoints")
    inventory_text = (inventory_text.replace("https://lp-eu.example.com", sim.url)
                      .replace("/etc/pki/logpoint-ca.pem", sim.ca_path).replace("automation", harness.ADMIN_USERNAME))
    inventory = tmp_path / "logpoint.yml"
    inventory.write_text(inventory_text)
    env = {"LOGPOINT_URL": None, "LOGPOINT_USERNAME": None, "LOGPOINT_SECRET_KEY": None, "LOGPOINT_CA_PATH": None}
    run = run_playbook(play_text, inventory=inventory, env=env,
                       extra_vars={"vault_logpoint_secret_key": harness.ADMIN_SECRET_KEY})
    assert run.ok, run
    assert run.status("Its alert rules (the module gets the same values through module_defaults)", host="lp-eu") == "ok"
    addresses = run.task("Repos of this Logpoint (the lookup reads the logpoint_* variables)", host="lp-eu")["msg"]
    assert any(address.endswith("/windows") for address in addresses), addresses
