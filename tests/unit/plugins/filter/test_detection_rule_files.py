# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.logpoint.siem.plugins.filter.detection_rule_files import FilterModule, detection_rule_files

RULE = """\
name: Brute force
query: label=Fail
notifications:
  - type: email
    recipients: [soc@example.com]
    subject: "[{{ risk }}] {{ alert_name }}"
  - type: http
    http_url: https://hooks.example.com
    auth: {type: basic, key: soc, password: "{{ detection_rules_secrets.hook_password }}"}
"""


def test_rules_get_their_source_and_notifications_their_rule_and_secrets():
    loaded = detection_rule_files(["/rules/sub/bf.yml"], [RULE], "/rules", {"hook_password": "s3cret"})
    assert loaded["problems"] == []
    assert loaded["rules"] == [{"name": "Brute force", "query": "label=Fail", "source": "sub/bf.yml"}]
    email, http = loaded["notifications"]
    assert email["alert_rules"] == ["Brute force"] and email["subject"] == "[{{ risk }}] {{ alert_name }}"
    assert http["auth"] == {"type": "basic", "key": "soc", "password": "s3cret"}


def test_every_problem_of_every_file_without_the_secrets():
    texts = [RULE, "- name: a\n- name: b\n", "name: [unclosed\n", "name: X\nnotifications: {type: email}\n",
             "name: Y\nnotifications: [nope, {type: http, http_url: ftp://x, auth: {type: bearer}}]\n"]
    paths = ["/r/%d.yml" % index for index in range(len(texts))]
    extra = [{"type": "email", "alert_rules": ["Y"], "recipients": ["nobody"]}, {"type": "sms", "alert_rules": ["Y"]}]
    loaded = detection_rule_files(paths, texts, "/r", {"other": "s3cret"}, extra)
    problems = loaded["problems"]
    assert problems[0] == ("0.yml: notification 2 (http): auth.password refers to detection_rules_secrets.hook_password, "
                           "which is not set")
    assert problems[1].startswith("1.yml is not one rule with a name or id")
    assert problems[2].startswith("2.yml: not YAML")
    assert problems[3] == "3.yml: notifications must be a list of notifications"
    assert problems[4] == "4.yml: notification 1: must be a mapping with a type (email or http)"
    assert problems[5] == "4.yml: notification 2: http_url: 'ftp://x' is not an http:// or https:// URL."
    assert problems[6] == "detection_rules_notifications[0]: recipients: give one or more email addresses."
    assert problems[7].startswith("detection_rules_notifications[1]: value of type must be one of: email, http")
    assert len(problems) == 8
    assert "s3cret" not in str(loaded)
    assert FilterModule().filters()["detection_rule_files"] is detection_rule_files
    with pytest.raises(AnsibleFilterError):
        detection_rule_files(["a.yml"], [])
