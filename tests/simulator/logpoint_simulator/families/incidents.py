"""Classic Incident API (`/incidents`, `/incident_states`, writes) (logpoint-api.md §8). Routes come with issue 5."""

import flask

blueprint = flask.Blueprint("incidents", __name__)
