# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's "Event-Driven Ansible" example (under "Against a real Logpoint"), from the README's block.

The block's ``export`` lines, its two ``printf`` files and its ``ansible-rulebook`` command line are
taken from README.md and run as written, except for these substitutions (and why):

* ``make simulator &`` is not run: the ``sim`` fixture's simulator stands in, so
  ``https://127.0.0.1:8443`` becomes its URL and ``$PWD/.simulator/ca.pem`` its CA file; ``$PWD`` is
  the checkout (the README runs from there);
* the files the README writes to ``/tmp/`` are written into the test's directory (a state file in
  ``/tmp`` would outlive the test and feed the next run);
* ``incidents_interval: 5`` becomes 1 second, so that "within a poll or two" takes seconds;
* the two ``curl`` calls are made with ``requests`` (``sim.api``) with the README's path and body.

Then what the README promises: the noisy incidents are commented and closed, the events are printed
(``state_changed unresolved -> closed``, ``commented by admin``, the other one ``created``), and after
a stop (SIGINT, as Ctrl-C) and a start nothing already handled comes again.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest

import harness
from readme_support import block, readme_section
from rulebook_process import RulebookProcess

BIN = Path(sys.executable).parent
README_SIMULATOR = "https://127.0.0.1:8443"
README_CA = "$PWD/.simulator/ca.pem"

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="ansible-rulebook needs Java 17 (no java on PATH)"),
    pytest.mark.skipif(not (BIN / "ansible-rulebook").exists(), reason="ansible-rulebook is not installed in this venv "
                       "(requirements-dev.txt installs it)"),
    pytest.mark.xdist_group("eda-rulebook"),
]


def readme_block():
    return block(readme_section("### Event-Driven Ansible"), "make simulator &", "bash")


def readme_lines(sim, workdir):
    """The block's command lines (continuations folded, comments dropped) with the substitutions made."""
    text = readme_block().replace("\\\n", " ")
    for readme_value, test_value in (("/tmp/", "%s/" % workdir), (README_SIMULATOR, sim.url), (README_CA, sim.ca_path),
                                     ("$PWD", str(harness.ROOT))):
        text = text.replace(readme_value, test_value)
    lines = [re.sub(r"\s+# .*$", "", line).strip() for line in text.splitlines() if not line.startswith("#")]
    return [line for line in lines if line]


def environment(lines):
    """The variables of the ``export`` lines (``$PATH`` expanded), on a clean environment."""
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "LOGPOINT_", "LM_")))
    for line in lines:
        if line.startswith("export "):
            for word in shlex.split(line)[1:]:
                name, dummy, value = word.partition("=")
                env[name] = value.replace("$PATH", env.get("PATH", ""))
    return env


def write_printf_files(lines):
    for line in lines:
        if line.startswith("printf "):
            words = shlex.split(line)
            assert words[2] == ">", line
            Path(words[3]).write_text(words[1].replace("\\n", "\n"), encoding="utf-8")


class Rulebook(RulebookProcess):
    """The README's ansible-rulebook command line in the background; events with what follows the kind."""

    event_line = re.compile(r"logpoint event (\S+) (\w+)(.*?)\"?$")


def test_readme_closing_loop_rulebook(sim, tmp_path):
    lines = readme_lines(sim, tmp_path)
    assert lines[0] == "make simulator &"  # substituted by the sim fixture
    env = environment(lines)
    assert env["LOGPOINT_URL"] == sim.url and env["LOGPOINT_CA_PATH"] == sim.ca_path
    assert env["ANSIBLE_COLLECTIONS_PATH"] == str(harness.COLLECTIONS_PATH)
    assert (env["LOGPOINT_USERNAME"], env["LOGPOINT_SECRET_KEY"]) == (harness.ADMIN_USERNAME, harness.ADMIN_SECRET_KEY)
    write_printf_files(lines)
    variables = tmp_path / "noisy.yml"
    assert "incidents_interval: 5\n" in variables.read_text(encoding="utf-8")
    variables.write_text(variables.read_text(encoding="utf-8").replace("incidents_interval: 5\n", "incidents_interval: 1\n"),
                         encoding="utf-8")
    command = next(shlex.split(line) for line in lines if line.startswith("ansible-rulebook "))
    assert command[-1] == "&"
    command = [BIN / "ansible-rulebook"] + command[1:-1]
    curls = [line for line in lines if line.startswith("curl ")]
    assert len(curls) == 2

    first = Rulebook(command, env, tmp_path)
    first.wait_for(lambda: any("polling the classic API" in line for line in first.lines), what="polling the classic API")
    made = {}
    for curl in curls:
        words = shlex.split(curl)
        body = json.loads(words[words.index("-d") + 1])
        url = next(word for word in words if word.startswith(sim.url))
        reply = sim.api("POST", url[len(sim.url):], json=body)
        assert reply.status_code == 200, reply.text
        made[body["name"]] = reply.json()["ids"]
    noisy, other = made["Noisy rule"], made["Real attack"]
    assert len(noisy) == 2 and len(other) == 1

    def kinds(rulebook, ids):
        return sorted((kind, rest.strip()) for key, kind, rest in rulebook.events() if key.split(":")[0] in ids)

    def closed_and_commented():
        return kinds(first, noisy) == [("commented", "by admin")] * 2 + [("state_changed", "unresolved -> closed")] * 2

    first.wait_for(closed_and_commented, what="commented and closed noisy incidents")
    first.wait_for(lambda: [(kind, rest.split()[:3]) for kind, rest in kinds(first, other)] == [("created", ["high", "Real", "attack"])],
                   what="'created' event of the other")
    for one in noisy:
        assert sim.state()["incidents"][one]["status"] == "closed"
    assert sim.state()["incidents"][other[0]]["status"] == "unresolved"
    output = first.stop()
    assert not [secret for secret in harness.SECRETS if secret in output]
    handled = len(first.events())

    # "Stop it (Ctrl-C) and start it again: nothing already handled comes again."
    second = Rulebook(command, env, tmp_path)
    second.wait_for(lambda: any("polling the classic API" in line for line in second.lines), what="polling the classic API")
    time.sleep(2.5)  # two more polls of 1 s
    second.stop()
    assert handled == 5 and second.events() == [], "\n".join(second.lines[-40:])
