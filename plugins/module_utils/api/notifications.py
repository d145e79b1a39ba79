# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Email and HTTP notifications of alert rules (logpoint-api.md §5): paths, request bodies, parsing.

A rule has at most one notification of each type; ``create_api`` replaces it, for every rule in
``ids`` at once. There is no delete. ``notification_facts`` reads a stored notification into facts:
recipients as a set, stored strings (``"true"``, ``"3"``) normalised, HTTP auth as
``{type, key, value, password}``. The read API may return the auth secrets, so facts carry them; the
resource layer never shows them.

Servers differ (logpoint-api.md §19.4, §19.5): a rule without a notification of a type is answered
with empty data, with ``success: false`` and a "No ... notification" message, or with a 404 - all
read as "none" (``{}``); a secret may come back as stored, masked (``********``) or left out - the
last two become ``HIDDEN`` in the facts (``hidden_secrets`` names them), which the resource layer does
not compare.
"""

from __future__ import annotations

import json
import re

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY, fan_out
from ansible_collections.logpoint.siem.plugins.module_utils.api.alert_rules import READ_SCOPE, WRITE_SCOPE
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ApiError, NotFoundError
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys, normalise_bool, normalise_int

PATHS = {"email": "/pluggables/Notification/EmailNotification", "http": "/pluggables/Notification/HTTPNotification"}
AUTH_TYPES = {"none": "None", "api_token": "api_token", "basic": "basic_auth", "bearer": "bearer_token"}
SECRET_PARTS = ("value", "password")
# A secret the read API did not show: masked (any run of asterisks) or left out.
HIDDEN = "********"
_MASK = re.compile(r"^\*+$")
# "No email notification for alert rule <id>": a refusal that means the rule has none.
_NONE_MESSAGE = re.compile(r"\bno\b.*\bnotification", re.IGNORECASE)


def read_notification(client, rule_id, kind):
    """The stored notification of this kind of one rule (known to exist) as the server returns it; {} when it
    has none, whichever way the server says so (empty data, 404, ``success: false`` "No ... notification")."""
    try:
        body = client.call("GET", PATHS[kind] + "/read_api", auth="jwt", scope=READ_SCOPE, params={"id": rule_id})
    except NotFoundError:
        return {}
    except ApiError as exc:
        if _NONE_MESSAGE.search(exc.server_message or ""):
            return {}
        raise
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def read_notifications(client, rule_ids, kind, max_concurrency=DEFAULT_CONCURRENCY):
    """``read_notification`` for many rules, a few at a time, in the order of ``rule_ids``."""
    return fan_out(lambda rule_id: read_notification(client, rule_id, kind), rule_ids, max_concurrency)


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
    for part in SECRET_PARTS:
        if part in parts and (not parts[part] or _MASK.match(str(parts[part]))):
            parts[part] = HIDDEN
    return dict(parts, type=kind)


def hidden_secrets(auth):
    """The secret parts of auth facts that the server did not show (masked or left out)."""
    return [part for part in SECRET_PARTS if (auth or {}).get(part) == HIDDEN]


def secrets_assumed(current, desired):
    """``current`` facts with the secrets the server did not show taken from ``desired`` (same auth type),
    so that comparing them compares everything but those secrets."""
    auth, wanted = (current or {}).get("auth"), desired.get("auth")
    hidden = hidden_secrets(auth)
    if not hidden or not wanted or wanted.get("type") != auth.get("type"):
        return current
    return dict(current, auth=dict(auth, **dict((part, wanted.get(part)) for part in hidden)))


def build_request(kind, facts, ids):
    """The create_api body: a multipart form for email (lists as JSON strings), JSON for HTTP."""
    if kind == "email":
        return {"files": dict((key, (None, value)) for key, value in _email_form(facts, ids).items())}
    return {"json": _http_body(facts, ids)}


def _email_form(facts, ids):
    threshold = facts.get("threshold") or {}
    form = {
        "ids": json.dumps(ids), "type": "email", "email_emails": json.dumps(sorted(facts["recipients"])),
        "subject": facts["subject"], "email_template": facts["template"], "simple_view": "on",
        "notify_email": _flag(facts["enabled"]), "dispatch_option": facts["dispatch"],
        "disable_search_link": _flag(not facts["search_link"]), "logo_enable": _flag(bool(facts["logo"])),
        "logo": facts["logo"],
    }
    if threshold:
        form.update(threshold_value=str(threshold["value"]), threshold_option=threshold["unit"])
    return form


def _http_body(facts, ids):
    threshold = facts.get("threshold") or {}
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
    return body


def _flag(value):
    return "true" if value else "false"


def set_notification(client, kind, facts, ids):
    """One create_api: the notification of ``facts`` on every rule of ``ids``."""
    client.call("POST", PATHS[kind] + "/create_api", auth="jwt", scope=WRITE_SCOPE, **build_request(kind, facts, ids))
    return True


def notification_applied(client, kind, facts, ids):
    """Whether every rule of ``ids`` now has a notification with ``facts`` (a create whose reply was lost)."""
    reread = [notification_facts(kind, data) for data in read_notifications(client, ids, kind)]
    return all(current is not None and not differing_keys(facts, secrets_assumed(current, facts))
               for current in reread)
