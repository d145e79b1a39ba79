# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incident parsing against real bodies, selection checks, lifecycle planning, classic batching."""
from __future__ import annotations

import os

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._converge import execute
from ansible_collections.logpoint.siem.plugins.module_utils.api.incidents import (
    BATCH_SIZE, ClassicIncidents, parse_incident)
from ansible_collections.logpoint.siem.plugins.module_utils._response import interpret_response, rows_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import (
    Selection, choose_api, describe, has_comment, lifecycle_steps, plan_incident, plan_state, select, time_windows)

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "real-responses"))
NOW = 1795392000.0  # 2026-11-23T00:00:00Z
ADMIN, ANALYST = "65a000000000000000000001", "65a000000000000000000002"
DIRECTOR = {"director_url": "https://director.example.com", "director_token": "t",
            "pool_uuid": "00000000-0000-4000-8000-000000000001", "logpoint_identifier": "lp-1"}


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return interpret_response(200, handle.read(), "application/json")


def incident(**fields):
    base = {"id": "65b000000000000000000001", "incident_id": "5eed65b0000000000000000000000001", "name": "Brute force",
            "description": "", "status": "unresolved", "risk": "critical", "type": "alert", "assignee_id": ADMIN,
            "detection_timestamp": NOW - 3600, "rows_count": 1, "comments": []}
    return dict(base, **fields)


# ---- parsing real responses ----------------------------------------------------------------------

def test_incidents_fixture():
    parsed = [parse_incident(row) for row in load("incidents.json")["incidents"]]
    assert parsed == [{
        "id": "5af12974007da85b99a3230b", "incident_id": "347b897e1f752cab7ae380918690b11e",
        "name": "Potential SQL Injection attack", "description": "", "status": "unresolved", "risk": "critical",
        "type": "alert", "assignee_id": "5aec1fd2007da84f8efaabfd", "detection_timestamp": 1525754228.171028,
        "rows_count": 1, "comments": []}]


def test_incident_states_fixture_gives_a_partial_incident_with_comments():
    state = parse_incident(load("incident_states.json")["states"][0])
    assert state["id"] == "5a62bd8cce983de89085429b" and state["status"] == "resolved"
    assert state["assignee_id"] == "59b0eecfd8aaa4334ee41707"
    assert state["name"] is None and state["risk"] is None and state["incident_id"] is None
    assert state["comments"] == [{"user": "sample title 1", "comment": "sample comment 1", "time": 1516420000},
                                 {"user": "sample title 2", "comment": "sample comment 2", "time": 1516420000}]


def test_incident_data_fixture():
    rows = rows_of(load("get_data_from_incident.json"))
    assert len(rows) == 1 and rows[0]["repo_name"] == "_logpoint" and rows[0]["log_ts"] == 1516413843


def test_describe_names_the_assignee_and_gives_iso_times():
    users = [{"id": ADMIN, "name": "admin", "usergroups": []}]
    item = incident(detection_timestamp=NOW, comments=[{"user": "admin", "comment": "hi", "time": int(NOW)}])
    described = describe(item, None, users, include_comments=True)
    assert described["assignee"] == "admin" and described["detection_time"] == "2026-11-23T00:00:00Z"
    assert described["comments"] == [{"user": "admin", "comment": "hi", "time": "2026-11-23T00:00:00Z"}]
    assert "comments" not in describe(item, None, users)


# ---- selection -----------------------------------------------------------------------------------

def test_time_windows_cut_a_window_into_days():
    assert time_windows(0, 86400 * 2 + 10) == [(0, 86400), (86400, 172800), (172800, 172810)]
    assert time_windows(5, 10) == [(5, 10)]


@pytest.mark.parametrize("since,until,expected", [
    ("7d", None, (NOW - 7 * 86400, NOW)),
    (1795300000, "1795310000", (1795300000.0, 1795310000.0)),
    ("2026-11-22T00:00:00Z", "2026-11-22T12:00:00+00:00", (NOW - 86400, NOW - 43200)),
])
def test_selection_windows(since, until, expected):
    selection = Selection({"filters": {"since": since, "until": until}}, NOW)
    assert (selection.since, selection.until) == expected


@pytest.mark.parametrize("params,message", [
    ({"ids": ["abc"]}, "24-hex id"),
    ({"ids": ["65b000000000000000000001"], "filters": {"risk": ["low"]}}, "filters.risk cannot be combined with ids"),
    ({"filters": {"since": "yesterday-ish"}}, "filters.since: 'yesterday-ish' is not a time"),
    ({"filters": {"since": "1d", "until": "2d"}}, "must be before filters.until"),
    ({"filters": {"name": "(["}}, "filters.name"),
])
def test_selection_refuses_bad_input(params, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Selection(params, NOW)


def test_ids_are_lower_cased_and_deduplicated():
    assert Selection({"ids": ["65B000000000000000000001", "65b000000000000000000001"]}, NOW).ids == [
        "65b000000000000000000001"]


def test_filters_match_on_every_field_and_unknown_fields_do_not_match():
    selection = Selection({"filters": {"risk": ["low"], "name": "^disk", "since": "1d"}}, NOW)
    assert selection.matches(incident(risk="low", name="Disk full"), [])
    assert not selection.matches(incident(risk="high", name="Disk full"), [])
    assert not selection.matches(incident(risk="low", name="Full disk"), [])
    assert not selection.matches(incident(risk=None, name=None, detection_timestamp=None), [])
    assert not selection.matches(incident(risk="low", name="Disk", detection_timestamp=NOW - 2 * 86400), [])
    assert not Selection({}, NOW).matches(incident(), [ANALYST])


class FakeBackend:
    name = "classic"

    def __init__(self, incidents):
        self.incidents = incidents
        self.calls = []

    def read(self, windows, *, filters, wanted_ids=None):
        self.calls.append((windows, filters, wanted_ids))
        return self.incidents


def test_select_maps_32_hex_incident_ids_and_explains_missing_ones():
    backend = FakeBackend([incident()])
    selection = Selection({"ids": ["5eed65b0000000000000000000000001", "65b000000000000000000001"]}, NOW)
    assert [i["id"] for i in select(backend, selection, None, [])] == ["65b000000000000000000001"]
    assert len(backend.calls[0][0]) == 7  # the default 7-day window in one-day slices
    with pytest.raises(ConfigError, match="no incident 5eed65b0000000000000000000000009 was detected between "
                                          ".* 24-hex id") as error:
        select(backend, Selection({"ids": ["5eed65b0000000000000000000000009"]}, NOW), None, [])
    assert "widen it" in str(error.value)


def test_select_with_an_empty_id_list_reads_nothing():
    backend = FakeBackend([incident()])
    assert select(backend, Selection({"ids": []}, NOW), None, []) == [] and backend.calls == []


# ---- which API -----------------------------------------------------------------------------------

def test_auto_picks_director_only_when_all_its_options_are_set():
    assert choose_api({"api": "auto"}) == "classic"
    assert choose_api(dict(DIRECTOR, api="auto")) == "director"
    with pytest.raises(ConfigError, match="not pool_uuid, logpoint_identifier"):
        choose_api({"api": "auto", "director_url": "https://d", "director_token": "t"})
    with pytest.raises(ConfigError, match="api: director needs director_url"):
        choose_api({"api": "director"})
    with pytest.raises(ConfigError, match="send_for_investigation needs the Director API"):
        choose_api(dict(DIRECTOR, api="classic"), needs_director=True)


# ---- planning ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status,target,steps", [
    ("unresolved", "unresolved", []), ("unresolved", "resolved", ["resolve"]),
    ("unresolved", "closed", ["resolve", "close"]), ("resolved", "closed", ["close"]),
    ("resolved", "unresolved", ["reopen"]), ("closed", "unresolved", ["reopen"]),
    ("closed", "resolved", ["reopen", "resolve"]), ("closed", "closed", []), ("resolved", None, []),
])
def test_lifecycle_steps(status, target, steps):
    assert lifecycle_steps(status, target) == steps


def test_classic_close_of_someone_elses_incident_needs_take_ownership():
    item = incident(assignee_id=ANALYST)
    blocked = plan_incident(item, api="classic", state="closed", api_user_id=ADMIN)
    assert blocked["blocked"] == "assigned"
    taken = plan_incident(item, api="classic", state="closed", api_user_id=ADMIN, take_ownership=True)
    assert taken["steps"] == [("take_over", ADMIN), ("resolve", None), ("close", None)]
    assert taken["after"] == {"status": "closed", "assignee_id": ADMIN} and taken["blocked"] is None


def test_classic_hands_over_to_the_wanted_assignee_after_closing():
    plan = plan_incident(incident(assignee_id=ANALYST), api="classic", state="closed", assignee_id=ANALYST,
                         comment="done", api_user_id=ADMIN, take_ownership=True)
    assert plan["steps"] == [("take_over", ADMIN), ("comment", "done"), ("resolve", None), ("close", None),
                             ("assign", ANALYST)]


def test_reopen_and_reassign_need_no_ownership():
    plan = plan_incident(incident(status="closed", assignee_id=ANALYST), api="classic", state="unresolved",
                         assignee_id=ADMIN, api_user_id=ADMIN)
    assert plan["steps"] == [("reopen", None), ("assign", ADMIN)] and plan["blocked"] is None


def test_director_reassigns_first_and_needs_an_assignee():
    plan = plan_incident(incident(), api="director", state="resolved", assignee_id=ANALYST,
                         send_for_investigation=True)
    assert plan["steps"] == [("assign", ANALYST), ("resolve", None), ("send_for_investigation", None)]
    assert plan_incident(incident(assignee_id=None), api="director", state="resolved")["blocked"] == "unassigned"


def test_nothing_to_do_plans_no_step():
    done = incident(status="closed", comments=[{"user": "admin", "comment": "Closed &amp;amp; done", "time": 1}])
    assert plan_incident(done, api="classic", state="closed", comment="Closed & done", api_user_id=ADMIN)["steps"] == []


def test_comment_comparison_undoes_the_ui_double_escaping():
    item = incident(comments=[{"user": "a", "comment": "say &amp;quot;hi&amp;quot; &lt;now&gt;", "time": 1}])
    assert has_comment(item, 'say "hi" <now>') and not has_comment(item, "say hi")


# ---- classic batching ----------------------------------------------------------------------------

class RecordingClient:
    username = "admin"

    def __init__(self):
        self.calls = []

    def call(self, method, path, **kwargs):
        self.calls.append((method, path, kwargs["json"]["requestData"]))
        return {"success": True}


def test_classic_writes_are_batched_per_action_in_lifecycle_order():
    client = RecordingClient()
    incidents = [incident(id="%024x" % n, assignee_id=ANALYST) for n in range(BATCH_SIZE + 1)]
    desired = {"state": "closed", "comment": "bulk", "api_user_id": ADMIN, "take_ownership": True}
    plan = plan_state(ClassicIncidents(client), Selection({}, NOW), incidents, desired, str)
    execute(plan, check_mode=False, max_concurrency=1)
    client.calls = [call for call in client.calls if call[0] == "POST"]  # the comment's re-check reads too
    assert [path for method, path, data in client.calls] == [
        "/assign_incident", "/assign_incident", "/add_incident_comment", "/add_incident_comment",
        "/resolve_incident", "/resolve_incident", "/close_incident", "/close_incident"]
    first_assign = client.calls[0][2]
    assert first_assign["new_assignee"] == ADMIN and len(first_assign["incident_ids"]) == BATCH_SIZE
    assert client.calls[2][2]["states"][0] == {"_id": "%024x" % 0, "comments": ["bulk"]}
    assert all(data["version"] == "0.1" for method, path, data in client.calls)


def test_classic_read_skips_incident_states_when_closed_ones_cannot_be_selected():
    class Client(RecordingClient):
        def call(self, method, path, **kwargs):
            super().call(method, path, **kwargs)
            return {"success": True, "incidents": [{"id": "65b000000000000000000001", "status": "unresolved"}],
                    "states": [{"id": "65b000000000000000000002", "status": "closed"},
                               {"id": "65b000000000000000000003", "status": "resolved"}]}

    client = Client()
    backend = ClassicIncidents(client)
    assert len(backend.read([(0, 1)], filters={"status": ["unresolved"]})) == 1
    assert [path for method, path, data in client.calls] == ["/incidents"]
    found = backend.read([(0, 1)], filters={"status": None})
    assert sorted(i["id"] for i in found) == ["65b000000000000000000001", "65b000000000000000000002"]
    client.calls = []
    backend.read([(0, 1)], filters={}, wanted_ids=["65b000000000000000000001"])
    assert [path for method, path, data in client.calls] == ["/incidents"]
