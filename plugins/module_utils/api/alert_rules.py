# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert rules (logpoint-api.md §4): paths, the create/update model, parsing of the server's rules.

Two forms of a rule meet here:

* facts - the comparable form: seconds, API operator names, ids, frozensets. ``rule_facts`` reads them
  from a rule the server returned (loosely typed values such as ``"20"`` or ``"on"`` normalised);
  ``resources/alert_rules.py`` builds them from a user's options;
* the model - the nested body of ``create_api`` / ``update_api`` (``build_model``).

Every rule the collection creates carries the metadata field ``managed_by: logpoint.siem``
(``MARKER``, see ``is_managed``). The write calls send one request each and raise what the client
raises; settling lost replies is the engine's work, with the ``*_applied`` reads below.

What servers answer differently (logpoint-api.md §19) is read here in every form:

* listing rows may carry the whole model (``return_all_data``) or only ``{id, name, active, owner}``:
  ``complete_rules`` reads the model of the rows that lack it with ``read_api``, concurrently;
* the owner is ``owner`` or ``user`` (``owner_of``);
* a time range is one unit (``timerange_minute: 90``) on some servers and per-unit limited
  (minutes 1-59, hours 1-720, days 1-30, combined) on others: ``time_range_forms`` gives the forms
  to try, the one both take first, and a create or update refused for its time range is sent once
  more in the other form;
* ``active_states`` reads back whether rules are active (a new rule may be created inactive);
* a listing may show only the connection user's rules: a create refused because the name is taken
  says so (``HIDDEN_OWNER_ADVICE``).
"""

from __future__ import annotations

import copy
import fnmatch

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY, fan_out
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys, normalise_bool, normalise_int

READ_SCOPE = "alertrules:read"
WRITE_SCOPE = "alertrules:write"
PAGE_SIZE = 100  # the largest page lists_api takes
LIST_PATH = "/AlertRules/lists_api"
READ_PATH = "/AlertRules/read_api"
CREATE_PATH = "/AlertRules/create_api"
UPDATE_PATH = "/AlertRules/update_api"
DELETE_PATH = "/AlertRules/delete_api"
ENABLE_PATHS = {True: "/AlertRules/activate_api", False: "/AlertRules/deactivate_api"}

OPERATORS = {">": "greaterthan", "<": "lessthan", ">=": "moreequal", "<=": "lessequal", "==": "equals",
             "!=": "notequal"}
API_OPERATORS = {"greaterthan": "greaterthan", "lessthan": "lessthan", "moreequal": "moreequal",
                 "lessequal": "lessequal", "equals": "equals", "equalsto": "equals", "notequal": "notequal"}
RISKS = ("low", "medium", "high", "critical")
AGGREGATES = ("min", "max", "avg")
MARKER = {"field": "managed_by", "value": "logpoint.siem"}
UNIT_SECONDS = (("timerange_day", 86400), ("timerange_hour", 3600), ("timerange_minute", 60), ("timerange_second", 1))
MODEL_KEYS = ("name", "description", "search_params", "incident_condition", "taxonomy", "incident_ownership",
              "incident_display_data", "foureyes")
# A Logpoint may list only the calling user's rules (logpoint-api.md §19, "also found").
HIDDEN_OWNER_ADVICE = ("The rule listing shows no rule of that name: a Logpoint may list only the rules of the "
                       "connection's user, so it may belong to another user; give the rule's id, or ask its owner "
                       "to rename or delete it.")
# A listing row without these sections is a summary: its model comes from read_api.
MODEL_SECTIONS = ("search_params", "incident_condition", "taxonomy", "incident_ownership")
# The most of each time-range unit that servers with per-unit limits take (alert_rule_timerange per_unit).
RANGE_UNITS = (("timerange_day", 86400, 30), ("timerange_hour", 3600, 720), ("timerange_minute", 60, 59))


# ---- reads -----------------------------------------------------------------------------------

def list_rules(client):
    """Every rule as the listing gives it (``return_all_data``), in pages of the largest size.

    Rows may lack the model (summary rows): ``complete_rules`` fills in what a caller compares.
    """
    return client.list_all(LIST_PATH, scope=READ_SCOPE, page_size=PAGE_SIZE, params={"return_all_data": "true"})


def has_model(rule):
    """Whether a rule (a listing row) carries its model, not only a summary."""
    return all(isinstance(rule.get(section), dict) for section in MODEL_SECTIONS)


def complete_rules(client, rules, max_concurrency=DEFAULT_CONCURRENCY):
    """``rules`` with their whole model: the rows that lack it are read with ``read_api``, concurrently.

    Rows that carry it cost nothing; a rule deleted in between is left out.
    """
    summaries = [rule for rule in rules if not has_model(rule)]
    if not summaries:
        return list(rules)
    reads = fan_out(lambda rule: read_rule(client, id_of(rule)), summaries, max_concurrency)
    full = dict((id(row), read) for row, read in zip(summaries, reads))
    completed = []
    for rule in rules:
        if id(rule) in full:
            if full[id(rule)] is None:
                continue
            rule = dict(rule, **full[id(rule)])
        completed.append(rule)
    return completed


def owner_of(rule):
    """The rule's owner, under ``owner`` or, as some servers name it, ``user``."""
    return rule.get("owner") or rule.get("user")


def active_states(client, ids, listed=None, max_concurrency=DEFAULT_CONCURRENCY):
    """``{id: True/False}`` of these rules as the server holds them now (absent rules left out).

    One ``read_api`` per rule when that is no more requests than the listing of ``listed`` rules
    (None: unknown) takes, else the listing.
    """
    pages = -(-listed // PAGE_SIZE) if listed else None
    if pages is None or len(ids) <= pages:
        rules = fan_out(lambda rule_id: read_rule(client, rule_id), list(ids), max_concurrency)
        return dict((rule_id, normalise_bool(rule.get("active"))) for rule_id, rule in zip(ids, rules) if rule)
    wanted = set(ids)
    return dict((id_of(rule), normalise_bool(rule.get("active"))) for rule in list_rules(client)
                if id_of(rule) in wanted)


def read_rule(client, rule_id):
    """The rule with this id, or None."""
    try:
        body = client.call("GET", READ_PATH, auth="jwt", scope=READ_SCOPE, params={"id": rule_id})
    except NotFoundError:
        return None
    rule = body.get("data", body) if isinstance(body, dict) else None
    return rule if isinstance(rule, dict) and rule else None


def select_rules(client, name=None, rule_id=None, max_concurrency=DEFAULT_CONCURRENCY):
    """Rules with this id (one read), or whose name is ``name`` or matches it as a glob (``Brute*``), or all;
    each with its whole model."""
    if rule_id:
        rule = read_rule(client, rule_id)
        return [rule] if rule else []
    rules = list_rules(client)
    if name is not None:
        rules = [rule for rule in rules
                 if rule.get("name") == name or fnmatch.fnmatchcase(rule.get("name") or "", name)]
    return complete_rules(client, rules, max_concurrency)


def find_rule(client, name=None, rule_id=None):
    """The rule with this id (one read) or, without an id, this exact name (the listing), with its whole model;
    None if absent."""
    if rule_id:
        return read_rule(client, rule_id)
    listed = _named(list_rules(client), name)
    completed = complete_rules(client, [listed]) if listed else []
    return completed[0] if completed else None


def _named(rules, name):
    return next((rule for rule in rules if rule.get("name") == name), None)


# ---- server rule -> facts ---------------------------------------------------------------------

def rule_facts(rule):
    """The facts of a rule as the server returned it (loosely typed values normalised)."""
    facts = {"name": rule.get("name"), "enabled": normalise_bool(rule.get("active")),
             "description": rule.get("description") or ""}
    facts.update(_search_facts(rule.get("search_params") or {}))
    facts.update(_condition_facts(rule.get("incident_condition") or {}))
    facts.update(_taxonomy_facts(rule.get("taxonomy") or {}))
    ownership = rule.get("incident_ownership") or {}
    facts.update(assignee=ownership.get("assignee"),
                 visible_to_usergroups=frozenset(ownership.get("visible_to_usergroups") or []))
    display = rule.get("incident_display_data") or {}
    facts["display_template"] = (display.get("jinja_template") or "") \
        if normalise_bool(display.get("apply_jinja_template")) else ""
    facts["original_data"] = bool(normalise_bool((rule.get("foureyes") or {}).get("original_data")))
    return facts


def _search_facts(search):
    throttling = {"enabled": False}
    if normalise_bool(search.get("throttling_enabled")):
        throttling = {"enabled": True, "field": search.get("throttling_field"),
                      "window": normalise_int(search.get("throttling_time_range"))}
    return {
        "query": search.get("query"),
        "repos": frozenset(search.get("repos") or []),
        "time_range": _range_of(search),
        "search_interval": normalise_int(search.get("search_interval_minute")),
        "limit": normalise_int(search.get("limit")),
        "delay_interval": _count(search.get("delay_interval_minute")),
        "flush_on_trigger": bool(normalise_bool(search.get("flush_on_trigger"))),
        "throttling": throttling,
    }


def _condition_facts(condition):
    operator = condition.get("condition_option")
    return {"condition": {"operator": API_OPERATORS.get(operator, operator),
                          "value": normalise_int(condition.get("condition_value"))},
            "risk": condition.get("risk"), "aggregate": condition.get("aggregate")}


def _taxonomy_facts(taxonomy):
    return {
        "attack_tags": frozenset(taxonomy.get("attack_tag_hashes") or []),
        "log_sources": frozenset(taxonomy.get("logsources") or []),
        "metadata": dict((item.get("field"), "" if item.get("value") is None else str(item.get("value")))
                         for item in taxonomy.get("metadata") or [] if item.get("field") != MARKER["field"]),
    }


def _count(value):
    number = normalise_int(value)
    return number if isinstance(number, int) else 0


def rule_marker(rule):
    """The value of the rule's ``managed_by`` metadata field, or None for a rule the collection did not write."""
    metadata = (rule.get("taxonomy") or {}).get("metadata") or []
    return next((str(item.get("value")) for item in metadata if item.get("field") == MARKER["field"]), None)


def marker_value(pack=None):
    """The marker of a rule of ``pack``: ``logpoint.siem:<pack>``; ``logpoint.siem`` for a rule of no pack
    (what alert_rule writes, and what every rule written by 0.1.0 carries)."""
    return "%s:%s" % (MARKER["value"], pack) if pack else MARKER["value"]


def pack_of(rule):
    """The pack a rule belongs to, or None (no marker, or the marker of no pack)."""
    marker = rule_marker(rule) or ""
    prefix = MARKER["value"] + ":"
    return marker[len(prefix):] if marker.startswith(prefix) else None


def is_managed(rule):
    """Whether the rule carries the collection's marker (it was created by the collection)."""
    marker = rule_marker(rule)
    return marker is not None and (marker == MARKER["value"] or pack_of(rule) is not None)


# ---- facts -> model ---------------------------------------------------------------------------

def build_model(facts, base=None, marker=MARKER["value"]):
    """The create/update body for complete ``facts`` on top of the server's ``base`` rule.

    Fields the options do not cover (``simple_view``, fields of newer servers) keep the base's values;
    facts that are None (a server that never stored them) leave the base alone.
    """
    model = copy.deepcopy(dict((key, base[key]) for key in MODEL_KEYS if key in (base or {})))
    for section in ("search_params", "incident_condition", "taxonomy", "incident_ownership"):
        model.setdefault(section, {})
    model.setdefault("incident_display_data", {"simple_view": False})
    for section, key, value in _model_fields(facts):
        if value is not None:
            (model[section] if section else model)[key] = value
    _set_search_times(model["search_params"], facts)
    if "metadata" in facts:
        model["taxonomy"]["metadata"] = [{"field": k, "value": v} for k, v in sorted(facts["metadata"].items())]
        if marker:
            model["taxonomy"]["metadata"].append({"field": MARKER["field"], "value": marker})
    if "display_template" in facts:
        model["incident_display_data"].update(apply_jinja_template=bool(facts["display_template"]),
                                              jinja_template=facts["display_template"])
    if "original_data" in facts:
        model["foureyes"] = dict(model.get("foureyes") or {}, original_data=facts["original_data"])
    return model


def _model_fields(facts):
    """(section or None for the top level, API field, value) of the facts that map one to one."""
    condition = facts.get("condition") or {}
    return (
        (None, "name", facts.get("name")),
        (None, "description", facts.get("description")),
        ("search_params", "query", facts.get("query")),
        ("search_params", "repos", _sorted(facts.get("repos"))),
        ("search_params", "limit", facts.get("limit")),
        ("search_params", "search_interval_minute", facts.get("search_interval")),
        ("search_params", "flush_on_trigger", facts.get("flush_on_trigger")),
        ("incident_condition", "condition_option", condition.get("operator")),
        ("incident_condition", "condition_value", condition.get("value")),
        ("incident_condition", "risk", facts.get("risk")),
        ("incident_condition", "aggregate", facts.get("aggregate")),
        ("taxonomy", "attack_tag_hashes", _sorted(facts.get("attack_tags"))),
        ("taxonomy", "logsources", _sorted(facts.get("log_sources"))),
        ("incident_ownership", "assignee", facts.get("assignee")),
        ("incident_ownership", "visible_to_usergroups", _sorted(facts.get("visible_to_usergroups"))),
    )


def _set_search_times(search, facts):
    """Time range (as the base holds it when that is the same range, else its first form), delay, throttling."""
    if facts.get("time_range") and _range_of(search) != facts["time_range"]:
        _set_units(search, time_range_forms(facts["time_range"])[0])
    if facts.get("delay_interval") or "delay_interval_minute" in search:
        search["delay_interval_minute"] = facts.get("delay_interval") or 0
    throttling = facts.get("throttling") or {"enabled": False}
    search["throttling_enabled"] = throttling["enabled"]
    if throttling["enabled"]:
        search.update(throttling_field=throttling["field"], throttling_time_range=throttling["window"])


def _sorted(values):
    return None if values is None else sorted(values)


def time_range_forms(seconds):
    """The ``timerange_*`` fields to send for a time range of whole minutes, in the order to try them.

    First one unit, the largest that divides the range: every server takes it while its count is
    within that unit's per-unit limit (hours and days always are). When it is not (90 minutes), that
    one-unit form is what one-unit servers take, and days, hours and minutes combined (1 hour 30
    minutes), each within its limit, what per-unit servers take: both forms, in that order.
    """
    unit, size, most = next(form for form in RANGE_UNITS if seconds % form[1] == 0)
    single = {unit: seconds // size}
    if single[unit] <= most:
        return [single]
    combined, rest = {}, seconds
    for unit, size, _most in RANGE_UNITS:
        count, rest = divmod(rest, size)
        if count:
            combined[unit] = count
    return [single, combined]


def _range_of(search):
    """The time range in seconds that ``search_params`` holds (units summed), or None."""
    return sum(_count(search.get(unit)) * size for unit, size in UNIT_SECONDS) or None


def _set_units(search, form):
    for unit, _size in UNIT_SECONDS:
        search.pop(unit, None)
    search.update(form)


# ---- writes (one request each) and the reads that tell whether a lost one arrived --------------

def _post(client, path, body):
    return client.call("POST", path, auth="jwt", scope=WRITE_SCOPE, json=body)


def _post_rule(client, path, model):
    """A create or update; refused for its time range, it is sent once more with the range's other form."""
    try:
        return _post(client, path, model)
    except ValidationError as exc:
        other = _other_form(model, exc)
        if other is None:
            raise
    search = dict(model["search_params"])
    _set_units(search, other)
    return _post(client, path, dict(model, search_params=search))


def _other_form(model, exc):
    """The time-range form to try after ``exc``, or None (not a time-range refusal, or no other form)."""
    texts = list(exc.fields or {}) + [exc.server_message or "", exc.message or ""]
    if not any("timerange" in str(text).lower() for text in texts):
        return None
    search = model.get("search_params") or {}
    sent = dict((unit, _count(search.get(unit))) for unit, _size in UNIT_SECONDS if _count(search.get(unit)))
    seconds = _range_of(search)
    others = [form for form in time_range_forms(seconds) if form != sent] if seconds and not seconds % 60 else []
    return others[0] if others else None


def create_rule(client, model):
    """Create; returns the new id. A name refused as taken is a ``ConflictError`` (the engine then calls
    ``converge_created``); its advice says why the listing may not have shown the rule."""
    try:
        return id_of(_post_rule(client, CREATE_PATH, model))
    except ApiError as exc:
        if "already exists" in str(exc.server_message or exc.message).lower():
            raise ConflictError(exc.message, status=exc.status, method=exc.method, path=exc.path,
                                advice=HIDDEN_OWNER_ADVICE, server_message=exc.server_message) from None
        raise


def created_id(client, name):
    """The id of the rule named ``name`` if it exists (a create whose reply was lost), else None."""
    return id_of(_named(list_rules(client), name) or {})


def converge_created(client, model):
    """After a create refused because the name is taken (a concurrent run created the rule first): the id of
    the rule of that name, updated to ``model`` when its facts or marker differ; None when the listing does
    not show it (another user's rule)."""
    current = find_rule(client, name=model["name"])
    if current is None:
        return None
    rule_id = id_of(current)
    if differing_keys(rule_facts(model), rule_facts(current)) or rule_marker(model) != rule_marker(current):
        update_rule(client, dict(model, id=rule_id))
    return rule_id


def update_rule(client, model):
    """Update with the whole model (``model["id"]`` says which rule); returns the id."""
    _post_rule(client, UPDATE_PATH, model)
    return model["id"]


def update_applied(client, model):
    """The id if the rule now has the facts of ``model`` (an update whose reply was lost), else None."""
    rule = read_rule(client, model["id"])
    if rule is not None and not differing_keys(rule_facts(model), rule_facts(rule)):
        return model["id"]
    return None


def delete_rules(client, ids):
    """Delete these rules, all in one request."""
    _post(client, DELETE_PATH, {"ids": list(ids)})
    return True


def deleted(client, ids):
    """Whether none of these rules exists any more."""
    return not set(ids) & set(id_of(rule) for rule in list_rules(client))


def set_enabled(client, ids, enabled):
    """Activate or deactivate rules, all in one request."""
    _post(client, ENABLE_PATHS[enabled], {"ids": list(ids)})
    return True


def enabled_applied(client, ids, enabled):
    """Whether every one of these rules is now active (``enabled``) or inactive."""
    states = dict((id_of(rule), normalise_bool(rule.get("active"))) for rule in list_rules(client))
    return all(states.get(rule_id) is enabled for rule_id in ids)
