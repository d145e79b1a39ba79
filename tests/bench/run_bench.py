#!/usr/bin/env python
"""Benchmark of logpoint.siem against plain ansible.builtin.uri playbooks (`make bench`).

Starts the simulator in this process with 5 ms added to every API request, runs each scenario as
``ansible-playbook`` with the collection (tests/bench/collection_*.yml) and with a baseline doing the
same work with ``ansible.builtin.uri`` loops (tests/bench/baseline_*.yml), resetting the simulator
before each, and prints one table: wall time of the whole playbook, the requests the simulator counted,
the ratios collection/baseline, the fewest requests the API allows (tests/bench/bench_report.py counts them),
the target of issue #9 and whether it is met. Scenario 1 runs again on a second simulator with 150 ms
latency, in its own table.

Baselines of N items run with a few items and with none; their figures for N are extrapolated linearly
(fixed cost + per-item cost x N) and marked ``~``. The static-list runs measure the peak RSS of each
module process through a probe interpreter (ANSIBLE_PYTHON_INTERPRETER -> a script that runs Python as
its child and records the child's ``ru_maxrss``).

    .venv/bin/python tests/bench/run_bench.py [--quick] [--only rules director ...] [--max-concurrency N]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path[:0] = [str(ROOT / "tests" / "simulator"), str(BENCH)]

# pylint: disable=wrong-import-position
from logpoint_simulator import seed, seed_logicmonitor, serve_in_thread  # noqa: E402
from logpoint_simulator.state import SimState  # noqa: E402
import bench_report as report  # noqa: E402
from bench_report import Row, Run, Target  # noqa: E402

LATENCY_MS = 5
SLOW_LATENCY_MS = 150
SIZES = {  # baseline / director_baseline: items of the measured uri runs that are extrapolated
    "full": {"rules": 500, "director": 100, "list": 1000000, "audit": 10000, "incidents": 500,
             "baseline": 50, "director_baseline": 20},
    "quick": {"rules": 20, "director": 5, "list": 20000, "audit": 2000, "incidents": 20,
              "baseline": 3, "director_baseline": 2},
}
SCENARIOS = ("rules", "director", "list", "audit", "incidents", "latency")
# The module each collection playbook runs, for max_concurrency.
PLAYBOOK_MODULES = {"collection_alert_rules": "alert_rules", "collection_list": "static_list",
                    "collection_director": "incident_state", "collection_incidents": "incident_state"}
PROBE = '''#!%(python)s
"""make bench: runs Python as Ansible asked and appends the child's peak RSS to $BENCH_RSS_LOG."""
import json, os, subprocess, sys
child = subprocess.Popen([%(python)r] + sys.argv[1:])
_pid, status, usage = os.wait4(child.pid, 0)
with open(os.environ["BENCH_RSS_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"argv": sys.argv[1:], "maxrss_kib": usage.ru_maxrss}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
'''


class Bench:
    """ansible-playbook runs against one simulator."""

    def __init__(self, workdir, simulator, concurrency):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.simulator = simulator
        self.concurrency = concurrency  # {module: max_concurrency} for the modules that take it
        self.control = requests.Session()
        self.control.trust_env = False  # REQUESTS_CA_BUNDLE would replace the simulator's CA
        self.control.verify = str(simulator.ca_path)
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "LOGPOINT_", "LM_"))}
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".collections"), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false", "ANSIBLE_NOCOLOR": "1",
            "LOGPOINT_URL": simulator.url, "LOGPOINT_CA_PATH": str(simulator.ca_path),
            "LOGPOINT_USERNAME": "admin", "LOGPOINT_SECRET_KEY": "simulator-admin-secret-0123456789",
            "LOGPOINT_DIRECTOR_URL": simulator.url, "LOGPOINT_DIRECTOR_TOKEN": seed.DIRECTOR_TOKEN,
            "LOGPOINT_POOL_UUID": seed.DIRECTOR_POOL, "LOGPOINT_IDENTIFIER": seed.DIRECTOR_LOGPOINT,
            "LM_URL": simulator.url, "LM_ACCESS_ID": seed_logicmonitor.ACCESS_ID,
            "LM_ACCESS_KEY": seed_logicmonitor.ACCESS_KEY,
        })
        self.probe = self.workdir / "rss-probe-python"
        self.probe.write_text(PROBE % {"python": sys.executable}, encoding="utf-8")
        self.probe.chmod(0o755)
        self.runs = 0

    def sim(self, method, path, body=None):
        response = self.control.request(method, self.simulator.url + "/_simulator/" + path, json=body, timeout=120)
        response.raise_for_status()
        return response.json()

    def playbook(self, name, extra_vars, *, reset=True, probe=False, changed=None):
        """Run tests/bench/<name>.yml; returns a Run.

        ``probe``: measure the peak RSS of the module processes (the largest one goes into the Run).
        ``changed``: True or False when the play recap must report changes or none.
        """
        if reset:
            self.sim("POST", "reset")
        self.sim("DELETE", "requests")
        self.runs += 1
        extra_vars = dict(extra_vars)
        module = PLAYBOOK_MODULES.get(name)
        if module in self.concurrency:
            extra_vars["bench_max_concurrency"] = self.concurrency[module]
        log = self.workdir / ("%02d-%s.log" % (self.runs, name))
        rss_log = self.workdir / ("%02d-%s.rss" % (self.runs, name))
        env = dict(self.env)
        if probe:  # an extra var: the implicit localhost's own ansible_python_interpreter beats the environment
            extra_vars["ansible_python_interpreter"] = str(self.probe)
            env["BENCH_RSS_LOG"] = str(rss_log)
        vars_file = self.workdir / ("vars-%02d.json" % self.runs)
        vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
        command = [str(BIN / "ansible-playbook"), str(BENCH / (name + ".yml")), "-e", "@%s" % vars_file]
        started = time.monotonic()
        with open(log, "w", encoding="utf-8") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
            _pid, status, _usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        text = log.read_text(encoding="utf-8")
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("%s failed; see %s:\n%s" % (name, log, text[-3000:]))
        recap = [int(number) for number in re.findall(r"\bchanged=(\d+)", text)]
        if changed is not None and bool(sum(recap)) != changed:
            sys.exit("%s: expected %s, the recap says changed=%s; see %s" % (
                name, "a change" if changed else "no change", recap, log))
        rss, rss_module = peak_rss(rss_log) if probe else (None, None)
        return Run(wall, self.sim("GET", "requests")["total"], rss, rss_module=rss_module)

    def with_incidents(self, name, count, extra_vars=None):
        """A playbook run after a reset and ``count`` new unresolved incidents "Bench incident N" of admin."""
        self.sim("POST", "reset")
        if count:
            self.sim("POST", "incidents", {"count": count, "name": "Bench incident", "risk": "low", "assignee": "admin"})
        return self.playbook(name, extra_vars or {}, reset=False)

    def closing_runs(self, name, count, small):
        """collection_<name> closing ``count`` incidents (checked), and the extrapolated baseline_<name>."""
        mine = self.with_incidents("collection_" + name, count)
        incidents = self.sim("GET", "state")["incidents"].values()
        closed = sum(1 for incident in incidents if incident["name"].startswith("Bench incident")
                     and incident["status"] == "closed")
        if closed != count:
            sys.exit("collection_%s closed %d of %d incidents" % (name, closed, count))
        none = self.with_incidents("baseline_" + name, 0)
        theirs = self.with_incidents("baseline_" + name, small)
        return mine, report.extrapolate(theirs, none, small, count)


def peak_rss(rss_log):
    """(MiB, module name): the largest ``ru_maxrss`` the probe recorded for the run's module processes."""
    lines = rss_log.read_text(encoding="utf-8").splitlines() if rss_log.exists() else []
    peaks = []
    for line in lines:
        record = json.loads(line)
        module = next((re.sub(r"^AnsiballZ_|\.py$", "", Path(arg).name) for arg in record["argv"]
                       if Path(arg).name.startswith("AnsiballZ_")), None)
        peaks.append((record["maxrss_kib"] / 1024.0, module))
    return max(peaks, default=(None, None))


def rules(count):
    return [{"name": "Bench rule %04d" % number, "description": "benchmark rule %d" % number,
             "query": "label=User label=Login label=Fail user=bench%d | chart count() by user" % number,
             "repos": ["windows"], "time_range": "1h", "search_interval": 10,
             "condition": {"operator": ">", "value": 10 + number % 50}, "risk": "high", "aggregate": "max",
             "assignee": "admin"} for number in range(count)]


def scenario_rules(bench, sizes):
    count, small = sizes["rules"], sizes["baseline"]
    desired = {"bench_rules": rules(count)}
    first = bench.playbook("collection_alert_rules", desired, changed=True)
    floor = bench.playbook("floor", {}, reset=False)
    again = bench.playbook("collection_alert_rules", desired, reset=False, changed=False)
    none = bench.playbook("baseline_alert_rules", {"bench_rules": []})
    base_first = bench.playbook("baseline_alert_rules", {"bench_rules": rules(small)})
    base_again = bench.playbook("baseline_alert_rules", {"bench_rules": rules(small)}, reset=False)
    return [Row("0. start-up floor: one ansible.builtin.debug task", floor),
            Row("1. create %d alert rules" % count, first, report.extrapolate(base_first, none, small, count),
                report.fewest_rule_creates(count), Target(requests=510, wall=6.0)),
            Row("2. no-change converge of %d rules" % count, again, report.extrapolate(base_again, none, small, count),
                report.fewest_rule_converge(count), Target(requests=8, over_floor=1.0))], floor.wall


def scenario_director(bench, sizes):
    count = sizes["director"]
    mine, theirs = bench.closing_runs("director", count, sizes["director_baseline"])
    pending = bench.sim("GET", "settings")["director_pending_polls"]
    return [Row("3. close %d Director incidents with a comment" % count, mine, theirs,
                report.fewest_director(count, pending), Target(requests=250, wall=5.0))]


def scenario_list(bench, sizes):
    count = sizes["list"]
    path = bench.workdir / "values.txt"
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines("host-%07d.bad.example\n" % number for number in range(count))
    given = {"bench_file": str(path)}
    create = bench.playbook("collection_list", given, probe=True, changed=True)
    rerun = bench.playbook("collection_list", given, reset=False, probe=True, changed=False)
    base_create = bench.playbook("baseline_list", given, probe=True)
    base_rerun = bench.playbook("baseline_list", given, reset=False, probe=True)
    return [Row("4. static list of %d values: create" % count, create, base_create, report.fewest_list_create(),
                Target(rss=150)),
            Row("5. static list of %d values: no-change re-run" % count, rerun, base_rerun,
                report.fewest_list_rerun(), Target(rss=120))]


def scenario_audit(bench, sizes):
    count = sizes["audit"]
    expected = {"bench_expected": count, "bench_lm_bearer": seed_logicmonitor.BEARER_TOKEN}
    mine = bench.playbook("collection_audit", expected)
    theirs = bench.playbook("baseline_audit", expected)
    return [Row("6. read %d LogicMonitor audit entries" % count, mine, theirs, report.fewest_audit(count))]


def scenario_incidents(bench, sizes):
    count = sizes["incidents"]
    mine, theirs = bench.closing_runs("incidents", count, sizes["baseline"])
    return [Row("7. close %d classic incidents" % count, mine, theirs, report.fewest_classic_closes(count))]


def scenario_latency(bench, sizes):
    count, small = sizes["rules"], sizes["baseline"]
    first = bench.playbook("collection_alert_rules", {"bench_rules": rules(count)}, changed=True)
    none = bench.playbook("baseline_alert_rules", {"bench_rules": []})
    theirs = bench.playbook("baseline_alert_rules", {"bench_rules": rules(small)})
    return [Row("1. create %d alert rules at %d ms" % (count, SLOW_LATENCY_MS), first,
                report.extrapolate(theirs, none, small, count), report.fewest_rule_creates(count))]


def concurrency_options(value):
    """{module: value} for the bench's modules whose documented options (= argspec) have max_concurrency."""
    modules = sorted(set(PLAYBOOK_MODULES.values()))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", "-j", *("logpoint.siem." + m for m in modules)],
                          capture_output=True, text=True, env=env, check=False)
    try:
        docs = json.loads(done.stdout)
    except ValueError:
        print("ansible-doc failed, max_concurrency not passed: %s" % done.stderr.strip()[-300:], flush=True)
        return {}
    return {module: value for module in modules
            if "max_concurrency" in (docs.get("logpoint.siem." + module, {}).get("doc", {}).get("options") or {})}


def load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


def machine(options, concurrency):
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    core = subprocess.run([str(BIN / "ansible"), "--version"], capture_output=True, text=True,
                          check=False).stdout.splitlines()[0]
    passed = ", ".join(sorted(concurrency)) or "none of them (no max_concurrency option yet)"
    return ["%d CPUs: %s; Python %s; %s" % (os.cpu_count(), model, platform.python_version(),
                                            core.replace("ansible [core ", "ansible-core ").rstrip("]")),
            "load average (1, 5, 15 min) at the start: %s" % load_average(),
            "simulator latency %d ms (%d ms for the last table); max_concurrency=%d passed to: %s"
            % (LATENCY_MS, SLOW_LATENCY_MS, options.max_concurrency, passed),
            "sizes: %s%s" % (", ".join("%s %d" % item for item in SIZES[options.size].items()),
                             " (--quick: the targets are for the full sizes; verdicts marked (quick))"
                             if options.size == "quick" else "")]


def print_report(rows, slow_rows, floor, quick, baseline_note):
    if rows:
        print("\n".join([""] + report.table_lines(rows, floor, quick)))
    if slow_rows:
        print("\nScenario 1 at %d ms latency (concurrency shows here):\n" % SLOW_LATENCY_MS)
        print("\n".join(report.table_lines(slow_rows, quick=quick)))
        for row in slow_rows:
            serial = row.collection.requests * SLOW_LATENCY_MS / 1000.0
            print("A serial client waits at least %d requests x %d ms = %.1f s for the latency alone; the collection "
                  "took %.1f s (%.2f of that)." % (row.collection.requests, SLOW_LATENCY_MS, serial,
                                                   row.collection.wall, report.ratio(row.collection.wall, serial)))
    every = rows + slow_rows
    print("\nFewest requests the API allows, as counted:")
    print("\n".join(report.minimum_notes(every)))
    print("\nNotes: wall = the whole ansible-playbook run; req = API requests the simulator counted; %s; module peak "
          "RSS = the largest module process of the run (probe interpreter, ru_maxrss). Start-up floor: %s."
          % (baseline_note, "n/a (scenario rules not run)" if math.isnan(floor) else "%.1f s" % floor))
    print("load average (1, 5, 15 min) at the end: %s" % load_average())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", dest="size", action="store_const", const="quick", default="full",
                        help="small sizes, for development (targets shown for reference)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, metavar="SCENARIO",
                        help="scenarios to run: %s (default all)" % ", ".join(SCENARIOS))
    parser.add_argument("--max-concurrency", type=int, default=4,
                        help="passed to the modules whose argspec has max_concurrency (default %(default)s)")
    parser.add_argument("--baseline-items", type=int, help="items of the measured uri baselines (default: per size)")
    options = parser.parse_args(argv)
    sizes = dict(SIZES[options.size])
    if options.baseline_items:
        sizes.update(baseline=options.baseline_items, director_baseline=options.baseline_items)
    chosen = options.only or SCENARIOS
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines between the results
    workdir = Path(tempfile.mkdtemp(prefix="logpoint-bench-"))
    concurrency = concurrency_options(options.max_concurrency)
    print("\n".join(machine(options, concurrency)), flush=True)
    print("logs: %s" % workdir, flush=True)
    rows, slow_rows, floor = [], [], float("nan")
    simulator = serve_in_thread(port=0, tls=True, ca_path=workdir / "ca.pem", latency_ms=LATENCY_MS,
                                state=SimState(lm_entries=sizes["audit"]))
    try:
        bench = Bench(workdir, simulator, concurrency)
        if "rules" in chosen:
            found, floor = scenario_rules(bench, sizes)
            rows += found
        for name, scenario in (("director", scenario_director), ("list", scenario_list), ("audit", scenario_audit),
                               ("incidents", scenario_incidents)):
            if name in chosen:
                rows += scenario(bench, sizes)
    finally:
        simulator.stop()
    if "latency" in chosen:
        slow = serve_in_thread(port=0, tls=True, ca_path=workdir / "slow" / "ca.pem", latency_ms=SLOW_LATENCY_MS)
        try:
            slow_rows = scenario_latency(Bench(workdir / "slow", slow, concurrency), sizes)
        finally:
            slow.stop()
    note = "~ = extrapolated linearly from uri runs with %d items (Director %d) and with none" % (
        sizes["baseline"], sizes["director_baseline"])
    print_report(rows, slow_rows, floor, options.size == "quick", note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
