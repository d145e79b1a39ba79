"""Error bodies shared by every family, in the shapes of logpoint-api.md §3 and §18."""

import flask

from .state import current_state


def success_false(message, **extra):
    """The classic in-band failure: HTTP 200 with success false."""
    return flask.jsonify({"success": False, "message": message, **extra}), 200


def validation_error(errors):
    """`errors` is {section: {field: text}}; rendered in the style the validation_style setting picks."""
    style = current_state().settings["validation_style"]
    if style == "detail":
        detail = [
            {"loc": [section, field], "msg": text, "type": "value_error"}
            for section, fields in errors.items()
            for field, text in fields.items()
        ]
        return flask.jsonify({"detail": detail}), 422
    if style == "success_false":
        return success_false(_summary(errors), validationErrors=errors)
    return flask.jsonify({"validationErrors": errors}), 422


def not_found(message):
    return flask.jsonify({"success": False, "message": message}), 404


def _summary(errors):
    problems = [f"{section}.{field}: {text}" for section, fields in errors.items() for field, text in fields.items()]
    return "Validation failed: " + "; ".join(problems)
