"""Secrets never reach a message: every form a secret takes is scrubbed, credentials with white space
are refused by name, and library errors that quote a header (requests' InvalidHeader) are scrubbed too."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.api.logicmonitor import LogicMonitorClient
from ansible_collections.logpoint.siem.plugins.module_utils.client import LogpointClient
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    REDACTED, ConfigError, TransportError, as_logpoint_error, scrub)
from ansible_collections.logpoint.siem.plugins.module_utils.options import (
    HEADER_OPTIONS, check_credentials, secret_values)

SECRET = "director-token-0123456789abcdef"


@pytest.mark.parametrize("text", [
    "Invalid header value b'Bearer %s\\n'" % SECRET,         # requests' InvalidHeader
    "value %r" % (SECRET + "\n"),                             # repr with escapes
    '{"token": "%s\\n"}' % SECRET,                            # JSON-escaped
    "plain %s" % SECRET,
])
def test_every_form_of_a_secret_is_scrubbed(text):
    scrubbed = scrub(text, {SECRET + "\n"})
    assert SECRET not in scrubbed and REDACTED in scrubbed


def test_header_values_are_scrubbed_even_for_secrets_nobody_registered():
    text = ("headers {'Authorization': 'LMv1 some-access-id:ZmFrZXNpZ25hdHVyZQ==:1700000000000'} and "
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln and Basic dXNlcjpwYXNzd29yZA==")
    scrubbed = scrub(text, set())
    for part in ("some-access-id", "ZmFrZXNpZ25hdHVyZQ", "eyJhbGci", "dXNlcjpw"):
        assert part not in scrubbed
    assert scrubbed.count(REDACTED) == 3


def test_advice_texts_that_name_schemes_are_left_alone():
    text = "an LMv1 signature is also refused; a bearer token goes in auth.value; Bearer tokens expire"
    assert scrub(text, set()) == text


@pytest.mark.parametrize("option", HEADER_OPTIONS)
@pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "\t"])
def test_credentials_with_white_space_are_refused_by_name(option, suffix):
    with pytest.raises(ConfigError) as caught:
        check_credentials({option: SECRET + suffix})
    assert str(caught.value).startswith(option + ": ") and SECRET not in str(caught.value)


@pytest.mark.parametrize("value", [" " + SECRET, SECRET[:5] + "\x00" + SECRET[5:], SECRET + "\x7f"])
def test_leading_blanks_and_control_characters_are_refused(value):
    with pytest.raises(ConfigError):
        check_credentials({"secret_key": value})


def test_clean_credentials_pass_and_are_collected_for_masking():
    options = {"secret_key": SECRET, "lm_access_id": "id-1", "token": None, "url": "https://x"}
    check_credentials(options)
    assert secret_values(options) == {SECRET, "id-1"}


def test_a_header_error_from_requests_is_scrubbed():
    # Bypasses check_credentials on purpose: the client itself must not leak either.
    client = LogpointClient(director_url="https://127.0.0.1:9", director_token=SECRET + "\n")
    with pytest.raises(TransportError) as caught:
        client.call("GET", "/incidents", auth="director", api="director")
    assert SECRET not in str(caught.value) and "InvalidHeader" in str(caught.value)


def test_an_lmv1_header_error_is_scrubbed():
    client = LogicMonitorClient(base_url="https://127.0.0.1:9/santaba/rest", access_id="access-id-1\n",
                                access_key="access-key-0123456789")
    with pytest.raises(TransportError) as caught:
        client.get("/setting/accesslogs")
    message = str(caught.value)
    assert "access-id-1" not in message and "'LMv1 %s'" % REDACTED in message


def test_any_exception_becomes_a_scrubbed_logpoint_error():
    error = as_logpoint_error(ValueError("bad %s" % SECRET), {SECRET}, method="GET", path="/x")
    assert isinstance(error, TransportError) and SECRET not in str(error) and error.endpoint == "GET /x"
