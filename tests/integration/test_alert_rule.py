# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alert_rule against the simulator, in-process: create, idempotency, check mode, diff, each field family, enable,
delete, bad input, the server's validation styles and response alternatives, lost replies."""
from __future__ import annotations

import pytest
from alert_rule_support import (
    ADMIN_ID,
    ANALYST_ID,
    MARKER,
    WINDOWS,
    create_by_hand,
    created_active,
    model_reads,
    rule,
    rule_writes,
    server_rules,
)

NAME = "Brute force on Windows logons"


def test_create_then_nothing_to_do(call_module, sim):
    created = call_module("alert_rule", rule(assignee="analyst"))
    assert created.changed and created.result["outcome"] == "created", created
    stored = server_rules(sim)[NAME]
    assert created.result["alert_rule"]["id"] == stored["id"] and stored["owner"] == "admin"
    assert stored["incident_condition"] == {"condition_option": "greaterthan", "condition_value": "20",
                                            "risk": "high", "aggregate": "max"}
    assert stored["search_params"]["timerange_hour"] == 1 and stored["search_params"]["repos"] == [WINDOWS]
    assert stored["taxonomy"]["metadata"] == [MARKER]
    assert stored["incident_ownership"]["assignee"] == ANALYST_ID
    assert sim.count("POST /AlertRules/create_api") == 1

    sim.clear_requests()
    again = call_module("alert_rule", rule(assignee="analyst"))
    assert not again.changed and again.result["outcome"] == "unchanged", again
    assert rule_writes(sim) == 0
    assert sim.count("GET /AlertRules/lists_api") == 1
    again.assert_no_secrets()


def test_check_mode_predicts_and_writes_nothing(call_module, sim):
    before = sim.state()
    checked = call_module("alert_rule", rule(), check=True, diff=True)
    assert checked.changed and checked.result["outcome"] == "created"
    assert checked.result["alert_rule"]["id"] is None and checked.result["alert_rule"]["assignee"] == "admin"
    assert checked.diff["before"] == {} and checked.diff["after"]["time_range"] == "1h"
    assert sim.state()["alert_rules"] == {} and sim.state()["generation"] == before["generation"]
    assert rule_writes(sim) == 0

    call_module("alert_rule", rule())
    generation = sim.state()["generation"]
    checked = call_module("alert_rule", {"name": NAME, "risk": "critical", "enabled": False}, check=True)
    assert checked.changed and checked.result["changes"] == ["enabled", "risk"]
    assert checked.result["alert_rule"]["risk"] == "critical" and checked.result["alert_rule"]["enabled"] is False
    assert sim.state()["generation"] == generation
    assert server_rules(sim)[NAME]["incident_condition"]["risk"] == "high"


def test_diff_shows_only_the_managed_options_by_their_names(call_module, sim):
    call_module("alert_rule", rule(metadata={"ref": "SOC-1"}))
    changed = call_module("alert_rule", {"name": NAME, "condition": {"operator": ">=", "value": 50},
                                         "metadata": {"ref": "SOC-2"}, "visible_to_usergroups": ["SOC Analyst"]},
                          diff=True)
    assert changed.changed
    assert changed.diff == {
        "before": {"name": NAME, "condition": {"operator": ">", "value": 20}, "metadata": {"ref": "SOC-1"},
                   "visible_to_usergroups": []},
        "after": {"name": NAME, "condition": {"operator": ">=", "value": 50}, "metadata": {"ref": "SOC-2"},
                  "visible_to_usergroups": ["SOC Analyst"]},
    }
    assert "managed_by" not in changed.stdout
    stored = server_rules(sim)[NAME]
    assert stored["taxonomy"]["metadata"] == [{"field": "ref", "value": "SOC-2"}, MARKER]


FAMILIES = [
    ("description and query", {"description": "Many failed logons", "query": "label=Fail | chart count() by user"},
     ["description", "query"]),
    ("repos", {"repos": ["windows", "LogPoint-Secondary/cloud"]}, ["repos"]),
    ("time range and interval", {"time_range": "2d", "search_interval": 60}, ["search_interval", "time_range"]),
    ("limit and delay", {"limit": 25, "delay_interval": 5}, ["delay_interval", "limit"]),
    ("condition", {"condition": {"operator": "notequal", "value": 0}}, ["condition"]),
    ("risk and aggregate", {"risk": "critical", "aggregate": "avg"}, ["aggregate", "risk"]),
    ("flush", {"flush_on_trigger": True}, ["flush_on_trigger"]),
    ("throttling on", {"throttling": {"field": "user", "window": 30}}, ["throttling"]),
    ("taxonomy", {"attack_tags": ["T1110", "T1078"], "log_sources": ["Windows"]}, ["attack_tags", "log_sources"]),
    ("metadata", {"metadata": {"ref": "SOC-7", "owner_team": "blue"}}, ["metadata"]),
    ("ownership", {"assignee": "analyst", "visible_to_usergroups": ["SOC Analyst", "LogPoint Administrator"]},
     ["assignee", "visible_to_usergroups"]),
    ("display", {"display_template": "{{ alert_name }}", "original_data": True},
     ["display_template", "original_data"]),
    ("throttling off", {"throttling": {"enabled": False}}, ["throttling"]),
    ("rename", {"name": "Brute force on Windows logons v2"}, ["name"]),
]


def converge_families(call_module, rule_id):
    """Each family's task in turn, as the tasks of one playbook would run: {title: result}."""
    return dict((title, call_module("alert_rule", dict(options, id=rule_id))) for title, options, _changes in FAMILIES)


def test_each_field_family_updates_and_converges(call_module, sim):
    rule_id = create_by_hand(sim, NAME, metadata=[{"field": "ref", "value": "x"}])
    sim.clear_requests()
    first = converge_families(call_module, rule_id)
    for title, _options, changes in FAMILIES:
        result = first[title]
        assert not result.failed and result.changed and result.result["changes"] == changes, (title, result)
    assert sim.count("POST /AlertRules/update_api") == len(FAMILIES)

    stored = sim.state()["alert_rules"][rule_id]
    search, condition = stored["search_params"], stored["incident_condition"]
    assert stored["name"] == "Brute force on Windows logons v2" and stored["description"] == "Many failed logons"
    assert sorted(search["repos"]) == [WINDOWS, "192.0.2.20:5504/cloud"]
    assert (search["timerange_day"], search["search_interval_minute"], search["limit"]) == (2, 60, 25)
    assert "timerange_hour" not in search and search["delay_interval_minute"] == 5
    assert search["flush_on_trigger"] is True and search["throttling_enabled"] is False
    assert condition == {"condition_option": "notequal", "condition_value": "0", "risk": "critical",
                         "aggregate": "avg"}
    assert sorted(stored["taxonomy"]["attack_tag_hashes"]) == ["T1078", "T1110"]
    assert stored["taxonomy"]["metadata"] == [{"field": "owner_team", "value": "blue"},
                                              {"field": "ref", "value": "SOC-7"}], "no marker on a hand-made rule"
    assert stored["incident_ownership"]["assignee"] == ANALYST_ID
    assert len(stored["incident_ownership"]["visible_to_usergroups"]) == 2
    assert stored["incident_display_data"]["jinja_template"] == "{{ alert_name }}"
    assert stored["foureyes"] == {"original_data": True}

    sim.clear_requests()
    second = converge_families(call_module, rule_id)
    assert [title for title, result in second.items() if result.changed] == ["throttling on", "throttling off"]
    # the two throttling tasks undo each other; every other family is already in place
    assert sim.count("POST /AlertRules/update_api") == 2


def test_enable_disable(call_module, sim):
    call_module("alert_rule", rule())
    disabled = call_module("alert_rule", {"name": NAME, "enabled": False})
    assert disabled.changed and disabled.result["changes"] == ["enabled"]
    assert server_rules(sim)[NAME]["active"] is False
    assert (sim.count("POST /AlertRules/deactivate_api"), sim.count("POST /AlertRules/update_api")) == (1, 0)
    sim.clear_requests()
    assert not call_module("alert_rule", {"name": NAME, "enabled": False}).changed
    assert rule_writes(sim) == 0
    assert call_module("alert_rule", {"name": NAME, "enabled": True}).changed
    assert server_rules(sim)[NAME]["active"] is True and sim.count("POST /AlertRules/activate_api") == 1


def test_created_disabled_takes_one_more_request(call_module, sim):
    created = call_module("alert_rule", rule(enabled=False))
    assert created.changed and created.result["alert_rule"]["enabled"] is False
    # deactivated unless the server made it inactive (then the read-back of the new rule saw that)
    assert server_rules(sim)[NAME]["active"] is False
    assert sim.count("POST /AlertRules/deactivate_api") == (1 if created_active(sim) else 0)


def test_delete_by_name_or_id(call_module, sim):
    rule_id = call_module("alert_rule", rule()).result["alert_rule"]["id"]
    checked = call_module("alert_rule", {"name": NAME, "state": "absent"}, check=True, diff=True)
    assert checked.changed and checked.diff["after"] == {} and checked.diff["before"]["risk"] == "high"
    assert NAME in server_rules(sim)
    deleted = call_module("alert_rule", {"id": rule_id, "state": "absent"})
    assert deleted.changed and deleted.result["outcome"] == "deleted" and deleted.result["alert_rule"] == {}
    # two reads: the create read back whether the new rule is active, the delete found it by id; and the
    # check-mode run's read of the model when list rows are summaries
    assert server_rules(sim) == {} and sim.count("GET /AlertRules/read_api") == 2 + model_reads(sim, 1)
    sim.clear_requests()
    again = call_module("alert_rule", {"name": NAME, "state": "absent"})
    assert not again.changed and rule_writes(sim) == 0


BAD_INPUTS = [
    ({"name": "Shrt"}, "alert rule 'Shrt': name: 'Shrt' is shorter than 5 characters"),
    ({"time_range": "45s"}, "time_range: '45s' is not a whole number of minutes"),
    ({"time_range": "31d"}, "time_range: '31d' is outside 1 minute to 30 days"),
    ({"time_range": "60"}, "time_range: '60' has no unit; write it as 30m, 1h or 2d"),
    ({"search_interval": 7}, "search_interval: 7 minutes does not divide time_range 1h"),
    ({"repos": ["nope"]}, "repos: no repo 'nope' on any Logpoint; repos that exist: _logpoint (LogPoint-Primary)"),
    ({"assignee": "ghost"}, "assignee: no Logpoint user 'ghost'; known users are admin, analyst"),
    ({"visible_to_usergroups": ["Nobody"]}, "visible_to_usergroups: no user group 'Nobody'; known user groups are"),
    ({"condition": {"operator": "~", "value": 1}}, "value of operator must be one of: >, <, >=, <=, ==, !=,"),
    ({"condition": {"operator": ">", "value": -1}}, "condition.value: -1 is below 0"),
    ({"risk": "severe"}, "value of risk must be one of: low, medium, high, critical, got: severe"),
    ({"aggregate": "sum"}, "value of aggregate must be one of: min, max, avg, got: sum"),
    ({"query": None}, "does not exist; to create it give query"),
    ({"throttling": {"field": "user"}}, "throttling: give field and window (minutes) to throttle"),
    ({"metadata": {"managed_by": "me"}}, "metadata: managed_by is reserved"),
    ({"delay_interval": 2000}, "delay_interval: 2000 is not 0 to 1440"),
    ({"limit": 0}, "limit: 0 is not at least 1"),
    ({"name": None, "id": "0123456789abcdef01234567"}, "alert rule id 0123456789abcdef01234567 does not exist"),
    ({"name": None}, "one of the following is required: name, id"),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_bad_inputs_fail_with_a_clear_message_and_write_nothing(call_module, sim, change, message):
    options = dict((key, value) for key, value in rule(**change).items() if value is not None)
    result = call_module("alert_rule", options)
    assert result.failed and message in result.msg, (change, result.msg)
    assert rule_writes(sim) == 0 and sim.state()["alert_rules"] == {}
    result.assert_no_secrets()


@pytest.mark.parametrize("style", ["422", "success_false", "detail"])
def test_server_validation_errors_name_the_option_in_every_style(call_module, sim, style):
    sim.settings(validation_style=style)
    refused = call_module("alert_rule", rule(attack_tags=[""]))
    assert refused.failed
    assert "alert rule '%s': the server refused attack_tags: must be a list of non-empty strings" % NAME \
        in refused.msg, refused.msg
    assert refused.result["fields"] == {"attack_tags": "must be a list of non-empty strings"}
    assert sim.state()["alert_rules"] == {}


def test_duplicate_name_on_rename_is_refused_by_the_server(call_module, sim):
    create_by_hand(sim, "Someone else's rule")
    rule_id = call_module("alert_rule", rule()).result["alert_rule"]["id"]
    refused = call_module("alert_rule", {"id": rule_id, "name": "Someone else's rule"})
    assert refused.failed and "alert rule \"Someone else's rule\": the server refused the request: " \
        "Alert rule with name \"Someone else's rule\" already exists" in refused.msg, refused.msg


def test_rows_under_data_and_404_for_unknown_ids(call_module, sim):
    sim.settings(alert_rule_rows_key="data", alert_rule_not_found="404")
    assert call_module("alert_rule", rule()).changed
    sim.clear_requests()
    assert not call_module("alert_rule", rule()).changed and rule_writes(sim) == 0
    missing = call_module("alert_rule", {"id": "0123456789abcdef01234567", "risk": "low"})
    assert missing.failed and "does not exist; leave id out to create a rule by name" in missing.msg


def test_a_lost_reply_is_not_replayed(call_module, sim):
    sim.faults(drop_after_write=1, path_prefix="/AlertRules/create_api")
    created = call_module("alert_rule", rule())
    assert created.changed and not created.failed, created
    assert len(sim.state()["alert_rules"]) == 1 and sim.count("POST /AlertRules/create_api") == 1
    assert created.result["alert_rule"]["id"] == server_rules(sim)[NAME]["id"]

    sim.faults(drop_after_write=1, path_prefix="/AlertRules/update_api")
    updated = call_module("alert_rule", {"name": NAME, "risk": "low"})
    assert updated.changed and not updated.failed, updated
    assert server_rules(sim)[NAME]["incident_condition"]["risk"] == "low"
    assert sim.count("POST /AlertRules/update_api") == 1


def test_a_refused_write_is_reported_and_a_rerun_converges(call_module, sim):
    call_module("alert_rule", rule())
    sim.clear_requests()
    # A 502 on a write is a lost reply: the rule is read again, and the update sent once more because it
    # did not arrive (test_converge_engine.py). Both sends are refused here, so the error is reported.
    sim.faults(status_5xx=2, path_prefix="/AlertRules/update_api")
    updated = call_module("alert_rule", {"name": NAME, "risk": "low"})
    assert updated.failed and "HTTP 502" in updated.msg, "a refused write is reported, not retried blindly"
    assert sim.count("POST /AlertRules/update_api") == 2
    assert sim.count("GET /AlertRules/read_api") == 1 + model_reads(sim, 1)
    assert server_rules(sim)[NAME]["incident_condition"]["risk"] == "high"
    assert call_module("alert_rule", {"name": NAME, "risk": "low"}).changed
    assert server_rules(sim)[NAME]["incident_condition"]["risk"] == "low"


def test_an_owner_read_back_is_accepted_and_ignored(call_module, sim):
    call_module("alert_rule", rule())
    result = call_module("alert_rule", {"name": NAME, "owner": "analyst"})
    assert not result.changed and "owner is read-only; the rule stays owned by admin" in " ".join(result.warnings)
    assert server_rules(sim)[NAME]["incident_ownership"]["assignee"] == ADMIN_ID
