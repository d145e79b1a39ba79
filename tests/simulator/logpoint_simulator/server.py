"""Serving the app: a threaded werkzeug server on loopback, HTTPS from a throwaway CA."""

import functools
import ipaddress
import pathlib
import ssl
import tempfile
import threading

import trustme
from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app

CERT_NAMES = ("127.0.0.1", "::1", "localhost")


class _RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with TCP_NODELAY: a reply written as headers, then body, is not held back
    by Nagle's algorithm waiting for the client's delayed ACK (about 40 ms per keep-alive request)."""

    disable_nagle_algorithm = True


class RunningSimulator:
    """A simulator serving in a background thread."""

    def __init__(self, server, thread, url, ca_path, app):
        self._server = server
        self._thread = thread
        self.url = url
        self.ca_path = ca_path
        self.app = app

    def stop(self):
        self._server.shutdown()
        self._thread.join()


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_in_thread(port=0, tls=True, ca_path=None, *, host="127.0.0.1", latency_ms=0, state=None, profile=None,
                    settings=None):
    """Start a simulator; port 0 picks a free port. With TLS the CA certificate is written to `ca_path`
    (a temporary file when None). `profile` ("default" or "strict") picks the answers to the open
    questions of the API; `settings` are start-up settings on top of it. Both survive
    `POST /_simulator/reset`; an unknown profile or invalid setting is a ValueError."""
    if not is_loopback(host):
        # The credentials are fixed and published: never expose them beyond this machine.
        raise ValueError(f"refusing to listen on {host!r}: the simulator serves loopback addresses only")
    app = create_app(state, latency_ms=latency_ms, profile=profile, settings=settings)
    ssl_context = None
    if tls:
        ca_path = pathlib.Path(ca_path or pathlib.Path(tempfile.mkdtemp(prefix="logpoint-simulator-"), "ca.pem"))
        ca_path = ca_path.resolve()
        ssl_context = _tls_context(ca_path)
    else:
        ca_path = None
    server = make_server(host, port, app, threaded=True, request_handler=_RequestHandler, ssl_context=ssl_context)
    thread = threading.Thread(
        target=functools.partial(server.serve_forever, poll_interval=0.1), name="logpoint-simulator", daemon=True
    )
    thread.start()
    url_host = f"[{host}]" if ":" in host else host
    url = f"{'https' if tls else 'http'}://{url_host}:{server.port}"
    return RunningSimulator(server, thread, url, ca_path, app)


def _tls_context(ca_path):
    ca = trustme.CA(organization_name="logpoint simulator throwaway CA")
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*CERT_NAMES).configure_cert(context)
    return context
