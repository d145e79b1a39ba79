"""User-defined lists, JWT `/UserDefinedList/*_api` (logpoint-api.md §7). Routes come with issue 4."""

import flask

blueprint = flask.Blueprint("lists", __name__)
