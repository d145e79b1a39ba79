"""The control API for tests: health, reset, state, request counters, faults, settings, profile.

Outside the Logpoint API paths, without auth, loopback clients only, never counted or faulted.
"""

import ipaddress

import flask

from .counters import current_counters
from .faults import current_faults, validate_faults
from .profiles import PROFILES, profile_problem
from .state import current_state, validate_setting

URL_PREFIX = "/_simulator"

blueprint = flask.Blueprint("control", __name__, url_prefix=URL_PREFIX)


@blueprint.before_request
def loopback_only():
    address = ipaddress.ip_address(flask.request.remote_addr or "0.0.0.0")
    if not (getattr(address, "ipv4_mapped", None) or address).is_loopback:
        return _error(403, "the control API answers loopback clients only")
    return None


@blueprint.get("/health")
def health():
    return {"status": "ok"}


@blueprint.post("/reset")
def reset():
    current_state().reset()
    current_faults().clear()
    current_counters().clear()
    return {"status": "ok"}


@blueprint.get("/state")
def state():
    return current_state().to_json()


@blueprint.get("/requests")
def requests_made():
    return current_counters().to_json()


@blueprint.delete("/requests")
def clear_requests():
    current_counters().clear()
    return current_counters().to_json()


@blueprint.get("/faults")
def faults():
    return current_faults().to_json()


@blueprint.post("/faults")
def set_faults():
    config = flask.request.get_json(silent=True)
    problem = validate_faults(config)
    if problem:
        return _error(400, problem)
    current_faults().configure(config)
    return current_faults().to_json()


@blueprint.delete("/faults")
def clear_faults():
    current_faults().clear()
    return current_faults().to_json()


@blueprint.get("/settings")
def settings():
    return dict(current_state().settings)


@blueprint.post("/settings")
def merge_settings():
    changes = flask.request.get_json(silent=True)
    if not isinstance(changes, dict):
        return _error(400, "settings must be a JSON object")
    for key, value in changes.items():
        problem = validate_setting(key, value)
        if problem:
            return _error(400, problem)
    sim = current_state()
    with sim.lock:
        sim.settings.update(changes)
        return dict(sim.settings)


@blueprint.get("/profile")
def profile():
    return _profile_json(current_state())


@blueprint.post("/profile")
def switch_profile():
    """`{"profile": "strict"}`: the settings become that profile's (plus start-up settings); data,
    faults and counters stay; later resets keep the profile."""
    body = flask.request.get_json(silent=True)
    name = body.get("profile") if isinstance(body, dict) else None
    problem = profile_problem(name) if isinstance(name, str) else 'the body must be {"profile": "<name>"}'
    if problem:
        return _error(400, problem)
    sim = current_state()
    sim.configure(profile=name)
    return _profile_json(sim)


def _profile_json(sim):
    with sim.lock:
        return {"profile": sim.profile, "profiles": list(PROFILES), "settings": sim.baseline_settings()}


def _error(status, message):
    return flask.jsonify({"error": message}), status
