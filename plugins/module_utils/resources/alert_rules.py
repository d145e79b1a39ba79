# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert rules as a resource: the options of a rule, their validation, name resolution and planning.

A rule takes three forms (see ``api/alert_rules.py`` for facts and the model):

* options - what a user writes and ``alert_rule_info`` returns: ``time_range: 1h``,
  ``condition: {operator: ">", value: 5}``, repo addresses, user and user-group names;
* facts - ``desired_facts`` builds them from options (validated, names resolved), ``rule_facts``
  from a server rule; ``options_of`` turns facts back into options;
* the model - the create/update body.

``plan_rule`` compares one rule and returns a ``RulePlan``; ``converge_rule`` (alert_rule) and
``converge_rules`` (alert_rules) turn the rule plans into one engine ``Plan``: creates and updates in
phase 0, concurrently; deletions, activations and deactivations in phase 1, one batched request each.
Packs: every rule the collection writes carries the metadata field ``managed_by``: ``logpoint.siem:<pack>``
for a rule of a pack (``alert_rules`` with ``pack``, ``alert_rule`` with ``pack``), ``logpoint.siem`` for a
rule of no pack (``alert_rule`` without ``pack``, and every rule written by 0.1.0). ``purge`` deletes only
the unlisted rules of its own pack; a managed rule joins a pack when the pack lists it; a rule made by hand
is never adopted.

A server may create rules inactive (logpoint-api.md §19.1): every rule created without
``enabled: false`` joins the phase-1 activation batch, whose call first reads back whether the new
rules are active (``api.active_states``: one ``read_api`` per new rule, or the listing when that is
fewer requests) and activates those that are not; when every rule is already active and none of the
batch was asked for otherwise, no activation is sent. Only the rules compared need their whole model:
summary listing rows are completed for those (all of them with ``purge``).
"""

from __future__ import annotations

import re
import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.logpoint.siem.plugins.module_utils import _bounds, _converge
from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY
from ansible_collections.logpoint.siem.plugins.module_utils.api import alert_rules as api
from ansible_collections.logpoint.siem.plugins.module_utils.api.repos import resolve_repos
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import (
    list_usergroups,
    list_users,
    resolve_user,
    resolve_usergroups,
)
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, LogpointError, ValidationError
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys, managed_diff
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import format_duration, parse_duration

MARKER = api.MARKER
PACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SYMBOLS = dict((name, symbol) for symbol, name in api.OPERATORS.items())
MIN_RANGE, MAX_RANGE = 60, 30 * 86400
MAX_DELAY = 1440
# Bounds checked before any request (the API documents only some: name >= 5 characters, time range 1 minute
# to 30 days, delay 0-1440 minutes; the rest are chosen so that no real rule is refused: the longest
# minute value is the longest time range, counts fit the 32-bit integers servers store, a name or a field
# fits the 255-character columns, and a text is far above the largest real rule seen).
TEXT_BOUNDS = {  # option -> (most characters, line breaks and tabs allowed)
    "name": (255, False), "id": (64, False), "description": (4096, True), "query": (32768, True),
    "display_template": (65536, True), "assignee": (255, False), "owner": (255, False),
    "throttling.field": (255, False), "time_range": (32, False),
}
LIST_BOUNDS = {  # option -> (most items, most characters an item)
    "repos": (1000, 255), "attack_tags": (1000, 255), "log_sources": (1000, 255), "visible_to_usergroups": (1000, 255),
}
MAX_MINUTES = MAX_RANGE // 60  # 43200: search_interval and throttling.window, in minutes
MAX_LIMIT = 10000
MAX_METADATA, MAX_METADATA_VALUE = 100, 1024
MAX_RULES = 10000  # rules of one alert_rules task
SERVER_SEARCH_INTERVAL = 10  # minutes, what the server assumes when a create leaves it out
REQUIRED_TO_CREATE = ("query", "repos", "time_range", "condition", "risk")
CREATE_DEFAULTS = {
    "description": "", "limit": 100, "delay_interval": 0, "aggregate": "max", "flush_on_trigger": False,
    "throttling": {"enabled": False}, "attack_tags": frozenset(), "log_sources": frozenset(), "metadata": {},
    "visible_to_usergroups": frozenset(), "display_template": "", "original_data": False,
}
# Not compared: how the rule is found (id), what the task does (state), what the API cannot change (owner).
NOT_COMPARED = ("id", "state", "owner")

# The argument spec of one rule: the options of alert_rule and of each element of alert_rules' rules.
RULE_OPTIONS = {
    "name": {"type": "str"},
    "id": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "enabled": {"type": "bool"},
    "description": {"type": "str"},
    "query": {"type": "str"},
    "repos": {"type": "list", "elements": "str"},
    "time_range": {"type": "str"},
    "search_interval": {"type": "int"},
    "limit": {"type": "int"},
    "condition": {"type": "dict", "options": {
        "operator": {"type": "str", "required": True, "choices": list(api.OPERATORS) + list(api.API_OPERATORS)},
        "value": {"type": "int", "required": True},
    }},
    "risk": {"type": "str", "choices": list(api.RISKS)},
    "aggregate": {"type": "str", "choices": list(api.AGGREGATES)},
    "flush_on_trigger": {"type": "bool"},
    "throttling": {"type": "dict", "options": {
        "enabled": {"type": "bool", "default": True},
        "field": {"type": "str"},
        "window": {"type": "int"},
    }},
    "attack_tags": {"type": "list", "elements": "str"},
    "log_sources": {"type": "list", "elements": "str"},
    "metadata": {"type": "dict"},
    "assignee": {"type": "str"},
    "visible_to_usergroups": {"type": "list", "elements": "str"},
    "display_template": {"type": "str"},
    "original_data": {"type": "bool"},
    "delay_interval": {"type": "int"},
    "owner": {"type": "str"},
}

# API field -> option, to name options in the server's validation errors.
FIELD_OPTIONS = {
    "name": "name", "description": "description", "query": "query", "repos": "repos", "limit": "limit",
    "search_interval_minute": "search_interval", "delay_interval_minute": "delay_interval",
    "flush_on_trigger": "flush_on_trigger", "throttling_enabled": "throttling", "throttling_field": "throttling.field",
    "throttling_time_range": "throttling.window", "condition_option": "condition.operator",
    "condition_value": "condition.value", "risk": "risk", "aggregate": "aggregate", "attack_tag_hashes": "attack_tags",
    "logsources": "log_sources", "metadata": "metadata", "assignee": "assignee",
    "visible_to_usergroups": "visible_to_usergroups", "apply_jinja_template": "display_template",
    "jinja_template": "display_template", "original_data": "original_data",
}
BULK_LABEL = "alert rules"  # how messages name a batched request of alert_rules


# ---- options -> facts (validated, names resolved) ---------------------------------------------

def rule_label(options):
    """How messages name a rule: its name, else its id."""
    if options.get("name"):
        return "alert rule %r" % options["name"]
    return "alert rule id %s" % options.get("id")


def checked_rules(rules):
    """alert_rules: each rule checked against alert_rule's options; errors name the rule's position and name."""
    if len(rules) > MAX_RULES:
        raise ConfigError("rules: %d rules given; at most %d are accepted in one task" % (len(rules), MAX_RULES))
    validator = ArgumentSpecValidator(RULE_OPTIONS, required_one_of=[("name", "id")])
    checked = []
    for index, rule in enumerate(rules):
        result = validator.validate(rule)
        if result.error_messages:
            raise ConfigError("rules[%d] (%s): %s" % (index, rule.get("name") or rule.get("id") or "no name",
                                                      "; ".join(result.error_messages)))
        checked.append(result.validated_parameters)
    return checked


class _Check:
    """What the per-option normalisers need: the rule's label for messages, and the client for names."""

    def __init__(self, label, client):
        self.label = label
        self.client = client

    def fail(self, option, text):
        raise ConfigError("%s: %s: %s" % (self.label, option, text))


def _name(value, check):
    if len(value.strip()) < 5:
        check.fail("name", "%r is shorter than 5 characters, the least Logpoint accepts" % value)
    return value


def _query(value, check):
    if not value.strip():
        check.fail("query", "must not be empty")
    return value


def _range_seconds(value, check):
    text = str(value).strip()
    if text.isdigit():
        check.fail("time_range", "%r has no unit; write it as 30m, 1h or 2d" % value)
    try:
        seconds = parse_duration(text, option="time_range")
    except ValueError as exc:
        check.fail("time_range", str(exc).split(": ", 1)[1])
    if seconds % 60:
        check.fail("time_range", "%r is not a whole number of minutes" % value)
    if not MIN_RANGE <= seconds <= MAX_RANGE:
        check.fail("time_range", "%r is outside 1 minute to 30 days" % value)
    return seconds


def _bounded(option, least, most, unit=""):
    def normalise(value, check):
        problem = _bounds.number_problem(value, least, most, unit)
        if problem:
            check.fail(option, problem)
        return value
    return normalise


def check_texts(options, label):
    """The texts and lists of one rule's options within ``TEXT_BOUNDS`` / ``LIST_BOUNDS`` (no request needed);
    raises a ConfigError naming the rule and the option."""
    check = _Check(label, None)
    throttling = options.get("throttling") or {}
    values = dict(options, **{"throttling.field": throttling.get("field")})
    for option, (most, multiline) in TEXT_BOUNDS.items():
        if values.get(option) is not None:
            problem = _bounds.text_problem(values[option], most, multiline)
            if problem:
                check.fail(option, problem)
    for option, (most_items, most_chars) in LIST_BOUNDS.items():
        if values.get(option) is not None:
            problem = _bounds.items_problem(values[option], most_items, most_chars)
            if problem:
                check.fail(option, problem)
    if options.get("metadata") is not None:
        _metadata(options["metadata"], check)


def _condition(condition, check):
    if condition["value"] < 0:
        check.fail("condition.value", "%d is below 0" % condition["value"])
    problem = _bounds.number_problem(condition["value"], 0, _bounds.INT32_MAX)
    if problem:
        check.fail("condition.value", problem)
    operator = api.OPERATORS.get(condition["operator"]) or api.API_OPERATORS[condition["operator"]]
    return {"operator": operator, "value": condition["value"]}


def _throttling(throttling, check):
    if not throttling["enabled"]:
        return {"enabled": False}
    if not throttling.get("field") or throttling.get("window") is None:
        check.fail("throttling", "give field and window (minutes) to throttle, or enabled: false to turn throttling off")
    problem = _bounds.number_problem(throttling["window"], 1, MAX_MINUTES, " minute(s); at most 30 days")
    if problem:
        check.fail("throttling.window", problem)
    return {"enabled": True, "field": throttling["field"], "window": throttling["window"]}


def _metadata(metadata, check):
    if MARKER["field"] in metadata:
        check.fail("metadata", "%s is reserved: the collection sets it on the rules it creates" % MARKER["field"])
    if len(metadata) > MAX_METADATA:
        check.fail("metadata", "has %d fields; at most %d are accepted" % (len(metadata), MAX_METADATA))
    for key, value in metadata.items():
        problem = _bounds.text_problem(str(key), 255, least=1)
        if problem:
            check.fail("metadata", "the field name %s" % problem)
        problem = _bounds.scalar_problem(value) or _bounds.text_problem(
            "" if value is None else str(value), MAX_METADATA_VALUE)
        if problem:
            check.fail("metadata.%s" % key, problem)
    return dict((str(k), "" if v is None else str(v)) for k, v in metadata.items())


def _as_frozenset(values, check):
    return frozenset(values)


def _repos(repos, check):
    if not repos:
        check.fail("repos", "give at least one repo")
    return frozenset(resolve_repos(check.client, repos, option="%s: repos" % check.label))


def _assignee(user, check):
    return resolve_user(check.client, user, "%s: assignee" % check.label)


def _usergroups(groups, check):
    return frozenset(resolve_usergroups(check.client, groups, "%s: visible_to_usergroups" % check.label))


# In this order: the first bad option of a rule is the one reported.
_NORMALISERS = (
    ("name", _name), ("query", _query), ("time_range", _range_seconds),
    ("search_interval", _bounded("search_interval", 1, MAX_MINUTES, "")),
    ("limit", _bounded("limit", 1, MAX_LIMIT)),
    ("delay_interval", _bounded("delay_interval", 0, MAX_DELAY)), ("condition", _condition),
    ("throttling", _throttling), ("metadata", _metadata), ("attack_tags", _as_frozenset),
    ("log_sources", _as_frozenset), ("repos", _repos), ("assignee", _assignee),
    ("visible_to_usergroups", _usergroups),
)


_RESOLVED = ("repos", "assignee", "visible_to_usergroups")  # checked when their names are resolved


def check_options(options):
    """Every check of one rule's options that needs no request (texts, lists, numbers, time range...),
    so that a bad rule fails before the first request; raises a ConfigError naming the rule and the option."""
    check = _Check(rule_label(options), None)
    check_texts(options, check.label)
    for option, normalise in _NORMALISERS:
        if option not in _RESOLVED and options.get(option) is not None:
            normalise(options[option], check)
    return options


def check_selector(name, rule_id):
    """alert_rule_info's name (a glob) and id within the bounds of a rule's name and id, before any request."""
    for option, value in (("name", name), ("id", rule_id)):
        problem = _bounds.text_problem(value, TEXT_BOUNDS[option][0]) if value is not None else None
        if problem:
            raise ConfigError("%s: %s" % (option, problem))


def desired_facts(options, client):
    """The facts of the options a user set (None means not managed); raises ConfigError naming the option."""
    check = _Check(rule_label(options), client)
    check_texts(options, check.label)
    facts = dict((key, value) for key, value in options.items() if value is not None and key not in NOT_COMPARED)
    for option, normalise in _NORMALISERS:
        if option in facts:
            facts[option] = normalise(facts[option], check)
    return facts


def complete_facts(desired, current, client, label):
    """Every managed fact a write needs: the ``current`` facts (or defaults to create one) with ``desired`` on top.

    Checks what needs both: the options a create requires, and a search interval dividing the time range.
    """
    if current is None:
        merged = dict(CREATE_DEFAULTS, search_interval=SERVER_SEARCH_INTERVAL)
        if client.username and "assignee" not in desired:
            merged["assignee"] = resolve_user(client, client.username, "%s: assignee (the connection user)" % label)
        missing = [option for option in REQUIRED_TO_CREATE + ("assignee",) if option not in desired
                   and option not in merged]
        if missing:
            raise ConfigError("%s does not exist; to create it give %s" % (label, ", ".join(missing)))
    else:
        merged = dict(current)
    merged.update(desired)
    interval, seconds = merged.get("search_interval"), merged.get("time_range")
    if interval and seconds and (seconds // 60) % interval:
        raise ConfigError("%s: search_interval: %d minutes does not divide time_range %s; give a search_interval "
                          "that does" % (label, interval, format_duration(seconds)))
    return merged


# ---- facts -> options -------------------------------------------------------------------------

def options_of(facts, client):
    """Facts -> the options a user writes (names for user and group ids, when they can be read)."""
    users, groups = _names(client) if ("assignee" in facts or "visible_to_usergroups" in facts) else ({}, {})
    options = {}
    for key, value in facts.items():
        if isinstance(value, frozenset):
            value = sorted(groups.get(v, v) for v in value) if key == "visible_to_usergroups" else sorted(value)
        elif key == "time_range" and value:
            value = format_duration(value)
        elif key == "condition":
            value = {"operator": SYMBOLS.get(value["operator"], value["operator"]), "value": value["value"]}
        elif key == "assignee":
            value = users.get(value, value)
        options[key] = value
    return options


def rule_options(rule, client):
    """A server rule in the shape alert_rule takes, with the read-only ``id`` and ``owner`` (a name)."""
    return dict(options_of(api.rule_facts(rule), client), id=id_of(rule), owner=_owner_name(api.owner_of(rule), client))


def _owner_name(owner, client):
    """The owner as a user name: a server that names the owner by user id gets it resolved when users can be read."""
    if not owner:
        return owner
    return _names(client)[0].get(owner, owner)


def _names(client):
    """User and user-group names by id, read once; ids stay ids when users cannot be read (token only)."""
    def load():
        try:
            users = list_users(client)
        except ConfigError as exc:
            client.warn("alert rules show user and group ids, not names: %s" % exc)
            return {}, {}
        return (dict((u["id"], u["name"]) for u in users),
                dict((g["id"], g["name"]) for g in list_usergroups(client)))
    return client.cached("alert_rule_names", load)


# ---- server errors in the words of the options ------------------------------------------------

def explain(exc, label):
    """Name the rule in an error, and the options (not the API fields) in a server's validation errors."""
    if isinstance(exc, ValidationError) and exc.fields:
        fields = {}
        for field, text in sorted(exc.fields.items()):
            option = _option_of_field(field)
            fields[option] = "%s; %s" % (fields[option], text) if option in fields else text
        exc.fields = fields
        refused = "; ".join("%s: %s" % item for item in sorted(fields.items()))
        exc.message = "%s: the server refused %s" % (label, refused)
    else:
        exc.message = "%s: %s" % (label, exc.message)
    return exc


def _option_of_field(field):
    for part in reversed(str(field).split(".")):
        if part.startswith("timerange"):
            return "time_range"
        if part in FIELD_OPTIONS:
            return FIELD_OPTIONS[part]
    return field


def _explained(label, function):
    """``function`` whose LogpointErrors name ``label`` (and options instead of API fields)."""
    def call(*args):
        try:
            return function(*args)
        except LogpointError as exc:
            raise explain(exc, label)
    return call


# ---- planning ---------------------------------------------------------------------------------

class RulePlan:
    """What converging one rule takes, compared but not yet sent.

    ``outcome`` is created, updated, unchanged or deleted; ``changes`` the options that differ;
    ``model`` the create/update body (None when only ``enabled`` or nothing changes); ``enable``
    True/False when the rule must be (de)activated; ``before``/``after`` the options of the managed
    fields; ``rule`` the whole rule as options after the change. ``id`` is set by ``add_to`` once the
    engine has run (a created rule's new id; None in check mode).
    """

    def __init__(self, label, current, outcome, changes=(), model=None, enable=None, before=None, after=None,
                 facts=None):
        self.label = label
        self.id = id_of(current) if current else None
        self.owner = api.owner_of(current) if current else None
        self.outcome = outcome
        self.changes = sorted(changes)
        self.model = model
        self.enable = enable
        self.before = before or {}
        self.after = after or {}
        self.facts = facts
        self._write = None

    @property
    def changed(self):
        return self.outcome != "unchanged"

    def rule(self, client):
        if self.facts is None:
            return {}
        return dict(options_of(self.facts, client), id=self.id, owner=_owner_name(self.owner, client) or client.username)

    def outcome_entry(self, check_mode):
        entry = {"name": self.facts["name"] if self.facts else self.before.get("name"), "id": self.id,
                 "outcome": self.outcome, "changes": self.changes}
        if check_mode:
            entry["would_be"] = self.changed
        return entry

    def diff(self):
        return dict(managed_diff(self.before, self.after), before_header=self.label, after_header=self.label)

    def add_to(self, plan, client):
        """The engine changes of this rule: create or update (phase 0), delete or (de)activate (phase 1, batched)."""
        if self.outcome == "deleted":
            plan.add(_converge.Change(self.label, "delete", phase=1, batch="delete", item=self.id))
        elif self.outcome == "created":
            self._write = plan.add(_converge.Change(
                self.label, "create", send=_explained(self.label, lambda: api.create_rule(client, self.model)),
                applied=_explained(self.label, lambda: api.created_id(client, self.model["name"])),
                conflict=_explained(self.label, lambda: api.converge_created(client, self.model))))
        elif self.model:
            self._write = plan.add(_converge.Change(
                self.label, "update", send=_explained(self.label, lambda: api.update_rule(client, self.model)),
                applied=_explained(self.label, lambda: api.update_applied(client, self.model)), predicted=self.id))
        if self.enable is not None:
            action = "activate" if self.enable else "deactivate"
            plan.add(_converge.Change(self.label, action, phase=1, batch=action, item=self.rule_id,
                                      finishes=self._write if self.outcome == "created" else None))

    def rule_id(self):
        """The id once known: the create's result for a new rule."""
        if self.outcome == "created":
            return self._write.result
        return self.id

    def settle(self):
        """After the engine ran: take the new id of a created rule."""
        if self.outcome == "created":
            self.id = self._write.result


def check_pack(pack, option="pack"):
    """A pack name as the marker holds it, or a ConfigError stating the rule."""
    if pack is not None and not PACK_NAME.match(pack):
        raise ConfigError("%s: %r is not a pack name; use 1 to 64 letters, digits, '.', '_' and '-', starting with a "
                          "letter or digit" % (option, pack))
    return pack


def _desired_marker(current, pack):
    """The marker the rule must carry: a managed rule joins ``pack`` when a pack lists it; otherwise the
    marker stays what it is (a rule made by hand is never adopted, so converging an export writes nothing)."""
    if pack and api.is_managed(current):
        return api.marker_value(pack)
    return api.rule_marker(current)


def plan_rule(options, current, client, pack=None):
    """Compare one rule's options with the server's rule (None: absent) and plan the writes; ``pack`` is the
    pack the rule belongs to (None: no pack)."""
    label = rule_label(options)
    current_facts = api.rule_facts(current) if current else None
    _warn_owner(options, current, client, label)
    if options.get("state") == "absent":
        if current is None:
            return RulePlan(label, None, "unchanged")
        return RulePlan(label, current, "deleted", changes=["state"], before=options_of(current_facts, client))
    desired = desired_facts(options, client)
    if current is None:
        return _plan_create(label, desired, client, pack)
    changes = differing_keys(desired, current_facts)
    marker = _desired_marker(current, pack)
    before, after = options_of(dict((key, current_facts.get(key)) for key in desired), client), options_of(desired, client)
    if marker != api.rule_marker(current):
        changes = sorted(set(changes) | {"pack"})
        before["pack"], after["pack"] = api.pack_of(current), pack
    model = None
    if set(changes) - {"enabled"}:
        complete = complete_facts(desired, current_facts, client, label)
        model = dict(api.build_model(complete, current, marker=marker), id=id_of(current))
    return RulePlan(label, current, "updated" if changes else "unchanged", changes=changes, model=model,
                    enable=desired["enabled"] if "enabled" in changes else None, before=before, after=after,
                    facts=dict(current_facts, **desired))


def _warn_owner(options, current, client, label):
    """``owner`` cannot be set through the API: say so when it differs from the owner the rule has or gets."""
    wanted = options.get("owner")
    if not wanted or options.get("state") == "absent":
        return
    if current is None:
        if wanted != client.username:
            client.warn("%s: owner is read-only; the new rule is owned by the connection's user %s, not %s"
                        % (label, client.username or "(the user of the token)", wanted))
        return
    owner = _owner_name(api.owner_of(current), client)
    if owner and wanted not in (owner, api.owner_of(current)):
        client.warn("%s: owner is read-only; the rule stays owned by %s" % (label, owner))


def _plan_create(label, desired, client, pack=None):
    facts = complete_facts(desired, None, client, label)
    facts.setdefault("enabled", True)
    # enable=True: activated after the create unless the server made it active (see _set_active)
    return RulePlan(label, None, "created", changes=desired, model=api.build_model(facts, marker=api.marker_value(pack)),
                    enable=facts["enabled"], after=options_of(desired, client), facts=facts)


def _refuse_missing_id(options, current):
    if options.get("id") and current is None and options.get("state") == "present":
        raise ConfigError("%s does not exist; leave id out to create a rule by name" % rule_label(options))


def _run(rule_plans, client, check_mode, max_concurrency, batch_label, listed=None):
    """Run the writes of ``rule_plans`` through the engine; batched requests are named ``batch_label``.

    ``listed``: how many rules the server holds after the creates (None: unknown), to read back the
    new rules' state with the fewest requests.
    """
    plan = _converge.Plan()
    plan.add_batch(_converge.Batch("delete", send=_explained(batch_label, lambda ids: api.delete_rules(client, ids)),
                                   applied=_explained(batch_label, lambda ids: api.deleted(client, ids))))

    created_states = _CreatedStates(client, rule_plans, listed, max_concurrency)

    def set_active(ids, enabled):
        return _set_active(client, ids, enabled, created_states)

    for enabled, action in ((True, "activate"), (False, "deactivate")):
        plan.add_batch(_converge.Batch(
            action, send=_explained(batch_label, lambda ids, enabled=enabled: set_active(ids, enabled)),
            applied=_explained(batch_label, lambda ids, enabled=enabled: api.enabled_applied(client, ids, enabled))))
    for rule_plan in rule_plans:
        rule_plan.add_to(plan, client)
    _converge.execute(plan, check_mode=check_mode, max_concurrency=max_concurrency)
    for rule_plan in rule_plans:
        rule_plan.settle()


class _CreatedStates:
    """Whether the server made each rule just created active: read once, when the activate or the deactivate
    batch first asks (the two run concurrently in one phase), for every created rule."""

    def __init__(self, client, rule_plans, listed, max_concurrency):
        self.client = client
        self.rule_plans = rule_plans
        self.listed = listed
        self.max_concurrency = max_concurrency
        self.lock = threading.Lock()
        self.states = None

    def of(self, ids):
        """``{id: True/False}`` for those of ``ids`` that were just created."""
        with self.lock:
            if self.states is None:
                created = [rule_plan.rule_id() for rule_plan in self.rule_plans
                           if rule_plan.outcome == "created" and rule_plan.rule_id()]
                self.states = api.active_states(self.client, created, self.listed,
                                                self.max_concurrency) if created else {}
        return dict((rule_id, self.states[rule_id]) for rule_id in ids if rule_id in self.states)


def _set_active(client, ids, enabled, created_states):
    """One activate_api (or deactivate_api) for ``ids``, without the rules just created that the server
    already made so (Logpoints differ in whether a new rule starts active, logpoint-api.md §19.1)."""
    active = created_states.of(ids)
    pending = [rule_id for rule_id in ids if active.get(rule_id) is not enabled]
    if pending:
        api.set_enabled(client, pending, enabled)
    return True


# ---- converging -------------------------------------------------------------------------------

def converge_rule(client, options, check_mode, max_concurrency=DEFAULT_CONCURRENCY, pack=None, prepare=None):
    """alert_rule: one rule found by id or name -> ``(changed, result, diff)``; ``pack``: the pack it belongs to;
    ``prepare``: the hook of ``converge_rules``."""
    check_pack(pack)
    check_options(options)
    current = api.find_rule(client, name=options.get("name"), rule_id=options.get("id"))
    _refuse_missing_id(options, current)
    rule_plan = plan_rule(prepare(options, current) if prepare else options, current, client, pack)
    _run([rule_plan], client, check_mode, max_concurrency, rule_plan.label)
    result = {"alert_rule": rule_plan.rule(client), "outcome": rule_plan.outcome, "changes": rule_plan.changes}
    return rule_plan.changed, result, managed_diff(rule_plan.before, rule_plan.after)


def converge_rules(client, rules, purge, check_mode, max_concurrency=DEFAULT_CONCURRENCY, pack=None,
                   allow_empty=False, prepare=None, before_write=None):
    """alert_rules: every rule in one pass -> ``(changed, result, diffs)``.

    One listing, then one request per create or update (concurrently, at most ``max_concurrency`` at a
    time), one for all deletions, one for all activations and one for all deactivations. Every rule is
    validated before anything is written. The rules belong to ``pack``; ``purge`` deletes the rules of
    that pack that are not listed, and needs a pack and (unless ``allow_empty``) at least one rule.
    Hooks (``resources/detection.py``): ``prepare(options, current)`` returns the options to plan a rule
    with (its provenance added), ``before_write(rule_plans)`` runs once every rule is planned, before the
    engine sends anything (and may raise to stop the run).
    """
    _check_purge(rules, purge, check_pack(pack), allow_empty)
    _refuse_duplicates(rules)
    for options in rules:
        check_options(options)
    listed = api.list_rules(client)
    currents, full = _current_rules(client, rules, listed, purge, max_concurrency)
    rule_plans = []
    for options, current in zip(rules, currents):
        _refuse_missing_id(options, current)
        rule_plans.append(plan_rule(prepare(options, current) if prepare else options, current, client, pack))
    if purge:
        rule_plans.extend(_plan_purge(rule_plans, full, client, pack))
    if before_write:
        before_write(rule_plans)
    creates = sum(1 for rule_plan in rule_plans if rule_plan.outcome == "created")
    _run(rule_plans, client, check_mode, max_concurrency, BULK_LABEL, listed=len(listed) + creates)
    entries = [rule_plan.outcome_entry(check_mode) for rule_plan in rule_plans]
    summary = dict((outcome, sum(1 for entry in entries if entry["outcome"] == outcome))
                   for outcome in ("created", "updated", "unchanged", "deleted"))
    diffs = [rule_plan.diff() for rule_plan in rule_plans if rule_plan.changed]
    return any(rule_plan.changed for rule_plan in rule_plans), {"rules": entries, "summary": summary}, diffs


def _current_rules(client, rules, listed, purge, max_concurrency):
    """``(currents, full)``: for each rule's options its server rule with the whole model (or None), and every
    rule completed (the matched ones; all of the listing with ``purge``, which looks at every rule's marker)."""
    matches = _listed_matches(rules, listed)
    compared = listed if purge else [row for row in matches if row is not None]
    full = api.complete_rules(client, _by_id(compared), max_concurrency)
    by_id = dict((id_of(rule), rule) for rule in full)
    return [by_id.get(id_of(row)) if row is not None else None for row in matches], full


def _listed_matches(rules, listed):
    """For each rule's options, the listing row of the rule it names (by id, else by name), or None."""
    by_id = dict((id_of(rule), rule) for rule in listed)
    by_name = dict((rule.get("name"), rule) for rule in listed)
    return [by_id.get(options["id"]) if options.get("id") else by_name.get(options.get("name")) for options in rules]


def _by_id(rules):
    """``rules`` each once (a rule named by two entries is read once)."""
    return list(dict((id_of(rule), rule) for rule in rules).values())


def _check_purge(rules, purge, pack, allow_empty):
    if purge and not pack:
        raise ConfigError("purge: give pack as well: purge deletes only the rules of one pack (the rules an earlier "
                          "run of this pack wrote), never rules made by hand, by alert_rule or by another pack")
    if purge and not rules and not allow_empty:
        raise ConfigError("rules: the list is empty, and with purge: true that would delete every rule of pack %r; "
                          "set allow_empty: true if that is what you want" % pack)


def _plan_purge(rule_plans, existing, client, pack):
    """Deletions of the rules of ``pack`` that are not listed, by name (whatever order the server lists)."""
    listed = set(rule_plan.id for rule_plan in rule_plans if rule_plan.id)
    purged = sorted((rule for rule in existing if id_of(rule) not in listed and api.pack_of(rule) == pack),
                    key=lambda rule: (rule.get("name") or "", id_of(rule) or ""))
    return [plan_rule({"name": rule.get("name"), "state": "absent"}, rule, client) for rule in purged]


def _refuse_duplicates(rules):
    seen = set()
    for index, options in enumerate(rules):
        key = options.get("id") or options.get("name")
        if key in seen:
            raise ConfigError("rules[%d]: %s is listed twice" % (index, rule_label(options)))
        seen.add(key)
