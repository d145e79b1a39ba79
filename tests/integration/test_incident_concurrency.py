# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""incident_state under overlapping runs (issue 12): ten runs adding one comment to one incident leave one comment.

Each run is the module's ``run()`` on its own thread with its own client (what an Ansible fork does in its
own process; the host lock is a file lock, so it holds across processes as across threads), started
together behind a barrier so that all of them read the incident before any writes.
"""
from __future__ import annotations

import importlib
import threading

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from harness import ADMIN_SECRET_KEY, ADMIN_USERNAME, DIRECTOR_TOKEN, LOGPOINT_IDENTIFIER, POOL_UUID

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient

MODULE = importlib.import_module("ansible_collections.logpoint.siem.plugins.modules.incident_state")
CRITICAL_OF_ANALYST = "65b000000000000000000001"
RUNS = 10


def connection(sim, api):
    options = dict(url=sim.url, username=ADMIN_USERNAME, secret_key=ADMIN_SECRET_KEY, ca_path=sim.ca_path)
    if api == "director":
        options.update(director_url=sim.url, director_token=DIRECTOR_TOKEN, pool_uuid=POOL_UUID,
                       logpoint_identifier=LOGPOINT_IDENTIFIER)
    return options


def run_together(sim, api, args, runs=RUNS):
    """``runs`` runs of incident_state's ``run()`` at once -> [(changed, result) or exception]."""
    validated = ArgumentSpecValidator(MODULE.ARGUMENT_SPEC).validate(dict(args, api=api))
    assert not validated.error_messages, validated.error_messages
    options = connection(sim, api)
    params = dict(validated.validated_parameters, **options)
    barrier = threading.Barrier(runs)
    outcomes = [None] * runs

    def one(index):
        client = LogpointClient(warn=lambda message: None, **options)
        barrier.wait()
        try:
            changed, result, _diff = MODULE.run(dict(params), client, False, lambda message: None)
            outcomes[index] = (changed, result)
        except Exception as exc:  # pylint: disable=broad-except  # reported by the assertion below
            outcomes[index] = exc

    threads = [threading.Thread(target=one, args=(index,)) for index in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def comments_of(sim, incident_id, text):
    return [c for c in sim.state()["incidents"][incident_id]["comments"] if c["comment"] == text]


@pytest.mark.parametrize("api", ["classic", "director"])
def test_ten_overlapping_runs_add_one_comment_once(sim, api):
    text = "Seen by the %s triage run." % api
    outcomes = run_together(sim, api, {"ids": [CRITICAL_OF_ANALYST], "comment": text})
    failures = [outcome for outcome in outcomes if not isinstance(outcome, tuple)]
    assert not failures, failures
    assert len(comments_of(sim, CRITICAL_OF_ANALYST, text)) == 1
    # exactly one run wrote and says so; the others found the comment just before their write
    assert sorted(changed for changed, _result in outcomes) == [False] * (RUNS - 1) + [True]
    writers = [result for changed, result in outcomes if changed]
    assert writers[0]["summary"]["actions"] == {"comment": 1}
    assert all(result["summary"]["changed"] == 0 for changed, result in outcomes if not changed)
    written = sim.count("POST /add_incident_comment") if api == "classic" else sum(
        1 for order in sim.state()["director_orders"].values() if order["action"] == "comment")
    assert written == 1
