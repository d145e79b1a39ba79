# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Email and HTTP notifications of alert rules (logpoint-api.md §5).

A rule has at most one notification of each type; ``create_api`` replaces it, for every rule in
``ids`` at once. There is no delete. As for rules, options are compared as facts: recipients as a set,
stored strings (``"true"``, ``"3"``) normalised, HTTP auth as ``{type, key, value, password}``. The
read API returns the auth secrets, so they are compared; they are never returned or shown in a diff.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.logpoint.siem.plugins.module_utils.api.alert_rules import (
    READ_SCOPE,
    WRITE_SCOPE,
    list_rules,
    write_once,
)
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import REDACTED, ConfigError, LogpointError
from ansible_collections.logpoint.siem.plugins.module_utils.state import (
    differing_keys,
    managed_diff,
    normalise_bool,
    normalise_int,
)

PATHS = {"email": "/pluggables/Notification/EmailNotification", "http": "/pluggables/Notification/HTTPNotification"}
AUTH_TYPES = {"none": "None", "api_token": "api_token", "basic": "basic_auth", "bearer": "bearer_token"}
# auth type -> the parts it takes besides type; value and password are secrets.
AUTH_PARTS = {"none": (), "api_token": ("key", "value"), "basic": ("key", "password"), "bearer": ("value",)}
SECRET_PARTS = ("value", "password")
COMMON = ("enabled", "dispatch", "threshold")
OPTIONS_OF = {"email": COMMON + ("recipients", "subject", "template", "search_link", "logo"),
              "http": COMMON + ("http_url", "method", "body", "query_string", "auth")}
REQUIRED_TO_CREATE = {"email": ("recipients", "subject", "template"), "http": ("http_url",)}
CREATE_DEFAULTS = {
    "email": {"enabled": True, "dispatch": "auto", "search_link": True, "logo": ""},
    "http": {"enabled": True, "dispatch": "auto", "method": "POST", "body": "", "query_string": "",
             "auth": {"type": "none"}},
}
READ_WORKERS = 4


def read_notification(client, rule_id, kind):
    """The stored notification of this kind of one rule as the server returns it; {} when it has none."""
    body = client.call("GET", PATHS[kind] + "/read_api", auth="jwt", scope=READ_SCOPE, params={"id": rule_id})
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def read_notifications(client, rule_ids, kind):
    """``read_notification`` for many rules, a few at a time."""
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        return list(pool.map(lambda rule_id: read_notification(client, rule_id, kind), rule_ids))


def notification_facts(kind, data):
    """The facts of a stored notification, or None when there is none."""
    if not data:
        return None
    prefix = "http_" if kind == "http" else ""
    facts = {
        "enabled": normalise_bool(data.get("notify_" + kind, True)) is not False,
        "dispatch": data.get("dispatch_option") or "auto",
        "threshold": None,
    }
    if data.get(prefix + "threshold_value") not in (None, ""):
        facts["threshold"] = {"value": normalise_int(data[prefix + "threshold_value"]),
                              "unit": data.get(prefix + "threshold_option")}
    if kind == "email":
        facts.update(recipients=frozenset(_json_list(data.get("email_emails"))), subject=data.get("subject"),
                     template=data.get("email_template"),
                     search_link=not normalise_bool(data.get("disable_search_link", False)),
                     logo=(data.get("logo") or "") if normalise_bool(data.get("logo_enable")) else "")
    else:
        facts.update(http_url=data.get("http_url"), method=str(data.get("http_request_type") or "").upper(),
                     body=data.get("http_body") or "", query_string=data.get("http_querystring") or "",
                     auth=_auth_facts(data.get("http_header")))
    return facts


def _json_list(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value or []]


def _auth_facts(header):
    if isinstance(header, str):
        try:
            header = json.loads(header)
        except ValueError:
            header = {}
    header = header if isinstance(header, dict) else {}
    kind = next((name for name, api in AUTH_TYPES.items() if api == header.get("auth_type")), "none")
    parts = {"api_token": {"key": header.get("auth_key"), "value": header.get("auth_value")},
             "basic": {"key": header.get("auth_key"), "password": header.get("auth_pass")},
             "bearer": {"value": header.get("auth_key")}}.get(kind, {})
    return dict(parts, type=kind)


def desired_facts(params):
    """The facts of the options given; raises ConfigError naming the option."""
    kind = params["type"]
    wrong = [name for kinds in OPTIONS_OF.values() for name in kinds
             if name not in OPTIONS_OF[kind] and params.get(name) is not None]
    if wrong:
        raise ConfigError("%s: not an option of %s notifications" % (", ".join(sorted(set(wrong))), kind))
    facts = dict((name, params[name]) for name in OPTIONS_OF[kind] if params.get(name) is not None)
    if "recipients" in facts:
        if not facts["recipients"] or any("@" not in address for address in facts["recipients"]):
            raise ConfigError("recipients: give one or more email addresses")
        facts["recipients"] = frozenset(facts["recipients"])
    if "http_url" in facts and not facts["http_url"].lower().startswith(("http://", "https://")):
        raise ConfigError("http_url: %r is not an http:// or https:// URL" % facts["http_url"])
    if "threshold" in facts and facts["threshold"]["value"] < 0:
        raise ConfigError("threshold.value: %d is below 0" % facts["threshold"]["value"])
    if "auth" in facts:
        facts["auth"] = _desired_auth(facts["auth"])
    return facts


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


def options_view(facts, secrets_changed=False):
    """Facts -> options as a user writes them, secrets replaced by a placeholder."""
    view = {}
    for key, value in (facts or {}).items():
        if isinstance(value, frozenset):
            value = sorted(value)
        elif key == "auth":
            mark = REDACTED + " (changed)" if secrets_changed else REDACTED
            value = dict((part, mark if part in SECRET_PARTS else text) for part, text in value.items())
        view[key] = value
    return view


def build_request(kind, facts, ids):
    """The create_api body: a multipart form for email (lists as JSON strings), JSON for HTTP."""
    threshold = facts.get("threshold") or {}
    if kind == "email":
        form = {
            "ids": json.dumps(ids), "type": "email", "email_emails": json.dumps(sorted(facts["recipients"])),
            "subject": facts["subject"], "email_template": facts["template"], "simple_view": "on",
            "notify_email": _flag(facts["enabled"]), "dispatch_option": facts["dispatch"],
            "disable_search_link": _flag(not facts["search_link"]), "logo_enable": _flag(bool(facts["logo"])),
            "logo": facts["logo"],
        }
        if threshold:
            form.update(threshold_value=str(threshold["value"]), threshold_option=threshold["unit"])
        return {"files": dict((key, (None, value)) for key, value in form.items())}
    auth = facts["auth"]
    header = {"auth_type": AUTH_TYPES[auth["type"]]}
    header.update({"api_token": {"auth_key": auth.get("key"), "auth_value": auth.get("value")},
                   "basic": {"auth_key": auth.get("key"), "auth_pass": auth.get("password")},
                   "bearer": {"auth_key": auth.get("value")}}.get(auth["type"], {}))
    body = {
        "ids": ids, "type": "http", "http_url": facts["http_url"], "http_request_type": facts["method"],
        "http_querystring": facts["query_string"], "http_body": facts["body"], "notify_http": facts["enabled"],
        "protocol": "HTTPS" if facts["http_url"].lower().startswith("https://") else "HTTP",
        "dispatch_option": facts["dispatch"], "http_header": json.dumps(header),
    }
    if threshold:
        body.update(http_threshold_value=threshold["value"], http_threshold_option=threshold["unit"])
    return {"json": body}


def _flag(value):
    return "true" if value else "false"


def notifications_of(client, rules):
    """The email and HTTP notifications of ``rules``, each in the options of the notification module."""
    found = []
    for kind in PATHS:
        ids = [id_of(rule) for rule in rules]
        for rule, data in zip(rules, read_notifications(client, ids, kind)):
            if data:
                found.append(dict(options_view(notification_facts(kind, data)), type=kind,
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


def converge_notification(client, params, check_mode):
    """notification: the same notification on every rule of ``alert_rules`` -> ``(changed, result, diffs)``."""
    kind = params["type"]
    if params["state"] == "absent":
        raise ConfigError("state=absent: the Logpoint API cannot delete a notification; set enabled: false to "
                          "stop it from being sent")
    desired = desired_facts(params)
    rules = resolve_rules(client, params["alert_rules"])
    stored = read_notifications(client, [rule_id for rule_id, name in rules], kind)
    currents = [notification_facts(kind, data) for data in stored]
    entries, diffs, groups = [], [], {}
    for (rule_id, name), current in zip(rules, currents):
        changes = sorted(desired if current is None else differing_keys(desired, current))
        if changes:
            merged = dict(current or CREATE_DEFAULTS[kind], **desired)
            missing = [option for option in REQUIRED_TO_CREATE[kind] if merged.get(option) is None]
            if missing:
                raise ConfigError("alert rule %r has no %s notification; to create it give %s"
                                  % (name, kind, ", ".join(missing)))
            groups.setdefault(_group_key(merged), (merged, []))[1].append(rule_id)
            before = options_view(dict((key, current.get(key)) for key in desired)) if current else {}
            secrets_changed = "auth" in changes and current is not None and _secrets(current) != _secrets(desired)
            label = "%s notification of alert rule %r" % (kind, name)
            diffs.append(dict(managed_diff(before, options_view(desired, secrets_changed)),
                              before_header=label, after_header=label))
        entries.append({"name": name, "id": rule_id, "changes": changes,
                        "outcome": "unchanged" if not changes else "created" if current is None else "updated"})
    if not check_mode:
        for merged, ids in groups.values():
            _send(client, kind, merged, ids)
    return bool(groups), {"alert_rules": entries, "notification": options_view(desired)}, diffs


def _secrets(facts):
    return dict((part, facts.get("auth", {}).get(part)) for part in SECRET_PARTS)


def _group_key(facts):
    return json.dumps(facts, sort_keys=True, default=sorted)


def _send(client, kind, facts, ids):
    """One create_api for ``ids``; a lost reply is settled by reading the notifications back."""
    def applied():
        reread = [notification_facts(kind, data) for data in read_notifications(client, ids, kind)]
        return all(current is not None and not differing_keys(facts, current) for current in reread)
    try:
        write_once(lambda: client.call("POST", PATHS[kind] + "/create_api", auth="jwt", scope=WRITE_SCOPE,
                                       **build_request(kind, facts, ids)), applied)
    except LogpointError as exc:
        exc.message = "%s notification of %d alert rule(s): %s" % (kind, len(ids), exc.message)
        raise
