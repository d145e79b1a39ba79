# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access-request playbook (Apono webhook events) and the incident triage part of the demo."""
from __future__ import annotations

import pytest
from harness import ROOT

ACCESS_REQUEST = ROOT / "playbooks" / "access_request_incident.yml"
TRIAGE = ROOT / "playbooks" / "demo" / "30_incident_triage.yml"
RESOLVED_OF_ADMIN = "65b000000000000000000004"
CLOSED_OF_ADMIN = "65b000000000000000000010"
ANALYST_ID = "65a000000000000000000002"


def event(status, incident_ids=(RESOLVED_OF_ADMIN, CLOSED_OF_ADMIN), **extra):
    incident_ids = incident_ids if isinstance(incident_ids, str) else list(incident_ids)
    return {"access_request": dict({"id": "AR-1042", "status": status, "requester": "j.doe@example.com",
                                    "resource": "prod-db", "incident_ids": incident_ids}, **extra)}


def writes(sim):
    return sim.count(method="POST")


@pytest.mark.parametrize("status,reopened", [
    ("Created", False), ("Approved", False), ("Rejected", False), ("Granted", True), ("Expired", False),
    ("Failed", True),
])
def test_each_access_request_status(run_playbook, sim, status, reopened):
    run = run_playbook(ACCESS_REQUEST, extra_vars=event(status, reason="on-call"))
    assert run.ok, run
    incidents = sim.state()["incidents"]
    expected = ["unresolved", "unresolved"] if reopened else ["resolved", "closed"]
    assert [incidents[i]["status"] for i in (RESOLVED_OF_ADMIN, CLOSED_OF_ADMIN)] == expected
    comment = incidents[RESOLVED_OF_ADMIN]["comments"][-1]["comment"]
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
