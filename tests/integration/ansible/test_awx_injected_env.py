# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A job template with only the environment an AWX credential of our type injects (issue 11).

The injectors of extensions/awx/logpoint_credential_type.yml are rendered as AWX renders them, every
LOGPOINT_* / LM_* variable of the test run is removed, and tests/smoke/job.yml (every module family,
the static_list action plugin, both lookups, both audit sources, the Director) runs with that
environment alone:

* with the CA certificate field filled: LOGPOINT_CA_PATH names the file AWX writes;
* with it empty, as its help text advises for a publicly trusted certificate: AWX injects
  LOGPOINT_CA_PATH="" (the lookups used to read that as the working directory: "ca_path: /tmp is not a
  file"); the simulator's CA then comes from the trust store requests uses (REQUESTS_CA_BUNDLE), as
  an EE's system store would hold a public CA.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import harness
from test_awx import CONNECTION_PREFIXES, CREDENTIAL_TYPE, credential_inputs, render_injectors

JOB = harness.ROOT / "tests" / "smoke" / "job.yml"


def injected_environment(sim, workdir, *, with_ca):
    definition = yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))
    values = {
        "url": sim.url, "username": harness.ADMIN_USERNAME, "secret_key": harness.ADMIN_SECRET_KEY,
        "director_url": sim.url, "director_token": harness.DIRECTOR_TOKEN, "pool_uuid": harness.POOL_UUID,
        "logpoint_identifier": harness.LOGPOINT_IDENTIFIER,
        "lm_url": sim.url, "lm_access_id": harness.LM_ACCESS_ID, "lm_access_key": harness.LM_ACCESS_KEY,
    }
    if with_ca:
        values["ca_certificate"] = Path(sim.ca_path).read_text(encoding="utf-8")
    injected = render_injectors(definition, credential_inputs(definition, values), workdir)
    outer = [name for name in list(sim.process.env()) + list(os.environ) if name.startswith(CONNECTION_PREFIXES)]
    env = dict((name, None) for name in outer)
    env.update(injected)
    if not with_ca:
        env["REQUESTS_CA_BUNDLE"] = sim.ca_path
    return injected, env


@pytest.mark.parametrize("with_ca", [True, False], ids=["ca-certificate", "no-ca-certificate"])
def test_a_job_runs_modules_and_lookups_with_only_the_injected_environment(run_playbook, sim, tmp_path, with_ca):
    injected, env = injected_environment(sim, tmp_path, with_ca=with_ca)
    if with_ca:
        assert Path(injected["LOGPOINT_CA_PATH"]).read_text(encoding="utf-8").startswith("-----BEGIN CERTIFICATE")
    else:
        assert injected["LOGPOINT_CA_PATH"] == ""
    result = run_playbook(JOB, env=env)
    assert result.ok, result
    assert "is not a file" not in result.output
    # what the server saw: the writes, both audit sources, the Director
    assert sim.count("POST /AlertRules") >= 1 and sim.count("POST /Repo/get_all_searchable_logpoint") >= 1
    assert sim.count("POST /getsearchlogs") >= 1 and sim.count("GET /santaba/rest/setting/accesslogs") >= 1
    assert sim.count("POST /configapi") >= 1
    assert "Job template rule" in [rule["name"] for rule in sim.state()["alert_rules"].values()]
    result.assert_no_secrets()
