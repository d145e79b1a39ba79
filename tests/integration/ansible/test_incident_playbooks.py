# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access-request playbook (Apono webhook events) and the incident triage part of the demo."""
from __future__ import annotations

import json

import harness
import inprocess
import pytest
from harness import ROOT

ACCESS_REQUEST = ROOT / "playbooks" / "access_request_incident.yml"
TRIAGE = ROOT / "playbooks" / "demo_parts" / "30_incident_triage.yml"
RESOLVED_OF_ADMIN = "65b000000000000000000004"
CLOSED_OF_ADMIN = "65b000000000000000000010"
ANALYST_ID = "65a000000000000000000002"


def event(status, incident_ids=(RESOLVED_OF_ADMIN, CLOSED_OF_ADMIN), **extra):
    incident_ids = incident_ids if isinstance(incident_ids, str) else list(incident_ids)
    return {"access_request": dict({"id": "AR-1042", "status": status, "requester": "j.doe@example.com",
                                    "resource": "prod-db", "incident_ids": incident_ids}, **extra)}


def writes(sim):
    return sim.count(method="POST")


STATUSES = [("Created", False), ("Approved", False), ("Rejected", False), ("Granted", True), ("Expired", False),
            ("Failed", True)]


@pytest.fixture(scope="session")  # session, not module: kept while other modules' tests run in between
def every_status(simulator, tmp_path_factory):
    """One ansible-playbook run for the six statuses: one import of the playbook per event, each event
    on its own resolved + closed pair of incidents. (run, {status: [(status, last comment) per incident]})."""
    sim = harness.SimClient(simulator)
    sim.reset()
    pairs = {status: sim.api("POST", "/_simulator/incidents", json={"count": 2, "name": status}).json()["ids"]
             for status, _reopened in STATUSES}
    # one of each pair resolved, the other closed, through the classic API as a person would
    call_module = inprocess.ModuleCaller(sim, tmp_path_factory.mktemp("module-tmp")).call
    for ids in pairs.values():
        for incident_id, state in zip(ids, ("resolved", "closed")):
            assert call_module("incident_state", {"api": "classic", "ids": [incident_id], "state": state}).changed
    imports = [{"name": "Access request %s" % status, "ansible.builtin.import_playbook": str(ACCESS_REQUEST),
                "vars": event(status, incident_ids=pairs[status], reason="on-call")} for status, _reopened in STATUSES]
    workdir = tmp_path_factory.mktemp("access-requests")
    run = harness.AnsibleRunner(workdir, sim=sim).playbook(json.dumps(imports) + "\n")
    incidents = sim.state()["incidents"]
    seen = {status: [(incidents[i]["status"], (incidents[i]["comments"] or [{}])[-1].get("comment", "")) for i in ids]
            for status, ids in pairs.items()}
    return run, seen


@pytest.mark.xdist_group("access-request-statuses")  # one worker, so the shared run happens once
@pytest.mark.parametrize("status,reopened", STATUSES)
def test_each_access_request_status(every_status, status, reopened):
    run, seen = every_status
    assert run.ok, run
    expected = ["unresolved", "unresolved"] if reopened else ["resolved", "closed"]
    assert [state for state, _comment in seen[status]] == expected
    for _state, comment in seen[status]:
        assert comment.startswith("Access request AR-1042 %s: j.doe@example.com to prod-db (on-call)." % status.lower())
        assert comment.endswith("Incident reopened while the access lasts.") == reopened
    run.assert_no_secrets()


def test_a_webhook_delivered_twice_changes_nothing_the_second_time(run_playbook, sim):
    assert run_playbook(ACCESS_REQUEST, extra_vars=event("Granted")).changed_tasks
    sim.clear_requests()
    again = run_playbook(ACCESS_REQUEST, extra_vars=event("Granted"))
    assert again.ok and again.changed_tasks == [] and writes(sim) == 0


def test_incident_ids_as_a_comma_separated_string_and_32_hex_ids(run_playbook, sim):
    run = run_playbook(ACCESS_REQUEST, extra_vars=event(
        "Approved", incident_ids=" 5eed65b0000000000000000000000004 , %s," % CLOSED_OF_ADMIN))
    assert run.ok, run
    incidents = sim.state()["incidents"]
    assert all(incidents[i]["comments"][-1]["comment"].startswith("Access request AR-1042 approved")
               for i in (RESOLVED_OF_ADMIN, CLOSED_OF_ADMIN))


@pytest.mark.parametrize("variables", [
    {},
    {"access_request": "AR-1042 Granted"},
    event("Revoked"),
    event("Granted", incident_ids=[]),
])
def test_a_malformed_event_fails_before_any_request(run_playbook, sim, variables):
    run = run_playbook(ACCESS_REQUEST, extra_vars=variables or None)
    assert not run.ok and "access_request must be a mapping with id, status" in run.output
    assert sim.requests()["total"] == 0


def test_an_unknown_incident_fails_with_the_modules_message(run_playbook, sim):
    run = run_playbook(ACCESS_REQUEST, extra_vars=event("Granted", incident_ids=["65b0ffffffffffffffffffff"]))
    assert not run.ok and "no incident 65b0ffffffffffffffffffff was detected" in run.output and writes(sim) == 0


def test_demo_triage_closes_low_risk_and_escalates_critical_incidents(run_playbook, sim):
    run = run_playbook(TRIAGE)
    assert run.ok, run
    incidents = sim.state()["incidents"].values()
    assert {i["status"] for i in incidents if i["risk_level"] == "low"} == {"closed"}
    critical_open = [i for i in incidents if i["risk_level"] == "critical" and i["status"] == "unresolved"]
    assert len(critical_open) == 2 and all(i["assigned_to"] == ANALYST_ID for i in critical_open)
    assert all(i["comments"][-1]["comment"] == "Escalated to the on-call analyst by the triage demo."
               for i in critical_open)
    assert "Closed: USB storage device connected, Firewall rule set reloaded, Disk usage above 85%" in run.stdout
    sim.clear_requests()
    again = run_playbook(TRIAGE)
    assert again.ok and again.changed_tasks == [] and writes(sim) == 0
