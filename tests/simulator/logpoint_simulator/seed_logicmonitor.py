"""The LogicMonitor audit ("access") log entries the simulator starts with (logpoint-api.md §12).

`ENTRY_COUNT` entries (or the count given to `SimState` / `--lm-entries`), one every
`SPACING_SECONDS`, the newest at the reset time rounded down to the minute, so a 24-hour window holds
288 of them and a 7-day window 2016: more than the API's default page of 50 and its largest page of
1000. The content (users, addresses, sessions, descriptions) is
the same at every reset; only the times move with the clock.
"""

import datetime
import hashlib
import random

ACCESS_ID = "simulator-lm-id"
ACCESS_KEY = "simulator-lm-key"
BEARER_TOKEN = "simulator-lm-bearer"

ENTRY_COUNT = 3000
SPACING_SECONDS = 300
FIRST_ID = 100001

USERS = ("admin", "sarah", "jdoe", "api-automation", "svc-backup")
ADDRESSES = ("198.51.100.21", "198.51.100.22", "198.51.100.23", "203.0.113.40", "203.0.113.41")
OBJECTS = ("device 'fw-edge-01'", "device 'dc-01'", "alert rule 'High CPU'", "dashboard 'SOC overview'",
           "datasource 'WinEventLog'", "collector 'collector-02'", "website 'portal'")
VERBS = ("Add the", "Update the", "Delete the")


def access_log_entries(now, count=ENTRY_COUNT):
    """A fresh list of `count` seeded entries, oldest first, the newest `happenedOn` at `now` (minute)."""
    newest = int(now) // 60 * 60
    chooser = random.Random(12)  # fixed seed: identical content at every reset
    entries = []
    for index in range(count):
        happened_on = newest - (count - 1 - index) * SPACING_SECONDS
        user = chooser.choice(USERS)
        entries.append({
            "id": str(FIRST_ID + index),
            "username": user,
            "happenedOn": happened_on,
            "happenedOnLocal": _local_text(happened_on),
            "ip": chooser.choice(ADDRESSES),
            "sessionId": _session_id(user, index // 12),
            "description": _description(chooser, user),
        })
    return entries


def _description(chooser, user):
    roll = chooser.random()
    if roll < 0.25:
        return f"{user} signs in (adminUser)"
    if roll < 0.35:
        return f"{user} signs out"
    if roll < 0.40:
        return f"{user} failed to sign in: wrong password"
    return f"{chooser.choice(VERBS)} {chooser.choice(OBJECTS)} via the portal"


def _session_id(user, hour_slot):
    return hashlib.sha256(f"{user}/{hour_slot}".encode()).hexdigest()[:24]


def _local_text(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
