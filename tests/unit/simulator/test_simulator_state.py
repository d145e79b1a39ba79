"""SimState and the shared response helpers, in process."""

import json
import re

import pytest
from logpoint_simulator import seed
from logpoint_simulator.app import create_app
from logpoint_simulator.responses import not_found, success_false, validation_error
from logpoint_simulator.state import SimState


def test_mutated_counts_generations_and_reset_returns_to_the_seed():
    state = SimState()
    start = state.generation
    state.alert_rules["x"] = {"name": "rule"}
    state.users.append({"id": "1", "name": "extra"})
    state.settings["list_values"] = False
    state.mutated()
    assert state.generation == start + 1

    state.reset()
    assert state.alert_rules == {}
    assert [user["name"] for user in state.users] == ["admin", "analyst"]
    assert state.settings["list_values"] is True
    assert state.generation > start + 1


def test_to_json_is_serialisable_and_a_copy():
    state = SimState()
    snapshot = state.to_json()
    json.dumps(snapshot)
    snapshot["users"].clear()
    assert len(state.users) == 2


def test_seeded_ids_are_fixed_and_well_formed():
    state = SimState()
    assert [(user["id"], user["secret_key"]) for user in state.users] == [
        (seed.ADMIN_ID, "simulator-admin-secret-0123456789"),
        (seed.ANALYST_ID, "simulator-analyst-secret-012345678"),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{24}", user["id"]) for user in state.users)


def test_new_ids():
    assert re.fullmatch(r"[0-9a-f]{24}", SimState.new_id24())
    assert re.fullmatch(r"[0-9a-f]{32}", SimState.new_id32())
    assert SimState.new_id32() != SimState.new_id32()


@pytest.mark.parametrize(
    ("action", "label"),
    [("create", "Add"), ("import", "Add"), ("update", "Change"), ("activate", "Change"), ("delete", "Delete")],
)
def test_audit_rows_are_labelled_from_the_action(action, label):
    state = SimState()
    generation = state.generation
    row = state.audit("admin", action, "Brute force", "AlertRule")
    assert row["_labels"] == ["Logpoint", "Configuration", label]
    assert state.audit_events == [row]
    assert {key: row[key] for key in ("user", "object", "type", "action", "repo_name", "source_address")} == {
        "user": "admin",
        "object": "Brute force",
        "type": "AlertRule",
        "action": action,
        "repo_name": "_logpoint",
        "source_address": "127.0.0.1",
    }
    assert isinstance(row["log_ts"], int)
    assert state.generation == generation  # audit rows alone are not writes


ERRORS = {"search_params": {"timerange_hour": "must be between 1 and 720"}}


@pytest.mark.parametrize(
    ("style", "status", "body"),
    [
        ("422", 422, {"validationErrors": ERRORS}),
        (
            "success_false",
            200,
            {
                "success": False,
                "message": "Validation failed: search_params.timerange_hour: must be between 1 and 720",
                "validationErrors": ERRORS,
            },
        ),
        (
            "detail",
            422,
            {
                "detail": [
                    {
                        "loc": ["search_params", "timerange_hour"],
                        "msg": "must be between 1 and 720",
                        "type": "value_error",
                    }
                ]
            },
        ),
    ],
)
def test_validation_error_follows_the_validation_style(style, status, body):
    state = SimState()
    state.settings["validation_style"] = style
    with create_app(state).test_request_context():
        response, answered_status = validation_error(ERRORS)
        assert (answered_status, response.get_json()) == (status, body)


def test_success_false_and_not_found():
    with create_app().test_request_context():
        response, status = success_false("Alert rule not found", ids=["x"])
        assert (status, response.get_json()) == (
            200,
            {"success": False, "message": "Alert rule not found", "ids": ["x"]},
        )
        response, status = not_found("no such rule")
        assert (status, response.get_json()) == (404, {"success": False, "message": "no such rule"})


def test_lm_entry_count_is_a_construction_setting_kept_across_resets():
    state = SimState(lm_entries=7)
    assert len(state.lm_entries) == 7
    state.lm_entries.clear()
    state.reset()
    assert [entry["id"] for entry in state.lm_entries] == [str(100001 + index) for index in range(7)]
    assert len(SimState().lm_entries) == 3000
