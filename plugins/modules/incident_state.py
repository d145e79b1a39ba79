#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: incident_state
short_description: Resolve, close, reopen, reassign and comment Logpoint incidents
version_added: 0.1.0
description:
  - Brings the incidents selected by O(ids) or O(filters) to a desired state - status O(state), assignee
    O(assignee), a comment O(comment) - and can send them for investigation on Director.
  - Only incidents that are not yet in the desired state are touched, and only with the steps they still
    need. Status changes follow Logpoint's lifecycle - an incident is resolved before it is closed, and
    reopened (back to unresolved) before it can be resolved again.
  - A comment is added once - not when an incident already carries the same text. Overlapping runs on the
    same host (forks, or two playbooks at once) take turns - a host lock per incident (a file lock in the
    temporary directory) - and each reads the incidents again just before writing the comment, so ten
    forks adding one comment leave exactly one; a run that finds the comment already there reports no
    change for it.
  - On the classic Incident API only the assignee can resolve or close an incident, and the acting user is
    the API user O(username). An incident assigned to someone else is only taken over (assigned to the
    API user) when O(take_ownership=true); otherwise the task fails, naming the assignee, before anything is
    changed. Writes are batched - the endpoints take lists of ids - so closing a hundred incidents takes
    a handful of requests.
  - On Director every action is an order. The orders of one step (say, the close of every selected
    incident) are submitted together, O(max_concurrency) requests at a time, and polled together until
    they have all finished or O(wait_timeout) has passed; then the next step follows, so the steps of
    one incident stay in order. Actions run on behalf of the incident's assignee (Director's
    C(incident_user_id)); with O(assignee) the incident is reassigned first. When an order fails or
    does not finish in time, no order of a later step is sent and the task fails naming every order
    that did not finish, and what had been written (then it reports a change).
  - Everything is read and checked before the first write - unknown users or ids, incidents that cannot
    be taken over - so bad input changes nothing.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection
  - logpoint.siem.director
  - logpoint.siem.incident_selection
  - logpoint.siem.converge
  - logpoint.siem.attributes
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details: Reads the incidents and reports what would change; sends no write and no order.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
    details: Status and assignee before and after of each incident that changes, and the comment added.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation
      indicates no change.
    support: partial
    details: Idempotent except O(send_for_investigation=true), an action that is sent on every run.
options:
  state:
    description:
      - The status the incidents should have.
    type: str
    choices: [unresolved, resolved, closed]
  assignee:
    description:
      - The user the incidents should be assigned to, by name or id (resolved through the users API).
    type: str
  comment:
    description:
      - A comment the incidents should carry; added to each incident that does not have this text yet.
      - At most 10000 characters, without NUL characters.
    type: str
  send_for_investigation:
    description:
      - Send the incidents for investigation (fires the notifications of their alert rule). Director only.
      - An action, not a state - it is sent on every run and always reported as a change, but never in
        check mode.
    type: bool
    default: false
  take_ownership:
    description:
      - On the classic API, assign incidents of other users to the API user O(username) so that they can
        be resolved or closed. They stay with the API user unless O(assignee) names someone else.
      - Not needed on Director, which acts on behalf of the assignee; ignored there with a warning.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the Director orders sent together (the fetch of the incidents, then the orders
        of each step) to finish; one deadline for each such group. From V(1) to V(3600).
    type: int
    default: 60
notes:
  - At least one of O(state), O(assignee), O(comment) and O(send_for_investigation) is needed, and one of
    O(ids) and O(filters).
  - Director writes are asynchronous; an order that times out may still be carried out later. Running the
    task again sends only what is still missing - and an order a run on this host left pending is not sent
    again - the re-run polls that order (its id is kept on record in the temporary directory for a day)
    and reports it as written once it has finished, or fails naming it as C(sent by an earlier run and
    not sent again) while it is still pending. A recorded order that failed or that Director no longer
    knows is sent anew. An order whose submit reply was lost has no id to record; the re-run reads the
    incident and sends the step again when the incident does not show it.
seealso:
  - module: logpoint.siem.incident_info
  - name: Logpoint Incident API
    description: The classic Incident API.
    link: https://docs.logpoint.com/siem/readme/siem_api_reference/incident-api
"""

EXAMPLES = r"""
- name: Close every low-risk incident of the last day, taking them over from their assignees
  logpoint.siem.incident_state:
    api: classic
    filters:
      risk: low
      status: [unresolved, resolved]
      since: 24h
    state: closed
    take_ownership: true
    comment: Closed by the nightly triage job.

- name: Hand the critical incidents to the on-call analyst with a note
  logpoint.siem.incident_state:
    api: classic
    filters:
      risk: critical
      status: unresolved
    assignee: analyst
    comment: Escalated to the on-call analyst.

- name: Reopen two incidents by id (a 32-hex incident_id works too)
  logpoint.siem.incident_state:
    api: classic
    ids:
      - 65b000000000000000000004
      - 5eed65b0000000000000000000000006
    state: unresolved
    comment: Reopened - access request approved.

- name: On Director, resolve an incident as its new assignee and send it for investigation
  logpoint.siem.incident_state:
    api: director
    ids: [65b000000000000000000005]
    assignee: analyst
    state: resolved
    send_for_investigation: true
    wait_timeout: 120
  register: triage

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ triage.summary }}"
"""

RETURN = r"""
api:
  description: The API that was used.
  returned: success
  type: str
  sample: classic
incidents:
  description: Every selected incident, changed or not, in detection order.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The 24-hex incident id.
      type: str
      sample: 65b000000000000000000007
    incident_id:
      description: The 32-hex incident id (null for closed incidents on the classic API).
      type: str
      sample: 5eed65b0000000000000000000000007
    name:
      description: The incident name.
      type: str
      sample: Disk usage above 85% on LogPoint-Primary
    risk:
      description: The risk level.
      type: str
      sample: low
    changed:
      description: Whether the incident was (or in check mode would be) changed.
      type: bool
      sample: true
    actions:
      description:
        - The steps sent, in order - C(take_over), C(assign), C(reopen), C(comment), C(resolve),
          C(close), C(send_for_investigation).
      type: list
      elements: str
      sample: [take_over, resolve, close]
    before:
      description: Status and assignee (user name) before.
      type: dict
      sample: {status: unresolved, assignee: analyst}
    after:
      description: Status and assignee after.
      type: dict
      sample: {status: closed, assignee: admin}
    order_ids:
      description: The Director order ids of the incident's steps (Director only, not in check mode).
      type: list
      elements: str
      sample: [0b6f6a4e-4d6c-4a59-9d8e-6f0c1f8e2a11]
summary:
  description: Counts of selected, changed and unchanged incidents and of each action.
  returned: success
  type: dict
  sample: {selected: 4, changed: 3, unchanged: 1, actions: {take_over: 1, resolve: 2, close: 3, comment: 3}}
"""

import time

from ansible_collections.logpoint.siem.plugins.module_utils._converge import check_concurrency, execute
from ansible_collections.logpoint.siem.plugins.module_utils.module import run_module
from ansible_collections.logpoint.siem.plugins.module_utils.options import WITH_DIRECTOR
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incidents import (
    STATE_ARGSPEC, Selection, assignee_name, backend_for, check_desired, choose_api, plan_state, report,
    resolve_people, select)

ARGUMENT_SPEC = STATE_ARGSPEC


def run(params, client, check_mode, warn):
    max_concurrency = check_concurrency(params["max_concurrency"])
    check_desired(params)
    selection = Selection(params, time.time())
    api = choose_api(params, needs_director=params["send_for_investigation"])
    if api == "director" and params["take_ownership"]:
        warn("take_ownership has no effect on Director, which acts on behalf of each incident's assignee")
    backend = backend_for(api, client, params["wait_timeout"], max_concurrency)
    users = backend.users()
    assignee_id, api_user_id = resolve_people(client, params, api, users)
    incidents = select(backend, selection, client, users)

    def describe_user(user_id):
        return assignee_name(client, user_id, users) or "nobody"

    plan = plan_state(backend, selection, incidents, {
        "state": params["state"], "assignee_id": assignee_id, "comment": params["comment"],
        "send_for_investigation": params["send_for_investigation"], "api_user_id": api_user_id,
        "take_ownership": params["take_ownership"]}, describe_user)
    execute(plan, check_mode=check_mode, max_concurrency=max_concurrency)
    result, diff = report(api, plan, describe_user)
    return result["summary"]["changed"] > 0, result, diff


def main():
    run_module(ARGUMENT_SPEC, run, connection=WITH_DIRECTOR, required_one_of=[("ids", "filters")])


if __name__ == "__main__":
    main()
