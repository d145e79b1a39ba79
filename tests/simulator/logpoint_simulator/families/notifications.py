"""Email and HTTP notifications of alert rules, JWT (logpoint-api.md §5 and the §18 decisions).

`state.notifications` maps an alert rule id to `{"email": {...}, "http": {...}}`: one notification
of each type per rule, a create replaces it. The email endpoint reads a form (multipart or
urlencoded, list fields as JSON strings) and stores the form values as the strings they arrived as;
the HTTP endpoint reads JSON. Reads return what is stored.

Open questions (profiles.py): `notification_missing` (a read for a rule without a notification of
that type: empty success, `success: false`, or 404) and `notification_secrets` (the HTTP auth secret,
`auth_value`, `auth_pass` or the bearer token in `auth_key`, echoed, masked as `********` or left out).
"""

import copy
import json
from urllib.parse import urlsplit

import flask

from ..frontends import jwt_required
from ..responses import not_found, success_false, validation_error
from ..state import current_state
from .alert_rules import FALSE_TEXT, READ, TRUE_TEXT, WRITE, rule_missing

blueprint = flask.Blueprint("notifications", __name__)

EMAIL = "/pluggables/Notification/EmailNotification"
HTTP = "/pluggables/Notification/HTTPNotification"
DISPATCH = ("auto", "manual")
THRESHOLD_UNITS = ("minute", "hour", "day")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")
PROTOCOLS = ("HTTP", "HTTPS")
# auth_type -> the keys its http_header carries besides auth_type (§5.2); human labels are refused.
AUTH_KEYS = {"None": (), "api_token": ("auth_key", "auth_value"), "basic_auth": ("auth_key", "auth_pass"),
             "bearer_token": ("auth_key",)}
EMAIL_FLAGS = {"simple_view": "on", "notify_email": "true", "disable_search_link": "false", "logo_enable": "false"}
EMAIL_TEXTS = ("logo_type", "logo")
# auth_type -> the http_header key holding its secret (for the api_token the key is the header name).
SECRET_KEYS = {"api_token": "auth_value", "basic_auth": "auth_pass", "bearer_token": "auth_key"}
MASK = "********"


@blueprint.get(f"{EMAIL}/read_api")
@jwt_required(READ)
def read_email():
    return _read("email")


@blueprint.get(f"{HTTP}/read_api")
@jwt_required(READ)
def read_http():
    return _read("http")


@blueprint.post(f"{EMAIL}/create_api")
@jwt_required(WRITE)
def create_email():
    form = flask.request.form
    check = _Problems()
    ids = check.json_list("ids", form.get("ids"))
    recipients = check.json_list("email_emails", form.get("email_emails"))
    if any("@" not in address for address in recipients):
        check.fail("email_emails", "every recipient must be an email address")
    if form.get("type", "email") != "email":
        check.fail("type", "must be email")
    notification = {"type": "email", "email_emails": recipients}
    for field in ("subject", "email_template"):
        notification[field] = form.get(field, "")
        if not notification[field].strip():
            check.fail(field, "required")
    for field, default in EMAIL_FLAGS.items():
        notification[field] = check.flag(field, form.get(field, default))
    notification["dispatch_option"] = check.choice("dispatch_option", form.get("dispatch_option", "auto"), DISPATCH)
    notification.update({field: form[field] for field in EMAIL_TEXTS if field in form})
    if str(notification["logo_enable"]).lower() in TRUE_TEXT and not form.get("logo"):
        check.fail("logo", "required when logo_enable is on")
    notification.update(check.threshold(form, "threshold_value", "threshold_option"))
    return _save("email", ids, notification, check)


@blueprint.post(f"{HTTP}/create_api")
@jwt_required(WRITE)
def create_http():
    body = flask.request.get_json(silent=True)
    check = _Problems()
    if not isinstance(body, dict):
        check.fail("body", "the request body must be a JSON object")
        return validation_error({"http_notification": check.errors})
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(rule_id, str) for rule_id in ids):
        check.fail("ids", "a non-empty list of alert rule ids is required")
    if body.get("type", "http") != "http":
        check.fail("type", "must be http")
    url = body.get("http_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        check.fail("http_url", "an http(s) URL is required")
    notification = {
        "type": "http",
        "http_url": url,
        "http_request_type": check.choice("http_request_type", body.get("http_request_type"), METHODS),
        "protocol": check.choice("protocol", body.get("protocol", "HTTP"), PROTOCOLS),
        "notify_http": check.flag("notify_http", body.get("notify_http", True)),
        "dispatch_option": check.choice("dispatch_option", body.get("dispatch_option", "auto"), DISPATCH),
        "http_header": check.auth_header(body.get("http_header", {"auth_type": "None"})),
    }
    for field in ("http_querystring", "http_format_query", "http_body"):
        notification[field] = body.get(field, "")
        if not isinstance(notification[field], str):
            check.fail(field, "must be a string")
    notification.update(check.threshold(body, "http_threshold_value", "http_threshold_option"))
    return _save("http", ids, notification, check)


class _Problems:
    """Validation errors of one notification, by field."""

    def __init__(self):
        self.errors = {}

    def fail(self, field, text):
        self.errors[field] = text

    def json_list(self, field, raw):
        """A list field sent as a JSON string in the form (or as a list in JSON)."""
        try:
            values = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            values = None
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            self.fail(field, "required: a JSON list of strings, such as [\"a\", \"b\"]")
            return []
        return values

    def flag(self, field, value):
        if isinstance(value, bool) or str(value).lower() in TRUE_TEXT + FALSE_TEXT:
            return value
        self.fail(field, "must be true or false (or on/off)")
        return value

    def choice(self, field, value, choices):
        if value not in choices:
            self.fail(field, f"must be one of {', '.join(choices)}")
        return value

    def threshold(self, values, value_field, unit_field):
        stored = {}
        if values.get(value_field) not in (None, ""):
            stored[value_field] = values[value_field]
            if not str(values[value_field]).strip().isdigit():
                self.fail(value_field, "must be an integer of at least 0")
        if values.get(unit_field) not in (None, ""):
            stored[unit_field] = self.choice(unit_field, values[unit_field], THRESHOLD_UNITS)
        return stored

    def auth_header(self, header):
        if isinstance(header, str):
            try:
                header = json.loads(header)
            except ValueError:
                header = None
        kind = header.get("auth_type") if isinstance(header, dict) else None
        if kind not in AUTH_KEYS:
            self.fail("http_header", f"auth_type must be one of {', '.join(AUTH_KEYS)}")
            return {}
        expected = set(AUTH_KEYS[kind])
        missing = sorted(key for key in expected if not isinstance(header.get(key), str) or not header[key])
        unexpected = sorted(set(header) - expected - {"auth_type"})
        if missing:
            self.fail("http_header", f"{kind} needs {', '.join(missing)}")
        elif unexpected:
            self.fail("http_header", f"{kind} does not take {', '.join(unexpected)}")
        return dict(header)


def _read(kind):
    sim = current_state()
    rule_id = flask.request.args.get("id", "")
    with sim.lock:
        if rule_id not in sim.alert_rules:
            return rule_missing()
        stored = sim.notifications.get(rule_id, {}).get(kind)
        if stored is None:
            return _missing(kind, rule_id, sim.settings["notification_missing"])
        return {"success": True, "data": _with_secrets(copy.deepcopy(stored), sim.settings["notification_secrets"]),
                "message": f"{kind} notification"}


def _missing(kind, rule_id, style):
    message = f"No {kind} notification for alert rule {rule_id}"
    if style == "success_false":
        return success_false(message)
    if style == "404":
        return not_found(message)
    return {"success": True, "data": {}, "message": f"{kind} notification"}


def _with_secrets(notification, style):
    """The stored notification as read_api shows it: secrets echoed, masked or omitted."""
    header = notification.get("http_header")
    secret = SECRET_KEYS.get(header.get("auth_type")) if isinstance(header, dict) else None
    if secret and secret in header and style != "echo":
        if style == "mask":
            header[secret] = MASK
        else:
            del header[secret]
    return notification


def _save(kind, ids, notification, check):
    if check.errors:
        return validation_error({f"{kind}_notification": check.errors})
    sim = current_state()
    with sim.lock:
        unknown = [rule_id for rule_id in ids if rule_id not in sim.alert_rules]
        if unknown:
            return success_false(f"Alert rule(s) not found: {', '.join(unknown)}; nothing was saved", ids=unknown)
        for rule_id in ids:
            existing = sim.notifications.setdefault(rule_id, {})
            action = "updated" if kind in existing else "created"
            existing[kind] = copy.deepcopy(notification)
            sim.audit(flask.g.user["name"], f"{action} {kind} notification", sim.alert_rules[rule_id]["name"],
                      "EmailNotification" if kind == "email" else "HTTPNotification")
        sim.mutated()
        return {"success": True, "data": ids, "message": f"{kind} notification saved for {len(ids)} alert rule(s)"}
