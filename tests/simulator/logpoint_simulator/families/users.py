"""Users: classic `GET /get_users` (logpoint-api.md §8) and Director `GET .../Users` (§9.1)."""

import flask

from ..frontends import classic_credentials, director_bearer
from ..state import current_state

blueprint = flask.Blueprint("users", __name__)


# A GET whose JSON body carries the credentials, as on the real server.
@blueprint.get("/get_users")
@classic_credentials("json")
def classic_users():
    sim = current_state()
    with sim.lock:
        users = [
            {
                "usergroups": [dict(sim.usergroup(group_id)) for group_id in user["usergroups"]],
                "id": user["id"],
                "name": user["name"],
            }
            for user in sim.users
        ]
    return {"users": users, "success": True}


@blueprint.get("/configapi/<pool>/<lp>/Users")
@director_bearer
def director_users():
    sim = current_state()
    with sim.lock:
        return flask.jsonify(
            [
                {
                    "id": user["id"],
                    "username": user["name"],
                    "email": user["email"],
                    "usergroup": [dict(sim.usergroup(group_id)) for group_id in user["usergroups"]],
                }
                for user in sim.users
            ]
        )
