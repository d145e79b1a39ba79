# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's "Fleets: many Logpoints, one rule set" examples, run from the README's own blocks.

The inventory files, the playbook and the command lines are taken from README.md; the commands run in
the test's directory (where the README's files are written) with the environment the README exports.
Substituted, and why:

* the README starts two simulators (``logpoint-simulator --port 8443 ... &`` and ``--port 8444``); here
  tenant acme is the ``sim`` fixture's simulator and tenant globex a second one in a thread of this
  process (same profile), on ports the OS picked: in the inventory files ``https://127.0.0.1:8443`` /
  ``:8444`` become their URLs and ``/tmp/lp-acme.pem`` / ``/tmp/lp-globex.pem`` their CA files;
* ``cache_connection: /tmp/logpoint-inventory-cache`` becomes a directory of the test (a cache in
  ``/tmp`` would outlive the test and answer the next run);
* the typo run (``drop: [Admin group chnage]``) goes through ``ansible_runner.run(private_data_dir=...,
  playbook=..., inventory=..., envvars=...)`` as "In AWX / AAP and ansible-runner" describes, with the
  README's inventory and playbook.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path

import pytest

import harness
from readme_support import block, readme_section, writes

ACME = ("https://127.0.0.1:8443", "/tmp/lp-acme.pem")  # nosec B108 - the README's values, replaced below
GLOBEX = ("https://127.0.0.1:8444", "/tmp/lp-globex.pem")  # nosec B108
CACHE = "/tmp/logpoint-inventory-cache"  # nosec B108


def commands(text):
    """The command lines of a bash block: comments and backslash continuations folded -> (line, comment)."""
    lines = []
    for line in text.replace("\\\n", " ").splitlines():
        if line.strip() and not line.startswith("#"):
            command, dummy, comment = line.partition("#")
            lines.append((command.strip(), comment.strip()))
    return lines


def graph(output):
    """``ansible-inventory --graph`` -> {group: [its direct hosts]}."""
    groups, stack = {}, []
    for line in output.splitlines():
        if not line.startswith(("@", "  |")):
            continue  # a warning, not the graph
        depth = line.count("|")
        name = line.rsplit("--", 1)[-1] if depth else line
        if name.startswith("@"):
            del stack[depth:]
            stack.append(name[1:].rstrip(":"))
            groups.setdefault(stack[-1], [])
        else:
            groups[stack[depth - 1]].append(name)
    return groups


@pytest.fixture(scope="module")
def globex_simulator(simulator, tmp_path_factory):
    running = harness.ThreadSimulator(tmp_path_factory.mktemp("globex"), profile=simulator.profile).start()
    yield running
    running.stop()


@pytest.fixture
def globex(globex_simulator):
    client = harness.SimClient(globex_simulator)
    client.reset()
    return client


class Shell:
    """Runs the README's command lines in ``workdir`` with the README's environment, not the harness's."""

    def __init__(self, ansible_runner, sim, workdir, exported):
        self.runner = ansible_runner
        self.workdir = workdir
        # none of the harness's LOGPOINT_* variables: only what the README exports or sets on the line
        self.env = dict((key, None) for key in sim.process.env())
        self.env.update(exported)

    def __call__(self, line, *extra):
        words = shlex.split(line)
        env = dict(self.env)
        while "=" in words[0]:
            name, dummy, value = words.pop(0).partition("=")
            env[name] = value.replace(ACME[1], str(self.workdir / "lp-acme.pem"))
        words[0] = self.runner.executable(words[0])
        command, completed, records = self.runner._run(words + list(extra), env=env,  # pylint: disable=protected-access
                                                       cwd=self.workdir)
        return harness.PlaybookResult(command, completed.returncode, completed.stdout, completed.stderr, records)


def exported_variables(section):
    """``export NAME=value ...`` of the block that starts the simulators."""
    start = block(section, "logpoint-simulator --port 8443")
    line = next(line for line in start.splitlines() if line.startswith("export "))
    return dict(word.split("=", 1) for word in shlex.split(line)[1:])


def test_readme_fleet(ansible_runner, sim, globex, tmp_path):
    section = readme_section("## Fleets: many Logpoints, one rule set")
    exported = exported_variables(section)
    assert exported == {"LOGPOINT_USERNAME": harness.ADMIN_USERNAME, "LOGPOINT_SECRET_KEY": harness.ADMIN_SECRET_KEY}
    # the README's CA paths are files of the test directory: copies of the two simulators' CAs
    (tmp_path / "lp-acme.pem").write_bytes(Path(sim.ca_path).read_bytes())
    (tmp_path / "lp-globex.pem").write_bytes(Path(globex.ca_path).read_bytes())
    substitutions = ((ACME[0], sim.url), (GLOBEX[0], globex.url), (ACME[1], str(tmp_path / "lp-acme.pem")),
                     (GLOBEX[1], str(tmp_path / "lp-globex.pem")), (CACHE, str(tmp_path / "inventory-cache")))

    def write(first_line):
        text = block(section, "# " + first_line)
        for readme_value, test_value in substitutions:
            text = text.replace(readme_value, test_value)
        (tmp_path / first_line.split(":")[0]).write_text(text, encoding="utf-8")
        return text

    shell = Shell(ansible_runner, sim, tmp_path, exported)
    tenants = write("tenants.logpoints.yml: two tenants")

    # The inventory: the groups the README's comment lists, and globex's variables (no secret in them).
    (graph_line, promised), (host_line, dummy) = commands(block(section, "ansible-inventory -i tenants.logpoints.yml"))
    shown = shell(graph_line)
    assert shown.rc == 0, shown
    groups = graph(shown.stdout)
    for entry in promised.split(";"):
        group, hosts = entry.split(":")
        assert sorted(groups[group.strip()]) == sorted(host.strip() for host in hosts.split(",")), (entry, shown.stdout)
    host = shell(host_line)
    assert host.rc == 0, host
    globex_vars = json.loads(host.stdout)
    assert globex_vars["logpoint_url"] == globex.url and globex_vars["tier"] == "silver"
    assert globex_vars["logpoint_repos"] and isinstance(globex_vars["windows_repos"], list)
    assert globex_vars["detection_rules_overlays"][0]["name"] == "globex"
    shown.assert_no_secrets()
    host.assert_no_secrets()

    # The Director, cached: the second run sends no request, --flush-cache reads the Director again.
    write("director.logpoints.yml")
    ((director_line, dummy),) = commands(block(section, "LOGPOINT_DIRECTOR_TOKEN="))
    sim.clear_requests()
    director = shell(director_line)
    assert director.rc == 0, director
    pools = dict((name, hosts) for name, hosts in graph(director.stdout).items() if name.startswith("pool_"))
    assert len(pools) == 2 and all(len(hosts) == 1 for hosts in pools.values()), director.stdout
    assert sim.count("GET /configapi/pools") >= 1
    sim.clear_requests()
    cached = shell(director_line)
    assert cached.rc == 0 and cached.stdout == director.stdout and sim.count() == 0, cached
    flushed = shell(director_line, "--flush-cache")
    assert flushed.rc == 0 and sim.count("GET /configapi/pools") >= 1, flushed
    director.assert_no_secrets()

    # The overlay run: what globex got, the recap the README shows, and no change the second time.
    write("fleet.yml: the base pack")
    playbook_block = block(section, "ansible-playbook -i tenants.logpoints.yml fleet.yml")
    ((playbook_line, dummy),) = commands(playbook_block)
    shown_lines = [line[2:].strip() for line in playbook_block.splitlines() if line.startswith("#")]
    summary = " ".join(shown_lines[:2])
    recap = dict((name, dict(re.findall(r"(\w+)=(\d+)", counts))) for name, counts in
                 re.findall(r"(\w+): ((?:\w+=\d+\s*)+)", shown_lines[2].split("(")[0]))
    first = shell(playbook_line)
    assert first.rc == 0, first
    assert summary in re.sub(r"\s+", " ", first.output), (summary, first)
    got = dict((tenant, dict((key, str(first.stats[tenant][key])) for key in counts)) for tenant, counts in recap.items())
    assert got == recap, first.stats
    acme_rules = sorted(rule["name"] for rule in sim.state()["alert_rules"].values())
    assert acme_rules == ["Admin group change", "Brute force logons"]
    globex_rules = dict((rule["name"], rule) for rule in globex.state()["alert_rules"].values())
    assert sorted(globex_rules) == ["Brute force logons", "Globex VPN logons from abroad"]
    assert globex_rules["Brute force logons"]["incident_condition"]["risk"] == "high"
    first.assert_no_secrets()
    sim.clear_requests()
    globex.clear_requests()
    again = shell(playbook_line)
    assert again.rc == 0 and all(again.stats[tenant]["changed"] == 0 for tenant in recap), again.stats
    assert writes(sim) == 0 and writes(globex) == 0

    # The typo fails globex alone, before any write; acme still converges (through ansible-runner).
    runner = pytest.importorskip("ansible_runner")
    assert "drop: [Admin group change]" in tenants
    (tmp_path / "tenants.logpoints.yml").write_text(tenants.replace("drop: [Admin group change]", "drop: [Admin group chnage]"),
                                                    encoding="utf-8")
    typo = re.search(r"fails globex with `(.*?)\.\.\.\)`", section.replace("\n", " ")).group(1)
    globex.clear_requests()
    env = dict(exported, ANSIBLE_COLLECTIONS_PATH=str(harness.COLLECTIONS_PATH), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_FORCE_COLOR="0", PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))))
    (tmp_path / "job").mkdir()
    job = runner.run(private_data_dir=str(tmp_path / "job"), playbook=str(tmp_path / "fleet.yml"),
                     inventory=str(tmp_path / "tenants.logpoints.yml"), envvars=env, quiet=True, timeout=300)
    assert sorted(job.stats["failures"]) == ["globex"] and "acme" in job.stats["ok"], job.stats
    failed = [event["event_data"]["res"].get("msg", "") for event in job.events if event["event"] == "runner_on_failed"]
    assert len(failed) == 1 and typo in failed[0], (typo, failed)
    assert writes(globex) == 0
