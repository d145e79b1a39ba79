# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the alert rule and notification tests: rule options, the server's rules, hand-made rules."""
from __future__ import annotations

import time

import jwt
from harness import ADMIN_SECRET_KEY, ADMIN_USERNAME

WINDOWS = "192.0.2.10:5504/windows"
ADMIN_ID, ANALYST_ID = "65a000000000000000000001", "65a000000000000000000002"
RULE_WRITES = ("POST /AlertRules/create_api", "POST /AlertRules/update_api", "POST /AlertRules/delete_api",
               "POST /AlertRules/activate_api", "POST /AlertRules/deactivate_api")
MARKER = {"field": "managed_by", "value": "logpoint.siem"}


def rule(name="Brute force on Windows logons", **extra):
    """Options of a rule that the simulator accepts."""
    return dict({
        "name": name,
        "query": "label=User label=Login label=Fail | chart count() by user",
        "repos": ["windows"],
        "time_range": "1h",
        "condition": {"operator": ">", "value": 20},
        "risk": "high",
    }, **extra)


def model_reads(sim, rules):
    """The ``read_api`` calls that finding ``rules`` rules by name costs: one each when the server's list rows
    are summaries without the rule model (``alert_rule_list_rows: summary``, the strict profile), else none."""
    return rules if sim.settings()["alert_rule_list_rows"] == "summary" else 0


def created_active(sim):
    """Whether the server makes a rule active on ``create_api`` (``alert_rule_created_active``; strict: no)."""
    return sim.settings()["alert_rule_created_active"]


def rule_writes(sim):
    return sum(sim.count(endpoint) for endpoint in RULE_WRITES)


def server_rules(sim):
    """The simulator's rules by name."""
    return dict((stored["name"], stored) for stored in sim.state()["alert_rules"].values())


def token(scope):
    """A self-signed token as the collection mints one: ``iat`` a minute back, so that it also works against a
    server whose clock is behind ours (``jwt_clock_behind``, 30 s under the strict profile)."""
    now = int(time.time())
    claims = {"iss": "self-signed", "sub": ADMIN_USERNAME, "iat": now - 60, "exp": now + 600, "scope": scope}
    return jwt.encode(claims, ADMIN_SECRET_KEY, algorithm="HS256")


def create_by_hand(sim, name, metadata=()):
    """A rule made through the API directly, as a person or another tool would: no collection marker."""
    body = {
        "name": name,
        "search_params": {"query": "label=Hand", "repos": [WINDOWS], "timerange_hour": 1},
        "incident_condition": {"condition_option": "greaterthan", "condition_value": 1, "risk": "low",
                               "aggregate": "max"},
        "taxonomy": {"metadata": list(metadata)},
        "incident_ownership": {"assignee": ADMIN_ID},
        "incident_display_data": {},
    }
    response = sim.api("POST", "/AlertRules/create_api", json=body,
                       headers={"Authorization": "Bearer %s" % token("alertrules:write")})
    assert response.status_code == 200 and "id" in response.json(), response.text
    return response.json()["id"]
