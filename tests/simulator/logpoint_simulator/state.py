"""The simulator's whole mutable world: seeded data, the collections later families fill, settings.

Handlers take `state.lock` around every read-modify-write and call `state.mutated()` after a
change, so the fault layer can tell writes from reads (drop_after_write) and tests can watch
`generation`.
"""

import copy
import secrets
import threading
import time

import flask

from . import profiles, seed, seed_incidents, seed_lists, seed_logicmonitor

STATE_KEY = "logpoint_simulator.state"

# §18 defaults; each key's alternatives are what `validate_setting` accepts.
DEFAULT_SETTINGS = {
    "jwt_error_style": "status",
    "alert_rule_rows_key": "rows",
    "alert_rule_not_found": "success_false",
    "validation_style": "422",
    "list_values": True,
    "director_pending_polls": 1,
    "director_never_finish": False,
    "director_never_finish_incidents": [],
    "director_order_slash": True,
    "lm_rate_limit": None,
    "forget_searches": 0,
    # The §19 open questions (profiles.py): their defaults here, their strict answers in profiles.PROFILES.
    **profiles.DEFAULTS,
}
SETTING_CHOICES = {
    "jwt_error_style": ("status", "success_false"),
    "alert_rule_rows_key": ("rows", "data"),
    "alert_rule_not_found": ("success_false", "404"),
    "validation_style": ("422", "success_false", "detail"),
}
BOOLEAN_SETTINGS = ("list_values", "director_never_finish", "director_order_slash")

# Collections filled by later families: id-keyed dicts, except the append-only logs.
RESERVED_COLLECTIONS = {
    "alert_rules": dict,
    "notifications": dict,
    "lists": dict,
    "incidents": dict,
    "director_orders": dict,
    "searches": dict,
    "lm_entries": list,
}
SEEDED_COLLECTIONS = ("usergroups", "users", "logpoints", "livesearches")
COLLECTIONS = SEEDED_COLLECTIONS + tuple(RESERVED_COLLECTIONS) + ("audit_events",)

AUDIT_REPO = "_logpoint"


class SimState:
    def __init__(self, profile=profiles.DEFAULT_PROFILE, settings=None, *, lm_entries=seed_logicmonitor.ENTRY_COUNT):
        """`profile` picks the answers to the open questions; `settings` (start-up settings) go on top.
        Both survive resets; a bad profile or setting is a ValueError. `lm_entries`: how many LogicMonitor
        audit entries every reset seeds (default 3000)."""
        self.lock = threading.RLock()
        self.lm_entry_count = lm_entries
        self.generation = 0
        self.profile = profiles.DEFAULT_PROFILE
        self.startup_settings = {}
        self.configure(profile, settings)
        self.reset()

    def configure(self, profile=None, settings=None):
        """Switch to `profile` (None: keep it) and, when given, replace the start-up settings; the
        settings become the baseline of the two. Data, faults and counters are left alone."""
        problems = [profiles.profile_problem(profile)] if profile is not None else []
        problems += [validate_setting(key, value) for key, value in (settings or {}).items()]
        problems = [problem for problem in problems if problem]
        if problems:
            raise ValueError("; ".join(problems))
        with self.lock:
            if profile is not None:
                self.profile = profile
            if settings is not None:
                self.startup_settings = dict(settings)
            self.settings = self.baseline_settings()

    def baseline_settings(self):
        """What a reset returns to: defaults, then the active profile's answers, then start-up settings."""
        return DEFAULT_SETTINGS | profiles.PROFILES[self.profile] | self.startup_settings

    def reset(self):
        """Back to the seed: seeded data, empty collections, the baseline settings (see above)."""
        with self.lock:
            data = seed.initial_data()
            for name in SEEDED_COLLECTIONS:
                setattr(self, name, data[name])
            for name, kind in RESERVED_COLLECTIONS.items():
                setattr(self, name, kind())
            self.lists = seed_lists.initial_lists()
            self.incidents = seed_incidents.initial_incidents(time.time())
            self.lm_entries = seed_logicmonitor.access_log_entries(time.time(), self.lm_entry_count)
            self.lm_rate_window = {"start": None, "used": 0}
            self.audit_events = []
            self.settings = self.baseline_settings()
            self.mutated()

    def mutated(self):
        """Record that a handler changed state (the fault layer treats the request as a write)."""
        with self.lock:
            self.generation += 1

    def to_json(self):
        with self.lock:
            snapshot = {name: copy.deepcopy(getattr(self, name)) for name in COLLECTIONS}
            snapshot["settings"] = dict(self.settings)
            snapshot["profile"] = self.profile
            snapshot["generation"] = self.generation
            return snapshot

    def user_by_name(self, name):
        return next((user for user in self.users if user["name"] == name), None)

    def usergroup(self, group_id):
        return next(group for group in self.usergroups if group["id"] == group_id)

    @staticmethod
    def new_id24():
        return secrets.token_hex(12)

    @staticmethod
    def new_id32():
        return secrets.token_hex(16)

    def audit(self, user, action, obj, type, label="Configuration", source_address=None):
        """Append an audit row to repo _logpoint (§18 "Audit events").

        Not a mutation for the fault layer: a login on a read must not look like a write.
        """
        labels = ["Logpoint", label]
        if label == "Configuration":
            labels.append(_change_label(action))
        row = {
            "log_ts": int(time.time()),
            "user": user,
            "object": obj,
            "type": type,
            "action": action,
            "source_address": source_address or _client_address(),
            "repo_name": AUDIT_REPO,
            "_labels": labels,
        }
        with self.lock:
            self.audit_events.append(row)
        return row


def validate_setting(key, value):
    """The reason `value` is not acceptable for setting `key`, or None."""
    if key not in DEFAULT_SETTINGS:
        return f"unknown setting {key!r}; known: {', '.join(sorted(DEFAULT_SETTINGS))}"
    if key in profiles.OPEN_QUESTIONS:
        return profiles.validate(key, value)
    if key in SETTING_CHOICES and value not in SETTING_CHOICES[key]:
        return f"{key} must be one of {', '.join(SETTING_CHOICES[key])}"
    if key in BOOLEAN_SETTINGS and not isinstance(value, bool):
        return f"{key} must be true or false"
    if key in ("director_pending_polls", "forget_searches") and not _is_count(value):
        return f"{key} must be an integer >= 0"
    if key == "director_never_finish_incidents" and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)):
        return f"{key} must be a list of incident ids"
    if key == "lm_rate_limit" and value is not None and not (_is_count(value) and value > 0):
        return f"{key} must be null or an integer >= 1 (requests per window)"
    return None


def repo_address(logpoint, repo):
    """The "<ip>:5504/<repo>" form in which alert rules and searches name repos."""
    return f"{logpoint['ip']}:{seed.REPO_PORT}/{repo['name']}"


def current_state():
    """The SimState of the app serving the current request."""
    return flask.current_app.extensions[STATE_KEY]


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _change_label(action):
    verb = action.lower()
    if verb.startswith(("add", "creat", "import")):
        return "Add"
    if verb.startswith(("delet", "remov")):
        return "Delete"
    return "Change"


def _client_address():
    return flask.request.remote_addr if flask.has_request_context() else "127.0.0.1"
