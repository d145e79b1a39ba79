# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert rules (logpoint-api.md §4): the user-level options of a rule, the API model and the endpoints.

A rule takes three forms here:

* options - what a user writes and ``alert_rule_info`` returns: ``time_range: 1h``,
  ``condition: {operator: ">", value: 5}``, repo addresses, user and user-group names;
* facts - the comparable form of the same values: seconds, API operator names, ids, frozensets.
  ``desired_facts`` builds them from options (validated, names resolved), ``rule_facts`` from a rule
  the server returned, loosely typed values (``"20"``, ``"on"``) normalised;
* the model - the nested body of ``create_api`` / ``update_api`` (``build_model``).

Every rule the collection creates carries the metadata field ``managed_by: logpoint.siem``
(``MARKER``); ``alert_rules`` with ``purge`` deletes only rules that carry it. The marker is never
shown as an option or in a diff.
"""

from __future__ import annotations

import copy
import fnmatch

from ansible_collections.logpoint.siem.plugins.module_utils.api.repos import resolve_repos
from ansible_collections.logpoint.siem.plugins.module_utils.api.users import (
    list_usergroups,
    list_users,
    resolve_user,
    resolve_usergroups,
)
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ConfigError,
    LogpointError,
    NotFoundError,
    UncertainWriteError,
    ValidationError,
)
from ansible_collections.logpoint.siem.plugins.module_utils.state import (
    differing_keys,
    managed_diff,
    normalise_bool,
    normalise_int,
)
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import format_duration, parse_duration

READ_SCOPE = "alertrules:read"
WRITE_SCOPE = "alertrules:write"
PAGE_SIZE = 100  # the largest page lists_api takes

OPERATORS = {">": "greaterthan", "<": "lessthan", ">=": "moreequal", "<=": "lessequal", "==": "equals",
             "!=": "notequal"}
API_OPERATORS = {"greaterthan": "greaterthan", "lessthan": "lessthan", "moreequal": "moreequal",
                 "lessequal": "lessequal", "equals": "equals", "equalsto": "equals", "notequal": "notequal"}
SYMBOLS = dict((name, symbol) for symbol, name in OPERATORS.items())
RISKS = ("low", "medium", "high", "critical")
AGGREGATES = ("min", "max", "avg")
MARKER = {"field": "managed_by", "value": "logpoint.siem"}

UNIT_SECONDS = (("timerange_day", 86400), ("timerange_hour", 3600), ("timerange_minute", 60), ("timerange_second", 1))
MIN_RANGE, MAX_RANGE = 60, 30 * 86400
MAX_DELAY = 1440
SERVER_SEARCH_INTERVAL = 10  # minutes, what the server assumes when a create leaves it out
MODEL_KEYS = ("name", "description", "search_params", "incident_condition", "taxonomy", "incident_ownership",
              "incident_display_data", "foureyes")
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
        "operator": {"type": "str", "required": True, "choices": list(OPERATORS) + list(API_OPERATORS)},
        "value": {"type": "int", "required": True},
    }},
    "risk": {"type": "str", "choices": list(RISKS)},
    "aggregate": {"type": "str", "choices": list(AGGREGATES)},
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


# ---- reads -----------------------------------------------------------------------------------

def list_rules(client):
    """Every rule with its whole model (``return_all_data``), in pages of the largest size."""
    return client.list_all("/AlertRules/lists_api", scope=READ_SCOPE, page_size=PAGE_SIZE,
                           params={"return_all_data": "true"})


def read_rule(client, rule_id):
    """The rule with this id, or None."""
    try:
        body = client.call("GET", "/AlertRules/read_api", auth="jwt", scope=READ_SCOPE, params={"id": rule_id})
    except NotFoundError:
        return None
    rule = body.get("data", body) if isinstance(body, dict) else None
    return rule if isinstance(rule, dict) and rule else None


def select_rules(client, name=None, rule_id=None):
    """Rules with this id (one read), or whose name is ``name`` or matches it as a glob (``Brute*``), or all."""
    if rule_id:
        rule = read_rule(client, rule_id)
        return [rule] if rule else []
    rules = list_rules(client)
    if name is None:
        return rules
    return [rule for rule in rules if rule.get("name") == name or fnmatch.fnmatchcase(rule.get("name") or "", name)]


def find_rule(client, name=None, rule_id=None):
    """The rule with this id (one read) or, without an id, this exact name (the listing); None if absent."""
    if rule_id:
        return read_rule(client, rule_id)
    return next((rule for rule in list_rules(client) if rule.get("name") == name), None)


# ---- options -> facts (validated, names resolved) ---------------------------------------------

def rule_label(options):
    """How messages name a rule: its name, else its id."""
    if options.get("name"):
        return "alert rule %r" % options["name"]
    return "alert rule id %s" % options.get("id")


def desired_facts(options, client):
    """The facts of the options a user set (None means not managed); raises ConfigError naming the option."""
    label = rule_label(options)

    def fail(option, text):
        raise ConfigError("%s: %s: %s" % (label, option, text))

    facts = dict((key, value) for key, value in options.items() if value is not None and key not in NOT_COMPARED)
    if "name" in facts and len(facts["name"].strip()) < 5:
        fail("name", "%r is shorter than 5 characters, the least Logpoint accepts" % facts["name"])
    if "query" in facts and not facts["query"].strip():
        fail("query", "must not be empty")
    if "time_range" in facts:
        facts["time_range"] = _range_seconds(facts["time_range"], fail)
    for option, least, most in (("search_interval", 1, None), ("limit", 1, None), ("delay_interval", 0, MAX_DELAY)):
        if option in facts and (facts[option] < least or (most is not None and facts[option] > most)):
            allowed = "%d to %d" % (least, most) if most else "at least %d" % least
            fail(option, "%d is not %s" % (facts[option], allowed))
    if "condition" in facts:
        condition = facts["condition"]
        if condition["value"] < 0:
            fail("condition.value", "%d is below 0" % condition["value"])
        operator = OPERATORS.get(condition["operator"]) or API_OPERATORS[condition["operator"]]
        facts["condition"] = {"operator": operator, "value": condition["value"]}
    if "throttling" in facts:
        facts["throttling"] = _throttling(facts["throttling"], fail)
    if "metadata" in facts:
        if MARKER["field"] in facts["metadata"]:
            fail("metadata", "%s is reserved: the collection sets it on the rules it creates" % MARKER["field"])
        facts["metadata"] = dict((str(k), "" if v is None else str(v)) for k, v in facts["metadata"].items())
    for option in ("attack_tags", "log_sources"):
        if option in facts:
            facts[option] = frozenset(facts[option])
    if "repos" in facts:
        if not facts["repos"]:
            fail("repos", "give at least one repo")
        facts["repos"] = frozenset(resolve_repos(client, facts["repos"], option="%s: repos" % label))
    if "assignee" in facts:
        facts["assignee"] = resolve_user(client, facts["assignee"], "%s: assignee" % label)
    if "visible_to_usergroups" in facts:
        facts["visible_to_usergroups"] = frozenset(resolve_usergroups(
            client, facts["visible_to_usergroups"], "%s: visible_to_usergroups" % label))
    return facts


def _range_seconds(value, fail):
    text = str(value).strip()
    if text.isdigit():
        fail("time_range", "%r has no unit; write it as 30m, 1h or 2d" % value)
    try:
        seconds = parse_duration(text, option="time_range")
    except ValueError as exc:
        fail("time_range", str(exc).split(": ", 1)[1])
    if seconds % 60:
        fail("time_range", "%r is not a whole number of minutes" % value)
    if not MIN_RANGE <= seconds <= MAX_RANGE:
        fail("time_range", "%r is outside 1 minute to 30 days" % value)
    return seconds


def _throttling(throttling, fail):
    if not throttling["enabled"]:
        return {"enabled": False}
    if not throttling.get("field") or not throttling.get("window"):
        fail("throttling", "give field and window (minutes) to throttle, or enabled: false to turn throttling off")
    if throttling["window"] < 1:
        fail("throttling.window", "%d is not at least 1 minute" % throttling["window"])
    return {"enabled": True, "field": throttling["field"], "window": throttling["window"]}


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


# ---- server rule -> facts -> options ----------------------------------------------------------

def rule_facts(rule):
    """The facts of a rule as the server returned it (loosely typed values normalised)."""
    search = rule.get("search_params") or {}
    condition = rule.get("incident_condition") or {}
    taxonomy = rule.get("taxonomy") or {}
    ownership = rule.get("incident_ownership") or {}
    display = rule.get("incident_display_data") or {}
    operator = condition.get("condition_option")
    throttling = {"enabled": False}
    if normalise_bool(search.get("throttling_enabled")):
        throttling = {"enabled": True, "field": search.get("throttling_field"),
                      "window": normalise_int(search.get("throttling_time_range"))}
    return {
        "name": rule.get("name"),
        "enabled": normalise_bool(rule.get("active")),
        "description": rule.get("description") or "",
        "query": search.get("query"),
        "repos": frozenset(search.get("repos") or []),
        "time_range": sum(_count(search.get(unit)) * size for unit, size in UNIT_SECONDS) or None,
        "search_interval": normalise_int(search.get("search_interval_minute")),
        "limit": normalise_int(search.get("limit")),
        "delay_interval": _count(search.get("delay_interval_minute")),
        "condition": {"operator": API_OPERATORS.get(operator, operator),
                      "value": normalise_int(condition.get("condition_value"))},
        "risk": condition.get("risk"),
        "aggregate": condition.get("aggregate"),
        "flush_on_trigger": bool(normalise_bool(search.get("flush_on_trigger"))),
        "throttling": throttling,
        "attack_tags": frozenset(taxonomy.get("attack_tag_hashes") or []),
        "log_sources": frozenset(taxonomy.get("logsources") or []),
        "metadata": dict((item.get("field"), "" if item.get("value") is None else str(item.get("value")))
                         for item in taxonomy.get("metadata") or [] if item.get("field") != MARKER["field"]),
        "assignee": ownership.get("assignee"),
        "visible_to_usergroups": frozenset(ownership.get("visible_to_usergroups") or []),
        "display_template": (display.get("jinja_template") or "")
        if normalise_bool(display.get("apply_jinja_template")) else "",
        "original_data": bool(normalise_bool((rule.get("foureyes") or {}).get("original_data"))),
    }


def _count(value):
    number = normalise_int(value)
    return number if isinstance(number, int) else 0


def is_managed(rule):
    """Whether the rule carries the collection's marker (it was created by the collection)."""
    metadata = (rule.get("taxonomy") or {}).get("metadata") or []
    return any(item.get("field") == MARKER["field"] and item.get("value") == MARKER["value"] for item in metadata)


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
    """A server rule in the shape alert_rule takes, with the read-only ``id`` and ``owner``."""
    return dict(options_of(rule_facts(rule), client), id=id_of(rule), owner=rule.get("owner"))


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


# ---- facts -> model ---------------------------------------------------------------------------

def build_model(facts, base=None, marked=True):
    """The create/update body for complete ``facts`` on top of the server's ``base`` rule.

    Fields the options do not cover (``simple_view``, fields of newer servers) keep the base's values;
    facts that are None (a server that never stored them) leave the base alone.
    """
    model = copy.deepcopy(dict((key, base[key]) for key in MODEL_KEYS if key in (base or {})))
    search = model.setdefault("search_params", {})
    condition = model.setdefault("incident_condition", {})
    taxonomy = model.setdefault("taxonomy", {})
    ownership = model.setdefault("incident_ownership", {})
    display = model.setdefault("incident_display_data", {"simple_view": False})
    condition_facts = facts.get("condition") or {}
    for target, key, value in (
            (model, "name", facts.get("name")),
            (model, "description", facts.get("description")),
            (search, "query", facts.get("query")),
            (search, "repos", _sorted(facts.get("repos"))),
            (search, "limit", facts.get("limit")),
            (search, "search_interval_minute", facts.get("search_interval")),
            (search, "flush_on_trigger", facts.get("flush_on_trigger")),
            (condition, "condition_option", condition_facts.get("operator")),
            (condition, "condition_value", condition_facts.get("value")),
            (condition, "risk", facts.get("risk")),
            (condition, "aggregate", facts.get("aggregate")),
            (taxonomy, "attack_tag_hashes", _sorted(facts.get("attack_tags"))),
            (taxonomy, "logsources", _sorted(facts.get("log_sources"))),
            (ownership, "assignee", facts.get("assignee")),
            (ownership, "visible_to_usergroups", _sorted(facts.get("visible_to_usergroups")))):
        if value is not None:
            target[key] = value
    if facts.get("time_range"):
        for unit, size in UNIT_SECONDS:
            search.pop(unit, None)
        unit, size = next((unit, size) for unit, size in UNIT_SECONDS if facts["time_range"] % size == 0)
        search[unit] = facts["time_range"] // size
    if facts.get("delay_interval") or "delay_interval_minute" in search:
        search["delay_interval_minute"] = facts.get("delay_interval") or 0
    throttling = facts.get("throttling") or {"enabled": False}
    search["throttling_enabled"] = throttling["enabled"]
    if throttling["enabled"]:
        search.update(throttling_field=throttling["field"], throttling_time_range=throttling["window"])
    if "metadata" in facts:
        taxonomy["metadata"] = [{"field": k, "value": v} for k, v in sorted(facts["metadata"].items())]
        if marked:
            taxonomy["metadata"].append(dict(MARKER))
    if "display_template" in facts:
        display.update(apply_jinja_template=bool(facts["display_template"]), jinja_template=facts["display_template"])
    if "original_data" in facts:
        model["foureyes"] = dict(model.get("foureyes") or {}, original_data=facts["original_data"])
    return model


def _sorted(values):
    return None if values is None else sorted(values)


# ---- writes -----------------------------------------------------------------------------------

def write_once(send, applied):
    """``send()`` a write. If its reply is lost, ``applied()`` re-reads the server: a true value means the
    write took effect and is returned; otherwise the write never arrived and is sent once more."""
    try:
        return send()
    except UncertainWriteError:
        return applied() or send()


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


def _post(client, path, body, label, applied):
    try:
        return write_once(lambda: client.call("POST", path, auth="jwt", scope=WRITE_SCOPE, json=body), applied)
    except LogpointError as exc:
        raise explain(exc, label)


def create_rule(client, model, label):
    """Create; returns the new id. A lost reply is settled by looking the name up."""
    answer = _post(client, "/AlertRules/create_api", model, label, lambda: find_rule(client, name=model["name"]))
    return id_of(answer)


def update_rule(client, model, label):
    """Update with the whole model (``model["id"]`` says which rule)."""
    def applied():
        rule = read_rule(client, model["id"])
        return rule is not None and not differing_keys(rule_facts(model), rule_facts(rule))
    _post(client, "/AlertRules/update_api", model, label, applied)


def delete_rules(client, ids, label):
    _post(client, "/AlertRules/delete_api", {"ids": list(ids)}, label,
          lambda: not set(ids) & set(id_of(rule) for rule in list_rules(client)))


def set_enabled(client, ids, enabled, label):
    """Activate or deactivate rules, all in one request."""
    def applied():
        states = dict((id_of(rule), normalise_bool(rule.get("active"))) for rule in list_rules(client))
        return all(states.get(rule_id) is enabled for rule_id in ids)
    _post(client, "/AlertRules/%s_api" % ("activate" if enabled else "deactivate"), {"ids": list(ids)}, label, applied)


# ---- converging -------------------------------------------------------------------------------

class RulePlan:
    """What converging one rule takes; nothing is sent until ``apply``.

    ``outcome`` is created, updated, unchanged or deleted; ``changes`` the options that differ;
    ``model`` the create/update body (None when only ``enabled`` or nothing changes); ``enable``
    True/False when the rule must be (de)activated; ``before``/``after`` the options of the managed
    fields; ``rule`` the whole rule as options after the change.
    """

    def __init__(self, label, current, outcome, changes=(), model=None, enable=None, before=None, after=None,
                 facts=None):
        self.label = label
        self.id = id_of(current) if current else None
        self.owner = current.get("owner") if current else None
        self.outcome = outcome
        self.changes = sorted(changes)
        self.model = model
        self.enable = enable
        self.before = before or {}
        self.after = after or {}
        self.facts = facts

    @property
    def changed(self):
        return self.outcome != "unchanged"

    def rule(self, client):
        if self.facts is None:
            return {}
        return dict(options_of(self.facts, client), id=self.id, owner=self.owner or client.username)

    def outcome_entry(self, check_mode):
        entry = {"name": self.facts["name"] if self.facts else self.before.get("name"), "id": self.id,
                 "outcome": self.outcome, "changes": self.changes}
        if check_mode:
            entry["would_be"] = self.changed
        return entry


def plan_rule(options, current, client):
    """Compare one rule's options with the server's rule (None: absent) and plan the writes."""
    label = rule_label(options)
    current_facts = rule_facts(current) if current else None
    if options.get("owner") and current and options["owner"] != current.get("owner"):
        client.warn("%s: owner is read-only; the rule stays owned by %s" % (label, current.get("owner")))
    if options.get("state") == "absent":
        if current is None:
            return RulePlan(label, None, "unchanged")
        return RulePlan(label, current, "deleted", changes=["state"], before=options_of(current_facts, client))
    desired = desired_facts(options, client)
    if current is None:
        facts = complete_facts(desired, None, client, label)
        facts.setdefault("enabled", True)  # the server creates rules active
        return RulePlan(label, None, "created", changes=desired, model=build_model(facts),
                        enable=False if facts["enabled"] is False else None, after=options_of(desired, client),
                        facts=facts)
    changes = differing_keys(desired, current_facts)
    facts = dict(current_facts, **desired)
    model = None
    if set(changes) - {"enabled"}:
        complete = complete_facts(desired, current_facts, client, label)
        model = dict(build_model(complete, current, marked=is_managed(current)), id=id_of(current))
    managed = dict((key, current_facts.get(key)) for key in desired)
    return RulePlan(label, current, "updated" if changes else "unchanged", changes=changes, model=model,
                    enable=desired["enabled"] if "enabled" in changes else None,
                    before=options_of(managed, client), after=options_of(desired, client), facts=facts)


def converge_rule(client, options, check_mode):
    """alert_rule: one rule found by id or name -> ``(changed, result, diff)``."""
    current = find_rule(client, name=options.get("name"), rule_id=options.get("id"))
    if options.get("id") and current is None and options.get("state") == "present":
        raise ConfigError("%s does not exist; leave id out to create a rule by name" % rule_label(options))
    plan = plan_rule(options, current, client)
    if not check_mode:
        if plan.outcome == "deleted":
            delete_rules(client, [plan.id], plan.label)
        if plan.outcome == "created":
            plan.id = create_rule(client, plan.model, plan.label)
        elif plan.model:
            update_rule(client, plan.model, plan.label)
        if plan.enable is not None:
            set_enabled(client, [plan.id], plan.enable, plan.label)
    result = {"alert_rule": plan.rule(client), "outcome": plan.outcome, "changes": plan.changes}
    return plan.changed, result, managed_diff(plan.before, plan.after)


def converge_rules(client, rules, purge, check_mode):
    """alert_rules: every rule in one pass -> ``(changed, result, diffs)``.

    One listing, then one request per create or update, one for all deletions, one for all
    activations and one for all deactivations. Every rule is validated before anything is written.
    """
    _refuse_duplicates(rules)
    existing = list_rules(client)
    by_id = dict((id_of(rule), rule) for rule in existing)
    by_name = dict((rule.get("name"), rule) for rule in existing)
    plans = []
    for options in rules:
        current = by_id.get(options["id"]) if options.get("id") else by_name.get(options.get("name"))
        if options.get("id") and current is None and options.get("state") == "present":
            raise ConfigError("%s does not exist; leave id out to create a rule by name" % rule_label(options))
        plans.append(plan_rule(options, current, client))
    if purge:
        listed = set(plan.id for plan in plans if plan.id)
        plans.extend(plan_rule({"name": rule.get("name"), "state": "absent"}, rule, client)
                     for rule in existing if id_of(rule) not in listed and is_managed(rule))
    if not check_mode:
        _apply_all(client, plans)
    entries = [plan.outcome_entry(check_mode) for plan in plans]
    summary = dict((outcome, sum(1 for entry in entries if entry["outcome"] == outcome))
                   for outcome in ("created", "updated", "unchanged", "deleted"))
    diffs = [dict(managed_diff(plan.before, plan.after), before_header=plan.label, after_header=plan.label)
             for plan in plans if plan.changed]
    return any(plan.changed for plan in plans), {"rules": entries, "summary": summary}, diffs


def _refuse_duplicates(rules):
    seen = set()
    for index, options in enumerate(rules):
        key = options.get("id") or options.get("name")
        if key in seen:
            raise ConfigError("rules[%d]: %s is listed twice" % (index, rule_label(options)))
        seen.add(key)


def _apply_all(client, plans):
    """Send the planned writes: creates and updates one by one, then the batched deletes and (de)activations."""
    done = []
    try:
        for plan in plans:
            if plan.outcome == "created":
                plan.id = create_rule(client, plan.model, plan.label)
            elif plan.model:
                update_rule(client, plan.model, plan.label)
            else:
                continue
            done.append(plan.label)
        deleted = [plan.id for plan in plans if plan.outcome == "deleted"]
        if deleted:
            delete_rules(client, deleted, "alert rules")
        for enabled in (True, False):
            ids = [plan.id for plan in plans if plan.enable is enabled]
            if ids:
                set_enabled(client, ids, enabled, "alert rules")
    except LogpointError as exc:
        if done:
            exc.message = "%s (already written before this error: %s)" % (exc.message, ", ".join(done))
        raise
