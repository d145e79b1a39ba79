"""Director configapi incidents and monitorapi orders (logpoint-api.md §9). Routes come with issue 5."""

import flask

blueprint = flask.Blueprint("director", __name__)
