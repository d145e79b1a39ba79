# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: audit_logs
short_description: Read the audit trail of Logpoint or LogicMonitor
version_added: 0.1.0
description:
  - Returns audit trail entries, newest first by default, from one of two sources.
  - O(source=logpoint) - Logpoint has no audit endpoint; its audit records are logs in repo C(_logpoint).
    The lookup builds the search queries Logpoint documents for each audit O(category), narrowed by O(user),
    O(action) and O(keyword), runs them through the classic Search API (C(/getsearchlogs), with O(username)
    and O(secret_key)) and polls until they finish, within O(search_timeout). A search the Logpoint forgets
    between polls (C(Forgotten search)) is started once more.
  - Every Logpoint search sends a row limit (O(limit) when the newest entries are wanted, else 100000), since a
    Logpoint cuts a search that sends none at its own default. A search that comes back with as many rows as
    it asked for, or with fewer than it says it found, may have dropped entries of the window; the lookup
    warns with the category and what to narrow.
  - O(source=logicmonitor) - reads LogicMonitor's audit log (C(GET /setting/accesslogs), API v3) with an
    LMv1 signature (O(lm_access_id) and O(lm_access_key)) or O(lm_bearer_token), 1000 entries per request,
    the pages after the first fetched concurrently, in order. A rate-limited request (HTTP 429) is retried
    after the wait LogicMonitor asks for.
  - LogicMonitor serves pages smaller than asked (50 on some portals) and no entry past the 10000th of one
    filter; the lookup reads at the page size served and splits a window holding more than 10000 entries
    in halves, as often as needed, so every entry is read. Special characters of O(user) and O(keyword)
    are escaped as LogicMonitor asks.
  - Every read returns every entry asked for, or says what it may have dropped (the warning above), or fails.
    A LogicMonitor answer without an C(items) list is an error naming it, never read as no entries.
  - Every entry has the same keys, null where the source has no such value (see RV(_list)).
  - Returned data is marked unsafe, so text from the audit trail is never evaluated as a template.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection_lookup
  - logpoint.siem.logicmonitor_lookup
options:
  _terms:
    description: Not used; give the options as keyword arguments.
    required: false
  source:
    description: Where the audit trail is read.
    type: str
    choices: [logpoint, logicmonitor]
    default: logpoint
  category:
    description:
      - Logpoint audit categories to read (O(source=logpoint) only) - V(user_management) (users, groups,
        permissions), V(authentication) (logins, lock and unlock), V(configuration) (changes to knowledge base,
        searches, reports, dashboards, incidents, lists, alert rules...), V(trusted_channel) (connections
        between Logpoints), V(system) (hourly disk usage).
      - When not given, every category but V(system).
    type: list
    elements: str
    choices: [user_management, authentication, configuration, trusted_channel, system]
  user:
    description:
      - Keep entries of this user; C(*) is a wildcard.
    type: str
  action:
    description:
      - Keep entries with this action, such as V(created), V(updated) or V(login) for Logpoint (C(*) is a
        wildcard). For LogicMonitor the action is derived from the entry's description - V(login),
        V(login_failed), V(logout), V(add), V(update), V(delete) or V(other) - and matched exactly.
    type: str
  keyword:
    description:
      - Keep entries with this text in any field.
    type: str
  since:
    description:
      - Start of the time window - epoch seconds, ISO 8601 (V(2026-11-22T08:00:00Z)), or a time ago such
        as V(30m), V(24h) or V(7d).
      - Times from 2000-01-01 to 2099-12-31 are accepted; NaN, infinity, negative epochs, V(0) and durations
        reaching back before 2000 are refused before any request, as is an O(until) not after O(since).
    type: str
    default: 24h
  until:
    description:
      - End of the time window, in the same forms as O(since); V(now) by default.
    type: str
    default: now
  sort:
    description: V(newest) or V(oldest) entries first.
    type: str
    choices: [newest, oldest]
    default: newest
  fields:
    description:
      - Return only these keys of each entry.
    type: list
    elements: str
    choices: [time, user, action, object, type, description, source_address, repo, category, id, session_id,
              source, raw]
  limit:
    description:
      - At most this many entries in all (the newest or oldest, following O(sort)); V(0) for no limit.
      - From V(1) to V(100000), or V(0); anything else (a negative number would silently drop entries) is
        refused before any request.
    type: int
    default: 1000
  search_timeout:
    description:
      - Seconds a Logpoint search may take, polls included, before the lookup gives up (O(source=logpoint)).
      - From V(1) to V(3600).
    type: int
    default: 120
notes:
  - The Logpoint categories follow Logpoint's "Audit Logs" documentation; configuration and trusted-channel
    entries come from Logpoint's charting queries, which count identical rows, so identical changes in the
    same second are one entry; C(raw) holds the count.
requirements:
  - requests
  - PyJWT >= 2.6
seealso:
  - name: Logpoint audit logs
    description: The audit categories and the queries Logpoint documents for them.
    link: https://docs.logpoint.com/siem/readme/system-settings/audit-logs
  - name: LogicMonitor audit logs API
    description: The access log resource and its filters.
    link: https://www.logicmonitor.com/support/rest-api-developers-guide/v1/access-logs/get-access-log-entries
"""

EXAMPLES = r"""
- name: What changed in Logpoint's configuration in the last hour
  ansible.builtin.debug:
    msg: "{{ item.user }} {{ item.action }} {{ item.type }} {{ item.object }}"
  loop: "{{ query('logpoint.siem.audit_logs', category='configuration', since='1h') }}"

- name: Failed logins of one user over a week, oldest first
  ansible.builtin.set_fact:
    jdoe_logins: >-
      {{ query('logpoint.siem.audit_logs', category='authentication', user='jdoe', action='login*',
               since='7d', sort='oldest') }}

- name: LogicMonitor audit entries mentioning a collector, with a bearer token from the environment (LM_BEARER_TOKEN)
  ansible.builtin.debug:
    msg: "{{ query('logpoint.siem.audit_logs', source='logicmonitor', lm_company='acme', keyword='collector',
             since='2026-11-01T00:00:00Z', limit=0, fields=['time', 'user', 'description']) }}"
"""

RETURN = r"""
_list:
  description: One dictionary per audit entry.
  type: list
  elements: dict
  contains:
    time:
      description:
        - When it happened, epoch seconds, whatever form the source gives it in (Logpoint sends epoch
          numbers or UTC text such as C(2020/07/15 08:38:20)); null when the source's time is unreadable
          (such entries come last).
      type: int
      sample: 1795316541
    user:
      description: Who did it (null for Logpoint's system entries).
      type: str
      sample: admin
    action:
      description: What was done.
      type: str
      sample: created
    object:
      description: What it was done to (Logpoint).
      type: str
      sample: BAD_IPS
    type:
      description: The kind of object (Logpoint).
      type: str
      sample: UserDefinedList
    description:
      description: The entry's text (LogicMonitor description, Logpoint message when there is one).
      type: str
      sample: sarah signs in (adminUser)
    source_address:
      description: The address the action came from.
      type: str
      sample: 192.0.2.99
    repo:
      description: The Logpoint repo holding the entry.
      type: str
      sample: _logpoint
    category:
      description: The Logpoint audit category the entry was found in.
      type: str
      sample: configuration
    id:
      description: The LogicMonitor entry id.
      type: str
      sample: "102999"
    session_id:
      description: The LogicMonitor session id.
      type: str
      sample: 5cdf1ee93f6276a2cabf8df8
    source:
      description: V(logpoint) or V(logicmonitor).
      type: str
      sample: logpoint
    raw:
      description: The row or item as the source returned it.
      type: dict
      sample: {"log_ts": 1795316541, "user": "admin", "action": "created", "object": "BAD_IPS", "count()": 1}
"""

import time

from ansible.plugins.lookup import LookupBase

from ansible_collections.logpoint.siem.plugins.module_utils.api.audit import (
    ACTION_CATEGORIES, check_options, finish_entries, logpoint_audit, time_window)
from ansible_collections.logpoint.siem.plugins.module_utils.api.logicmonitor import (
    LogicMonitorClient, logicmonitor_audit)
from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.plugin_utils._lookup import run_lookup


def connect(options, warn):
    """The client of the source the options name: the Logpoint's or LogicMonitor's."""
    if options["source"] == "logpoint":
        return LogpointClient.from_options(options, warn=warn)
    if options["category"]:
        raise ConfigError("category applies to source logpoint; LogicMonitor's audit log has no categories")
    return LogicMonitorClient.from_options(options, warn=warn)


def run(options, client, now=None):
    """The audit entries of the window the options give, sorted, cut to limit and reduced to fields."""
    check_options(options)
    newest_first = options["sort"] == "newest"
    window = time_window(options["since"], options["until"], time.time() if now is None else now)
    if options["source"] == "logpoint":
        entries = logpoint_audit(client, categories=options["category"] or ACTION_CATEGORIES, window=window,
                                 user=options["user"], action=options["action"], keyword=options["keyword"],
                                 limit=options["limit"], newest_first=newest_first, deadline=options["search_timeout"])
    else:
        entries = logicmonitor_audit(client, window=window, user=options["user"], keyword=options["keyword"],
                                     action=options["action"], newest_first=newest_first, limit=options["limit"],
                                     fields=options["fields"])
    return finish_entries(entries, newest_first=newest_first, limit=options["limit"], fields=options["fields"])


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        return run_lookup(self, variables, kwargs, run, name="logpoint.siem.audit_logs", connect=connect)
