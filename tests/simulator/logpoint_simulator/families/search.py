"""Classic Search API `/getsearchlogs` (logpoint-api.md §10.2; audit events are read through it, §11).

Routes come with issue 4.
"""

import flask

blueprint = flask.Blueprint("search", __name__)
