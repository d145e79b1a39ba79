#!/usr/bin/env python
"""Fleet benchmark (`make bench-fleet`, not part of `make test`): one rule set across many tenants.

Starts N simulator processes on loopback ports (default 20, each with 5 ms added to every API
request), writes a `logpoint.siem.logpoints` inventory with one standalone Logpoint per simulator
and a base pack of R rules (default 300) with a small overlay per tenant (one override, one added
rule, every other tenant one dropped rule), and runs the detection_rules role over it with
`ansible-playbook -f F` (default 10):

1. first converge (every rule created), 2. no-change converge; then every simulator is reset and
one is stopped: 3. first converge and 4. no-change converge with that tenant down (it must fail
cleanly, the others converge).

For each run it prints the wall time of the whole `ansible-playbook`, the hosts ok / failed (from the
recap), the requests the simulators counted in total, per tenant (min / median / max) and the writes
among them. Logs stay in the directory it prints.

    .venv/bin/python tests/bench/fleet_bench.py [--tenants 20] [--rules 300] [--forks 10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tools"))

import with_simulator  # noqa: E402  pylint: disable=wrong-import-position

RISKS = ("low", "medium", "high", "critical")
WRITE_ENDPOINTS = ("/AlertRules/create_api", "/AlertRules/update_api", "/AlertRules/delete_api",
                   "/AlertRules/activate_api", "/AlertRules/deactivate_api")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
PLAYBOOK = """\
- name: One rule set across the fleet
  hosts: logpoints
  gather_facts: false
  roles:
    - role: logpoint.siem.detection_rules
      detection_rules_pack: fleet-bench
      detection_rules_purge: true
      detection_rules_rules: "{{ fleet_base_rules }}"
      detection_rules_connection:
        url: "{{ logpoint_url }}"
        ca_path: "{{ logpoint_ca_path }}"
"""


# ---- pure logic (tests/unit/bench/test_fleet_bench.py) --------------------------------------------

def base_rules(count):
    """The base pack: ``count`` valid alert rules with distinct names, risks and thresholds."""
    return [{"name": "Fleet rule %04d" % index,
             "query": "label=Fleet rule_id=%d | chart count() by user" % index,
             "repos": ["default"], "time_range": "1h",
             "condition": {"operator": ">=", "value": index % 50 + 1}, "risk": RISKS[index % 4]}
            for index in range(count)]


def overlay_for(tenant_index, rules):
    """Tenant n: one rule overridden (risk, threshold), one added, every other tenant one rule dropped."""
    target = rules[tenant_index % len(rules)]["name"]
    overlay = {"name": "tenant-%02d" % tenant_index,
               "override": {target: {"risk": "critical", "condition": {"value": 99}}},
               "add": [{"name": "Tenant %02d own rule" % tenant_index, "query": "label=Tenant%02d" % tenant_index,
                        "repos": ["default"], "time_range": "1h", "condition": {"operator": ">", "value": 0},
                        "risk": "low"}]}
    if tenant_index % 2 and len(rules) > 1:
        dropped = rules[-1]["name"] if target != rules[-1]["name"] else rules[0]["name"]
        overlay["drop"] = [dropped]
    return [overlay]


def parse_recap(output):
    """``{host: {"ok", "changed", "unreachable", "failed"}}`` from an ansible-playbook PLAY RECAP."""
    recap = output[output.rfind("PLAY RECAP"):] if "PLAY RECAP" in output else ""
    return dict((m.group(1), {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                              "failed": int(m.group(5))}) for m in RECAP.finditer(recap))


def request_figures(counters):
    """``(total, writes)`` of one simulator's ``/_simulator/requests`` answer."""
    by_endpoint = counters.get("by_endpoint", {})
    writes = sum(n for key, n in by_endpoint.items() if key.split(" ", 1)[-1] in WRITE_ENDPOINTS)
    return counters.get("total", 0), writes


def summarise(label, wall, recap, per_tenant):
    """One row of the table; ``per_tenant`` maps each live tenant to ``(requests, writes)``."""
    failed = sorted(host for host, counts in recap.items() if counts["failed"] or counts["unreachable"])
    requests = [total for total, dummy in per_tenant.values()] or [0]
    return {"run": label, "wall": wall, "ok": len(recap) - len(failed), "failed": failed,
            "changed": sum(1 for counts in recap.values() if counts["changed"]),
            "requests": sum(requests), "writes": sum(writes for dummy, writes in per_tenant.values()),
            "per_tenant": (min(requests), statistics.median(requests), max(requests))}


def table(rows):
    lines = ["| run | wall | hosts ok / failed | hosts changed | requests total | per tenant min / median / max | writes |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        low, median, high = row["per_tenant"]
        lines.append("| %s | %.1f s | %d / %d%s | %d | %d | %d / %g / %d | %d |" % (
            row["run"], row["wall"], row["ok"], len(row["failed"]),
            " (%s)" % ", ".join(row["failed"]) if row["failed"] else "", row["changed"], row["requests"],
            low, median, high, row["writes"]))
    return "\n".join(lines)


# ---- the runs -------------------------------------------------------------------------------------

def control(simulator, method, name):
    import requests  # pylint: disable=import-outside-toplevel
    # verify per request: REQUESTS_CA_BUNDLE in the environment would override a session's
    response = requests.request(method, "%s/_simulator/%s" % (simulator.url, name), verify=simulator.ca_path,
                                timeout=30)
    response.raise_for_status()
    return response.json() if response.content else {}


def start_fleet(count, workdir, latency_ms):
    def start(index):
        return with_simulator.Simulator(workdir=str(workdir / ("sim-%02d" % index)),
                                        extra_args=("--latency-ms", str(latency_ms))).start()
    with ThreadPoolExecutor(max_workers=min(count, 8)) as pool:
        return list(pool.map(start, range(count)))


def write_inputs(workdir, simulators, rules):
    entries = [{"name": "tenant-%02d" % index, "url": sim.url, "ca_path": sim.ca_path,
                "vars": {"detection_rules_overlays": overlay_for(index, rules)}}
               for index, sim in enumerate(simulators)]
    inventory = workdir / "fleet.logpoints.yml"
    inventory.write_text(json.dumps({"plugin": "logpoint.siem.logpoints", "logpoints": entries}, indent=1),
                         encoding="utf-8")
    (workdir / "rules.json").write_text(json.dumps({"fleet_base_rules": rules}), encoding="utf-8")
    (workdir / "fleet.yml").write_text(PLAYBOOK, encoding="utf-8")
    return inventory


def run_playbook(workdir, inventory, forks, label):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "LOGPOINT_"))}
    env.update((key, value) for key, value in os.environ.items() if key.startswith("ANSIBLE_CALLBACK"))
    env.update(with_simulator.connection_env("https://unused.invalid"))  # the credential: user and key
    for key in ("LOGPOINT_URL", "LOGPOINT_DIRECTOR_URL", "LM_URL"):
        env.pop(key, None)
    env.update({"ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".collections"), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "false", "ANSIBLE_FORKS": str(forks),
                "ANSIBLE_HOST_KEY_CHECKING": "false"})
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(workdir / "fleet.yml"),
               "-e", "@%s" % (workdir / "rules.json")]
    started = time.monotonic()
    completed = subprocess.run(command, env=env, cwd=str(workdir), capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    log = workdir / ("%s.log" % re.sub(r"\W+", "-", label).strip("-"))
    log.write_text(completed.stdout + completed.stderr, encoding="utf-8")
    return wall, parse_recap(completed.stdout), completed.stdout


def measure(label, workdir, inventory, forks, live):
    for simulator in live.values():
        control(simulator, "DELETE", "requests")
    wall, recap, output = run_playbook(workdir, inventory, forks, label)
    per_tenant = dict((index, request_figures(control(simulator, "GET", "requests")))
                      for index, simulator in live.items())
    row = summarise(label, wall, recap, per_tenant)
    print("  %s: %.1f s, %d ok, failed %s" % (label, wall, row["ok"], row["failed"] or "none"), flush=True)
    return row, output


def fleet_runs(simulators, workdir, inventory, forks):
    live = dict(enumerate(simulators))
    rows = []
    for label in ("1. first converge", "2. no-change converge"):
        rows.append(measure(label, workdir, inventory, forks, live)[0])
    for simulator in simulators:
        control(simulator, "POST", "reset")
    down = len(simulators) - 1
    simulators[down].stop()
    del live[down]
    for label in ("3. first converge, tenant-%02d down" % down, "4. no-change converge, tenant-%02d down" % down):
        row, output = measure(label, workdir, inventory, forks, live)
        rows.append(row)
        clean = "Connection refused" in output and "Traceback" not in output
        verdict = "cleanly (connection refused, no traceback)" if clean else "NOT cleanly: see the log"
        print("     the down tenant failed %s" % verdict, flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--rules", type=int, default=300)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 tenants x 30 rules, forks 2 (development)")
    args = parser.parse_args(argv)
    if args.quick:
        args.tenants, args.rules, args.forks = 3, 30, 2
    workdir = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    print("fleet bench: %d tenants x %d rules, forks %d, %d ms latency, %s, %d CPUs, load %s; logs in %s"
          % (args.tenants, args.rules, args.forks, args.latency_ms, platform.python_version(), os.cpu_count(),
             " / ".join("%.2f" % v for v in os.getloadavg()), workdir), flush=True)
    simulators = start_fleet(args.tenants, workdir, args.latency_ms)
    try:
        inventory = write_inputs(workdir, simulators, base_rules(args.rules))
        rows = fleet_runs(simulators, workdir, inventory, args.forks)
    finally:
        for simulator in simulators:
            simulator.stop()
    print()
    print(table(rows))
    print("\nload at the end: %s" % " / ".join("%.2f" % v for v in os.getloadavg()))
    expected = [[], [], ["tenant-%02d" % (args.tenants - 1)], ["tenant-%02d" % (args.tenants - 1)]]
    return 0 if [row["failed"] for row in rows] == expected else 1


if __name__ == "__main__":
    sys.exit(main())
