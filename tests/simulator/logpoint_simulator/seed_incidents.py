"""The seeded incidents: every status, risk and type, with comments and log rows; deterministic ids.

Ids are fixed (24-hex `id` 65b0...0NN, 32-hex `incident_id` 5eed...0NN) so tests and the demo can
name them; detection times are relative to the moment of the reset (`now`), all within the last
five days except "Impossible travel for j.doe", twelve days ago (outside a 7-day window).
Incidents made by `POST /_simulator/incidents` come from `make_incident` too, with ids 65c0...
"""

from . import seed

ADMIN, ANALYST = seed.ADMIN_ID, seed.ANALYST_ID
HOUR = 3600

# id suffix, name, type, risk, status, assignee, hours ago, comments [(author, text, hours ago)], row specs
SEEDS = (
    (1, "Brute force attack on dc-01", "Alert", "critical", "unresolved", ANALYST, 2,
     [("analyst", "Looking into the source addresses.", 1)], "logon_failure"),
    (2, "Ransomware file extensions on fs-01", "Alert", "critical", "unresolved", ADMIN, 5, [], "file_rename"),
    (3, "Outbound traffic to known C2 address", "Alert", "high", "unresolved", ANALYST, 9, [], "firewall"),
    (4, "Privileged group membership changed", "Search", "high", "resolved", ADMIN, 20,
     [("admin", "Change approved in ticket CHG-1042.", 18)], "group_change"),
    (5, "Multiple failed VPN logins", "Alert", "medium", "unresolved", ADMIN, 26, [], "logon_failure"),
    (6, "Unusual login time for svc-backup", "UEBA", "medium", "resolved", ANALYST, 30, [], "logon"),
    (7, "Disk usage above 85% on LogPoint-Primary", "Search", "low", "unresolved", ADMIN, 40, [], "disk"),
    (8, "Firewall rule set reloaded", "Alert", "low", "unresolved", ANALYST, 50, [], "firewall"),
    (9, "USB storage device connected", "UEBA", "low", "resolved", ADMIN, 60, [], "usb"),
    (10, "Test alert from rule validation", "Alert", "low", "closed", ADMIN, 70,
     [("admin", "Rule test, no action needed.", 69)], "logon"),
    (11, "Port scan from guest network", "Search", "high", "closed", ANALYST, 100,
     [("analyst", "Guest network isolated.", 99)], "firewall"),
    (12, "Impossible travel for j.doe", "UEBA", "critical", "closed", ADMIN, 12 * 24,
     [("admin", "Confirmed VPN exit node, benign.", 12 * 24 - 2)], "logon"),
)

# kind -> (rule query, attack category, attack tag, log source, rows: [(msg, device ip, device name, extra fields)])
ROWS = {
    "logon_failure": ("label=User label=Login label=Fail | chart count() by user", "Credential Access",
                      ["Brute Force"], "Windows",
                      [("An account failed to log on. user=j.doe source_address=203.0.113.50", "198.51.100.11", "dc-01",
                        {"user": "j.doe", "source_address": "203.0.113.50", "event_id": 4625}),
                       ("An account failed to log on. user=admin source_address=203.0.113.50", "198.51.100.11", "dc-01",
                        {"user": "admin", "source_address": "203.0.113.50", "event_id": 4625})]),
    "file_rename": ("label=File label=Rename extension=*.locked", "Impact", ["Data Encrypted for Impact"], "Windows",
                    [("File renamed to quarterly.xlsx.locked", "198.51.100.21", "fs-01",
                      {"file": "quarterly.xlsx.locked", "user": "m.smith"})]),
    "firewall": ("norm_id=Firewall action=permitted destination_address in C2_LIST", "Command and Control",
                 ["Application Layer Protocol"], "Firewall",
                 [("permitted tcp 10.0.4.12:51514 -> 192.0.2.200:443", "198.51.100.12", "fw-edge-01",
                   {"source_address": "10.0.4.12", "destination_address": "192.0.2.200", "destination_port": 443})]),
    "group_change": ("label=Group label=Member label=Add group=\"Domain Admins\"", "Privilege Escalation",
                     ["Valid Accounts"], "Windows",
                     [("A member was added to a security-enabled global group. group=Domain Admins", "198.51.100.11",
                       "dc-01", {"group": "Domain Admins", "user": "svc-deploy", "event_id": 4728})]),
    "logon": ("label=User label=Login label=Successful", "Initial Access", ["Valid Accounts"], "Windows",
              [("An account was successfully logged on. user=svc-backup", "198.51.100.11", "dc-01",
                {"user": "svc-backup", "event_id": 4624})]),
    "disk": ("label=Harddisk use>85", "System", [], "Logpoint",
             [("Metrics; Hard Disk Usage; mountpoint=/; use=87.6%", "127.0.0.1", "localhost",
               {"mount_point": "/", "use": "87.6"})]),
    "usb": ("label=Device label=Connect type=USB", "Exfiltration", ["Exfiltration Over Physical Medium"], "Windows",
            [("USB mass storage device connected on ws-114", "198.51.100.40", "ws-114", {"device_type": "USB"})]),
}


def initial_incidents(now):
    """The seeded incidents, id -> stored incident, as of `now` (epoch seconds)."""
    incidents = {}
    for number, name, kind, risk, status, assignee, hours_ago, comments, rows in SEEDS:
        incident = make_incident(
            number, name, kind=kind, risk=risk, status=status, assignee=assignee,
            detection_timestamp=now - hours_ago * HOUR + 0.171028, row_kind=rows, prefix="65b0")
        incident["comments"] = [
            {"title": author, "comment": text, "time": int(now - ago * HOUR)} for author, text, ago in comments]
        incident["state_history"] = bool(comments) or status != "unresolved"
        if incident["state_history"]:  # last changed by its newest comment, else half an hour after detection
            incident["modified_timestamp"] = max(
                [comment["time"] for comment in incident["comments"]] or [incident["detection_timestamp"] + HOUR / 2])
        incidents[incident["id"]] = incident
    return incidents


def make_incident(number, name, *, kind="Alert", risk="low", status="unresolved", assignee=ADMIN,
                  detection_timestamp, row_kind="logon", prefix="65c0"):
    """A stored incident with deterministic ids derived from `number` and `prefix`."""
    query, category, tags, log_source, row_specs = ROWS[row_kind]
    detected = float(detection_timestamp)
    return {
        "id": f"{prefix}{number:020d}",
        "incident_id": f"5eed{prefix}{number:024d}",
        "alertrule_id": f"a1e7{number:028d}",
        "alert_obj_id": f"65d0{number:020d}",
        "name": name,
        "description": f"{name} (simulated incident)",
        "type": kind,
        "risk_level": risk,
        "status": status,
        "assigned_to": assignee,
        "username": ADMIN,  # the owner of the alert rule that raised it
        "visible_to": [seed.ADMINISTRATORS_GROUP_ID, seed.ANALYSTS_GROUP_ID],
        "detection_timestamp": detected,
        "time_range": [int(detected) - HOUR, int(detected)],
        "query": query,
        "repos": ["192.0.2.10:5504"],
        "logpoint_name": "LogPoint-Primary",
        "loginspect_ip_dns": "192.0.2.10",
        "attack_category": category,
        "attack_tag": list(tags),
        "log_source": log_source,
        "comments": [],
        "state_history": False,
        "modified_timestamp": detected,  # the last change by a user (or the detection)
        "rows": [_row(detected - 60 * (index + 1), index, spec) for index, spec in enumerate(row_specs)],
    }


def _row(log_ts, index, spec):
    """A normalised log row with the common keys of tests/fixtures/real-responses/get_data_from_incident.json."""
    msg, device_ip, device_name, extra = spec
    row = {
        "_fromV550": "t",
        "_identifier": str(index + 1),
        "_labels": ["Simulated", "Incident"],
        "_offset": 1000 * (index + 1),
        "_tz": "UTC",
        "col_ts": int(log_ts) + 2,
        "col_type": "syslog",
        "collected_at": "LogPoint-Primary",
        "device_ip": device_ip,
        "device_name": device_name,
        "log_ts": int(log_ts),
        "logpoint_name": "LogPoint-Primary",
        "msg": msg,
        "norm_id": "Simulated",
        "repo_name": "default",
        "sig_id": "10509",
        "source_name": "/opt/immune/var/log/simulated.log",
        **extra,
    }
    fields = [(key, value) for key, value in row.items() if not key.startswith("_t")]
    row["_type_num"] = " ".join(key for key, value in fields if isinstance(value, int))
    row["_type_str"] = " ".join(key for key, value in fields if isinstance(value, str))
    row["_type_ip"] = " ".join(key for key, value in fields if key.endswith(("_ip", "_address")))
    return row
