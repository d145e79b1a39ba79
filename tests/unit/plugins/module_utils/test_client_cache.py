# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-task cached reads: a loader may call the client (minting a token) and read another cached value."""
from __future__ import annotations

import threading

from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient


def test_a_cached_loader_can_mint_tokens_and_nest_cached_reads():
    client = LogpointClient(url="https://logpoint.example.com", username="admin", secret_key="k" * 32)
    sent = []

    def send(method, url, **kwargs):
        sent.append(url)
        return 200, '{"rows": []}', {}

    client.transport.send = send

    def outer():
        inner = client.cached("inner", lambda: client.call("GET", "/inner", auth="jwt", scope="alertrules:read"))
        return [inner, client.call("POST", "/outer", auth="jwt", scope="logsource:read", read=True)]

    results = []
    worker = threading.Thread(target=lambda: results.append(client.cached("outer", outer)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "cached() deadlocked"
    assert results == [[{"rows": []}, {"rows": []}]]
    assert client.cached("outer", outer) == results[0] and len(sent) == 2
