"""Alert rules, JWT `/AlertRules/*_api` (logpoint-api.md §4 and the §18 decisions).

Rules are stored in `state.alert_rules` under their 24-hex object id (returned as `id`) with the
nested create/update model, plus `alertrule_id` (32 hex), `active` and `owner`. Like real servers,
`condition_value` and `throttling_time_range` are stored as strings whatever type the client sent.

Open questions (profiles.py): `alert_rule_created_active` (new rules active or not),
`alert_rule_list_rows` (whether `return_all_data=true` brings the nested model into list rows),
`alert_rule_owner_field` (`owner` or `user` in rows and reads) and `alert_rule_timerange` (one unit
up to 30 days, or per-unit limits with units combined).
"""

import copy

import flask

from ..frontends import jwt_required
from ..responses import not_found, success_false, validation_error
from ..state import current_state, repo_address

blueprint = flask.Blueprint("alert_rules", __name__)

READ, WRITE = "alertrules:read", "alertrules:write"
PAGE_DEFAULT, PAGE_MAX = 25, 100
SECTIONS = ("search_params", "incident_condition", "taxonomy", "incident_ownership", "incident_display_data")
CONDITIONS = ("greaterthan", "lessthan", "equalsto", "equals", "lessequal", "moreequal", "notequal")
RISKS = ("low", "medium", "high", "critical")
AGGREGATES = ("min", "max", "avg")
UNIT_MINUTES = {"timerange_minute": 1, "timerange_hour": 60, "timerange_day": 1440}
UNIT_LIMITS = {"timerange_minute": 59, "timerange_hour": 720, "timerange_day": 30}  # alert_rule_timerange per_unit
MAX_RANGE_MINUTES = 30 * 1440
MAX_DELAY_MINUTES = 1440
DEFAULT_LIMIT = 100
DEFAULT_SEARCH_INTERVAL = 10
TRUE_TEXT, FALSE_TEXT = ("true", "on", "1"), ("false", "off", "0")


@blueprint.get("/AlertRules/lists_api")
@jwt_required(READ)
def list_rules():
    problems = {}
    limit = _query_int("limit", PAGE_DEFAULT, PAGE_MAX, problems)
    page = _query_int("page", 1, None, problems)
    if problems:
        return validation_error({"query": problems})
    all_data = flask.request.args.get("return_all_data", "false").lower() in TRUE_TEXT
    sim = current_state()
    with sim.lock:
        settings = sim.settings
        rules = list(sim.alert_rules.values())[(page - 1) * limit:page * limit]
        if settings["alert_rule_list_rows"] == "summary":
            rows = [_owned({key: rule[key] for key in ("id", "name", "active", "owner")}, settings) for rule in rules]
        else:
            rows = [_owned(copy.deepcopy(rule) if all_data else _summary(rule), settings) for rule in rules]
        return {settings["alert_rule_rows_key"]: rows, "total": len(sim.alert_rules)}


@blueprint.get("/AlertRules/read_api")
@jwt_required(READ)
def read_rule():
    sim = current_state()
    with sim.lock:
        rule = sim.alert_rules.get(flask.request.args.get("id", ""))
        if rule is None:
            return rule_missing()
        return {"data": _owned(copy.deepcopy(rule), sim.settings)}


@blueprint.post("/AlertRules/create_api")
@jwt_required(WRITE)
def create_rule():
    body = flask.request.get_json(silent=True)
    sim = current_state()
    with sim.lock:
        fields, errors = validated_rule(body, sim)
        if errors:
            return validation_error(errors)
        if _name_taken(sim, fields["name"]):
            return success_false(f"Alert rule with name {fields['name']!r} already exists")
        rule_id = sim.new_id24()
        sim.alert_rules[rule_id] = {
            "id": rule_id,
            **fields,
            "alertrule_id": sim.new_id32(),
            "active": sim.settings["alert_rule_created_active"],
            "owner": flask.g.user["name"],
        }
        _record(sim, "created", fields["name"])
        return {"name": fields["name"], "id": rule_id, "message": "Alert rule created successfully"}


@blueprint.post("/AlertRules/update_api")
@jwt_required(WRITE)
def update_rule():
    body = flask.request.get_json(silent=True)
    sim = current_state()
    with sim.lock:
        rule = sim.alert_rules.get(str(body.get("id", ""))) if isinstance(body, dict) else None
        if rule is None:
            return rule_missing()
        fields, errors = validated_rule(body, sim)
        if errors:
            return validation_error(errors)
        if _name_taken(sim, fields["name"], but=rule["id"]):
            return success_false(f"Alert rule with name {fields['name']!r} already exists")
        for section in ("foureyes",) + SECTIONS:
            rule.pop(section, None)
        rule.update(fields)
        _record(sim, "updated", fields["name"])
        return {"name": fields["name"], "id": rule["id"], "message": "Alert rule updated successfully"}


@blueprint.post("/AlertRules/delete_api")
@jwt_required(WRITE)
def delete_rules():
    return _for_each_id("deleted", _delete)


@blueprint.post("/AlertRules/activate_api")
@jwt_required(WRITE)
def activate_rules():
    return _for_each_id("activated", lambda sim, rule: rule.update(active=True))


@blueprint.post("/AlertRules/deactivate_api")
@jwt_required(WRITE)
def deactivate_rules():
    return _for_each_id("deactivated", lambda sim, rule: rule.update(active=False))


def rule_missing():
    """An unknown rule id, in the style the alert_rule_not_found setting picks (§18)."""
    if current_state().settings["alert_rule_not_found"] == "404":
        return not_found("Alert rule not found")
    return success_false("Alert rule not found")


def validated_rule(body, sim):
    """The create/update model of `body` as stored, and the validation errors {section: {field: text}}."""
    check = _Check()
    if not isinstance(body, dict):
        check.fail("body", "json", "the request body must be a JSON object")
        return None, check.errors
    name = body.get("name")
    if not isinstance(name, str) or len(name.strip()) < 5:
        check.fail("body", "name", "must be a string of at least 5 characters")
    description = body.get("description", "")
    if not isinstance(description, str):
        check.fail("body", "description", "must be a string")
    sections = {}
    for section in SECTIONS:
        if isinstance(body.get(section), dict):
            sections[section] = body[section]
        else:
            check.fail("body", section, "this section is required")
    foureyes = body.get("foureyes", {})
    if not isinstance(foureyes, dict):
        check.fail("body", "foureyes", "must be an object")
        foureyes = {}
    fields = {
        "name": name,
        "description": description,
        "search_params": _search_params(check, sections.get("search_params"), sim),
        "incident_condition": _incident_condition(check, sections.get("incident_condition")),
        "taxonomy": _taxonomy(check, sections.get("taxonomy")),
        "incident_ownership": _ownership(check, sections.get("incident_ownership"), sim),
        "incident_display_data": _display_data(check, sections.get("incident_display_data")),
        "foureyes": {"original_data": check.boolean("foureyes", foureyes, "original_data", False)},
    }
    return fields, check.errors


class _Check:
    """Collects validation errors per section and field while reading values."""

    def __init__(self):
        self.errors = {}

    def fail(self, section, field, text):
        self.errors.setdefault(section, {})[field] = text

    def integer(self, section, values, field, default=None, minimum=0, maximum=None):
        value = values.get(field, default)
        if value is None:
            return None
        number = _as_int(value)
        if number is None or number < minimum or (maximum is not None and number > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            self.fail(section, field, f"must be an integer of at least {minimum}{upper}")
        return number

    def boolean(self, section, values, field, default):
        value = values.get(field, default)
        if isinstance(value, bool) or str(value).lower() in TRUE_TEXT + FALSE_TEXT:
            return value
        self.fail(section, field, "must be true or false")
        return default

    def choice(self, section, values, field, choices):
        value = values.get(field)
        if value not in choices:
            self.fail(section, field, f"must be one of {', '.join(choices)}")
        return value

    def strings(self, section, values, field, required=False):
        value = values.get(field, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.fail(section, field, "must be a list of non-empty strings")
            return []
        if required and not value:
            self.fail(section, field, "at least one value is required")
        return list(value)


def _search_params(check, params, sim):
    if params is None:
        return None
    section = "search_params"
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        check.fail(section, "query", "a query is required")
    repos = check.strings(section, params, "repos", required=True)
    known = {repo_address(logpoint, repo) for logpoint in sim.logpoints for repo in logpoint["repos"]}
    unknown = [repo for repo in repos if repo not in known]
    if unknown:
        check.fail(section, "repos", f"unknown repo {', '.join(unknown)}; use the addresses of the Repos API")
    units = {unit: params[unit] for unit in UNIT_MINUTES if params.get(unit) not in (None, 0, "0")}
    total = _time_range_minutes(check, params, units, sim.settings["alert_rule_timerange"])
    interval = check.integer(section, params, "search_interval_minute", DEFAULT_SEARCH_INTERVAL, minimum=1)
    if total and interval and total % interval:
        check.fail(section, "search_interval_minute", f"must divide the time range ({total} minutes)")
    stored = {
        "query": query,
        "repos": repos,
        **{unit: _as_int(value) for unit, value in units.items()},
        "limit": check.integer(section, params, "limit", DEFAULT_LIMIT, minimum=1),
        "search_interval_minute": interval,
        "flush_on_trigger": check.boolean(section, params, "flush_on_trigger", False),
        "throttling_enabled": check.boolean(section, params, "throttling_enabled", False),
    }
    delay = check.integer(section, params, "delay_interval_minute", maximum=MAX_DELAY_MINUTES)
    if delay is not None:
        stored["delay_interval_minute"] = delay
    throttling_on = str(stored["throttling_enabled"]).lower() in TRUE_TEXT
    field = params.get("throttling_field")
    if throttling_on and (not isinstance(field, str) or not field):
        check.fail(section, "throttling_field", "required when throttling is enabled")
    window = check.integer(section, params, "throttling_time_range", minimum=1)
    if throttling_on and window is None:
        check.fail(section, "throttling_time_range", "required when throttling is enabled")
    if field is not None:
        stored["throttling_field"] = field
    if window is not None:
        stored["throttling_time_range"] = str(window)  # stored as a string, as on real servers
    return stored


def _incident_condition(check, condition):
    if condition is None:
        return None
    section = "incident_condition"
    value = check.integer(section, condition, "condition_value")
    if value is None:
        check.fail(section, "condition_value", "required: an integer of at least 0")
    return {
        "condition_option": check.choice(section, condition, "condition_option", CONDITIONS),
        "condition_value": None if value is None else str(value),  # stored as a string, as on real servers
        "risk": check.choice(section, condition, "risk", RISKS),
        "aggregate": check.choice(section, condition, "aggregate", AGGREGATES),
    }


def _taxonomy(check, taxonomy):
    if taxonomy is None:
        return None
    section = "taxonomy"
    metadata = taxonomy.get("metadata", [])
    valid = isinstance(metadata, list) and all(
        isinstance(item, dict) and isinstance(item.get("field"), str) and item["field"]
        and isinstance(item.get("value", ""), str) for item in metadata)
    if not valid:
        check.fail(section, "metadata", "must be a list of {field, value} objects with string values")
        metadata = []
    return {
        "attack_tag_hashes": check.strings(section, taxonomy, "attack_tag_hashes"),
        "logsources": check.strings(section, taxonomy, "logsources"),
        "metadata": [{"field": item["field"], "value": item.get("value", "")} for item in metadata],
    }


def _ownership(check, ownership, sim):
    if ownership is None:
        return None
    section = "incident_ownership"
    assignee = ownership.get("assignee")
    if not any(user["id"] == assignee for user in sim.users):
        check.fail(section, "assignee", f"no user with id {assignee!r}")
    groups = check.strings(section, ownership, "visible_to_usergroups")
    unknown = [group for group in groups if not any(known["id"] == group for known in sim.usergroups)]
    if unknown:
        check.fail(section, "visible_to_usergroups", f"unknown user group id {', '.join(unknown)}")
    return {"assignee": assignee, "visible_to_usergroups": groups}


def _display_data(check, display):
    if display is None:
        return None
    section = "incident_display_data"
    apply_template = check.boolean(section, display, "apply_jinja_template", False)
    template = display.get("jinja_template", "")
    if not isinstance(template, str):
        check.fail(section, "jinja_template", "must be a string")
    elif str(apply_template).lower() in TRUE_TEXT and not template.strip():
        check.fail(section, "jinja_template", "required when apply_jinja_template is on")
    return {
        "apply_jinja_template": apply_template,
        "jinja_template": template,
        "simple_view": check.boolean(section, display, "simple_view", False),
    }


def _for_each_id(action, apply):
    """delete/activate/deactivate: all or nothing; unknown ids are listed and nothing changes (§18)."""
    body = flask.request.get_json(silent=True)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(rule_id, str) for rule_id in ids):
        return validation_error({"body": {"ids": "a non-empty list of alert rule ids is required"}})
    sim = current_state()
    with sim.lock:
        unknown = [rule_id for rule_id in ids if rule_id not in sim.alert_rules]
        if unknown:
            return success_false(f"Alert rule(s) not found: {', '.join(unknown)}; nothing was {action}", ids=unknown)
        for rule_id in ids:
            rule = sim.alert_rules[rule_id]
            apply(sim, rule)
            _record(sim, action, rule["name"])
        return {"success": True, "ids": ids, "message": f"{len(ids)} alert rule(s) {action}"}


def _delete(sim, rule):
    del sim.alert_rules[rule["id"]]
    sim.notifications.pop(rule["id"], None)


def _record(sim, action, name):
    sim.audit(flask.g.user["name"], action, name, "AlertRule")
    sim.mutated()


def _time_range_minutes(check, params, units, style):
    """The rule's time range in minutes (None when invalid). `single_unit`: exactly one unit, 1 minute to
    30 days in all; `per_unit`: at least one unit, each within UNIT_LIMITS, summed, at most 30 days."""
    section = "search_params"
    if style == "single_unit" and len(units) != 1:
        check.fail(section, "timerange", "give exactly one of timerange_minute, timerange_hour, timerange_day")
        return None
    if not units:
        check.fail(section, "timerange", "give at least one of timerange_minute, timerange_hour, timerange_day")
        return None
    total = 0
    for unit in units:
        maximum = UNIT_LIMITS[unit] if style == "per_unit" else None
        count = check.integer(section, params, unit, minimum=1, maximum=maximum)
        if count is None or count < 1 or (maximum is not None and count > maximum):
            return None  # check.integer has recorded why
        total += count * UNIT_MINUTES[unit]
    if total > MAX_RANGE_MINUTES:
        check.fail(section, next(reversed(units)) if style == "single_unit" else "timerange",
                   "the time range must be between 1 minute and 30 days")
        return None
    return total


def _owned(row, settings):
    """`row` with its `owner` key renamed as the alert_rule_owner_field setting says (same position)."""
    field = settings["alert_rule_owner_field"]
    if field == "owner":
        return row
    return {field if key == "owner" else key: value for key, value in row.items()}


def _summary(rule):
    return {
        "id": rule["id"],
        "name": rule["name"],
        "description": rule["description"],
        "risk": rule["incident_condition"]["risk"],
        "active": rule["active"],
        "owner": rule["owner"],
    }


def _name_taken(sim, name, but=None):
    return any(rule["name"] == name and rule["id"] != but for rule in sim.alert_rules.values())


def _query_int(name, default, maximum, problems):
    raw = flask.request.args.get(name)
    if raw is None:
        return default
    number = _as_int(raw)
    if number is None or number < 1 or (maximum is not None and number > maximum):
        problems[name] = f"must be an integer from 1 to {maximum}" if maximum else "must be an integer of at least 1"
        return default
    return number


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
