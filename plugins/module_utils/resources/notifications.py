# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Notifications of alert rules as a resource: the options, their validation, the rules by name, planning.

Options are compared as facts (see ``api/notifications.py``). The auth secrets are compared with what
the server stores when it shows them, but never returned or shown in a diff (``options_view``). A
secret the server masks or leaves out cannot be compared: with ``update_secrets: on_create`` (the
default) it is not, so an unchanged notification stays unchanged; with ``always`` the notification
is sent on every run. The diff says which (``******** (changed)``, ``******** (not compared)``).
``converge_notification`` plans one change per rule that differs; rules that get the same
notification share one batched ``create_api`` request (engine ``Batch``), and the batches run
concurrently.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ansible_collections.logpoint.siem.plugins.module_utils import _bounds, _converge
from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY
from ansible_collections.logpoint.siem.plugins.module_utils.api import notifications as api
from ansible_collections.logpoint.siem.plugins.module_utils.api.alert_rules import list_rules
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import REDACTED, ConfigError, LogpointError
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys, managed_diff

# auth type -> the parts it takes besides type; value and password are secrets.
AUTH_PARTS = {"none": (), "api_token": ("key", "value"), "basic": ("key", "password"), "bearer": ("value",)}
SECRET_PARTS = api.SECRET_PARTS
CHANGED_MARK, NOT_COMPARED_MARK = " (changed)", " (not compared)"
COMMON = ("enabled", "dispatch", "threshold")
OPTIONS_OF = {"email": COMMON + ("recipients", "subject", "template", "search_link", "logo"),
              "http": COMMON + ("http_url", "method", "body", "query_string", "auth")}
REQUIRED_TO_CREATE = {"email": ("recipients", "subject", "template"), "http": ("http_url",)}
CREATE_DEFAULTS = {
    "email": {"enabled": True, "dispatch": "auto", "search_link": True, "logo": ""},
    "http": {"enabled": True, "dispatch": "auto", "method": "POST", "body": "", "query_string": "",
             "auth": {"type": "none"}},
}

# Bounds checked before any request (the API documents none): an address fits RFC 5321 (254 characters),
# a subject one RFC 5322 header line (998) and holds no line break (it becomes a mail header), a URL the
# 2048 characters browsers and proxies take, a threshold at most 30 days in its unit (the longest alert
# rule time range), texts far above any real notification.
TEXT_BOUNDS = {  # option -> (most characters, line breaks and tabs allowed)
    "subject": (998, False), "template": (65536, True), "logo": (262144, False), "http_url": (2048, False),
    "body": (65536, True), "query_string": (8192, False), "auth.key": (256, False),
}
SECRET_BOUND = 8192  # auth.value and auth.password: header values, never shown in a message
MAX_RECIPIENTS, MAX_ADDRESS = 100, 254
MAX_RULES = 1000  # alert_rules of one task
THRESHOLD_MOST = {"minute": 43200, "hour": 720, "day": 30}

# The argument spec of the notification module (with the connection options and max_concurrency).
NOTIFICATION_OPTIONS = {
    "type": {"type": "str", "required": True, "choices": ["email", "http"]},
    "alert_rules": {"type": "list", "elements": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "enabled": {"type": "bool"},
    "dispatch": {"type": "str", "choices": ["auto", "manual"]},
    "threshold": {"type": "dict", "options": {
        "value": {"type": "int", "required": True},
        "unit": {"type": "str", "required": True, "choices": ["minute", "hour", "day"]},
    }},
    "recipients": {"type": "list", "elements": "str"},
    "subject": {"type": "str"},
    "template": {"type": "str"},
    "search_link": {"type": "bool"},
    "logo": {"type": "str"},
    "http_url": {"type": "str"},
    "method": {"type": "str", "choices": ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]},
    "body": {"type": "str"},
    "query_string": {"type": "str"},
    "auth": {"type": "dict", "options": {
        "type": {"type": "str", "required": True, "choices": list(AUTH_PARTS)},
        "key": {"type": "str", "no_log": False},
        "value": {"type": "str", "no_log": True},
        "password": {"type": "str", "no_log": True},
    }},
    "update_secrets": {"type": "str", "choices": ["always", "on_create"], "default": "on_create"},
}


# ---- options -> facts -------------------------------------------------------------------------

def check_bounds(params):
    """Texts, secrets, lists and numbers within the bounds above (no request needed); ConfigError naming the option."""
    if not params.get("alert_rules"):
        raise ConfigError("alert_rules: the list is empty; name at least one alert rule (by name or id) to give "
                          "the notification to")
    problem = _bounds.items_problem(params["alert_rules"], MAX_RULES, 255)
    if problem or any(not str(value).strip() for value in params["alert_rules"]):
        raise ConfigError("alert_rules: %s" % (problem or "an item is empty; give alert rule names or ids"))
    auth = params.get("auth") or {}
    values = dict(params, **{"auth.key": auth.get("key")})
    for option, (most, multiline) in TEXT_BOUNDS.items():
        problem = _bounds.text_problem(values[option], most, multiline) if values.get(option) is not None else None
        if problem:
            raise ConfigError("%s: %s" % (option, problem))
    for part in SECRET_PARTS:
        if auth.get(part) is not None and _bounds.text_problem(auth[part], SECRET_BOUND):
            raise ConfigError("auth.%s: the value has a control character such as a line break, or is longer than "
                              "%d characters (the value is not shown)" % (part, SECRET_BOUND))
    threshold = params.get("threshold")
    if threshold and threshold["value"] > THRESHOLD_MOST[threshold["unit"]]:
        raise ConfigError("threshold.value: %d is not 0 to %d %s(s): at most 30 days"
                          % (threshold["value"], THRESHOLD_MOST[threshold["unit"]], threshold["unit"]))


def desired_facts(params):
    """The facts of the options given; raises ConfigError naming the option."""
    check_bounds(params)
    kind = params["type"]
    wrong = [name for kinds in OPTIONS_OF.values() for name in kinds
             if name not in OPTIONS_OF[kind] and params.get(name) is not None]
    if wrong:
        raise ConfigError("%s: not an option of %s notifications" % (", ".join(sorted(set(wrong))), kind))
    facts = dict((name, params[name]) for name in OPTIONS_OF[kind] if params.get(name) is not None)
    for option, normalise in _NORMALISERS:
        if option in facts:
            facts[option] = normalise(facts[option])
    return facts


def _recipients(recipients):
    if not recipients or any("@" not in address for address in recipients):
        raise ConfigError("recipients: give one or more email addresses")
    problem = _bounds.items_problem(recipients, MAX_RECIPIENTS, MAX_ADDRESS)
    if problem:
        raise ConfigError("recipients: %s" % problem)
    spaced = next((address for address in recipients if any(char.isspace() for char in address)), None)
    if spaced is not None:
        raise ConfigError("recipients: %r is not an email address (it contains white space)" % spaced)
    return frozenset(recipients)


def _http_url(url):
    if not url.lower().startswith(("http://", "https://")):
        raise ConfigError("http_url: %r is not an http:// or https:// URL" % url)
    if " " in url:
        raise ConfigError("http_url: the URL contains a space; encode it as %20")
    try:
        host = urlsplit(url).hostname
    except ValueError as exc:
        raise ConfigError("http_url: %r is not a valid URL (%s)" % (url, exc))
    if not host:
        raise ConfigError("http_url: %r has no host name" % url)
    return url


def _threshold(threshold):
    if threshold["value"] < 0:
        raise ConfigError("threshold.value: %d is below 0" % threshold["value"])
    return threshold


def _desired_auth(auth):
    kind = auth["type"]
    needed = AUTH_PARTS[kind]
    missing = [part for part in needed if not auth.get(part)]
    unused = [part for part in ("key", "value", "password") if part not in needed and auth.get(part)]
    if missing:
        raise ConfigError("auth: type %s needs %s" % (kind, " and ".join("auth.%s" % part for part in missing)))
    if unused:
        raise ConfigError("auth: type %s does not use %s%s" % (
            kind, " or ".join("auth.%s" % part for part in unused),
            "; a bearer token goes in auth.value" if kind == "bearer" else ""))
    return dict(((part, auth[part]) for part in needed), type=kind)


_NORMALISERS = (("recipients", _recipients), ("http_url", _http_url), ("threshold", _threshold),
                ("auth", _desired_auth))


def options_view(facts, mark=""):
    """Facts -> options as a user writes them, secrets replaced by a placeholder (with ``mark`` after it)."""
    view = {}
    for key, value in (facts or {}).items():
        if isinstance(value, frozenset):
            value = sorted(value)
        elif key == "auth":
            value = dict((part, REDACTED + mark if part in SECRET_PARTS else text) for part, text in value.items())
        view[key] = value
    return view


# ---- reads in the module's options ------------------------------------------------------------

def notifications_of(client, rules):
    """The email and HTTP notifications of ``rules``, each in the options of the notification module."""
    found = []
    for kind in api.PATHS:
        ids = [id_of(rule) for rule in rules]
        for rule, data in zip(rules, api.read_notifications(client, ids, kind)):
            if data:
                found.append(dict(options_view(api.notification_facts(kind, data)), type=kind,
                                  alert_rules=[rule.get("name")]))
    return found


def resolve_rules(client, values):
    """Alert rule names or ids -> ``[(id, name)]``, from one listing."""
    rules = list_rules(client)
    found = []
    for value in values:
        rule = next((r for r in rules if value in (id_of(r), r.get("name"))), None)
        if rule is None:
            raise ConfigError("alert_rules: no alert rule is named %r or has that id (%d rules exist)"
                              % (value, len(rules)))
        found.append((id_of(rule), rule.get("name")))
    return found


# ---- planning ---------------------------------------------------------------------------------

def converge_notification(client, params, check_mode, max_concurrency=DEFAULT_CONCURRENCY):
    """notification: the same notification on every rule of ``alert_rules`` -> ``(changed, result, diffs)``.

    One listing, one read per rule, then one ``create_api`` per distinct notification to write (rules
    whose merged options are equal share it).
    """
    kind = params["type"]
    if params["state"] == "absent":
        raise ConfigError("state=absent: the Logpoint API cannot delete a notification; set enabled: false to "
                          "stop it from being sent")
    desired = desired_facts(params)
    rules = resolve_rules(client, params["alert_rules"])
    stored = api.read_notifications(client, [rule_id for rule_id, name in rules], kind, max_concurrency)
    plan = _converge.Plan()
    for (rule_id, name), data in zip(rules, stored):
        current = api.notification_facts(kind, data)
        _plan_rule(plan, client, kind, desired, (rule_id, name), current, params.get("update_secrets") or "on_create")
    _converge.execute(plan, check_mode=check_mode, max_concurrency=max_concurrency)
    return plan.changed, {"alert_rules": plan.entries, "notification": options_view(desired)}, plan.diffs


def _plan_rule(plan, client, kind, desired, rule, current, update_secrets):
    """The entry of one rule and, when its notification differs, its diff and its change."""
    rule_id, name = rule
    compared = api.secrets_assumed(current, desired) if current and update_secrets == "on_create" else current
    # no notification yet: a create, even when the task gives no option (it then names what a create needs)
    changes = sorted(desired or ["type"]) if current is None else sorted(differing_keys(desired, compared))
    plan.entries.append({"name": name, "id": rule_id, "changes": changes,
                         "outcome": "unchanged" if not changes else "created" if current is None else "updated"})
    if not changes:
        return
    merged = dict(current or CREATE_DEFAULTS[kind], **desired)
    missing = [option for option in REQUIRED_TO_CREATE[kind] if merged.get(option) is None]
    if missing:
        raise ConfigError("alert rule %r has no %s notification; to create it give %s"
                          % (name, kind, ", ".join(missing)))
    if api.hidden_secrets(merged.get("auth")):
        raise ConfigError("%s notification of alert rule %r: the server does not show its auth secret, so changing "
                          "%s would overwrite it with nothing; give auth with its secret in the task"
                          % (kind, name, ", ".join(changes)))
    label = "%s notification of alert rule %r" % (kind, name)
    plan.diffs.append(_diff(label, desired, current, changes))
    key = json.dumps(merged, sort_keys=True, default=sorted)
    if key not in plan.batches:
        plan.add_batch(_batch(client, kind, key, merged))
    plan.add(_converge.Change(label, "create" if current is None else "update", batch=key, item=rule_id,
                              predicted=True))


def _diff(label, desired, current, changes):
    """Before and after of the options given, secrets hidden; a secret says when it changed or was not compared."""
    before = options_view(dict((key, current.get(key)) for key in desired)) if current else {}
    mark = ""
    if current is not None and "auth" in desired and api.hidden_secrets(current.get("auth")):
        mark = NOT_COMPARED_MARK
    elif "auth" in changes and current is not None and _secrets(current) != _secrets(desired):
        mark = CHANGED_MARK
    return dict(managed_diff(before, options_view(desired, mark)), before_header=label, after_header=label)


def _batch(client, kind, key, facts):
    """One create_api for the rules that get ``facts``; a lost reply is settled by reading them back."""
    def named(function):
        def call(ids):
            try:
                return function(client, kind, facts, ids)
            except LogpointError as exc:
                exc.message = "%s notification of %d alert rule(s): %s" % (kind, len(ids), exc.message)
                raise
        return call
    return _converge.Batch(key, send=named(api.set_notification), applied=named(api.notification_applied))


def _secrets(facts):
    return dict((part, facts.get("auth", {}).get(part)) for part in SECRET_PARTS)
