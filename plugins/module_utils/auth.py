# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-self-signed JWTs for Logpoint's JWT APIs (logpoint-api.md §2.2).

HS256, ``iss: self-signed``, ``sub`` = user name, space-separated ``scope``, signed with the user's
API access key. The collection mints one short-lived token per scope and per task, so each request
carries only the scope it needs.

Every token is issued ``CLOCK_SKEW_ALLOWANCE`` seconds in the past (``issue_time``): an appliance whose
clock is behind this machine's checks ``iat`` with no leeway, and would refuse a token issued "now"
as not yet valid (logpoint-api.md §19.9). ``exp`` stays the moment the caller asked for.
"""

from __future__ import annotations

import time
import traceback
import warnings

try:
    import jwt
    from jwt.warnings import InsecureKeyLengthWarning
except ImportError:  # reported by the module or plugin with missing_required_lib
    jwt = None
    InsecureKeyLengthWarning = None
    JWT_IMPORT_ERROR = traceback.format_exc()
else:
    JWT_IMPORT_ERROR = None

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, MissingLibraryError
from ansible_collections.logpoint.siem.plugins.module_utils.options import missing_options

SCOPES = ("alertrules:read", "alertrules:write", "logsource:read", "search:read", "search:write")
ISSUER = "self-signed"
# Minted per task: long enough for slow paged reads and Director polls, short enough to be worthless soon.
TASK_TOKEN_LIFETIME = 15 * 60
# Re-mint a cached token this long before it expires.
TOKEN_REFRESH_MARGIN = 60
# How far in the past a token is issued, so that an appliance clock behind ours still accepts it.
CLOCK_SKEW_ALLOWANCE = 60

SHORT_KEY_WARNING = ("secret_key is shorter than 32 bytes; real Logpoint API access keys are 32 characters. "
                     "Tokens signed with a short key are weak; check that the whole key was copied.")


def require_jwt():
    """Raise MissingLibraryError when PyJWT is not installed."""
    if JWT_IMPORT_ERROR:
        raise MissingLibraryError("PyJWT", JWT_IMPORT_ERROR)


def validate_scopes(scopes, option="scopes"):
    """Return the scopes as a list without duplicates; unknown names are a ConfigError listing the valid ones."""
    if not scopes:
        raise ConfigError("%s: give at least one scope out of %s" % (option, ", ".join(SCOPES)))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ConfigError("%s: unknown scope %s; valid scopes are %s"
                          % (option, ", ".join(repr(s) for s in unknown), ", ".join(SCOPES)))
    return list(dict.fromkeys(scopes))


def issue_time(now):
    """The ``iat`` of a token minted at ``now``: ``CLOCK_SKEW_ALLOWANCE`` seconds earlier."""
    return now - CLOCK_SKEW_ALLOWANCE


def build_claims(username, scopes, issued_at, expires_at):
    return {
        "iss": ISSUER,
        "sub": username,
        "iat": int(issued_at),
        "exp": int(expires_at),
        "scope": " ".join(scopes),
    }


def mint_jwt(secret_key, claims, warn=None):
    """Sign ``claims`` with HS256. PyJWT's short-key warning becomes one ``warn`` call instead of noise."""
    require_jwt()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsecureKeyLengthWarning)
        token = jwt.encode(claims, secret_key, algorithm="HS256")
    if any(issubclass(w.category, InsecureKeyLengthWarning) for w in caught) and warn:
        warn(SHORT_KEY_WARNING)
    # PyJWT < 2 returned bytes
    return token.decode("ascii") if isinstance(token, bytes) else token


def unverified_claims(token):
    """Claims of a JWT without checking its signature (to explain a token's scopes and expiry)."""
    try:
        return jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError as exc:
        raise ConfigError("token: not a readable JWT (%s)" % exc.__class__.__name__)


class TokenProvider:
    """Bearer tokens for the JWT APIs: minted per scope and cached, or the one given in ``token``."""

    def __init__(self, username=None, secret_key=None, token=None, warn=None, clock=time.time):
        self.username = username
        self.secret_key = secret_key
        self.token = token
        self.warn = warn
        self.clock = clock
        self._cache = {}
        self._warned_short_key = False
        self.minted = []  # every token this provider produced, so callers can mask them

    def for_scope(self, scope):
        if self.token:
            self._check_given_token(scope)
            return self.token
        if not (self.username and self.secret_key):
            error = missing_options({"username": self.username, "secret_key": self.secret_key},
                                    ("username", "secret_key"))
            error.message += "; the JWT APIs need both to sign tokens, or a ready token"
            raise error
        now = self.clock()
        cached = self._cache.get(scope)
        if cached and cached[1] - TOKEN_REFRESH_MARGIN > now:
            return cached[0]
        expires_at = now + TASK_TOKEN_LIFETIME
        claims = build_claims(self.username, [scope], issue_time(now), expires_at)
        token = mint_jwt(self.secret_key, claims, warn=self._warn_once)
        self._cache[scope] = (token, expires_at)
        self.minted.append(token)
        return token

    def _warn_once(self, message):
        if not self._warned_short_key and self.warn:
            self.warn(message)
        self._warned_short_key = True

    def _check_given_token(self, scope):
        claims = unverified_claims(self.token)
        scopes = str(claims.get("scope", "")).split()
        if scope not in scopes:
            raise ConfigError("the token given in the token option carries the scopes %s, but this task needs %s; "
                              "mint a token that includes it, or set secret_key and let the collection mint one"
                              % (", ".join(scopes) or "(none)", scope))
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp <= self.clock():
            raise ConfigError("the token given in the token option expired at epoch %d; mint a new one" % exp)
