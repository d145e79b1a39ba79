# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.logpoint.siem.plugins.module_utils.options import (
    CONNECTION_OPTIONS, WITH_DIRECTOR, connection_argspec, env_if_set, secret_option_names)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def test_module_argspec_has_every_logpoint_option_and_the_director_ones_on_request_with_env_fallback():
    logpoint = {"url", "username", "secret_key", "token", "validate_certs", "ca_path", "timeout"}
    assert set(connection_argspec()) == logpoint
    spec = connection_argspec(WITH_DIRECTOR)
    assert set(spec) == logpoint | {"director_url", "director_token", "pool_uuid", "logpoint_identifier"}
    for name, entry in spec.items():
        assert entry["fallback"] == (env_if_set, [CONNECTION_OPTIONS[name]["env"]])
    assert spec["validate_certs"]["default"] is True and spec["timeout"]["default"] == 30


def test_an_empty_environment_variable_means_not_set(monkeypatch):
    # AWX injects LOGPOINT_CA_PATH="" when the credential's CA field is empty
    monkeypatch.setenv("LOGPOINT_CA_PATH", "")
    with pytest.raises(AnsibleFallbackNotFound):
        env_if_set("LOGPOINT_CA_PATH")
    monkeypatch.setenv("LOGPOINT_CA_PATH", "/etc/pki/ca.pem")
    assert env_if_set("LOGPOINT_CA_PATH") == "/etc/pki/ca.pem"
    monkeypatch.delenv("LOGPOINT_CA_PATH")
    with pytest.raises(AnsibleFallbackNotFound):
        env_if_set("LOGPOINT_CA_PATH")


def test_env_names_follow_the_documented_pattern():
    for name, spec in CONNECTION_OPTIONS.items():
        assert spec["env"].startswith("LM_" if name.startswith("lm_") else "LOGPOINT_")


def test_every_secret_is_no_log_and_nothing_has_a_default_credential():
    assert set(secret_option_names()) == {"secret_key", "token", "director_token", "lm_access_key", "lm_bearer_token"}
    spec = connection_argspec(sections=("logpoint", "director", "logicmonitor"))
    for name in secret_option_names():
        assert spec[name]["no_log"] is True
        assert "default" not in spec[name]


def test_doc_fragments_are_generated_from_the_table():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_doc_fragments.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
