"""Helpers for tests that talk to a running simulator over real HTTPS.

* ``running_simulator(tmp_path_factory, name, **options)``: a ``serve_in_thread`` HTTPS simulator for a
  fixture's lifetime; ``fresh_client(simulator)``: a ``SimClient`` of it, reset first.
* ``cli_simulator(*argv)``: ``python -m logpoint_simulator --port 0 ...`` as a user starts it; yields
  ``(url, ready_line)`` and stops it with SIGTERM, which must exit 0.
* ``post``/``get`` with a bearer token (alert-rule scopes by default), ``create_rule``, ``mint_jwt``.
"""

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import time

import jwt
import requests
from logpoint_simulator import seed, serve_in_thread

SIMULATOR_SOURCE = pathlib.Path(__file__).resolve().parents[2] / "simulator"

ADMIN_CREDENTIALS = {"username": "admin", "secret_key": seed.ADMIN_SECRET}
DIRECTOR_BASE = f"/configapi/{seed.DIRECTOR_POOL}/{seed.DIRECTOR_LOGPOINT}"
DIRECTOR_AUTH = {"Authorization": f"Bearer {seed.DIRECTOR_TOKEN}"}


class SimClient:
    """A requests session bound to one simulator: paths instead of URLs, its CA trusted."""

    def __init__(self, simulator):
        self.base_url = simulator.url
        self.ca_path = str(simulator.ca_path)
        self.session = requests.Session()

    def request(self, method, path, **kwargs):
        # Per request: REQUESTS_CA_BUNDLE in the environment would override a session-level verify.
        return self.session.request(method, self.base_url + path, verify=self.ca_path, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def control(self, method, name, **kwargs):
        response = self.request(method, f"/_simulator/{name}", **kwargs)
        response.raise_for_status()
        return response.json()

    def jwt_post(self, path, token, **kwargs):
        return self.post(path, headers={"Authorization": f"Bearer {token}"}, json={}, **kwargs)

    def get_users(self, credentials=None):
        # The real API is a GET with the credentials in a JSON body.
        return self.get("/get_users", json=ADMIN_CREDENTIALS if credentials is None else credentials)

    def allowed_data(self, kind, credentials=None, **form):
        return self.post("/getalloweddata", data={**(ADMIN_CREDENTIALS if credentials is None else credentials), "type": kind, **form})

    def close(self):
        self.session.close()


def mint_jwt(sub="admin", secret=seed.ADMIN_SECRET, scope="logsource:read", lifetime=3600, **claims):
    """A client-self-signed token as the collection mints it; a claim passed as None is left out."""
    now = int(time.time())
    payload = {"iss": "self-signed", "sub": sub, "iat": now, "exp": now + lifetime, "scope": scope, **claims}
    return jwt.encode({key: value for key, value in payload.items() if value is not None}, secret, algorithm="HS256")


# Issued two minutes before the tests start: also valid on a server whose clock is behind the client's
# (jwt_clock_behind; 30 s under the strict profile).
ISSUED = int(time.time()) - 120
RULES_WRITE = mint_jwt(scope="alertrules:write", iat=ISSUED)
RULES_READ = mint_jwt(scope="alertrules:read", iat=ISSUED)


def post(api, path, body, token=RULES_WRITE):
    """POST ``body`` as JSON with a bearer token."""
    return api.post(path, headers={"Authorization": f"Bearer {token}"}, json=body)


def get(api, path, token=RULES_READ, **params):
    """GET with a bearer token and ``params`` in the query string."""
    return api.get(path, headers={"Authorization": f"Bearer {token}"}, params=params)


def create_rule(api, body, token=RULES_WRITE):
    """``create_api`` with ``body``; the answer's JSON (the test fails on anything but 200)."""
    response = post(api, "/AlertRules/create_api", body, token=token)
    assert response.status_code == 200, response.text
    return response.json()


@contextlib.contextmanager
def running_simulator(tmp_path_factory, name="simulator", **options):
    """An HTTPS simulator in a thread (``serve_in_thread`` options: profile, settings, state...)."""
    running = serve_in_thread(port=0, tls=True, ca_path=tmp_path_factory.mktemp(name) / "ca.pem", **options)
    try:
        yield running
    finally:
        running.stop()


@contextlib.contextmanager
def fresh_client(simulator):
    """A ``SimClient`` of ``simulator``, which is reset first."""
    client = SimClient(simulator)
    client.control("POST", "reset")
    try:
        yield client
    finally:
        client.close()


def python_path():
    """The simulator from this checkout, also where it is not pip-installed."""
    return os.pathsep.join(filter(None, [str(SIMULATOR_SOURCE), os.environ.get("PYTHONPATH")]))


@contextlib.contextmanager
def cli_simulator(*argv):
    """The simulator's command line with ``--port 0`` and ``argv``: yields ``(url, ready_line)``; on exit it
    is stopped with SIGTERM and must exit 0 (killed if it does not stop)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "logpoint_simulator", "--port", "0", *argv],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": python_path()},
    )
    try:
        line = process.stdout.readline().strip()
        yield line.removeprefix("logpoint simulator listening on ").split(" ")[0], line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
