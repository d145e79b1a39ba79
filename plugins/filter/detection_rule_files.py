# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: detection_rule_files
short_description: Read the rule files of a detection_rules directory into rules and notifications
version_added: 0.2.0
description:
  - Turns the files of a rules directory (the format of the R(logpoint.siem.detection_rules role,ansible_collections.logpoint.siem.detection_rules_role),
    which M(logpoint.siem.detection_export) writes) into the C(rules) of M(logpoint.siem.alert_rules) and the
    notifications of M(logpoint.siem.notification).
  - Each file holds one rule, a mapping like an item of C(rules). Its C(source) is set to the file's path
    relative to O(base). Its optional C(notifications) key, a list of the options of
    M(logpoint.siem.notification) without C(alert_rules), becomes notifications of that rule.
  - A notification's auth secret written as a variable reference C({{ detection_rules_secrets.NAME }}) is
    replaced by the value of C(NAME) in O(secrets); the files never need to hold a secret.
  - Every problem of every file is returned in RV(_value.problems) (a file that is not one rule, a secret that
    is not in O(secrets), a notification that M(logpoint.siem.notification) would refuse), never a secret.
author:
  - logpoint.siem maintainers (@logpoint-siem)
positional: _input, texts, base, secrets, notifications
options:
  _input:
    description: The paths of the files, in the order to read them.
    type: list
    elements: str
    required: true
  texts:
    description: The content of each file, in the same order (C(query('ansible.builtin.file', *paths))).
    type: list
    elements: str
    required: true
  base:
    description: The rules directory; C(source) is each path relative to it.
    type: str
    default: ""
  secrets:
    description: The values the secret references name.
    type: dict
    default: {}
  notifications:
    description:
      - More notifications to check (for example C(detection_rules_notifications)); they are not returned.
      - Every notification, of the files or these, is checked against the options of M(logpoint.siem.notification)
        and their rules, so that a bad one is found before any rule is written.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Read the rule files
  ansible.builtin.set_fact:
    loaded: >-
      {{ files | logpoint.siem.detection_rule_files(query('ansible.builtin.file', *files), rules_dir, detection_rules_secrets) }}
  vars:
    rules_dir: "{{ playbook_dir }}/rules"
    files: "{{ query('ansible.builtin.fileglob', rules_dir ~ '/*.yml') | sort }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The rules, the notifications and the problems found.
  type: dict
  contains:
    rules:
      description: One rule per file, with C(source) set and without C(notifications).
      type: list
      elements: dict
    notifications:
      description: The notifications of the files, each with C(alert_rules) naming its rule, secrets resolved.
      type: list
      elements: dict
    problems:
      description: Every problem found, naming the file.
      type: list
      elements: str
      sample: ["brute_force.yml: notification 1 (http): auth.value refers to detection_rules_secrets.bf_http_value, which is not set"]
"""

import os
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.resources.notifications import (
    NOTIFICATION_OPTIONS,
    desired_facts,
)

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core depends on PyYAML
    yaml = None

REFERENCE = re.compile(r"^\{\{\s*detection_rules_secrets\.(\w+)\s*\}\}$")
SECRET_PARTS = ("value", "password")


def _load(path, text):
    try:
        return yaml.safe_load(text), None
    except yaml.YAMLError as exc:
        return None, "%s: not YAML (%s)" % (path, str(exc).splitlines()[0])


def _notifications(source, rule, secrets, problems):
    found = []
    given = rule.pop("notifications", None) or []
    if not isinstance(given, list):
        problems.append("%s: notifications must be a list of notifications" % source)
        return found
    for index, notification in enumerate(given, start=1):
        where = "%s: notification %d" % (source, index)
        if not isinstance(notification, dict) or "type" not in notification:
            problems.append("%s: must be a mapping with a type (email or http)" % where)
            continue
        notification = dict(notification, alert_rules=[rule.get("name") or rule.get("id")])
        auth = notification.get("auth")
        if isinstance(auth, dict):
            notification["auth"] = _resolved(auth, secrets, "%s (%s)" % (where, notification["type"]), problems)
        found.append((where, notification))
    return found


def _resolved(auth, secrets, where, problems):
    resolved = dict(auth)
    for part in SECRET_PARTS:
        match = REFERENCE.match(str(auth.get(part) or ""))
        if match:
            if match.group(1) in secrets and secrets[match.group(1)] not in (None, ""):
                resolved[part] = secrets[match.group(1)]
            else:
                problems.append("%s: auth.%s refers to detection_rules_secrets.%s, which is not set"
                                % (where, part, match.group(1)))
    return resolved


def _notification_problem(notification, where):
    """What logpoint.siem.notification would refuse in these options before sending anything, or None."""
    result = ArgumentSpecValidator(NOTIFICATION_OPTIONS).validate(notification)
    if result.error_messages:
        return "%s: %s" % (where, "; ".join(result.error_messages))
    try:
        desired_facts(result.validated_parameters)
    except ConfigError as exc:
        return "%s: %s" % (where, exc)
    return None


def detection_rule_files(paths, texts, base="", secrets=None, notifications=None):
    """``{'rules', 'notifications', 'problems'}`` of the rule files ``paths`` with contents ``texts``."""
    if yaml is None:
        raise AnsibleFilterError("detection_rule_files: PyYAML is needed")
    if len(paths) != len(texts):
        raise AnsibleFilterError("detection_rule_files: %d paths but %d texts" % (len(paths), len(texts)))
    secrets = secrets or {}
    rules, found, problems = [], [], []
    for path, text in zip(paths, texts):
        source = os.path.relpath(path, base) if base else os.path.basename(path)
        rule, problem = _load(source, text)
        if problem:
            problems.append(problem)
            continue
        if not isinstance(rule, dict) or not (rule.get("name") or rule.get("id")):
            problems.append("%s is not one rule with a name or id (%s); each file of detection_rules_dir holds one "
                            "rule, a mapping like an item of alert_rules' rules" % (source, str(rule)[:120]))
            continue
        rule = dict(rule, source=source)
        for where, notification in _notifications(source, rule, secrets, problems):
            problems.append(_notification_problem(notification, where))
            found.append(notification)
        rules.append(rule)
    for index, notification in enumerate(notifications or [], start=1):
        problems.append(_notification_problem(notification, "detection_rules_notifications[%d]" % (index - 1)))
    return {"rules": rules, "notifications": found, "problems": [problem for problem in problems if problem]}


class FilterModule:
    """logpoint.siem filters."""

    def filters(self):
        return {"detection_rule_files": detection_rule_files}
