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
"""

from __future__ import annotations

import copy
import fnmatch

from ansible_collections.logpoint.siem.plugins.module_utils.client import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import NotFoundError
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


# ---- reads -----------------------------------------------------------------------------------

def list_rules(client):
    """Every rule with its whole model (``return_all_data``), in pages of the largest size."""
    return client.list_all(LIST_PATH, scope=READ_SCOPE, page_size=PAGE_SIZE, params={"return_all_data": "true"})


def read_rule(client, rule_id):
    """The rule with this id, or None."""
    try:
        body = client.call("GET", READ_PATH, auth="jwt", scope=READ_SCOPE, params={"id": rule_id})
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
        "time_range": sum(_count(search.get(unit)) * size for unit, size in UNIT_SECONDS) or None,
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


def is_managed(rule):
    """Whether the rule carries the collection's marker (it was created by the collection)."""
    metadata = (rule.get("taxonomy") or {}).get("metadata") or []
    return any(item.get("field") == MARKER["field"] and item.get("value") == MARKER["value"] for item in metadata)


# ---- facts -> model ---------------------------------------------------------------------------

def build_model(facts, base=None, marked=True):
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
        if marked:
            model["taxonomy"]["metadata"].append(dict(MARKER))
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
    """Time range as one unit (the largest that divides it), delay, throttling."""
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


def _sorted(values):
    return None if values is None else sorted(values)


# ---- writes (one request each) and the reads that tell whether a lost one arrived --------------

def _post(client, path, body):
    return client.call("POST", path, auth="jwt", scope=WRITE_SCOPE, json=body)


def create_rule(client, model):
    """Create; returns the new id."""
    return id_of(_post(client, CREATE_PATH, model))


def created_id(client, name):
    """The id of the rule named ``name`` if it exists (a create whose reply was lost), else None."""
    return id_of(find_rule(client, name=name) or {})


def update_rule(client, model):
    """Update with the whole model (``model["id"]`` says which rule); returns the id."""
    _post(client, UPDATE_PATH, model)
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
