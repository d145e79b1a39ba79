#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: incident_info
short_description: Find Logpoint incidents, with their comments and log rows
version_added: 0.1.0
description:
  - Returns the incidents selected by O(ids) or O(filters) - all incidents of the time window when neither
    is given - on the classic Incident API or on Director.
  - Closed incidents are found too. The classic C(/incidents) hides them, so the module also reads
    C(/incident_states) when closed incidents may be selected.
  - With O(include_comments) each incident carries its comments, with O(include_data) its log rows (classic
    C(/get_data_from_incident); Director C(fetchIncidentData), then C(IncidentData)).
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.director
  - logpoint.siem.incident_selection
  - logpoint.siem.attributes
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details: Only reads; runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: N/A
    details: Changes nothing.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation
      indicates no change.
    support: full
options:
  include_comments:
    description:
      - Return the comments of each incident.
    type: bool
    default: false
  include_data:
    description:
      - Return the log rows of each incident (one request per incident, four at a time; on Director an order
        per incident).
      - The classic API cannot read the rows of closed incidents (it does not list their incident_id);
        their C(data) is V(null), with a warning.
      - Rows are log rows whatever shape the server sends. Director's IncidentData may group them (a
        C(log_ts) with the rows under C(_participating_events)); each group gives its events.
    type: bool
    default: false
seealso:
  - module: logpoint.siem.incident_state
"""

EXAMPLES = r"""
- name: Open critical and high incidents of the last 24 hours
  logpoint.siem.incident_info:
    api: classic
    filters:
      risk: [critical, high]
      status: unresolved
      since: 24h
  register: urgent

- name: List them
  ansible.builtin.debug:
    msg: "{{ item.detection_time }} {{ item.risk }} {{ item.name }} ({{ item.assignee }})"
  loop: "{{ urgent.incidents }}"
  loop_control:
    label: "{{ item.id }}"

- name: One incident with its comments and log rows, through Director
  logpoint.siem.incident_info:
    api: director
    ids: [65b000000000000000000001]
    include_comments: true
    include_data: true
  register: incident

- name: Incidents of analyst between two dates
  logpoint.siem.incident_info:
    filters:
      assigned_to: analyst
      since: "2026-11-01T00:00:00Z"
      until: "2026-11-08T00:00:00Z"
"""

RETURN = r"""
api:
  description: The API that was used.
  returned: success
  type: str
  sample: classic
incidents:
  description: The selected incidents in detection order; fields the API does not tell are null.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The 24-hex incident id, the one write calls take.
      type: str
      sample: 65b000000000000000000001
    incident_id:
      description: The 32-hex incident id.
      type: str
      sample: 5eed65b0000000000000000000000001
    name:
      description: The incident name.
      type: str
      sample: Brute force attack on dc-01
    description:
      description: The incident description.
      type: str
      sample: Brute force attack on dc-01 (simulated incident)
    status:
      description: C(unresolved), C(resolved) or C(closed).
      type: str
      sample: unresolved
    risk:
      description: C(low), C(medium), C(high) or C(critical) (the server's C(risk_level)).
      type: str
      sample: critical
    type:
      description: C(alert), C(search) or C(ueba), in lower case.
      type: str
      sample: alert
    assignee:
      description: The name of the user the incident is assigned to.
      type: str
      sample: analyst
    assignee_id:
      description: The id of that user.
      type: str
      sample: 65a000000000000000000002
    detection_time:
      description: When the incident was detected, ISO 8601 UTC.
      type: str
      sample: "2026-11-22T08:00:00Z"
    detection_timestamp:
      description: The same as epoch seconds.
      type: float
      sample: 1795334400.171028
    rows_count:
      description: How many log rows the incident holds.
      type: int
      sample: 2
    comments:
      description: The comments (with O(include_comments=true)).
      type: list
      elements: dict
      sample: [{user: analyst, comment: Looking into the source addresses., time: "2026-11-22T09:00:00Z"}]
    data:
      description: The log rows (with O(include_data=true)), as the server normalised them.
      type: list
      elements: dict
      sample: [{msg: An account failed to log on., log_ts: 1795334340, device_name: dc-01, repo_name: default}]
"""

import time

from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.options import WITH_DIRECTOR
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import (
    INFO_ARGSPEC, Selection, backend_for, choose_api, describe, select)

ARGUMENT_SPEC = INFO_ARGSPEC


def run(params, client, check_mode, warn):
    selection = Selection(params, time.time())
    api = choose_api(params)
    backend = backend_for(api, client)
    users = backend.users()
    incidents = select(backend, selection, client, users)
    described = [describe(incident, client, users, params["include_comments"]) for incident in incidents]
    if params["include_data"]:
        readable = [incident for incident in incidents if incident["incident_id"] or api == "director"]
        rows = backend.data(readable) if readable else {}
        if len(readable) < len(incidents):
            warn("the classic API cannot read the log rows of %d closed incident(s) (it does not list their "
                 "incident_id); use api: director for them" % (len(incidents) - len(readable)))
        for entry in described:
            entry["data"] = rows.get(entry["id"])
    return False, {"api": api, "incidents": described}, None


def main():
    run_module(ARGUMENT_SPEC, run, connection=WITH_DIRECTOR)


if __name__ == "__main__":
    main()
