# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""incident_state run again after a Director write order did not finish (issue 12): the order is not sent twice.

A write order still pending when its task ends (``wait_timeout``) is kept on record on this host
(``_host_state.Ledger``); a later run with the same step polls that order instead of submitting it again.
"""
from __future__ import annotations

import uuid

LOW_OF_ADMIN = "65b000000000000000000007"


def comment_orders(sim):
    return [order for order in sim.state()["director_orders"].values() if order["action"] == "comment"]


def test_a_rerun_polls_the_pending_order_of_the_earlier_run_instead_of_sending_it_again(call_module, sim):
    text = "Pending on Director %s" % uuid.uuid4().hex  # a step no earlier test run has on record
    sim.settings(director_never_finish_incidents=[LOW_OF_ADMIN])
    args = {"api": "director", "ids": [LOW_OF_ADMIN], "comment": text, "wait_timeout": 1}
    first = call_module("incident_state", args)
    assert first.failed and "was still pending after 1s" in first.msg
    [order] = comment_orders(sim)
    assert first.result["order_id"] == order["id"]
    again = call_module("incident_state", args)
    assert again.failed and again.result["order_id"] == order["id"]
    assert "sent by an earlier run and not sent again" in again.msg
    assert len(comment_orders(sim)) == 1  # the re-run sent no second order


def test_an_order_the_server_no_longer_knows_is_sent_anew(call_module, sim):
    text = "Lost on Director %s" % uuid.uuid4().hex
    sim.settings(director_never_finish_incidents=[LOW_OF_ADMIN])
    args = {"api": "director", "ids": [LOW_OF_ADMIN], "comment": text, "wait_timeout": 1}
    assert call_module("incident_state", args).failed
    sim.reset()  # the server forgets its orders (the recorded one now answers 404)
    done = call_module("incident_state", args)
    assert not done.failed and done.changed, done
    assert [c["comment"] for c in sim.state()["incidents"][LOW_OF_ADMIN]["comments"]] == [text]
    assert len(comment_orders(sim)) == 1
    rerun = call_module("incident_state", args)
    assert not rerun.failed and not rerun.changed and not comment_orders(sim)[1:]
