# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts of the logpoints inventory plugin (plugin_utils/_fleet.py) and the Director listing parsers (api/fleet.py)."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api import fleet
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, ResponseFormatError
from ansible_collections.logpoint.siem.plugins.plugin_utils._fleet import (
    director_hosts, host_name, standalone_hosts, unique_hosts)

DEFAULTS = {"ca_path": "/etc/ca.pem", "validate_certs": None, "timeout": None}
POOL = {"pool_uuid": "p-1", "name": "EMEA"}
LOGPOINT = {"identifier": "lp-1", "name": "LP One", "ip": "10.0.0.1", "url": None, "version": "7.7.1", "active": True}


def test_standalone_entries_become_hosts_with_the_connection_and_their_vars():
    hosts = standalone_hosts([{"name": "acme", "url": "https://acme", "vars": {"tier": "gold"}},
                              {"name": "globex", "url": "https://globex", "ca_path": "/g.pem", "timeout": 5,
                               "version": 7.6}], DEFAULTS)
    assert hosts[0] == {"name": "acme", "vars": {"logpoint_ca_path": "/etc/ca.pem", "logpoint_name": "acme",
                                                 "logpoint_url": "https://acme", "logpoint_source": "standalone",
                                                 "tier": "gold"}}
    assert hosts[1]["vars"]["logpoint_ca_path"] == "/g.pem" and hosts[1]["vars"]["logpoint_timeout"] == 5
    assert hosts[1]["vars"]["logpoint_version"] == "7.6"


@pytest.mark.parametrize("entry,message", [
    ("acme", "logpoints[0]: each entry is a mapping with name and url"),
    ({"name": "acme"}, "logpoints[0] (acme): url is required"),
    ({"url": "https://x"}, "logpoints[0]: name is required"),
    ({"name": "acme", "url": "https://x", "pool": "p"}, "logpoints[0] (acme): unknown key pool"),
    ({"name": "acme", "url": "https://x", "secret_key": "s3cret"}, "logpoints[0] (acme): secret_key would become"),
    ({"name": "acme", "url": "https://x", "vars": {"logpoint_director_token": "t"}},
     "logpoints[0] (acme) vars: logpoint_director_token would become host variables"),
    ({"name": "acme", "url": "https://x", "vars": ["a"]}, "vars must be a mapping"),
])
def test_bad_entries_are_refused_naming_the_entry(entry, message):
    with pytest.raises(ConfigError) as caught:
        standalone_hosts([entry], DEFAULTS)
    assert message in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_director_logpoints_become_hosts_with_pool_and_identifier():
    hosts = director_hosts([(POOL, [LOGPOINT])], "https://director", DEFAULTS)
    assert hosts == [{"name": "LP One", "vars": {
        "logpoint_ca_path": "/etc/ca.pem", "logpoint_name": "LP One", "logpoint_source": "director",
        "logpoint_director_url": "https://director", "logpoint_pool_uuid": "p-1", "logpoint_pool_name": "EMEA",
        "logpoint_identifier": "lp-1", "logpoint_active": True, "logpoint_url": "https://10.0.0.1",
        "logpoint_ip": "10.0.0.1", "logpoint_version": "7.7.1"}}]
    named = director_hosts([(POOL, [LOGPOINT])], "https://director", DEFAULTS, "{pool_name}-{identifier}")
    assert named[0]["name"] == "EMEA-lp-1"


def test_host_name_template_errors_and_duplicates():
    with pytest.raises(ConfigError, match="host_name: '{tenant}' is not a template"):
        host_name("{tenant}", {})
    twice = director_hosts([(POOL, [LOGPOINT]), ({"pool_uuid": "p-2", "name": "APAC"}, [LOGPOINT])], "https://d", DEFAULTS)
    with pytest.raises(ConfigError, match=r"two Logpoints would be host 'LP One' \(pool EMEA, Logpoint lp-1 and pool APAC"):
        unique_hosts(twice)


class FakeClient:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def call(self, method, path, **kwargs):
        self.calls.append((method, path, kwargs["auth"], kwargs["api"]))
        return self.answers[path]


def test_director_fleet_reads_pools_then_each_pools_logpoints():
    client = FakeClient({
        "/configapi/pools": {"data": [{"uuid": "p-1", "pool_name": "EMEA"}, {"id": "p-2"}]},
        "/configapi/pools/p-1/logpoints": {"data": [{"logpoint_identifier": "lp-1", "address": "10.0.0.1",
                                                     "active": "false"}]},
        "/configapi/pools/p-2/logpoints": {"data": {"rows": [{"id": "lp-2", "name": "Two", "version": "7.5"}]}},
    })
    listed = fleet.director_fleet(client, max_concurrency=1)
    assert listed == [
        ({"pool_uuid": "p-1", "name": "EMEA"},
         [{"identifier": "lp-1", "name": "lp-1", "ip": "10.0.0.1", "url": None, "version": None, "active": False}]),
        ({"pool_uuid": "p-2", "name": "p-2"},
         [{"identifier": "lp-2", "name": "Two", "ip": None, "url": None, "version": "7.5", "active": True}]),
    ]
    assert all(call[2:] == ("director", "director") for call in client.calls)
    only = fleet.director_fleet(client, only=["EMEA"], max_concurrency=1)
    assert [pool["pool_uuid"] for pool, dummy in only] == ["p-1"]
    with pytest.raises(ConfigError, match="pools: no pool 'APAC' on the Director; pools that exist: EMEA"):
        fleet.director_fleet(client, only=["APAC"])


def test_director_listing_errors():
    with pytest.raises(ResponseFormatError, match="without a list of rows"):
        fleet.list_pools(FakeClient({"/configapi/pools": {"data": "nope"}}))
    with pytest.raises(ConfigError, match="must contain {pool_uuid}"):
        fleet.list_pool_logpoints(FakeClient({}), "p-1", path="/configapi/logpoints")
