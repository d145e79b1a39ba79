#!/usr/bin/env python
"""Benchmark of logpoint.siem against a plain ansible.builtin.uri playbook (`make bench`).

Starts the simulator in this process with 5 ms added to every API request and 10,000 LogicMonitor
audit entries, then runs each scenario as ``ansible-playbook`` twice - with the collection
(tests/bench/collection_*.yml) and with the baseline (tests/bench/baseline_*.yml) - resetting the
simulator before each, and prints wall time, requests (the simulator's counters) and their ratio.

Baselines of N items run with ``--baseline-items`` items (default 50) and once with none; the figures
for N are extrapolated linearly from those two runs (fixed cost + per-item cost x N) and marked ``~``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "simulator"))

from logpoint_simulator import seed_logicmonitor, serve_in_thread  # noqa: E402 pylint: disable=wrong-import-position

LATENCY_MS = 5
RULES = 500
LIST_VALUES = 1000000
AUDIT_ENTRIES = 10000
INCIDENTS = 500


class Bench:
    def __init__(self, workdir, simulator):
        self.workdir = Path(workdir)
        self.simulator = simulator
        self.control = requests.Session()
        self.control.trust_env = False
        self.control.verify = str(simulator.ca_path)
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "LOGPOINT_", "LM_"))}
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".collections"), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false", "ANSIBLE_NOCOLOR": "1",
            "LOGPOINT_URL": simulator.url, "LOGPOINT_CA_PATH": str(simulator.ca_path),
            "LOGPOINT_USERNAME": "admin", "LOGPOINT_SECRET_KEY": "simulator-admin-secret-0123456789",
            "LM_URL": simulator.url, "LM_ACCESS_ID": seed_logicmonitor.ACCESS_ID,
            "LM_ACCESS_KEY": seed_logicmonitor.ACCESS_KEY,
        })
        self.runs = 0

    def sim(self, method, path, body=None):
        response = self.control.request(method, self.simulator.url + "/_simulator/" + path, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def playbook(self, name, extra_vars, reset=True):
        """Run tests/bench/<name>.yml; returns (wall seconds, requests, peak RSS MiB of the process tree)."""
        if reset:
            self.sim("POST", "reset")
        self.sim("DELETE", "requests")
        self.runs += 1
        vars_file = self.workdir / ("vars-%d.json" % self.runs)
        vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
        log = self.workdir / ("%02d-%s.log" % (self.runs, name))
        command = [str(Path(sys.executable).parent / "ansible-playbook"), str(BENCH / (name + ".yml")),
                   "-e", "@%s" % vars_file]
        started = time.monotonic()
        with open(log, "w", encoding="utf-8") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=self.env, cwd=self.workdir)
            _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("%s failed; see %s:\n%s" % (name, log, log.read_text(encoding="utf-8")[-3000:]))
        return wall, self.sim("GET", "requests")["total"], usage.ru_maxrss / 1024.0


def rules(count):
    return [{"name": "Bench rule %04d" % number, "description": "benchmark rule %d" % number,
             "query": "label=User label=Login label=Fail user=bench%d | chart count() by user" % number,
             "repos": ["windows"], "time_range": "1h", "search_interval": 10,
             "condition": {"operator": ">", "value": 10 + number % 50}, "risk": "high", "aggregate": "max",
             "assignee": "admin"} for number in range(count)]


def extrapolated(run_items, run_none, items, total):
    """Linear extrapolation to `total` items from a run with `items` and one with none.

    On a busy machine the run without items can take longer than the one with them; the wall time is
    then not extrapolated (NaN, printed as n/a) rather than made up.
    """
    wall = run_none[0] + (run_items[0] - run_none[0]) * total / items if run_items[0] > run_none[0] else float("nan")
    return wall, run_none[1] + (run_items[1] - run_none[1]) * total / items


def scenario_rules(bench, small):
    desired = {"bench_rules": rules(RULES)}
    first = bench.playbook("collection_alert_rules", desired)
    again = bench.playbook("collection_alert_rules", desired, reset=False)
    none = bench.playbook("baseline_alert_rules", {"bench_rules": []})
    base_first = bench.playbook("baseline_alert_rules", {"bench_rules": rules(small)})
    base_again = bench.playbook("baseline_alert_rules", {"bench_rules": rules(small)}, reset=False)
    return [("1. converge %d alert rules from empty" % RULES, first, extrapolated(base_first, none, small, RULES), True),
            ("2. re-run, no change", again, extrapolated(base_again, none, small, RULES), True)]


def scenario_list(bench):
    path = bench.workdir / "values.txt"
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines("host-%07d.bad.example\n" % number for number in range(LIST_VALUES))
    mine = bench.playbook("collection_list", {"bench_file": str(path)})
    theirs = bench.playbook("baseline_list", {"bench_file": str(path)})
    return [("3. import a %d-value list" % LIST_VALUES, mine, theirs, False)]


def scenario_audit(bench):
    expected = {"bench_expected": AUDIT_ENTRIES, "bench_lm_bearer": seed_logicmonitor.BEARER_TOKEN}
    mine = bench.playbook("collection_audit", expected)
    theirs = bench.playbook("baseline_audit", expected)
    return [("4. read %d LogicMonitor audit entries" % AUDIT_ENTRIES, mine, theirs, False)]


def scenario_incidents(bench, small):
    def with_incidents(name, count):
        bench.sim("POST", "reset")
        if count:
            bench.sim("POST", "incidents", {"count": count, "name": "Bench incident", "risk": "low", "assignee": "admin"})
        return bench.playbook(name, {}, reset=False)
    mine = with_incidents("collection_incidents", INCIDENTS)
    none = with_incidents("baseline_incidents", 0)
    theirs = with_incidents("baseline_incidents", small)
    return [("5. close %d incidents" % INCIDENTS, mine, extrapolated(theirs, none, small, INCIDENTS), True)]


def machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    core = subprocess.run([str(Path(sys.executable).parent / "ansible"), "--version"], capture_output=True, text=True,
                          check=False).stdout.splitlines()[0]
    return "%d CPUs (%s), Python %s, %s, simulator latency %d ms, load average %.1f at the start" % (
        os.cpu_count(), model, platform.python_version(), core.replace("ansible [core ", "ansible-core ").rstrip("]"),
        LATENCY_MS, os.getloadavg()[0])


def table(rows, small):
    lines = ["| scenario | logpoint.siem | uri baseline | speed-up | requests (collection / baseline) |",
             "|---|---|---|---|---|"]
    for label, mine, theirs, estimated in rows:
        mark = "~" if estimated else ""
        lines.append("| %s | %.1f s | %s%.1f s | %.1fx | %d / %s%d |" % (
            label, mine[0], mark, theirs[0], theirs[0] / mine[0], mine[1], mark, round(theirs[1])))
        lines[-1] = lines[-1].replace("nan s", "n/a").replace("nanx", "n/a")
    memory = [row for row in rows if row[0].startswith("3.")]
    notes = ["~ extrapolated linearly from a baseline run with %d items and one with none." % small]
    if memory:
        notes.append("Peak RSS of the largest process of the run (scenario 3): collection %.0f MiB, baseline %.0f MiB."
                     % (memory[0][1][2], memory[0][2][2]))
    return "\n".join(lines + [""] + notes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-items", type=int, default=50, help="items of the measured baselines (default 50)")
    parser.add_argument("--only", nargs="*", choices=["rules", "list", "audit", "incidents"], help="scenarios to run")
    options = parser.parse_args(argv)
    chosen = options.only or ["rules", "list", "audit", "incidents"]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines between the results
    seed_logicmonitor.ENTRY_COUNT = AUDIT_ENTRIES  # the simulator seeds 3000; the benchmark reads 10,000
    workdir = tempfile.mkdtemp(prefix="logpoint-bench-")
    simulator = serve_in_thread(port=0, tls=True, ca_path=os.path.join(workdir, "ca.pem"), latency_ms=LATENCY_MS)
    bench = Bench(workdir, simulator)
    print(machine(), flush=True)
    print("logs: %s" % workdir, flush=True)
    rows = []
    try:
        if "rules" in chosen:
            rows += scenario_rules(bench, options.baseline_items)
        if "list" in chosen:
            rows += scenario_list(bench)
        if "audit" in chosen:
            rows += scenario_audit(bench)
        if "incidents" in chosen:
            rows += scenario_incidents(bench, options.baseline_items)
    finally:
        simulator.stop()
    print(table(rows, options.baseline_items))
    again = [row for row in rows if row[0].startswith("2.")]
    if again:
        wall, count = again[0][1][:2]
        print("Scenario 2 target (at most 8 requests, under 5 s): %s (%d requests, %.1f s)"
              % ("met" if count <= 8 and wall < 5 else "NOT met", count, wall))
    slow = [row[0] for row in rows if not row[2][0] / row[1][0] >= 10]  # NaN (not measurable) counts as slow
    print("Under 10x faster than the baseline: %s" % (", ".join(slow) if slow else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
