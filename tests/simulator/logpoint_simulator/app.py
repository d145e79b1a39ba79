"""The Flask application: control API, one blueprint per API family, the fault layer in front."""

import flask

from . import control
from .counters import COUNTERS_KEY, RequestCounters
from .families import alert_rules, director, fleet, incidents, lists, logicmonitor, notifications, repos, search, users
from .faults import FAULTS_KEY, FaultMiddleware, Faults
from .profiles import DEFAULT_PROFILE
from .state import STATE_KEY, SimState

# The one list of API families; each module owns its routes and nothing else.
FAMILIES = (repos, users, alert_rules, notifications, lists, search, logicmonitor, incidents, director, fleet)


def create_app(state=None, *, latency_ms=0, profile=None, settings=None):
    """A simulator app around `state` (a fresh seeded SimState when None). `profile` ("default" or
    "strict") and `settings` (start-up settings, kept over resets) configure it; ValueError if invalid."""
    if state is None:
        state = SimState(profile or DEFAULT_PROFILE, settings)
    elif profile is not None or settings is not None:
        state.configure(profile, settings)
    faults = Faults()
    counters = RequestCounters()

    app = flask.Flask("logpoint_simulator")
    app.json.sort_keys = False  # keep the field order of the real bodies
    app.extensions[STATE_KEY] = state
    app.extensions[FAULTS_KEY] = faults
    app.extensions[COUNTERS_KEY] = counters

    app.register_blueprint(control.blueprint)
    for family in FAMILIES:
        app.register_blueprint(family.blueprint)

    # --latency-ms applies to every API request; the faults' latency_ms adds on top.
    app.wsgi_app = FaultMiddleware(
        app.wsgi_app,
        state=state,
        faults=faults,
        counters=counters,
        latency_ms=latency_ms,
        exempt_prefix=control.URL_PREFIX,
    )
    return app
