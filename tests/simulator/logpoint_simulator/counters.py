"""Per-endpoint request counters, so tests can assert how many requests a task made."""

import collections
import threading

import flask

COUNTERS_KEY = "logpoint_simulator.counters"


class RequestCounters:
    def __init__(self):
        self._lock = threading.Lock()
        self._by_endpoint = collections.Counter()

    def count(self, method, path):
        with self._lock:
            self._by_endpoint[f"{method} {path}"] += 1

    def clear(self):
        with self._lock:
            self._by_endpoint.clear()

    def to_json(self):
        with self._lock:
            return {"total": sum(self._by_endpoint.values()), "by_endpoint": dict(self._by_endpoint)}


def current_counters():
    return flask.current_app.extensions[COUNTERS_KEY]
