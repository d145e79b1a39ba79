"""Distributed Logpoints and their repos: JWT `/Repo/get_all_searchable_logpoint` (logpoint-api.md §6)
and classic `/getalloweddata` (§10.1)."""

import json

import flask

from ..frontends import classic_credentials, jwt_required
from ..responses import success_false
from ..state import current_state, repo_address

blueprint = flask.Blueprint("repos", __name__)

USER_PREFERENCE = {"timezone": "UTC", "date_format": "%Y/%m/%d", "hour_format": "24 Hour"}


@blueprint.post("/Repo/get_all_searchable_logpoint")
@jwt_required("logsource:read")
def searchable_logpoints():
    with current_state().lock:
        return {"rows": [_searchable_row(logpoint) for logpoint in current_state().logpoints]}


@blueprint.post("/getalloweddata")
@classic_credentials("form")
def allowed_data():
    kind = flask.request.form.get("type", "")
    if kind == "user_preference":
        return {"success": True, **USER_PREFERENCE}
    if kind == "livesearches":
        return {"success": True, "livesearches": current_state().livesearches}
    if kind not in ("loginspects", "logpoint_repos", "devices"):
        return success_false(f"Invalid type {kind!r}")
    try:
        logpoints = _selected_logpoints(flask.request.form.get("logpoints", ""))
    except ValueError as error:
        return success_false(str(error))
    names = [{"name": logpoint["name"], "ip": logpoint["ip"]} for logpoint in logpoints]
    if kind == "loginspects":
        return {"success": True, "allowed_loginspects": names}
    if kind == "logpoint_repos":
        repos = [
            {"repo": repo["name"], "address": repo_address(logpoint, repo)}
            for logpoint in logpoints
            for repo in logpoint["repos"]
        ]
        return {"success": True, "allowed_repos": repos, "logpoint": names}
    devices = {
        f"{logpoint['ip']}/{device['ip']}": device["name"] for logpoint in logpoints for device in logpoint["devices"]
    }
    return {"success": True, "allowed_devices": [devices], "logpoint": names}


def _searchable_row(logpoint):
    # The Logpoint's `active` is a boolean, the repo's a string: as the real server sends them.
    repos = [
        {
            "repo": repo["name"],
            "address": repo_address(logpoint, repo),
            "active": str(repo["active"]),
            "ha": str(repo["ha"]),
        }
        for repo in logpoint["repos"]
    ]
    return {"li": logpoint["name"], "li_ip": logpoint["ip"], "active": logpoint["active"], "repos": repos}


def _selected_logpoints(raw_filter):
    """The Logpoints the optional `logpoints` form field (JSON list of {name, ip}) names; all when empty."""
    logpoints = current_state().logpoints
    if not raw_filter.strip():
        return logpoints
    try:
        wanted = json.loads(raw_filter)
    except ValueError:
        wanted = None
    if not isinstance(wanted, list) or not all(isinstance(item, dict) for item in wanted):
        raise ValueError('logpoints must be a JSON list of {"name": ..., "ip": ...} objects')
    if not wanted:
        return logpoints
    return [
        logpoint
        for logpoint in logpoints
        if any(item.get("ip") == logpoint["ip"] or item.get("name") == logpoint["name"] for item in wanted)
    ]
