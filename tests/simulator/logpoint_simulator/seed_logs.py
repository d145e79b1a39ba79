"""Log rows the Search API finds besides the live audit events (logpoint-api.md §10.2, §11).

Older audit history in repo `_logpoint` for every audit category (user management, logins, trusted
channel, configuration), a search-activity row (`LPSearch`, which the audit queries exclude), and
hourly hard-disk usage rows (the "system" category). They are computed, not stored: the same rows at
every call within an hour, placed relative to the start of the current hour.

Besides, a few Windows events in repo `windows` within the last half hour (`windows_rows`, relative to
the search time itself): failed logons of `jdoe` and `admin`, and a process creation of `cmd.exe` with
an encoded PowerShell command line, so that alert-rule queries can be tried against data
(`validate: search`).
"""

HOUR = 3600
DAY = 24 * HOUR
AUDIT_REPO = "_logpoint"
WINDOWS_REPO = "windows"


def seeded_rows(now):
    """The rows, newest first, for a search made at epoch `now`."""
    anchor = int(now) // HOUR * HOUR
    history = [
        _audit(anchor - 3 * DAY, ["User", "Management", "Add"], "admin", "analyst", "User", "created"),
        _audit(anchor - 3 * DAY + 60, ["User", "Management", "Change"], "admin", "analyst", "User",
               "added to group SOC Analyst"),
        _audit(anchor - 2 * DAY, ["Configuration", "Add"], "admin", "SOC overview", "Dashboard", "created"),
        _audit(anchor - 2 * DAY + 600, ["Remote", "Connection"], "admin", "LogPoint-Secondary", "RemoteConnection",
               "connected"),
        _audit(anchor - DAY, ["DLP", "Disconnect"], "admin", "LogPoint-Secondary", "DistributedLogpoint",
               "disconnected"),
        _audit(anchor - 6 * HOUR, ["Authentication"], "jdoe", "jdoe", "User", "login failed", "203.0.113.66"),
        _audit(anchor - 6 * HOUR + 30, ["Authentication"], "jdoe", "jdoe", "User", "locked", "203.0.113.66"),
        _audit(anchor - 2 * HOUR, ["LPSearch", "Authentication"], "analyst", "search", "Search", "run search"),
    ]
    disk = [_disk_usage(anchor - hours * HOUR, 80.0 + (hours % 7)) for hours in range(48)]
    return sorted(history + disk + windows_rows(now), key=lambda row: row["log_ts"], reverse=True)


def windows_rows(now):
    """Windows events of the last half hour: 5 failed logons (3 of jdoe, 2 of admin), one process creation."""
    moment = int(now)
    users = ["jdoe", "jdoe", "admin", "jdoe", "admin"]
    logons = [_windows(moment - 60 * (index + 1), ["User", "Login", "Fail"], user=user, event_id="4625",
                       source_address="203.0.113.66") for index, user in enumerate(users)]
    process = _windows(moment - 1200, ["Process", "Create"], user="jdoe", event_id="4688",
                       process="C:\\Windows\\System32\\cmd.exe", parent_process="C:\\Windows\\explorer.exe",
                       command="cmd.exe /c powershell -enc SQBFAFgA")
    return logons + [process]


def _windows(log_ts, labels, **fields):
    return {"log_ts": log_ts, "device_name": "dc-01", "repo_name": WINDOWS_REPO, "_labels": list(labels), **fields}


def _audit(log_ts, labels, user, obj, kind, action, source_address="192.0.2.99"):
    return {
        "log_ts": log_ts,
        "user": user,
        "object": obj,
        "type": kind,
        "action": action,
        "source_address": source_address,
        "repo_name": AUDIT_REPO,
        "_labels": ["Logpoint", *labels],
    }


def _disk_usage(log_ts, use):
    total = 3765158
    used = int(total * use / 100)
    return {
        "log_ts": log_ts,
        "col_ts": log_ts,
        "col_type": "filesystem",
        "device_name": "localhost",
        "mount_point": "/",
        "use": f"{use:.1f}",
        "used": str(used),
        "free": str(total - used),
        "total": str(total),
        "msg": f"Metrics; Hard Disk Usage; mountpoint=/; use={use:.1f}%",
        "norm_id": "LogPoint",
        "repo_name": AUDIT_REPO,
        "_labels": ["Logpoint", "Harddisk", "Usage"],
    }
