# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._converge import Change, Plan
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import blocked_error, report
from ansible_collections.logpoint.siem.plugins.modules import incident_state


def params(**values):
    base = {"state": None, "assignee": None, "comment": None, "send_for_investigation": False, "wait_timeout": 60}
    return dict(base, **values)


@pytest.mark.parametrize("values,message", [
    ({}, "nothing to change"),
    ({"comment": ""}, "an empty comment cannot be added"),
    ({"state": "closed", "wait_timeout": -5}, "wait_timeout: -5 must be"),
])
def test_check_desired(values, message):
    with pytest.raises(ConfigError, match=message):
        incident_state.check_desired(params(**values))


def test_blocked_incidents_are_listed_with_their_assignees_up_to_a_limit():
    blocked = [({"id": "65b0%020d" % n, "name": "Incident %d" % n, "assignee_id": "u%d" % n}, "assigned")
               for n in range(12)]
    error = blocked_error(blocked, lambda user_id: "user-" + user_id, "admin")
    text = str(error)
    assert "65b000000000000000000000 'Incident 0' (user-u0)" in text and "'Incident 9' (user-u9)" in text
    assert "Incident 10'" not in text and "and 2 more" in text
    assert "set take_ownership: true to assign them to admin first" in text


def test_report_counts_actions_and_diffs_only_changed_incidents():
    plans = [
        ({"id": "a", "incident_id": None, "name": "A", "risk": "low", "status": "unresolved", "assignee_id": "u1"},
         {"steps": [("comment", "hi"), ("resolve", None)], "after": {"status": "resolved", "assignee_id": "u1"}}),
        ({"id": "b", "incident_id": None, "name": "B", "risk": "low", "status": "closed", "assignee_id": "u1"},
         {"steps": [], "after": {"status": "closed", "assignee_id": "u1"}}),
    ]
    plan = Plan()
    orders = {"a": ["o1", "o2"]}
    for incident, steps in plans:
        changes = [Change(action, action, send=list, result=order_id)
                   for (action, _value), order_id in zip(steps["steps"], orders.get(incident["id"], []))]
        plan.entries.append({"incident": incident, "plan": steps, "changes": changes})
    result, diff = report("director", plan, lambda user_id: "name-" + user_id)
    assert result["summary"] == {"selected": 2, "changed": 1, "unchanged": 1, "actions": {"comment": 1, "resolve": 1}}
    assert [entry["order_ids"] for entry in result["incidents"]] == [["o1", "o2"], []]
    assert diff == {"before": {"a": {"assignee": "name-u1", "status": "unresolved"}},
                    "after": {"a": {"assignee": "name-u1", "comment": "hi", "status": "resolved"}}}
