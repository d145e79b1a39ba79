# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""logpoint.siem.incident_info against the simulator, in-process, on the classic API and on Director."""
from __future__ import annotations

import time

import pytest

APIS = ("classic", "director")
CRITICAL_OF_ANALYST = "65b000000000000000000001"
CLOSED_OF_ADMIN = "65b000000000000000000010"
OLD_CLOSED = "65b000000000000000000012"  # detected 12 days ago
REQUIRED_KEYS = {"id", "incident_id", "name", "status", "risk", "type", "assignee", "assignee_id", "detection_time"}


def info(call_module, api, **args):
    result = call_module("incident_info", dict(args, api=api))
    assert not result.failed and not result.changed, result
    return result.result["incidents"]


@pytest.mark.parametrize("api", APIS)
def test_every_incident_of_the_last_7_days_closed_ones_included(call_module, sim, api):
    incidents = info(call_module, api)
    assert len(incidents) == 11 and OLD_CLOSED not in {i["id"] for i in incidents}
    detected = [i["detection_timestamp"] for i in incidents if i["detection_timestamp"] is not None]
    assert detected == sorted(detected)  # oldest first; on classic the closed ones (time unknown) at the end
    assert all(REQUIRED_KEYS <= set(i) for i in incidents)
    assert {i["status"] for i in incidents} == {"unresolved", "resolved", "closed"}
    brute_force = next(i for i in incidents if i["id"] == CRITICAL_OF_ANALYST)
    assert brute_force["incident_id"] == "5eed65b0000000000000000000000001"
    assert (brute_force["name"], brute_force["risk"], brute_force["type"]) == (
        "Brute force attack on dc-01", "critical", "alert")
    assert (brute_force["assignee"], brute_force["assignee_id"]) == ("analyst", "65a000000000000000000002")
    assert brute_force["detection_time"].endswith("Z") and "comments" not in brute_force and "data" not in brute_force
    closed = next(i for i in incidents if i["id"] == CLOSED_OF_ADMIN)
    assert closed["status"] == "closed" and closed["assignee"] == "admin"
    if api == "classic":  # /incident_states tells no more than this
        assert closed["name"] is None and closed["risk"] is None
        assert sim.count("GET /incidents") == 7 and sim.count("GET /incident_states") == 7
    else:
        assert closed["name"] == "Test alert from rule validation" and closed["risk"] == "low"


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("filters,expected", [
    ({"risk": "critical", "status": "unresolved"}, ["65b000000000000000000002", "65b000000000000000000001"]),
    ({"type": ["ueba", "search"], "risk": ["low", "medium"]},
     ["65b000000000000000000009", "65b000000000000000000007", "65b000000000000000000006"]),
    ({"assigned_to": "analyst", "status": "unresolved"},
     ["65b000000000000000000008", "65b000000000000000000003", "65b000000000000000000001"]),
    ({"name": "^(usb|disk)"}, ["65b000000000000000000009", "65b000000000000000000007"]),
    ({"status": "closed", "since": "30d"},
     ["65b000000000000000000012", "65b000000000000000000011", "65b000000000000000000010"]),
    # 29h, not 30h: incident 6 was detected 30h before the reset, a moment ago in-process
    ({"since": "29h", "until": "1h"}, ["65b000000000000000000005", "65b000000000000000000004",
                                       "65b000000000000000000003", "65b000000000000000000002",
                                       "65b000000000000000000001"]),
])
def test_filters_give_the_same_incidents_on_both_apis(call_module, api, filters, expected):
    assert sorted(i["id"] for i in info(call_module, api, filters=filters)) == sorted(expected)


def test_time_windows_as_epoch_and_iso_8601(call_module):
    now = time.time()
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 6 * 3600))
    by_epoch = info(call_module, "classic", filters={"since": int(now - 6 * 3600), "until": int(now)})
    by_iso = info(call_module, "classic", filters={"since": iso})
    assert [i["id"] for i in by_epoch] == [i["id"] for i in by_iso] == [
        "65b000000000000000000002", "65b000000000000000000001"]


@pytest.mark.parametrize("api", APIS)
def test_comments_and_log_rows(call_module, sim, api):
    incidents = info(call_module, api, ids=[CRITICAL_OF_ANALYST, "5eed65b0000000000000000000000004"],
                     include_comments=True, include_data=True)
    by_id = {i["id"]: i for i in incidents}
    assert by_id[CRITICAL_OF_ANALYST]["comments"] == [{"user": "analyst", "comment": "Looking into the source addresses.",
                                                       "time": by_id[CRITICAL_OF_ANALYST]["comments"][0]["time"]}]
    if api == "director" and any("_participating_events" in row for row in by_id[CRITICAL_OF_ANALYST]["data"]):
        pytest.xfail("Director IncidentData in groups (director_incident_data: grouped, strict) is not yet read "
                     "as log rows (issue 10, incidents part)")
    assert [row["device_name"] for row in by_id[CRITICAL_OF_ANALYST]["data"]] == ["dc-01", "dc-01"]
    assert len(by_id["65b000000000000000000004"]["data"]) == by_id["65b000000000000000000004"]["rows_count"] == 1
    if api == "director":
        assert sim.count("POST /configapi/") == 7 + 2  # a fetch per day of the window, fetchIncidentData x2
        assert sim.count("GET /configapi/%s" % "00000000-0000-4000-8000-000000000001/lp-simulator-01/Incidents/"
                         "IncidentData/") == 2


def test_classic_cannot_read_rows_of_closed_incidents_and_says_so(call_module):
    result = call_module("incident_info", {"api": "classic", "ids": [CLOSED_OF_ADMIN], "include_data": True})
    assert not result.failed and result.result["incidents"][0]["data"] is None
    assert any("cannot read the log rows of 1 closed incident" in w for w in result.warnings)


def test_unknown_ids_fail_with_the_window(call_module):
    result = call_module("incident_info", {"api": "director", "ids": [OLD_CLOSED]})
    assert result.failed and "no incident %s was detected between" % OLD_CLOSED in result.msg
    assert "widen it" in result.msg
    found = call_module("incident_info", {"api": "director", "ids": [OLD_CLOSED], "filters": {"since": "14d"}})
    assert found.result["incidents"][0]["name"] == "Impossible travel for j.doe"
