# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# The options ids, filters and api of incident_state and incident_info (SELECTION_SPEC in
# plugins/module_utils/resources/incidents.py).

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
options:
  ids:
    description:
      - The incidents, by their 24-hex C(id) (what the write calls take) or their 32-hex C(incident_id);
        both forms are recognised.
      - Incidents are looked up among those detected in the time window of O(filters.since) and
        O(filters.until) (by default the last 7 days); an id that is not found there fails the task
        before anything is changed, with the window in the message.
      - With O(ids), O(filters) may only give O(filters.since) and O(filters.until).
      - At most 1000 ids.
    type: list
    elements: str
  filters:
    description:
      - Select incidents by their fields; every filter given must match.
      - Filters are applied by the collection as well as sent to the server (as URL parameters of the
        classic C(/incidents), as fetch filters on Director), so servers that ignore them give the same result.
      - A task acts on (or returns) at most 5000 incidents; a selection of more fails before any write.
    type: dict
    suboptions:
      name:
        description:
          - A regular expression searched for in the incident name, case-insensitively; at most 1000
            characters, without control characters.
        type: str
      status:
        description:
          - One status or a list of them.
        type: list
        elements: str
        choices: [unresolved, resolved, closed]
      risk:
        description:
          - One risk level or a list of them.
        type: list
        elements: str
        choices: [low, medium, high, critical]
      type:
        description:
          - One incident type or a list of them.
        type: list
        elements: str
        choices: [alert, search, ueba]
      since:
        description:
          - Start of the time window of the detection time, as epoch seconds, ISO 8601
            (V(2026-11-22T08:00:00Z)) or relative (V(24h), V(7d), V(30m) meaning that long ago).
          - The window is read in slices of one day, one request per slice and API call (at most four
            at a time), so that no single request asks for an unbounded period.
          - Bounds, checked before any request - the window is at most 366 days long, so a task reads at
            most 366 slices - on the classic API at most 366 C(/incidents) and 366 C(/incident_states)
            requests, on Director at most 366 fetch orders; times lie from 2000-01-01 to 2099-12-31. NaN,
            infinity, negative epochs, V(0), durations reaching back before 2000 and an O(filters.until)
            not after O(filters.since) are refused with the option named.
          - Only incidents detected in the window are acted on or returned, whatever window the server's
            C(/incident_states) uses (Logpoint documents it as the incidents modified in the window). A
            closed incident the classic API lists only in C(/incident_states) carries no detection time -
            it is left out when its first comment is older than O(filters.since) (it was detected before
            the window), and, with a warning, when the server was seen selecting states by modification
            (a comment older than the window a state was listed for). Director tells every detection time.
        type: raw
        default: 7d
      until:
        description:
          - End of the time window, in the forms of O(filters.since). Default now.
        type: raw
      assigned_to:
        description:
          - Only incidents assigned to one of these users (names or ids).
        type: list
        elements: str
  api:
    description:
      - Which API to use. V(classic) is the Incident API with O(username) and O(secret_key).
        V(director) is the Director (Fabric) configapi with O(director_url), O(director_token),
        O(pool_uuid) and O(logpoint_identifier).
      - V(auto) uses Director when its four options are set (options or C(LOGPOINT_DIRECTOR_*) environment
        variables), the classic API otherwise.
      - On the classic API a closed incident is only listed by C(/incident_states), which tells its
        id, status, assignee and comments but not its name, risk, type, incident_id or detection time;
        those are returned as V(null) and filters on them do not match it. Director returns them all.
    type: str
    choices: [auto, classic, director]
    default: auto
'''
