# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of tests/bench/fleet_bench.py: the pack, the overlays, the recap and the table."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import fleet_bench  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.logpoint.siem.plugins.filter.apply_overlays import apply_overlays  # noqa: E402


def test_every_tenant_overlay_applies_to_the_base_pack():
    rules = fleet_bench.base_rules(300)
    assert len({rule["name"] for rule in rules}) == 300
    for tenant in range(20):
        result = apply_overlays(rules, fleet_bench.overlay_for(tenant, rules), tenant="tenant-%02d" % tenant)
        assert len(result["rules"]) == (300 if tenant % 2 else 301)
        assert result["report"]["added"] == ["Tenant %02d own rule" % tenant]


def test_recap_figures_and_table():
    output = ("PLAY RECAP ***\ntenant-00 : ok=10   changed=1    unreachable=0    failed=0    skipped=1\n"
              "tenant-01 : ok=4    changed=0    unreachable=0    failed=1    skipped=1\n")
    recap = fleet_bench.parse_recap(output)
    assert recap["tenant-01"] == {"ok": 4, "changed": 0, "unreachable": 0, "failed": 1}
    counters = {"total": 310, "by_endpoint": {"POST /AlertRules/create_api": 300, "GET /AlertRules/lists_api": 9,
                                              "POST /AlertRules/activate_api": 1}}
    assert fleet_bench.request_figures(counters) == (310, 301)
    row = fleet_bench.summarise("1. first converge", 12.34, recap, {0: (310, 301)})
    assert row["failed"] == ["tenant-01"] and row["ok"] == 1 and row["changed"] == 1
    assert "| 1. first converge | 12.3 s | 1 / 1 (tenant-01) | 1 | 310 | 310 / 310 / 310 | 301 |" in fleet_bench.table([row])
