# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: repos
short_description: List the distributed Logpoints and their repos
version_added: 0.1.0
description:
  - Returns one dictionary per repo of every Logpoint the user can search, read through the Repos API
    (C(POST /Repo/get_all_searchable_logpoint), scope C(logsource:read)), or through the classic
    C(/getalloweddata) API with O(source=getalloweddata).
  - The C(address) of a repo is what alert rules and searches take as a repo.
  - Returned data is marked unsafe, so a repo name is never evaluated as a template.
author:
  - logpoint.siem maintainers (@logpoint-siem)
extends_documentation_fragment:
  - logpoint.siem.connection_lookup
options:
  _terms:
    description: Not used; give filters as keyword options.
    required: false
  logpoint:
    description:
      - Keep only repos of Logpoints whose name or IP address matches this glob pattern, such as V(LogPoint-*).
    type: str
  repo:
    description:
      - Keep only repos whose name matches this glob pattern, such as V(win*).
    type: str
  active_only:
    description: Keep only active repos.
    type: bool
    default: false
  source:
    description:
      - V(repo_api) reads the JWT Repos API. V(getalloweddata) reads the classic Search API with
        O(username) and O(secret_key), for Logpoints without the JWT APIs; it lists only the repos
        the user may search and reports them all as active.
    type: str
    default: repo_api
    choices: [repo_api, getalloweddata]
requirements:
  - requests
  - PyJWT >= 2.6
"""

EXAMPLES = r"""
- name: Every repo of every Logpoint
  ansible.builtin.debug:
    msg: "{{ query('logpoint.siem.repos') }}"

- name: Addresses of the Windows repos, for an alert rule
  ansible.builtin.set_fact:
    windows_repos: "{{ query('logpoint.siem.repos', repo='win*') | map(attribute='address') | list }}"

- name: Repos of one Logpoint through the classic API, with explicit connection options
  ansible.builtin.debug:
    msg: "{{ query('logpoint.siem.repos', logpoint='LogPoint-Primary', source='getalloweddata',
             url='https://logpoint.example.com', username='admin', secret_key=logpoint_secret_key) }}"
"""

RETURN = r"""
_list:
  description: One dictionary per repo.
  type: list
  elements: dict
  contains:
    logpoint:
      description: Name of the Logpoint that holds the repo.
      type: str
      sample: LogPoint-Primary
    logpoint_ip:
      description: IP address of that Logpoint.
      type: str
      sample: 192.0.2.10
    repo:
      description: Repo name.
      type: str
      sample: windows
    address:
      description: The repo's address, as alert rules and searches take it.
      type: str
      sample: 192.0.2.10:5504/windows
    active:
      description: Whether the repo (and its Logpoint) is active.
      type: bool
      sample: true
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.logpoint.siem.plugins.module_utils.api.repos import filter_repos, list_repos
from ansible_collections.logpoint.siem.plugins.plugin_utils._lookup import run_lookup


def run(options, client):
    """The repos of the Logpoints ``client`` reaches, filtered as the options say."""
    repos = list_repos(client, source=options["source"])
    return filter_repos(repos, logpoint=options["logpoint"], repo=options["repo"], active_only=options["active_only"])


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        return run_lookup(self, variables, kwargs, run, name="logpoint.siem.repos")
