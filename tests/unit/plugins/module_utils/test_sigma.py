# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sigma -> alert_rules rules (module_utils/_sigma.py) on the project's own Sigma rules (tests/fixtures/sigma):
every pipeline, every mapping, every skip reason, correlations, names, renames, options."""
from __future__ import annotations

import builtins
import shutil
from pathlib import Path

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils import _sigma
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, MissingLibraryError

pytest.importorskip("sigma.backends.logpoint")

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sigma"
# aws is mapped: its rule is skipped for having no pipeline, not for its logsource
REPOS = {"product": {"windows": ["windows"], "linux": "linux", "azure": ["cloud"], "m365": ["cloud"], "aws": "cloud"}}
PACK = "sigma-tests"


def convert(src=FIXTURES, **options):
    return _sigma.convert_tree(dict({"src": str(src), "pack": PACK, "repos": REPOS}, **options))


@pytest.fixture(scope="module")
def converted():
    return convert()


def by_name(result):
    return dict((rule["name"], rule) for rule in result["rules"])


def report_of(result, title):
    return next(entry for entry in result["report"] if entry["title"] == title)


def test_summary_of_the_test_set(converted):
    assert converted["summary"] == {"files": 23, "converted": 11, "skipped": 12, "skipped_by_reason": {
        "correlated": 1, "correlation": 2, "id": 2, "invalid": 1, "level": 2, "logsource": 1, "pipeline": 1,
        "status": 2}}
    assert [rule["name"] for rule in converted["rules"]] == sorted(rule["name"] for rule in converted["rules"])


@pytest.mark.parametrize("title, pipeline, query", [
    ("Security Event Log Cleared", "logpoint_windows", 'norm_id="WinServer" channel="Security" event_id=1102'),
    ("Linux Password File Modified", "logpoint_linux", 'event_type="PATH" path="/etc/passwd"'),
    ("Azure Sign-In With Legacy Authentication", "logpoint_azure",
     'norm_id="AzureLogAnalytics" event_type="SigninLogs" ClientAppUsed IN ["Exchange ActiveSync", "Other clients"]'),
    ("Microsoft 365 Malware Detected In Mailbox", "logpoint_o365",
     'norm_id="Office365" category="ThreatManagement" alert_name="Malware campaign detected" status="failed"'),
])
def test_each_pipeline(converted, title, pipeline, query):
    entry = report_of(converted, title)
    assert entry["outcome"] == "converted" and entry["pipeline"] == pipeline
    assert by_name(converted)[title]["query"] == query


def test_a_deferred_query_is_one_line_of_pipes(converted):
    query = by_name(converted)["PowerShell Download Cradle"]["query"]
    assert "\n" not in query
    assert query.startswith('label="Process" label="Create" | process regex(')
    assert '| search "process"="*\\powershell.exe" command IN ["*Net.WebClient*", "*DownloadString*"]' in query


def test_the_mapping_of_one_rule(converted):
    rule = by_name(converted)["PowerShell Download Cradle"]
    assert rule["risk"] == "high" and rule["enabled"] is True
    assert rule["repos"] == ["windows"] and rule["time_range"] == "5m" and rule["search_interval"] == 5
    assert rule["condition"] == {"operator": ">=", "value": 1}
    assert rule["attack_tags"] == []
    assert rule["metadata"] == {
        "sigma_id": "5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b01", "sigma_pack": PACK, "sigma_level": "high",
        "sigma_status": "stable", "sigma_file": "windows/proc_powershell_download.yml",
        "attack_techniques": "T1059.001, T1105", "attack_tactics": "command-and-control, execution",
        "sigma_tags": "cve.2026-0001"}
    assert rule["description"] == (
        "A PowerShell process downloads and runs code from the network.\n\n"
        "References:\n- https://attack.mitre.org/techniques/T1059/001/\n\n"
        "False positives:\n- Software deployment scripts\n\nAuthor: logpoint.siem tests")


def test_level_and_status(converted):
    rules = by_name(converted)
    assert rules["Linux Password File Modified"]["enabled"] is False  # experimental
    assert rules["Linux Password File Modified"]["risk"] == "low"
    assert rules["Security Event Log Cleared"]["enabled"] is True  # test
    assert rules["Azure Sign-In With Legacy Authentication"]["risk"] == "critical"
    assert report_of(converted, "Windows Logon Seen")["code"] == "level"
    assert report_of(converted, "A Rule Without A Level")["code"] == "level"
    for title, status in (("Old Detection Replaced Long Ago", "deprecated"),
                          ("Detection Needing A Feature Nobody Has", "unsupported")):
        assert report_of(converted, title)["reason"] == "status %s is not converted" % status


def test_informational_and_experimental_on_request():
    result = convert(include_informational=True, enable_experimental=True)
    rules = by_name(result)
    assert rules["Windows Logon Seen"]["risk"] == "low" and rules["Windows Logon Seen"]["metadata"]["sigma_level"] == \
        "informational"
    assert rules["Linux Password File Modified"]["enabled"] is True


@pytest.mark.parametrize("title, code, reason", [
    ("Proxy Request To A Paste Site", "logsource", "no repos for its logsource (category: proxy) in repos"),
    ("AWS CloudTrail Logging Stopped", "pipeline", "no Logpoint pipeline for product 'aws'"),
    ("A Rule Without An Id", "id", "no id: the Sigma id is the rule's stable key"),
    ("Security Event Log Cleared Again", "id",
     "id 5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b02 is already the id of windows/security_log_cleared.yml"),
    ("Failed Windows Logon", "correlated", "used by a correlation rule without generate: true"),
    ("Logons From Many Addresses", "correlation", "correlation type value_count is not converted (only event_count)"),
    ("Correlation Of A Missing Rule", "correlation", "its rules are not all in src: Rule 'not_in_this_directory'"),
])
def test_skip_reasons(converted, title, code, reason):
    entry = report_of(converted, title)
    assert entry["outcome"] == "skipped" and entry["code"] == code
    assert entry["reason"].startswith(reason)


def test_files_that_are_not_sigma(converted, tmp_path):
    entry = report_of(converted, "Not A Sigma Rule")
    assert entry["file"] == "skipped/not_sigma.yml" and entry["code"] == "invalid"
    assert entry["reason"].startswith("not valid Sigma: ")
    (tmp_path / "broken.yml").write_text("title: [this is not\n  valid yaml\n", encoding="utf-8")
    (tmp_path / ".hidden.yml").write_text("not: read\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not read either\n", encoding="utf-8")
    result = convert(tmp_path)
    assert result["summary"]["files"] == 1 and result["rules"] == []
    assert result["report"] == [{"file": "broken.yml", "title": None, "sigma_id": None, "kind": "rule",
                                 "outcome": "skipped", "code": "invalid",
                                 "reason": "not a Sigma file: while parsing a flow sequence"}]


def test_a_logsource_mapped_by_service_before_product():
    repos = {"product": {"windows": "windows", "linux": "linux", "azure": "cloud", "m365": "cloud"},
             "service": {"security": ["default", "windows"]}}
    rules = by_name(convert(repos=repos))
    assert rules["Security Event Log Cleared"]["repos"] == ["default", "windows"]
    assert rules["PowerShell Download Cradle"]["repos"] == ["windows"]


def test_event_count_correlations(converted):
    rules = by_name(converted)
    brute = rules["Brute Force On One Account"]
    assert brute["query"] == ('norm_id="WinServer" channel="Security" event_id=4625 | chart count() as event_count '
                              'by target_user_name, source_address | search event_count >= 10')
    assert brute["time_range"] == "15m" and brute["search_interval"] == 5 and brute["repos"] == ["windows"]
    assert brute["condition"] == {"operator": ">=", "value": 1} and brute["risk"] == "high"
    assert report_of(converted, "Brute Force On One Account")["kind"] == "correlation"
    anywhere = rules["Many Failed Logons Anywhere"]
    assert anywhere["query"].endswith("event_id=4625 | chart count() as event_count | search event_count > 100")
    assert anywhere["time_range"] == "1h"
    # generate: true keeps the base rule; a timespan of 7 minutes gets a search interval that divides it
    assert "Linux Sudo To Root" in rules
    sudo = rules["Repeated Sudo To Root"]
    assert sudo["query"].endswith("| chart count() as event_count by user | search event_count >= 3")
    assert sudo["time_range"] == "7m" and sudo["search_interval"] == 1


def test_titles_that_collide_get_the_short_id_whatever_the_order(converted, tmp_path):
    def collided(result):
        return dict((rule["name"], rule["metadata"]["sigma_id"]) for rule in result["rules"]
                    if rule["name"].startswith("Suspicious Service Installed"))

    assert collided(converted) == {"Suspicious Service Installed [5b1f6b4e]": "5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b03",
                                   "Suspicious Service Installed [6c2a7c5f]": "6c2a7c5f-1e4b-4d2f-8b62-8d2e3f4b1c04"}
    shutil.copytree(FIXTURES / "windows", tmp_path / "w")
    (tmp_path / "w" / "duplicate_title_a.yml").rename(tmp_path / "w" / "zz.yml")  # now read last
    assert collided(convert(tmp_path / "w")) == collided(converted)


def test_a_name_held_by_another_rule_on_the_logpoint():
    existing = [{"id": "65b000000000000000000001", "name": "Security Event Log Cleared", "metadata": {}}]
    rules = by_name(convert(existing=existing))
    assert "Security Event Log Cleared [5b1f6b4e]" in rules and "Security Event Log Cleared" not in rules
    assert "id" not in rules["Security Event Log Cleared [5b1f6b4e]"]


def test_a_renamed_sigma_rule_keeps_its_logpoint_rule():
    existing = [{"id": "65b000000000000000000002", "name": "Old Title",
                 "metadata": {"sigma_id": "5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b02", "sigma_pack": PACK}},
                {"id": "65b000000000000000000003", "name": "Other Pack's Copy",
                 "metadata": {"sigma_id": "7d3b8d60-2f5c-4e30-9c73-9e3f405c2d05", "sigma_pack": "other"}},
                {"id": "65b000000000000000000004", "name": "PowerShell Download Cradle",
                 "metadata": {"sigma_id": "5b1f6b4e-0d3a-4c1e-9a51-7c1d2f3a0b01", "sigma_pack": PACK}}]
    rules = by_name(convert(existing=existing))
    assert rules["Security Event Log Cleared"]["id"] == "65b000000000000000000002"
    assert "id" not in rules["Linux Password File Modified"]  # another pack's rule is left alone
    assert "id" not in rules["PowerShell Download Cradle"]  # same name: alert_rules finds it by name


def test_attack_tags_mapped_to_logpoint_ids():
    rules = by_name(convert(attack_tags={"t1059.001": "a" * 32}))
    assert rules["PowerShell Download Cradle"]["attack_tags"] == ["a" * 32]
    assert rules["Security Event Log Cleared"]["attack_tags"] == []


def test_without_pipeline():
    result = convert(without_pipeline=True)
    rules = by_name(result)
    assert rules["AWS CloudTrail Logging Stopped"]["query"] == \
        'eventSource="cloudtrail.amazonaws.com" eventName="StopLogging"'
    assert report_of(result, "AWS CloudTrail Logging Stopped")["pipeline"] == "none"


def test_defer_contains_for_every_rule(tmp_path):
    text = (FIXTURES / "windows" / "proc_powershell_download.yml").read_text(encoding="utf-8")
    (tmp_path / "a.yml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yml").write_text(text.replace("PowerShell Download Cradle", "PowerShell Download Cradle Two")
                                    .replace("7c1d2f3a0b01", "7c1d2f3a0b99"), encoding="utf-8")
    plain = by_name(convert(tmp_path))
    assert "issubstr" not in plain["PowerShell Download Cradle"]["query"]
    rules = by_name(convert(tmp_path, defer_contains=True))
    # the backend turns defer_contains off after one query: the second rule gets it too, the same way
    assert "issubstr('Net.WebClient', command)" in rules["PowerShell Download Cradle"]["query"]
    assert rules["PowerShell Download Cradle Two"]["query"] == rules["PowerShell Download Cradle"]["query"]


def test_the_same_files_give_the_same_rules(converted):
    assert convert() == converted


@pytest.mark.parametrize("options, message", [
    ({"src": "/nonexistent/sigma"}, "src: '/nonexistent/sigma' is not a directory"),
    ({"repos": {"products": {}}}, "repos: give a mapping with the keys service, category, product"),
    ({"repos": {"product": {"windows": []}}}, "repos.product.windows: give a repo name or a list"),
    ({"time_range": "90s"}, "time_range: '90s' is not a whole number of minutes"),
    ({"time_range": "1h", "search_interval": 7}, "search_interval: 7 minutes must be at least 1 and divide time_range 1h"),
    ({"attack_tags": ["T1"]}, "attack_tags: give a mapping"),
])
def test_bad_options(options, message):
    with pytest.raises(ConfigError) as error:
        convert(**options)
    assert str(error.value).startswith(message)


def test_missing_library_names_the_requirements_file(monkeypatch):
    real_import = builtins.__import__

    def no_sigma(name, *args, **kwargs):
        if name.startswith("sigma"):
            raise ImportError("No module named %r" % name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sigma)
    with pytest.raises(MissingLibraryError) as error:
        _sigma.sigma_library()
    assert "requirements-sigma.txt" in error.value.library


def test_tidy_puts_the_pipes_on_one_line():
    assert _sigma.tidy('\n| process eval("x=1")\n| search a="b" ') == '| process eval("x=1") | search a="b"'


def test_a_correlation_of_two_rules(tmp_path):
    security = ("title: {0}\nid: {1}\nname: {2}\nstatus: stable\nlogsource: {{product: windows, service: security}}\n"
                "detection: {{selection: {{EventID: {3}}}, condition: selection}}\nlevel: low\n---\n")
    two = security.format("Account Locked Out", "11111111-1111-4111-8111-111111111111", "locked", 4740) + \
        security.format("Account Disabled", "22222222-2222-4222-8222-222222222222", "disabled", 4725) + """title: Lockouts And Disables
id: 33333333-3333-4333-8333-333333333333
status: stable
correlation: {type: event_count, rules: [locked, disabled], timespan: 2h, condition: {lt: 4}}
level: high
"""
    (tmp_path / "two.yml").write_text(two, encoding="utf-8")
    (tmp_path / "piped.yml").write_text(
        (FIXTURES / "windows" / "proc_powershell_download.yml").read_text(encoding="utf-8").replace(
            "level: high", "name: cradle\nlevel: high") + "---\n" + """title: Cradle Or Lockout
id: 44444444-4444-4444-8444-444444444444
status: stable
correlation: {type: event_count, rules: [cradle, locked], timespan: 10m, condition: {gte: 2}}
level: high
""", encoding="utf-8")
    result = convert(tmp_path)
    rule = by_name(result)["Lockouts And Disables"]
    assert rule["query"] == ('(norm_id="WinServer" channel="Security" event_id=4740) OR (norm_id="WinServer" '
                             'channel="Security" event_id=4725) | chart count() as event_count | search event_count < 4')
    assert rule["time_range"] == "2h" and rule["search_interval"] == 5
    assert report_of(result, "Cradle Or Lockout")["reason"] == \
        "its rules convert to piped queries, which cannot be joined with OR"
    assert sorted(by_name(result)) == ["Lockouts And Disables"]  # the used rules are not alert rules of their own
