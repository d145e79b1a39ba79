#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: token
short_description: Mint a client-self-signed JWT for Logpoint's JWT APIs
version_added: 0.1.0
description:
  - Mints a JSON Web Token the way Logpoint expects for its JWT APIs (alert rules, notifications,
    repos, user-defined lists) - HS256, issuer C(self-signed), subject O(username), the chosen
    O(scopes) separated by spaces - signed with the user's API access key O(secret_key).
  - Nothing is sent to the Logpoint, so the module never reports a change. Use the token in later tasks
    through the O(token) option (for example in C(module_defaults)) or hand it to another tool.
  - "B(The result holds a bearer token.) Set C(no_log: true) on the task; the module warns when it is missing."
  - The token is issued a minute in the past (its C(iat) claim), so that a Logpoint whose clock is behind
    this machine's accepts it at once; it expires at the moment O(expires_in) or O(expires_at) gives.
  - The other modules of this collection mint their own short-lived, single-scope tokens from
    O(secret_key); this module is for handing a token to something else, or for running with a token
    only.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Mints the token in check mode too; nothing is sent anywhere.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
    details: Never changes anything on the server. Each run mints a new token.
options:
  scopes:
    description:
      - The scopes the token carries. Give only what the consumer needs.
    type: list
    elements: str
    required: true
    choices: [alertrules:read, alertrules:write, logsource:read, search:read, search:write]
  expires_in:
    description:
      - How long the token is valid, such as V(30m), V(1h), V(7d), V(30d), or V(today) (until the end of
        the current day, UTC).
      - Logpoint tokens must expire; V(never), V(0) and lifetimes longer than 365 days are refused.
      - Mutually exclusive with O(expires_at). When neither is given the token lives for one hour.
    type: str
  expires_at:
    description:
      - The moment the token expires, in ISO 8601 such as V(2026-12-31T23:59:59Z) (UTC when no zone is given).
      - Must be in the future and at most 365 days away.
    type: str
notes:
  - Needs O(username) and O(secret_key) (or C(LOGPOINT_USERNAME) and C(LOGPOINT_SECRET_KEY)). O(url) is not used.
  - Regenerating the user's API access key in Logpoint invalidates every token signed with the old key.
requirements:
  - PyJWT >= 2.6
seealso:
  - name: Accessing the Logpoint APIs
    description: Logpoint's description of client-self-signed JWTs and their scopes.
    link: https://docs.logpoint.com/siem/readme/siem_api_reference/accessing_the_logpoint_apis
"""

EXAMPLES = r"""
- name: Mint a read-only token for alert rules, valid for 30 minutes
  logpoint.siem.token:
    url: https://logpoint.example.com
    username: admin
    secret_key: "{{ logpoint_secret_key }}"
    scopes:
      - alertrules:read
    expires_in: 30m
  no_log: true
  register: alert_reader

- name: Use it for the rest of the play
  logpoint.siem.alert_rule_info:
    url: https://logpoint.example.com
    token: "{{ alert_reader.token }}"

- name: A token for a CI job that imports threat-intel lists, valid until the end of the year
  logpoint.siem.token:
    scopes: [search:read, search:write]
    expires_at: "2026-12-31T23:59:59Z"
  no_log: true
  register: list_importer
"""

RETURN = r"""
token:
  description: The signed JWT. Treat it as a password.
  returned: success
  type: str
  sample: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzZWxmLXNpZ25lZCJ9.c2lnbmF0dXJl
claims:
  description: The token's claims; C(iat) is a minute before the token was minted (see above).
  returned: success
  type: dict
  sample:
    iss: self-signed
    sub: admin
    iat: 1795334400
    exp: 1795336200
    scope: alertrules:read
scopes:
  description: The scopes the token carries.
  returned: success
  type: list
  elements: str
  sample: [alertrules:read]
expires_at:
  description: Expiry in ISO 8601, UTC.
  returned: success
  type: str
  sample: "2026-11-22T09:30:00Z"
expires_in:
  description: Seconds from now until the token expires.
  returned: success
  type: int
  sample: 1800
"""

import datetime
import time

from ansible_collections.logpoint.siem.plugins.module_utils.auth import (
    SCOPES, build_claims, issue_time, mint_jwt, require_jwt, validate_scopes)
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import iso_utc, parse_duration, parse_instant

DEFAULT_LIFETIME = 3600
MAX_LIFETIME = 365 * 86400
NEVER = ("never", "none", "0", "infinite", "unlimited", "no expiry", "no-expiry")
NO_LOG_WARNING = "The result of logpoint.siem.token holds a bearer token: set no_log: true on this task."

ARGUMENT_SPEC = {
    "scopes": {"type": "list", "elements": "str", "required": True, "choices": list(SCOPES)},
    "expires_in": {"type": "str"},
    "expires_at": {"type": "str"},
}


def end_of_day_utc(now):
    day = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).date()
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), datetime.timezone.utc)
    return midnight.timestamp()


def expiry(expires_in, expires_at, now):
    """The expiry epoch for the lifetime options, or a ConfigError saying why it is refused."""
    if expires_in is not None and str(expires_in).strip().lower() in NEVER:
        raise ConfigError("expires_in: %r - Logpoint tokens must expire; give a lifetime such as 1h, 7d or 30d"
                          % expires_in)
    if expires_at is not None:
        try:
            moment = parse_instant(expires_at, now=now, option="expires_at")
        except ValueError as exc:
            raise ConfigError(str(exc))
        if moment <= now:
            raise ConfigError("expires_at: %s is not in the future (now is %s)" % (expires_at, iso_utc(now)))
        option, value = "expires_at", expires_at
    elif expires_in is not None and str(expires_in).strip().lower() == "today":
        moment, option, value = end_of_day_utc(now), "expires_in", expires_in
    elif expires_in is not None:
        try:
            moment = now + parse_duration(expires_in, option="expires_in")
        except ValueError as exc:
            raise ConfigError(str(exc) + "; or today")
        option, value = "expires_in", expires_in
    else:
        return now + DEFAULT_LIFETIME
    if moment - now > MAX_LIFETIME:
        raise ConfigError("%s: %s is more than 365 days away; Logpoint tokens should be short-lived" % (option, value))
    return moment


def run(params, client, check_mode, warn, now=None):
    """Mint the token (in check mode too: nothing is sent). ``client`` is None: this module sends nothing."""
    require_jwt()
    now = time.time() if now is None else now
    if not (params.get("username") and params.get("secret_key")):
        raise ConfigError("username and secret_key are required to sign a token (or LOGPOINT_USERNAME and "
                          "LOGPOINT_SECRET_KEY)")
    scopes = validate_scopes(params["scopes"])
    expires = int(expiry(params.get("expires_in"), params.get("expires_at"), now))
    claims = build_claims(params["username"], scopes, issue_time(now), expires)
    token = mint_jwt(params["secret_key"], claims, warn=warn)
    return False, {
        "token": token,
        "claims": claims,
        "scopes": scopes,
        "expires_at": iso_utc(expires),
        "expires_in": expires - int(now),
    }, None


def main():
    run_module(ARGUMENT_SPEC, run, connect=None, no_log_warning=NO_LOG_WARNING,
               mutually_exclusive=[("expires_in", "expires_at")])


if __name__ == "__main__":
    main()
