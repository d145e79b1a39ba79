# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert rules, notifications and JWTs right under every answer of the open API questions (issue 10,
logpoint-api.md §19): each setting's answers one by one (modules run in this process against the
simulator over HTTPS); the whole strict profile through Ansible is ansible/test_strict_profile.py."""
from __future__ import annotations

import itertools

import pytest
from alert_rule_support import rule, rule_writes, server_rules

NAME = "Brute force on Windows logons"
HTTP_WRITE = "POST /pluggables/Notification/HTTPNotification/create_api"
EMAIL_WRITE = "POST /pluggables/Notification/EmailNotification/create_api"
HTTP_READ = "GET /pluggables/Notification/HTTPNotification/read_api"
BEARER = "webhook-bearer-token-strict-4b1f"
UNIT_MINUTES = {"timerange_minute": 1, "timerange_hour": 60, "timerange_day": 1440}
PER_UNIT_LIMITS = {"timerange_minute": 59, "timerange_hour": 720, "timerange_day": 30}


def stored_units(stored):
    return dict((unit, int(count)) for unit, count in stored["search_params"].items()
                if unit in UNIT_MINUTES and int(count))


def stored_owner(stored_row):
    return stored_row.get("owner") or stored_row.get("user")


# ---- alert rules, setting by setting ----------------------------------------------------------------

RULE_ANSWERS = list(itertools.product([True, False], ["full", "summary"], ["owner", "user"]))


@pytest.mark.parametrize("created_active,list_rows,owner_field", RULE_ANSWERS,
                         ids=["-".join(map(str, answer)) for answer in RULE_ANSWERS])
def test_alert_rule_is_created_active_read_in_full_and_unchanged_after_under_each_answer(
        module_ok, sim, created_active, list_rows, owner_field):
    sim.settings(alert_rule_created_active=created_active, alert_rule_list_rows=list_rows,
                 alert_rule_owner_field=owner_field)
    created = module_ok("alert_rule", rule(description="strict"))
    assert created.changed and created.result["outcome"] == "created"
    assert created.result["alert_rule"]["enabled"] is True and created.result["alert_rule"]["owner"] == "admin"
    assert server_rules(sim)[NAME]["active"] is True, "active on the server right after the task"
    assert sim.count("POST /AlertRules/activate_api") == (0 if created_active else 1)
    assert sim.count("GET /AlertRules/read_api") == 1, "one read-back of the new rule"

    sim.clear_requests()
    again = module_ok("alert_rule", rule(description="strict"))
    assert not again.changed and again.result["outcome"] == "unchanged" and rule_writes(sim) == 0
    assert sim.count("GET /AlertRules/read_api") == (1 if list_rows == "summary" else 0)
    assert again.result["alert_rule"]["owner"] == "admin"

    info = module_ok("alert_rule_info", {"name": "Brute*"})
    [shown] = info.result["alert_rules"]
    assert (shown["owner"], shown["query"], shown["time_range"], shown["condition"], shown["enabled"]) == (
        "admin", rule()["query"], "1h", {"operator": ">", "value": 20}, True)
    assert shown["repos"] == ["192.0.2.10:5504/windows"] and shown["description"] == "strict"


@pytest.mark.parametrize("created_active", [True, False])
@pytest.mark.parametrize("list_rows", ["full", "summary"])
def test_alert_rules_bulk_activates_once_deactivates_once_and_purges_under_each_answer(
        module_ok, sim, created_active, list_rows):
    sim.settings(alert_rule_created_active=created_active, alert_rule_list_rows=list_rows,
                 alert_rule_owner_field="user")
    rules = [rule("Detection rule %03d" % n) for n in range(6)]
    rules[5]["enabled"] = False
    created = module_ok("alert_rules", {"rules": rules, "pack": "strict"})
    assert created.result["summary"]["created"] == 6
    assert [server_rules(sim)["Detection rule %03d" % n]["active"] for n in range(6)] == [True] * 5 + [False]
    assert sim.count("POST /AlertRules/activate_api") == (0 if created_active else 1)
    assert sim.count("POST /AlertRules/deactivate_api") == (1 if created_active else 0)

    sim.clear_requests()
    again = module_ok("alert_rules", {"rules": rules, "pack": "strict"})
    assert not again.changed and again.result["summary"]["unchanged"] == 6 and rule_writes(sim) == 0
    assert sim.count("GET /AlertRules/read_api") == (6 if list_rows == "summary" else 0)

    purged = module_ok("alert_rules", {"rules": rules[:4], "purge": True, "pack": "strict"})
    assert purged.result["summary"] == {"created": 0, "updated": 0, "unchanged": 4, "deleted": 2}
    assert sorted(server_rules(sim)) == ["Detection rule %03d" % n for n in range(4)]


TIME_RANGES = [("45m", 45), ("90m", 90), ("25h", 1500), ("2910m", 2910), ("2d", 2880)]


@pytest.mark.parametrize("style", ["single_unit", "per_unit"])
@pytest.mark.parametrize("time_range,minutes", TIME_RANGES, ids=[text for text, _m in TIME_RANGES])
def test_time_ranges_are_stored_in_a_form_the_server_takes_and_converge(module_ok, sim, style, time_range, minutes):
    sim.settings(alert_rule_timerange=style)
    options = rule(time_range=time_range, search_interval=5)
    created = module_ok("alert_rule", options)
    assert created.changed, created
    units = stored_units(server_rules(sim)[NAME])
    assert sum(count * UNIT_MINUTES[unit] for unit, count in units.items()) == minutes
    if style == "single_unit":
        assert len(units) == 1
    else:
        assert all(count <= PER_UNIT_LIMITS[unit] for unit, count in units.items())
    one_form = minutes <= 59 or minutes % 60 == 0
    assert sim.count("POST /AlertRules/create_api") == (1 if one_form or style == "single_unit" else 2)

    sim.clear_requests()
    assert not module_ok("alert_rule", options).changed and rule_writes(sim) == 0
    updated = module_ok("alert_rule", dict(options, description="changed"))
    assert updated.result["changes"] == ["description"] and sim.count("POST /AlertRules/update_api") == 1
    assert stored_units(server_rules(sim)[NAME]) == units, "the stored form is kept"
    assert module_ok("alert_rule_info", {}).result["alert_rules"][0]["time_range"] == time_range


def test_a_time_range_changed_to_one_only_per_unit_servers_can_hold_is_sent_in_that_form(module_ok, sim):
    sim.settings(alert_rule_timerange="per_unit")
    module_ok("alert_rule", rule(time_range="1h"))
    sim.clear_requests()
    changed = module_ok("alert_rule", rule(time_range="90m"))
    assert changed.result["changes"] == ["time_range"]
    assert stored_units(server_rules(sim)[NAME]) == {"timerange_hour": 1, "timerange_minute": 30}
    assert sim.count("POST /AlertRules/update_api") == 2, "the one-unit form refused, then the combined form"


# ---- notifications, setting by setting --------------------------------------------------------------

NOTIFICATION_ANSWERS = list(itertools.product(["empty", "success_false", "404"], ["echo", "mask", "omit"]))
HTTP = {"type": "http", "alert_rules": [NAME], "http_url": "https://hooks.example.com/logpoint",
        "auth": {"type": "bearer", "value": BEARER}}
EMAIL = {"type": "email", "alert_rules": [NAME], "recipients": ["soc@example.com"], "subject": "alert",
         "template": "<p>rows</p>"}


@pytest.mark.parametrize("missing,secrets", NOTIFICATION_ANSWERS, ids=["-".join(a) for a in NOTIFICATION_ANSWERS])
def test_notifications_are_created_then_unchanged_under_each_answer(module_ok, sim, missing, secrets):
    sim.settings(notification_missing=missing, notification_secrets=secrets)
    rule_id = module_ok("alert_rule", rule()).result["alert_rule"]["id"]
    sim.clear_requests()
    for args, write in ((HTTP, HTTP_WRITE), (EMAIL, EMAIL_WRITE)):
        created = module_ok("notification", args)
        assert created.changed and created.result["alert_rules"][0]["outcome"] == "created", (args, created)
        again = module_ok("notification", args)
        assert not again.changed and again.result["alert_rules"][0]["outcome"] == "unchanged"
        assert sim.count(write) == 1
    assert sim.state()["notifications"][rule_id]["http"]["http_header"]["auth_key"] == BEARER

    hidden = secrets != "echo"
    changed = module_ok("notification", dict(HTTP, body="{}"), check=True, diff=True)
    assert changed.result["alert_rules"][0]["changes"] == ["body"]
    assert changed.diff[0]["after"]["auth"]["value"] == ("******** (not compared)" if hidden else "********")
    always = module_ok("notification", dict(HTTP, update_secrets="always"))
    assert always.changed is hidden and sim.count(HTTP_WRITE) == (2 if hidden else 1)
    assert sim.state()["notifications"][rule_id]["http"]["http_header"]["auth_key"] == BEARER
    rotated = module_ok("notification", dict(HTTP, auth={"type": "bearer", "value": BEARER + "-2"}))
    assert rotated.changed is not hidden, "a secret the server hides is only sent with update_secrets: always"

    shown = module_ok("alert_rule_info", {"include_notifications": True}).result["notifications"]
    assert sorted(n["type"] for n in shown) == ["email", "http"]
    assert [n["auth"] for n in shown if n["type"] == "http"] == [{"type": "bearer", "value": "********"}]


@pytest.mark.parametrize("secrets", ["mask", "omit"])
def test_changing_an_http_notification_without_its_hidden_secret_is_refused_before_any_write(
        call_module, module_ok, sim, secrets):
    sim.settings(notification_secrets=secrets)
    module_ok("alert_rule", rule())
    module_ok("notification", HTTP)
    sim.clear_requests()
    refused = call_module("notification", {"type": "http", "alert_rules": [NAME], "body": "{}"})
    assert refused.failed and "the server does not show its auth secret" in refused.msg and "give auth" in refused.msg
    assert sim.count(HTTP_WRITE) == 0


@pytest.mark.parametrize("missing", ["empty", "success_false", "404"])
def test_alert_rule_info_reads_rules_without_notifications_under_each_answer(module_ok, sim, missing):
    sim.settings(notification_missing=missing)
    module_ok("alert_rule", rule())
    info = module_ok("alert_rule_info", {"include_notifications": True})
    assert info.result["notifications"] == [] and len(info.result["alert_rules"]) == 1
