"""The command line, as `make simulator` and users' CI start it."""

import pytest
import requests
from logpoint_simulator import serve_in_thread
from logpoint_simulator.__main__ import _parser, main
from simtools import cli_simulator


def test_cli_serves_https_prints_the_ready_line_and_stops_on_sigterm(tmp_path):
    ca_path = tmp_path / "nested" / "ca.pem"
    with cli_simulator("--ca", str(ca_path)) as (url, line):  # on leaving: SIGTERM, exit code 0
        prefix = "logpoint simulator listening on https://127.0.0.1:"
        assert line.startswith(prefix) and line.endswith(f" (CA: {ca_path.resolve()})")
        assert requests.get(f"{url}/_simulator/health", verify=str(ca_path), timeout=10).json() == {"status": "ok"}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com"])
def test_cli_refuses_hosts_off_loopback(host, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--host", host])
    assert exit_info.value.code == 2
    assert "not a loopback address" in capsys.readouterr().err


def test_serve_in_thread_plain_http():
    simulator = serve_in_thread(port=0, tls=False)
    try:
        assert simulator.url.startswith("http://127.0.0.1:")
        assert simulator.ca_path is None
        assert requests.get(f"{simulator.url}/_simulator/health", timeout=10).json() == {"status": "ok"}
    finally:
        simulator.stop()


def test_serve_in_thread_refuses_hosts_off_loopback():
    with pytest.raises(ValueError, match="loopback"):
        serve_in_thread(host="0.0.0.0")


def test_ca_is_trusted_for_localhost_too(tmp_path):
    simulator = serve_in_thread(port=0, ca_path=tmp_path / "ca.pem")
    try:
        port = simulator.url.rsplit(":", 1)[1]
        response = requests.get(
            f"https://localhost:{port}/_simulator/health", verify=str(tmp_path / "ca.pem"), timeout=10
        )
        assert response.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{simulator.url}/_simulator/health", verify=True, timeout=10)
    finally:
        simulator.stop()


def test_cli_lm_entries_flag_defaults_to_the_seed_count_and_refuses_negatives(capsys):
    assert _parser().parse_args([]).lm_entries == 3000
    assert _parser().parse_args(["--lm-entries", "10000"]).lm_entries == 10000
    with pytest.raises(SystemExit):
        _parser().parse_args(["--lm-entries", "-1"])
    assert "must be >= 0" in capsys.readouterr().err
