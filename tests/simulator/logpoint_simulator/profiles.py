"""The open questions of logpoint-api.md §19 as settings, and the profiles that pick their answers.

Each question the public record leaves open is one setting: its default is the simulator's answer
before the question was raised (the §18 decision, or the behaviour it always had), and the `strict`
profile picks the adverse answer, so a client tested under both copes with either server. Settings
are validated here and merged into `state.DEFAULT_SETTINGS`; the older §18 settings keep their
defaults under every profile.

A profile is a set of setting values applied on top of the defaults. `SimState` keeps the active
profile and the settings given at start-up (`--setting`); a reset returns to defaults + profile +
start-up settings.
"""

# name -> (default, strict answer, allowed values). Allowed values are a tuple of choices, or one of
# the kinds "bool", "seconds" (an integer >= 0) and "cap" (null for off, or an integer >= 1).
OPEN_QUESTIONS = {
    # §19.1: is a rule made by create_api active?
    "alert_rule_created_active": (True, False, "bool"),
    # §19.2: do lists_api rows carry the nested model with return_all_data=true?
    "alert_rule_list_rows": ("full", "summary", ("full", "summary")),
    # §19.3: the name of the owner field of rule rows and reads.
    "alert_rule_owner_field": ("owner", "user", ("owner", "user")),
    # §19.4: notification read_api for a rule without a notification of that type.
    "notification_missing": ("empty", "success_false", ("empty", "success_false", "404")),
    # §19.5: HTTP-auth secrets in notification read_api.
    "notification_secrets": ("echo", "mask", ("echo", "mask", "omit")),
    # §19.6: what /incident_states selects with ts_from/ts_to.
    "incident_states_window": ("detected", "modified", ("detected", "modified")),
    # §19.7: Director IncidentData rows, fetch results key, pool id form, message texts.
    "director_incident_data": ("flat", "grouped", ("flat", "flat_text", "grouped")),
    "director_fetch_key": ("result", "rows", ("result", "rows")),
    "director_pool_id": ("uuid", "hex32", ("uuid", "hex32")),
    "director_messages": ("simulator", "record", ("simulator", "record")),
    # §19.8: LogicMonitor silent page cap and result depth limit.
    "lm_page_cap": (None, 50, "cap"),
    "lm_offset_limit": (None, 10000, "cap"),
    # §19.9: the appliance clock behind the client (zero leeway on iat).
    "jwt_clock_behind": (0, 30, "seconds"),
    # §19.10: alert-rule time-range units.
    "alert_rule_timerange": ("single_unit", "per_unit", ("single_unit", "per_unit")),
    # §19.11: a server default limit for searches that send none.
    "search_default_limit": (None, 100, "cap"),
    # §19 "also found": log_ts of audit/search rows.
    "log_ts_format": ("int", "text", ("int", "float", "text")),
}

DEFAULTS = {name: default for name, (default, _strict, _allowed) in OPEN_QUESTIONS.items()}
PROFILES = {
    "default": {},
    "strict": {name: strict for name, (_default, strict, _allowed) in OPEN_QUESTIONS.items()},
}
DEFAULT_PROFILE = "default"


def validate(key, value):
    """The reason `value` is not acceptable for open-question setting `key`, or None."""
    allowed = OPEN_QUESTIONS[key][2]
    if isinstance(allowed, tuple):
        return None if value in allowed and isinstance(value, str) else f"{key} must be one of {', '.join(allowed)}"
    if allowed == "bool":
        return None if isinstance(value, bool) else f"{key} must be true or false"
    if allowed == "seconds":
        return None if _is_int(value) and value >= 0 else f"{key} must be an integer >= 0 (seconds)"
    if value is None or (_is_int(value) and value >= 1):
        return None
    return f"{key} must be null (off) or an integer >= 1"


def profile_problem(name):
    """The reason `name` is not a profile, or None."""
    if name in PROFILES:
        return None
    return f"unknown profile {name!r}; known: {', '.join(PROFILES)}"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
