"""Fault injection (logpoint-api.md §18 "Fault settings") as a WSGI layer in front of the Flask app.

The layer also counts every API request, including the ones a fault answers, because a client's
retry policy is exactly what tests want to count.
"""

import json
import socket
import threading
import time

import flask
from werkzeug.wrappers import Response

FAULTS_KEY = "logpoint_simulator.faults"

# One-shot faults: each matching request uses one up.
COUNTED_FAULTS = ("status_5xx", "drop_after_write", "truncate", "success_false")
FAULT_KEYS = ("latency_ms", *COUNTED_FAULTS, "path_prefix")

BAD_GATEWAY_HTML = (
    "<html><body><h1>502 Bad Gateway</h1>"
    "<p>The proxy in front of the Logpoint got no valid answer (simulated).</p></body></html>"
)
SIMULATED_FAILURE = {"success": False, "message": "simulated failure"}


class Faults:
    """The active fault configuration; thread safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        self.configure({})

    def configure(self, config):
        """Replace the configuration; keys left out are off. Call `validate_faults` first."""
        with self._lock:
            self._config = dict.fromkeys(FAULT_KEYS, 0) | {"path_prefix": None} | config

    def to_json(self):
        with self._lock:
            return dict(self._config)

    def latency_seconds(self, path):
        with self._lock:
            return self._config["latency_ms"] / 1000 if self._matches(path) else 0

    def consume(self, name, path):
        """Whether fault `name` applies to this request; if so, one use of it is spent."""
        with self._lock:
            if self._config[name] <= 0 or not self._matches(path):
                return False
            self._config[name] -= 1
            return True

    def _matches(self, path):
        prefix = self._config["path_prefix"]
        return prefix is None or path.startswith(prefix)


def validate_faults(config):
    """The reason `config` is not a valid fault configuration, or None."""
    if not isinstance(config, dict):
        return "faults must be a JSON object"
    for key, value in config.items():
        if key not in FAULT_KEYS:
            return f"unknown fault {key!r}; known: {', '.join(FAULT_KEYS)}"
        if key == "path_prefix":
            if value is not None and not isinstance(value, str):
                return "path_prefix must be a string or null"
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"{key} must be an integer >= 0"
    return None


def current_faults():
    return flask.current_app.extensions[FAULTS_KEY]


class FaultMiddleware:
    """Wraps the Flask WSGI app; requests under `exempt_prefix` (the control API) pass untouched."""

    def __init__(self, app, *, state, faults, counters, latency_ms, exempt_prefix):
        self.app = app
        self.state = state
        self.faults = faults
        self.counters = counters
        self.base_latency = latency_ms / 1000
        self.exempt_prefix = exempt_prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self.exempt_prefix or path.startswith(self.exempt_prefix + "/"):
            return self.app(environ, start_response)
        self.counters.count(environ["REQUEST_METHOD"], path)
        time.sleep(self.base_latency + self.faults.latency_seconds(path))

        # These answer instead of the handler, so nothing is applied.
        if self.faults.consume("status_5xx", path):
            return Response(BAD_GATEWAY_HTML, status=502, mimetype="text/html")(environ, start_response)
        if self.faults.consume("success_false", path):
            return Response(json.dumps(SIMULATED_FAILURE), mimetype="application/json")(environ, start_response)

        generation = self.state.generation
        response = Response.from_app(self.app, environ, buffered=True)
        if self.state.generation != generation and self.faults.consume("drop_after_write", path):
            _drop_connection(environ)
        if response.is_json and self.faults.consume("truncate", path):
            body = response.get_data()
            response.set_data(body[: len(body) // 2])  # also sets Content-Length to the cut size
        return response(environ, start_response)


def _drop_connection(environ):
    """Close the client's connection without a reply: the write is applied, its answer is lost."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)
    # werkzeug's server treats ConnectionError as "client went away" and sends nothing more.
    raise ConnectionResetError("simulated connection drop after a write")
