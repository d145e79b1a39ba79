# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incident time windows under the simulator's open-question settings (issues 10 and 12).

* ``incident_states_window`` detected | modified: only incidents detected in the window are returned or
  changed, whichever window ``/incident_states`` uses.
* ``director_incident_data`` flat | flat_text | grouped: IncidentData comes back as log rows.
* bounded windows: the requests of ``since: 30d``, and a window past 366 days refused before any request.
"""
from __future__ import annotations

import time

import pytest

CRITICAL_OF_ANALYST = "65b000000000000000000001"
CLOSED_OF_ADMIN = "65b000000000000000000010"
CLOSED_OF_ANALYST = "65b000000000000000000011"
OLD_CLOSED = "65b000000000000000000012"  # detected 12 days ago, commented 2 hours later
WINDOWS = ("detected", "modified")


def touch_old_incident(call_module, sim, window):
    """Comment the 12-day-old closed incident now: its last change falls in any window of the last days."""
    sim.settings(incident_states_window=window)
    touched = call_module("incident_state", {"api": "classic", "ids": [OLD_CLOSED], "filters": {"since": "14d"},
                                             "comment": "Looked at again today."})
    assert touched.changed and not touched.failed, touched
    sim.clear_requests()


@pytest.mark.parametrize("window", WINDOWS)
def test_incident_info_returns_no_incident_detected_before_the_window(call_module, sim, window):
    touch_old_incident(call_module, sim, window)
    result = call_module("incident_info", {"api": "classic", "filters": {"status": "closed"}})
    assert not result.failed, result
    ids = [incident["id"] for incident in result.result["incidents"]]
    assert OLD_CLOSED not in ids
    since = time.time() - 7 * 86400 - 60
    assert all(i["detection_timestamp"] is None or i["detection_timestamp"] >= since for i in result.result["incidents"])
    if window == "detected":  # nothing tells against the other closed incidents: they are kept
        assert sorted(ids) == [CLOSED_OF_ADMIN, CLOSED_OF_ANALYST] and not result.warnings
    else:  # the server showed it selects states by modification: closed ones of unknown detection are left out
        assert ids == [] and any("2 closed incident(s) listed by /incident_states were left out" in w
                                 for w in result.warnings)


@pytest.mark.parametrize("window", WINDOWS)
def test_incident_state_changes_no_incident_detected_before_the_window(call_module, sim, window):
    touch_old_incident(call_module, sim, window)
    result = call_module("incident_state", {"api": "classic", "filters": {"status": "closed"}, "state": "unresolved"})
    assert not result.failed, result
    incidents = sim.state()["incidents"]
    assert incidents[OLD_CLOSED]["status"] == "closed"  # detected 12 days ago: outside the default 7 days
    reopened = sorted(i["id"] for i in result.result["incidents"] if i["changed"])
    assert reopened == ([CLOSED_OF_ADMIN, CLOSED_OF_ANALYST] if window == "detected" else [])
    assert all(incidents[i]["status"] == "unresolved" for i in reopened)


@pytest.mark.parametrize("window", WINDOWS)
def test_an_id_detected_before_the_window_is_not_acted_on(call_module, sim, window):
    touch_old_incident(call_module, sim, window)
    result = call_module("incident_state", {"api": "classic", "ids": [OLD_CLOSED], "state": "unresolved"})
    assert result.failed and "no incident %s was detected between" % OLD_CLOSED in result.msg
    assert sim.state()["incidents"][OLD_CLOSED]["status"] == "closed"
    assert sim.count("POST /reopen_incident") == 0


@pytest.mark.parametrize("shape", ["flat", "flat_text", "grouped"])
def test_director_incident_data_is_log_rows_in_every_shape(call_module, sim, shape):
    sim.settings(director_incident_data=shape)
    result = call_module("incident_info", {"api": "director", "ids": [CRITICAL_OF_ANALYST], "include_data": True})
    assert not result.failed, result
    rows = result.result["incidents"][0]["data"]
    assert [row["device_name"] for row in rows] == ["dc-01", "dc-01"]
    assert all("msg" in row and "_participating_events" not in row for row in rows)
    assert len(rows) == result.result["incidents"][0]["rows_count"]


@pytest.mark.parametrize("api,requests", [("classic", {"GET /incidents": 30, "GET /incident_states": 30}),
                                          ("director", {"POST /configapi/": 30})])
def test_thirty_days_cost_thirty_slices(call_module, sim, api, requests):
    result = call_module("incident_info", {"api": api, "filters": {"since": "30d"}})
    assert not result.failed, result
    for endpoint, number in requests.items():
        assert sim.count(endpoint) == number, sim.counters()
    print("since: 30d on %s: %d requests" % (api, sim.requests()["total"]))


@pytest.mark.parametrize("api", ["classic", "director"])
def test_a_window_longer_than_366_days_sends_nothing(call_module, sim, api):
    result = call_module("incident_info", {"api": api, "filters": {"since": "3650d"}})
    assert result.failed and "at most 366 days" in result.msg and "filters.since" in result.msg
    assert sim.count() == 0  # 366 days, the widest window, is 366 slices (tests/unit: test_incident_bounds.py)
