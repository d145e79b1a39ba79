"""Incidents as both incident APIs see them: one store, the §18 lifecycle, renderings and filters.

The classic Incident API (families/incidents.py) and the Director configapi (families/director.py)
view the same incidents in `SimState.incidents` (id -> stored incident), so a change made through one
API is visible through the other. A stored incident keeps everything either API shows plus:

* `rows`: the incident's log rows (served by `/get_data_from_incident` and Director `IncidentData`);
* `state_history`: whether it was ever assigned, commented or changed by a user, which decides
  whether `/incident_states` lists it (logpoint-api.md §8);
* `modified_timestamp`: when a user last changed it (the detection time if never), which
  `/incident_states` selects by under `incident_states_window: modified`;
* `alertrule_id`, `attack_category`, `attack_tag`, `log_source`: filter fields (§8, §9.1), shown by
  Director only, since the classic bodies of real servers do not carry them.

Lifecycle (§18): unresolved -> resolved -> closed; close only from resolved; reopen from resolved or
closed back to unresolved; resolve and close only by the assignee.
"""

import re
import time

STATUSES = ("unresolved", "resolved", "closed")
RISKS = ("low", "medium", "high", "critical")
TYPES = ("Alert", "Search", "UEBA")

# The keys and their order in classic `/incidents` rows, as a real server sends them
# (tests/fixtures/real-responses/incidents.json).
CLASSIC_KEYS = (
    "id", "status", "username", "description", "repos", "loginspect_ip_dns", "visible_to", "time_range",
    "logpoint_name", "rows_count", "detection_timestamp", "user_id", "commentscount", "incident_id",
    "risk_level", "name", "alert_obj_id", "comments", "query", "assigned_to", "tid", "type",
)
DIRECTOR_EXTRA_KEYS = ("alertrule_id", "attack_category", "attack_tag", "log_source")

# Lifecycle: action -> (statuses it starts from, status it ends in, needs the assignee as actor).
TRANSITIONS = {
    "resolve": (("unresolved",), "resolved", True),
    "close": (("resolved",), "closed", True),
    "reopen": (("resolved", "closed"), "unresolved", False),
}
PAST_TENSE = {"resolve": "resolved", "close": "closed", "reopen": "reopened", "assign": "reassigned",
              "comment": "commented"}


def render_classic(incident):
    """A `/incidents` row."""
    row = {key: incident.get(key) for key in CLASSIC_KEYS}
    row["rows_count"] = len(incident["rows"])
    row["commentscount"] = len(incident["comments"])
    row["comments"] = [dict(comment) for comment in incident["comments"]]
    row["user_id"] = None
    row["tid"] = ""
    return row


def render_state(incident):
    """An `/incident_states` entry (keys as tests/fixtures/real-responses/incident_states.json)."""
    return {
        "id": incident["id"],
        "status": incident["status"],
        "assigned_to": incident["assigned_to"],
        "comments": [dict(comment) for comment in incident["comments"]],
    }


def render_director(incident):
    """An incident in a Director fetch result: the classic row plus the filter fields."""
    row = render_classic(incident)
    row.update({key: incident[key] for key in DIRECTOR_EXTRA_KEYS})
    return row


def in_window(incident, ts_from, ts_to, by="detected"):
    """Whether the incident was detected (or, with by="modified", last changed) within [ts_from, ts_to]."""
    moment = incident["modified_timestamp"] if by == "modified" else incident["detection_timestamp"]
    return ts_from <= moment <= ts_to


def transition_error(sim, incident, action, actor_id):
    """Why `actor_id` may not `action` (resolve, close, reopen) the incident now, or None."""
    starts, _end, assignee_only = TRANSITIONS[action]
    if incident["status"] not in starts:
        return (f"Incident {incident['id']} is {incident['status']}; it can only be {PAST_TENSE[action]} "
                f"when {' or '.join(starts)}")
    if assignee_only and incident["assigned_to"] != actor_id:
        return (f"Only the assignee ({user_label(sim, incident['assigned_to'])}) can {action} incident "
                f"{incident['id']}")
    return None


def apply_transition(sim, incident, action, actor):
    """Apply a checked transition, record it in the audit trail."""
    incident["status"] = TRANSITIONS[action][1]
    _changed(sim, incident, actor, action)


def assign(sim, incident, user, actor):
    incident["assigned_to"] = user["id"]
    _changed(sim, incident, actor, "assign")


def add_comment(sim, incident, text, author, now):
    incident["comments"].append({"title": author["name"], "comment": text, "time": int(now)})
    _changed(sim, incident, author, "comment")


def user_label(sim, user_id):
    user = next((user for user in sim.users if user["id"] == user_id), None)
    return user["name"] if user else (user_id or "nobody")


def user_by_id(sim, user_id):
    return next((user for user in sim.users if user["id"] == user_id), None)


def matches_values(value, wanted):
    """`wanted` is a list of accepted values, compared case-insensitively."""
    return str(value).lower() in {str(item).lower() for item in wanted}


def matches_name(incident, pattern, *, regex):
    """The `name` filter: the incident's name (substring, or regex on Director), its incident id or rule id."""
    if pattern in (incident["id"], incident["incident_id"], incident["alertrule_id"]):
        return True
    if regex:
        try:
            return re.search(pattern, incident["name"], re.IGNORECASE) is not None
        except re.error:
            return False
    return pattern.lower() in incident["name"].lower()


def _changed(sim, incident, actor, action):
    incident["state_history"] = True
    incident["modified_timestamp"] = time.time()
    sim.audit(actor["name"], f"incident {PAST_TENSE[action]}", incident["name"], "Incident")
    sim.mutated()
