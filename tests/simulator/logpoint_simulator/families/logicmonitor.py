"""LogicMonitor access logs `/santaba/rest/setting/accesslogs` (logpoint-api.md §12). Routes come with issue 4."""

import flask

blueprint = flask.Blueprint("logicmonitor", __name__)
