#!/usr/bin/env python
"""Peak memory of the logpoint.siem.static_list module process importing a large list.

Usage::

    .venv/bin/python tools/measure_static_list_memory.py [--values 1000000]

Starts a simulator, writes a file of N distinct values, and runs the module (as Ansible does: one
Python process reading its arguments from a JSON file) three times: creating the list, again with
the same file (the server reports the N values back: nothing to upload), and with one value
changed (N current values compared, N uploaded). For each run it prints the peak resident set size
of the module process (``ru_maxrss`` of that child), the wall time (the simulator's own work
included), the module's CPU time and the requests the simulator saw. The baseline is the same
module failing on a bad name before any request: what Python, Ansible's module code and requests
cost without a list.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = "ansible_collections.logpoint.siem.plugins.modules.static_list"


def _with_simulator():
    spec = importlib.util.spec_from_file_location("logpoint_with_simulator", os.path.join(ROOT, "tools",
                                                                                          "with_simulator.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_values(path, count, first=0):
    """``count`` distinct values numbered from ``first`` (first=1 drops one value and adds another)."""
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(first, first + count):
            handle.write("host-%07d.bad.example\n" % number)


def run_module(workdir, arguments, env):
    """Run the module in its own process; returns (result, peak RSS in MiB, wall seconds, CPU seconds)."""
    args_path = os.path.join(workdir, "args.json")
    with open(args_path, "w", encoding="utf-8") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": arguments}, handle)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", MODULE, args_path],  # pylint: disable=consider-using-with
                               stdout=subprocess.PIPE, env=env, cwd=workdir)
    output = process.stdout.read()
    process.stdout.close()
    _pid, _status, usage = os.wait4(process.pid, 0)  # the rusage of this child alone
    elapsed = time.monotonic() - started
    return json.loads(output), usage.ru_maxrss / 1024.0, elapsed, usage.ru_utime + usage.ru_stime


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1000000, help="number of values (default %(default)s)")
    options = parser.parse_args(argv)
    helper = _with_simulator()
    workdir = tempfile.mkdtemp(prefix="static-list-memory-")  # kept: it holds the simulator's log
    values_path = os.path.join(workdir, "values.txt")
    runs = [("baseline (bad name, no request)", 0, "x"), ("create", 0, "million"),
            ("same values again", 0, "million"), ("one value changed", 1, "million")]
    with helper.Simulator(workdir=workdir) as simulator:
        control = requests.Session()
        control.trust_env = False  # REQUESTS_CA_BUNDLE would replace the simulator's CA
        control.verify = simulator.ca_path
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, ".collections"), **simulator.env())
        print("%d values; module %s" % (options.values, MODULE))
        for label, first, name in runs:
            write_values(values_path, options.values, first=first)
            control.delete(simulator.url + "/_simulator/requests")
            result, peak, seconds, cpu = run_module(workdir, {"name": name, "src": values_path}, env)
            counted = control.get(simulator.url + "/_simulator/requests").json()["by_endpoint"]
            outcome = ("failed: %s" % result["msg"][:40] if result.get("failed") else
                       "changed=%s added=%s removed=%s" % (result["changed"], result["added"], result["removed"]))
            print("%-32s peak RSS %6.1f MiB, %5.1f s (module CPU %4.1f s)  %s  requests %s"
                  % (label, peak, seconds, cpu, outcome, counted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
