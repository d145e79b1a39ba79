"""The user-defined lists the simulator starts with (logpoint-api.md §7): static and dynamic ones.

Stored in `state.lists` under their 24-hex id, in the Director list-object shape (§7.3): `name`
(upper-cased), `list_type`, `lists` (the values, strings), `age_limit` (seconds, 0 for static
lists), `user`, `active`, `hidden`, `tid`, `vid`, `lists_vendor`, `last_updated`.
"""

SEEDED_AT = 1795392000  # 2026-11-23T00:00:00Z, a fixed `last_updated` for the seeded lists

KNOWN_SCANNERS_ID = "65a0000000000000000000d1"
VIP_USERS_ID = "65a0000000000000000000d2"
RECENT_FAILED_LOGONS_ID = "65a0000000000000000000d3"


def initial_lists():
    """A fresh copy of the seeded lists, keyed by id, in insertion (listing) order."""
    lists = [
        _list(KNOWN_SCANNERS_ID, "KNOWN_SCANNERS", "static_list", ["192.0.2.200", "192.0.2.201", "198.51.100.77"]),
        _list(VIP_USERS_ID, "VIP_USERS", "static_list", ["ceo", "cfo", "domain-admin"]),
        _list(RECENT_FAILED_LOGONS_ID, "RECENT_FAILED_LOGONS", "dynamic_list", ["jdoe", "svc-backup"], age_limit=86400),
    ]
    return {entry["id"]: entry for entry in lists}


def _list(list_id, name, list_type, values, age_limit=0):
    return {
        "id": list_id,
        "name": name,
        "list_type": list_type,
        "lists": list(values),
        "age_limit": age_limit,
        "user": "admin",
        "active": True,
        "hidden": False,
        "tid": "",
        "vid": "VID_" + list_id[-4:],
        "lists_vendor": [],
        "last_updated": SEEDED_AT,
    }
