"""The three ways a Logpoint authenticates a caller (logpoint-api.md §2), as view decorators.

Each sets `flask.g.user` (the user dict from the state) before the view runs, or answers with the
rejection the real server family uses.
"""

import functools
import hmac
import time

import flask
import jwt

from . import seed
from .responses import success_false
from .state import current_state

JWT_ISSUER = "self-signed"


class TokenRejected(Exception):
    """Why a JWT was refused, and with which HTTP status (in the default error style)."""

    def __init__(self, reason, status=401):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def jwt_required(scope):
    """Bearer self-signed HS256 JWT signed with the `sub` user's secret key and carrying `scope`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                flask.g.user = _verify_jwt(scope)
            except TokenRejected as rejection:
                return _jwt_rejection(rejection)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def classic_credentials(style):
    """username + secret_key in the body: "json" (Incident API, also on GET) or "form" (Search API)."""
    if style not in ("json", "form"):
        raise ValueError(f"unknown credential style {style!r}")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            body = flask.request.get_json(silent=True) if style == "json" else flask.request.form
            user = _check_credentials(body)
            if user is None:
                return success_false("Authentication Failed")
            flask.g.user = user
            _audit_login(user)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def director_bearer(view):
    """Director's static bearer token; routes name the path segments <pool> and <lp>, consumed here."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if _bearer_token() != seed.DIRECTOR_TOKEN:
            return flask.jsonify({"status": "Failed", "message": "Invalid or expired token"}), 401
        pool, lp = kwargs.pop("pool", None), kwargs.pop("lp", None)
        if pool not in _accepted_pools():
            return flask.jsonify({"status": "Failed", "message": f"Unknown pool {pool!r}"}), 404
        if lp != seed.DIRECTOR_LOGPOINT:
            return flask.jsonify({"status": "Failed", "message": f"Unknown Logpoint {lp!r} in pool"}), 404
        flask.g.user = current_state().user_by_name("admin")
        return view(*args, **kwargs)

    return wrapper


def _accepted_pools():
    """The dashed pool UUID; also its 32-hex form when the server names its pool so (director_pool_id)."""
    if current_state().settings["director_pool_id"] == "hex32":
        return (seed.DIRECTOR_POOL, seed.DIRECTOR_POOL_HEX)
    return (seed.DIRECTOR_POOL,)


def _bearer_token():
    scheme, dummy, token = flask.request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _verify_jwt(scope):
    """The user of a valid token with `scope`; TokenRejected otherwise. Times are checked against the
    server's clock, `jwt_clock_behind` seconds behind the caller's, with no leeway: a token whose `iat`
    (or `nbf`) is after the server's now is refused, and `exp` must be after it."""
    token = _bearer_token()
    if not token:
        raise TokenRejected("missing bearer token")
    try:
        subject = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except jwt.InvalidTokenError as error:
        raise TokenRejected(f"malformed token: {error}") from None
    if not subject:
        raise TokenRejected("token has no sub claim")
    user = current_state().user_by_name(subject)
    if user is None:
        raise TokenRejected(f"unknown user {subject!r}")
    try:
        claims = jwt.decode(token, user["secret_key"], algorithms=["HS256"], options={
            "require": ["exp"], "verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except jwt.InvalidSignatureError:
        raise TokenRejected("signature verification failed") from None
    except jwt.MissingRequiredClaimError:
        raise TokenRejected("token has no exp claim") from None
    except jwt.InvalidAlgorithmError:
        raise TokenRejected("token must be signed with HS256") from None
    except jwt.InvalidTokenError as error:
        raise TokenRejected(f"invalid token: {error}") from None
    _check_times(claims, time.time() - current_state().settings["jwt_clock_behind"])
    if claims.get("iss") != JWT_ISSUER:
        raise TokenRejected(f"iss must be {JWT_ISSUER}")
    if scope not in str(claims.get("scope", "")).split():
        raise TokenRejected(f"insufficient scope: needs {scope}", status=403)
    return user


def _check_times(claims, now):
    times = {}
    for claim in ("exp", "iat", "nbf"):
        if claim in claims:
            try:
                times[claim] = int(claims[claim])
            except (TypeError, ValueError, OverflowError):
                raise TokenRejected(f"invalid token: the {claim} claim must be an integer") from None
    if times["exp"] <= now:
        raise TokenRejected("token expired")
    for claim in ("iat", "nbf"):
        if times.get(claim, now) > now:
            raise TokenRejected(f"invalid token: The token is not yet valid ({claim})")


def _jwt_rejection(rejection):
    if current_state().settings["jwt_error_style"] == "success_false":
        return success_false(rejection.reason)
    return flask.jsonify({"error": rejection.reason, "status_code": rejection.status}), rejection.status


def _check_credentials(body):
    if not hasattr(body, "get"):
        return None
    username, secret_key = body.get("username"), body.get("secret_key")
    if not isinstance(username, str) or not isinstance(secret_key, str):
        return None
    user = current_state().user_by_name(username)
    if user is None or not hmac.compare_digest(user["secret_key"].encode(), secret_key.encode()):
        return None
    return user


def _audit_login(user):
    # A view may stack front-ends or call helpers that re-check; one login row per request.
    if flask.g.get("login_audited"):
        return
    flask.g.login_audited = True
    current_state().audit(user["name"], "login", user["name"], "User", label="Authentication")
