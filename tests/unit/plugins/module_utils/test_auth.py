# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import jwt
import pytest

from ansible_collections.logpoint.siem.plugins.module_utils import auth
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError

KEY = "simulator-admin-secret-0123456789"


def test_claims_have_the_shape_logpoint_expects():
    claims = auth.build_claims("admin", ["alertrules:read", "search:read"], 1000.7, 4600)
    assert claims == {"iss": "self-signed", "sub": "admin", "iat": 1000, "exp": 4600,
                      "scope": "alertrules:read search:read"}


def test_minted_token_verifies_with_pyjwt_and_the_secret_key():
    claims = auth.build_claims("admin", ["logsource:read"], 1000, 2 ** 31)
    token = auth.mint_jwt(KEY, claims)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_iat": False}) == claims
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, KEY + "x", algorithms=["HS256"])


@pytest.mark.parametrize("scopes", [["alertrules:read"], list(auth.SCOPES)])
def test_valid_scopes_pass(scopes):
    assert auth.validate_scopes(scopes + scopes[:1]) == scopes


def test_unknown_scope_lists_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        auth.validate_scopes(["alertrules:read", "alerts:admin"])
    message = str(err.value)
    assert "'alerts:admin'" in message
    for scope in auth.SCOPES:
        assert scope in message


def test_empty_scopes_refused():
    with pytest.raises(ConfigError, match="at least one scope"):
        auth.validate_scopes([])


def test_short_key_warns_once_through_the_callback_not_pyjwt(recwarn):
    said = []
    provider = auth.TokenProvider("admin", "short-key", warn=said.append, clock=lambda: 1000.0)
    provider.for_scope("alertrules:read")
    provider.for_scope("search:read")
    assert said == [auth.SHORT_KEY_WARNING]
    assert not [w for w in recwarn if "HMAC" in str(w.message)]


def test_long_key_does_not_warn():
    said = []
    auth.TokenProvider("admin", KEY, warn=said.append).for_scope("search:read")
    assert said == []


def test_provider_mints_one_token_per_scope_and_caches_it():
    now = [1000.0]
    provider = auth.TokenProvider("admin", KEY, clock=lambda: now[0])
    read = provider.for_scope("alertrules:read")
    assert provider.for_scope("alertrules:read") == read
    write = provider.for_scope("alertrules:write")
    assert write != read
    assert jwt.decode(write, KEY, algorithms=["HS256"], options={"verify_exp": False})["scope"] == "alertrules:write"
    assert provider.minted == [read, write]


def test_provider_remints_shortly_before_expiry():
    now = [1000.0]
    provider = auth.TokenProvider("admin", KEY, clock=lambda: now[0])
    first = provider.for_scope("search:read")
    now[0] += auth.TASK_TOKEN_LIFETIME - auth.TOKEN_REFRESH_MARGIN + 1
    assert provider.for_scope("search:read") != first


def test_given_token_is_used_when_it_has_the_scope():
    token = auth.mint_jwt(KEY, auth.build_claims("admin", ["alertrules:read"], 0, 2 ** 31))
    assert auth.TokenProvider(token=token).for_scope("alertrules:read") == token


def test_given_token_without_the_scope_is_explained_before_any_request():
    token = auth.mint_jwt(KEY, auth.build_claims("admin", ["alertrules:read"], 0, 2 ** 31))
    with pytest.raises(ConfigError) as err:
        auth.TokenProvider(token=token).for_scope("alertrules:write")
    assert "alertrules:read" in str(err.value) and "alertrules:write" in str(err.value)
    assert token not in str(err.value)


def test_given_token_that_expired_is_explained():
    token = auth.mint_jwt(KEY, auth.build_claims("admin", ["search:read"], 0, 100))
    with pytest.raises(ConfigError, match="expired"):
        auth.TokenProvider(token=token, clock=lambda: 200).for_scope("search:read")


def test_missing_credentials_name_the_options():
    with pytest.raises(ConfigError, match="username and secret_key"):
        auth.TokenProvider().for_scope("search:read")


def test_a_cached_read_may_authenticate_inside_its_loader():
    """Regression: the per-task cache once held the lock that token minting needs (deadlock)."""
    import threading

    from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient

    client = LogpointClient(url="https://logpoint.invalid", username="admin", secret_key=KEY)
    outcome = []

    def load():
        return client._authenticate("jwt", "logsource:read", None, None)[0]["Authorization"].split()[0]

    worker = threading.Thread(target=lambda: outcome.append(client.cached("repos", load)), daemon=True)
    worker.start()
    worker.join(5)
    assert outcome == ["Bearer"]
    assert client.cached("repos", lambda: "not loaded again") == "Bearer"


def test_minted_tokens_are_issued_a_minute_ago_so_a_server_clock_behind_accepts_them():
    now = 1_800_000_000.0
    provider = auth.TokenProvider(username="admin", secret_key=KEY, clock=lambda: now)
    claims = jwt.decode(provider.for_scope("alertrules:read"), KEY, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["iat"] == int(now) - auth.CLOCK_SKEW_ALLOWANCE == int(now) - 60
    assert claims["exp"] == int(now) + auth.TASK_TOKEN_LIFETIME
    # a verifier with no leeway whose clock is 30 s behind takes it
    assert claims["iat"] <= now - 30 < claims["exp"]
