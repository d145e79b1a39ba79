# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import jwt
import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.modules import token as token_module

NOW = 1795392000.0 + 3600 * 10  # 2026-11-23T10:00:00Z
KEY = "simulator-admin-secret-0123456789"


@pytest.mark.parametrize("expires_in,lifetime", [("30m", 1800), ("1h", 3600), ("7d", 7 * 86400),
                                                 ("30d", 30 * 86400), ("today", 14 * 3600), (None, 3600)])
def test_lifetimes(expires_in, lifetime):
    assert token_module.expiry(expires_in, None, NOW) == NOW + lifetime


def test_expires_at_iso():
    assert token_module.expiry(None, "2026-11-23T12:00:00Z", NOW) == NOW + 7200


@pytest.mark.parametrize("expires_in", ["never", "0", "Never", "none"])
def test_never_is_refused_with_a_reason(expires_in):
    with pytest.raises(ConfigError, match="must expire"):
        token_module.expiry(expires_in, None, NOW)


def test_past_expiry_is_refused():
    with pytest.raises(ConfigError, match="not in the future"):
        token_module.expiry(None, "2026-11-23T09:00:00Z", NOW)


def test_more_than_a_year_is_refused():
    with pytest.raises(ConfigError, match="365 days"):
        token_module.expiry("400d", None, NOW)


def test_garbage_lifetime_names_the_option():
    with pytest.raises(ConfigError, match="expires_in"):
        token_module.expiry("a while", None, NOW)


def test_run_returns_a_token_that_verifies_and_its_claims():
    params = {"username": "admin", "secret_key": KEY, "scopes": ["alertrules:read", "search:read"],
              "expires_in": "30m", "expires_at": None}
    changed, result, diff = token_module.run(params, None, False, None, now=NOW)
    token = result.pop("token")
    claims = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    assert changed is False and diff is None
    assert claims == result["claims"]
    assert claims["scope"] == "alertrules:read search:read" and claims["iss"] == "self-signed"
    assert result["expires_in"] == 1800 and result["expires_at"] == "2026-11-23T10:30:00Z"
    assert token not in repr(result)


def test_run_needs_credentials():
    with pytest.raises(ConfigError, match="username and secret_key"):
        token_module.run({"scopes": ["search:read"], "expires_in": None, "expires_at": None}, None, False, None,
                         now=NOW)


def test_the_token_is_issued_a_minute_before_now_and_expires_when_asked():
    params = {"username": "admin", "secret_key": KEY, "scopes": ["search:read"], "expires_in": "30m",
              "expires_at": None}
    result = token_module.run(params, None, False, None, now=NOW)[1]
    assert result["claims"]["iat"] == int(NOW) - 60
    assert result["claims"]["exp"] == int(NOW) + 1800 and result["expires_in"] == 1800
    assert result["expires_at"] == "2026-11-23T10:30:00Z"
