"""TLS and connection failures name their real cause, over real sockets on loopback: a certificate for
another host, an expired certificate, plain HTTP on an https URL and the reverse, a CA file that holds
no certificate; bad timeouts are refused before any request; warnings for plain http and for
validate_certs false; a Director refusal names director_token."""
from __future__ import annotations

import datetime
import http.server
import json
import ssl
import threading

import pytest
import trustme

from ansible_collections.logpoint.siem.plugins.module_utils._transport import RetryPolicy
from ansible_collections.logpoint.siem.plugins.module_utils.api.logicmonitor import LogicMonitorClient
from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    AuthenticationError, ConfigError, TransportError)


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({"error": "Invalid token"} if self.server.status == 401 else {"rows": []}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(context=None, status=200):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.status = status
        if context is not None:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def tls_context(ca, *identities, **validity):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*identities, **validity).configure_cert(context)
    return context


@pytest.fixture
def ca(tmp_path):
    authority = trustme.CA()
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    authority.path = str(path)
    return authority


def failure(client):
    with pytest.raises(TransportError) as caught:
        client.call("GET", "/AlertRules/lists_api", auth="none")
    return str(caught.value)


def test_a_certificate_for_another_host(serve, ca):
    port = serve(tls_context(ca, "other.example.com"))
    message = failure(LogpointClient(url="https://127.0.0.1:%d" % port, ca_path=ca.path))
    assert "not issued for the host name in the URL" in message and "not signed by the CA" not in message


def test_an_expired_certificate(serve, ca):
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)
    port = serve(tls_context(ca, "127.0.0.1", not_before=past - datetime.timedelta(days=30), not_after=past))
    message = failure(LogpointClient(url="https://127.0.0.1:%d" % port, ca_path=ca.path))
    assert "certificate has expired" in message and "not signed by the CA" not in message


def test_a_certificate_from_another_ca(serve, ca):
    port = serve(tls_context(trustme.CA(), "127.0.0.1"))
    message = failure(LogpointClient(url="https://127.0.0.1:%d" % port, ca_path=ca.path))
    assert "not signed by the CA in ca_path" in message


def test_https_url_on_a_plain_http_server(serve, ca):
    port = serve()
    message = failure(LogpointClient(url="https://127.0.0.1:%d" % port, ca_path=ca.path))
    assert "does not speak HTTPS on this port" in message and "http://" in message


def test_http_url_on_an_https_server(serve, ca):
    port = serve(tls_context(ca, "127.0.0.1"))
    message = failure(LogpointClient(url="http://127.0.0.1:%d" % port, retry=RetryPolicy(sleep=lambda seconds: None)))
    assert "probably speaks HTTPS on this port; use https://" in message


@pytest.mark.parametrize("content", [b"", b"not a certificate\n", b"\x30\x82\x01\x0a binary DER"])
def test_a_ca_file_without_a_pem_certificate_is_named(tmp_path, content):
    bad = tmp_path / "ca.crt"
    bad.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        LogpointClient(url="https://127.0.0.1:9", ca_path=str(bad))
    assert str(caught.value).startswith("ca_path: %s holds no PEM certificate" % bad)


@pytest.mark.parametrize("timeout", [0, -1, 3601, 0.5, float("nan")])
def test_timeouts_outside_the_range_are_refused(timeout):
    with pytest.raises(ConfigError) as caught:
        LogpointClient(url="https://127.0.0.1:9", timeout=timeout)
    assert str(caught.value).startswith("timeout: ")
    with pytest.raises(ConfigError):
        LogicMonitorClient.from_options({"lm_url": "https://lm.example.com", "lm_bearer_token": "x" * 20,
                                         "timeout": timeout})


def test_warnings_for_plain_http_and_for_unverified_tls():
    warnings = []
    LogpointClient(url="http://logpoint.example.com", warn=warnings.append)
    LogpointClient(url="https://logpoint.example.com", validate_certs=False, warn=warnings.append)
    LogicMonitorClient.from_options({"lm_url": "http://acme.logicmonitor.example", "lm_bearer_token": "x" * 20},
                                    warn=warnings.append)
    LogpointClient(url="http://127.0.0.1:8443", warn=warnings.append)  # loopback: the simulator, no warning
    assert len(warnings) == 3, warnings
    assert warnings[0].startswith("url uses plain http") and warnings[2].startswith("lm_url uses plain http")
    assert "validate_certs is false" in warnings[1]


def test_a_director_refusal_names_the_director_token(serve):
    port = serve(status=401)
    client = LogpointClient(director_url="http://127.0.0.1:%d" % port, director_token="d" * 40,
                            username="admin", secret_key="s" * 32)
    with pytest.raises(AuthenticationError) as caught:
        client.call("GET", "/Users", auth="director", api="director")
    assert "Check director_token" in str(caught.value)
