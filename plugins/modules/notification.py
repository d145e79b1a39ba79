#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: notification
short_description: Email or HTTP notification of Logpoint alert rules
version_added: 0.1.0
description:
  - Sets the email or the HTTP notification of one or more alert rules. A rule has at most one
    notification of each type; setting it replaces the previous one.
  - Idempotent. The module reads each rule's notification, compares the options given in the task
    (O(recipients) as a set, stored values such as V("true") or V("3") normalised, the auth secrets
    included), and writes only for the rules where something differs - one request for all of them.
    Options left out keep their current values.
  - B(The API cannot delete a notification.) O(state=absent) fails and says so; O(enabled=false) stops
    a notification from being sent.
  - Secrets (O(auth.value), O(auth.password)) are compared with what the server stores when it shows them,
    but never returned or shown in a diff; a changed secret shows as C(******** (changed)).
  - Some Logpoints mask a stored secret (C(********)) or leave it out when reading a notification. Such a
    secret cannot be compared; O(update_secrets) says what to do then, and the diff shows it as
    C(******** (not compared)).
  - A rule without a notification of the type gets one, however the server says it has none (empty data,
    a C(No ... notification) refusal, or HTTP 404).
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.converge
  - logpoint.siem.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Nothing is written; the result and the diff are what a real run would do.
  diff_mode:
    support: full
    details: One before/after per rule whose notification changes, of the options given, secrets hidden.
  platform:
    platforms: posix
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: full
options:
  type:
    description: Which notification.
    type: str
    required: true
    choices: [email, http]
  alert_rules:
    description:
      - The alert rules, by name or id. They all get the same notification.
      - At least one and at most 1000, each of 1 to 255 characters without control characters; an empty list
        is an error.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) sets the notification. V(absent) always fails, because the Logpoint API cannot delete a
        notification; use O(enabled=false).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: Whether the notification is sent (C(notify_email) or C(notify_http)). New notifications are enabled.
    type: bool
  dispatch:
    description:
      - V(auto) sends on every trigger (the default of a new notification); V(manual) only from the
        incident's actions.
    type: str
    choices: [auto, manual]
  threshold:
    description: Notify only once this many incidents have been raised within the unit of time.
    type: dict
    suboptions:
      value:
        description: Number of incidents, 0 to the number of units in 30 days (43200 minutes, 720 hours, 30 days).
        type: int
        required: true
      unit:
        description: The unit of time.
        type: str
        required: true
        choices: [minute, hour, day]
  recipients:
    description:
      - Email only. The addresses, compared as a set. Required to create an email notification.
      - At most 100 addresses of at most 254 characters, without white space or control characters.
    type: list
    elements: str
  subject:
    description:
      - Email only. The subject; Logpoint's Jinja placeholders such as C({{ alert_name }}) are allowed (escape
        them from Ansible with C(!unsafe)). Required to create an email notification.
      - At most 998 characters and no line break (it becomes a mail header).
    type: str
  template:
    description:
      - Email only. The HTML body template (Jinja allowed). Required to create an email notification.
      - At most 65536 characters; line breaks and tabs allowed, no other control characters.
    type: str
  search_link:
    description: Email only. Whether the email links to the search (a new notification does).
    type: bool
  logo:
    description:
      - Email only. The logo to show, such as a C(data:image/jpeg;base64,...) URI; the empty string shows none
        (the default of a new notification). At most 262144 characters.
    type: str
  http_url:
    description:
      - HTTP only. The URL to call; the protocol (HTTP or HTTPS) comes from it. Required to create an HTTP
        notification.
      - Not called C(url), which is the Logpoint's address (see O(url)).
      - An C(http://) or C(https://) URL with a host, at most 2048 characters, without spaces or control
        characters (a line break would inject a header).
    type: str
  method:
    description: HTTP only. The request method. V(POST) when an HTTP notification is created without it.
    type: str
    choices: [GET, POST, PUT, DELETE, PATCH, HEAD]
  body:
    description:
      - HTTP only. The request body, usually JSON text with Logpoint's placeholders such as
        C({{ alert_name }}), C({{ risk }}), C({{ rows_count }}) (escape them from Ansible with C(!unsafe)).
      - At most 65536 characters; line breaks and tabs allowed, no other control characters.
    type: str
  query_string:
    description: HTTP only. The query string added to O(http_url); at most 8192 characters, no control characters.
    type: str
  auth:
    description: HTTP only. How the request authenticates. V(none) when an HTTP notification is created without it.
    type: dict
    suboptions:
      type:
        description:
          - V(none); V(api_token) sends header O(auth.key) with value O(auth.value); V(basic) sends user
            O(auth.key) with password O(auth.password); V(bearer) sends the token O(auth.value).
        type: str
        required: true
        choices: [none, api_token, basic, bearer]
      key:
        description: The header name (V(api_token)) or the user name (V(basic)). Not a secret. At most 256 characters, no control characters.
        type: str
      value:
        description: The token of V(api_token) or V(bearer). Secret. At most 8192 characters, no control characters.
        type: str
      password:
        description: The password of V(basic). Secret. At most 8192 characters, no control characters.
        type: str
  update_secrets:
    description:
      - What to do with an auth secret the server does not show when it reads the notification (masked as
        C(********) or left out), so that it cannot be compared.
      - V(on_create) does not compare it - a notification that differs in nothing else stays unchanged, and
        the secret is sent when the notification is created or when another option changes. A changed secret
        alone is then not sent; use V(always) once to send it.
      - V(always) counts it as different, so the notification (with the secret) is sent on every run and the
        task reports a change.
      - A secret the server shows is always compared.
    type: str
    choices: [always, on_create]
    default: on_create
    version_added: 0.2.0
notes:
  - Needs the C(alertrules:read) and C(alertrules:write) scopes. Finding the rules reads the rule listing
    (100 rules per request); then one read per rule and one write for all rules that change.
  - If a Logpoint does not return the auth secrets when reading a notification, changing another option of an
    existing HTTP notification needs O(auth) with its secret in the task (the module would otherwise have no
    secret to send and says so before writing anything).
seealso:
  - module: logpoint.siem.alert_rule
  - module: logpoint.siem.alert_rule_info
  - name: Email notification API
    description: Logpoint's description of the email notification API.
    link: https://docs.logpoint.com/siem/readme/siem_api_reference/email-notification-for-alert-rules
  - name: HTTP notification API
    description: Logpoint's description of the HTTP notification API.
    link: https://docs.logpoint.com/siem/readme/siem_api_reference/http-notification-for-alert-rules
"""

EXAMPLES = r"""
- name: Email the SOC for the brute force rules
  logpoint.siem.notification:
    type: email
    alert_rules:
      - Brute force on Windows logons
      - Brute force on VPN logons
    recipients: [soc@example.com, oncall@example.com]
    subject: !unsafe "[{{ risk }}] {{ alert_name }}"
    template: !unsafe "<p>{{ rows_count }} matching events.</p>"
    threshold: {value: 1, unit: hour}

- name: Post to the incident webhook with a bearer token
  logpoint.siem.notification:
    type: http
    alert_rules: [Admin group membership change]
    http_url: https://hooks.example.com/logpoint
    method: POST
    body: !unsafe '{"alert": "{{ alert_name }}", "risk": "{{ risk }}", "rows": "{{ rows_count }}"}'
    auth:
      type: bearer
      value: "{{ webhook_token }}"

- name: Rotate that token on a Logpoint that masks stored secrets (sent, and changed, on every run)
  logpoint.siem.notification:
    type: http
    alert_rules: [Admin group membership change]
    http_url: https://hooks.example.com/logpoint
    auth:
      type: bearer
      value: "{{ new_webhook_token }}"
    update_secrets: always

- name: Stop emailing (the API cannot delete a notification)
  logpoint.siem.notification:
    type: email
    alert_rules: [Brute force on VPN logons]
    enabled: false
"""

RETURN = r"""
alert_rules:
  description: One entry per rule of O(alert_rules).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The rule's name.
      type: str
    id:
      description: The rule's id.
      type: str
    outcome:
      description: V(created), V(updated) or V(unchanged) (in check mode, what a real run would do).
      type: str
    changes:
      description: The options that differed.
      type: list
      elements: str
  sample:
    - {name: Brute force on Windows logons, id: 65b1c0ffee0000000000beef, outcome: created,
       changes: [recipients, subject, template, threshold]}
notification:
  description: The options given, as the module understood them, secrets replaced by C(********).
  returned: success
  type: dict
  sample: {http_url: "https://hooks.example.com/logpoint", method: POST, auth: {type: bearer, value: "********"}}
"""

from ansible_collections.logpoint.siem.plugins.module_utils._converge import CONVERGE_ARGSPEC, check_concurrency
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.resources.notifications import (
    NOTIFICATION_OPTIONS,
    converge_notification,
)


ARGUMENT_SPEC = dict(NOTIFICATION_OPTIONS, **CONVERGE_ARGSPEC)


def run(params, client, check_mode, warn):
    max_concurrency = check_concurrency(params["max_concurrency"])
    return converge_notification(client, params, check_mode, max_concurrency)


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
