"""The fixed data the simulator starts from (and returns to on reset).

Ids and credentials are constants so tests, playbooks and docs can name them. Addresses come from
the RFC 5737 documentation ranges: they are only strings, nothing ever connects to them.
"""

ADMIN_ID = "65a000000000000000000001"
ANALYST_ID = "65a000000000000000000002"
ADMIN_SECRET = "simulator-admin-secret-0123456789"
ANALYST_SECRET = "simulator-analyst-secret-012345678"

ADMINISTRATORS_GROUP_ID = "65a0000000000000000000a1"
ANALYSTS_GROUP_ID = "65a0000000000000000000a2"

DIRECTOR_TOKEN = "simulator-director-token"
DIRECTOR_POOL = "00000000-0000-4000-8000-000000000001"
DIRECTOR_POOL_HEX = DIRECTOR_POOL.replace("-", "")  # the 32-hex form seen live (setting director_pool_id)
DIRECTOR_LOGPOINT = "lp-simulator-01"

REPO_PORT = 5504


def initial_data():
    """A fresh copy of every seeded collection; callers may mutate it freely."""
    return {
        "usergroups": [
            {"id": ADMINISTRATORS_GROUP_ID, "name": "LogPoint Administrator"},
            {"id": ANALYSTS_GROUP_ID, "name": "SOC Analyst"},
        ],
        "users": [
            {
                "id": ADMIN_ID,
                "name": "admin",
                "secret_key": ADMIN_SECRET,
                "email": "admin@example.com",
                "usergroups": [ADMINISTRATORS_GROUP_ID],
            },
            {
                "id": ANALYST_ID,
                "name": "analyst",
                "secret_key": ANALYST_SECRET,
                "email": "analyst@example.com",
                "usergroups": [ANALYSTS_GROUP_ID],
            },
        ],
        "logpoints": [
            {
                "name": "LogPoint-Primary",
                "ip": "192.0.2.10",
                "active": True,
                "repos": [_repo(name) for name in ("_logpoint", "default", "windows", "linux", "firewall")],
                "devices": [
                    {"ip": "198.51.100.11", "name": "dc-01"},
                    {"ip": "198.51.100.12", "name": "fw-edge-01"},
                ],
            },
            {
                "name": "LogPoint-Secondary",
                "ip": "192.0.2.20",
                "active": True,
                "repos": [_repo("_logpoint"), _repo("default"), _repo("cloud"), _repo("o365", active=False)],
                "devices": [{"ip": "203.0.113.5", "name": "o365-connector"}],
            },
        ],
        "livesearches": [
            {
                "searchname": "Failed logons by user",
                "description": "dashboard widget",
                "query": "label=User label=Login label=Fail | chart count() by user",
                "query_info": {"query_type": "chart", "grouping": ["user"], "columns": ["count()"]},
                "timerange_day": 0,
                "timerange_hour": 1,
                "timerange_minute": 0,
                "timerange_second": 0,
                "limit": 100,
                "generated_by": "dashboard",
                "flush_on_trigger": False,
                "tid": "",
                "vid": "",
                "life_id": "65a0000000000000000000c1",
            }
        ],
    }


def _repo(name, active=True):
    return {"name": name, "active": active, "ha": False}
