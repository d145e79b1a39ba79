# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every response convention of logpoint-api.md §3 and §14 maps to one typed error or a body."""
from __future__ import annotations

import json

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils import errors
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of, interpret_response, rows_of

HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def test_plain_success_body_is_returned():
    assert interpret_response(200, '{"rows": [], "total": 0}') == {"rows": [], "total": 0}


@pytest.mark.parametrize("status", [200, 201, 204])
def test_empty_2xx_is_success(status):
    assert interpret_response(status, "") == {}


def test_success_false_on_200_is_an_api_error_with_the_server_text():
    with pytest.raises(errors.ApiError) as err:
        interpret_response(200, '{"success": false, "message": "Alert rule named Brute already exists"}')
    assert "already exists" in str(err.value)
    assert err.value.server_message == "Alert rule named Brute already exists"


def test_authentication_failed_on_200_is_an_authentication_error_with_advice():
    with pytest.raises(errors.AuthenticationError) as err:
        interpret_response(200, '{"success": false, "message": "Authentication Failed"}')
    assert "secret_key" in str(err.value)


@pytest.mark.parametrize("reason", ["token expired", "signature verification failed", "iss must be self-signed",
                                    "unknown user 'bob'"])
def test_401_token_errors(reason):
    with pytest.raises(errors.AuthenticationError) as err:
        interpret_response(401, json.dumps({"error": reason, "status_code": 401}))
    assert reason in str(err.value)
    assert not isinstance(err.value, errors.ScopeError)


def test_403_insufficient_scope_is_a_scope_error():
    with pytest.raises(errors.ScopeError, match="insufficient scope"):
        interpret_response(403, '{"error": "insufficient scope", "status_code": 403}')


def test_200_style_token_refusal_maps_like_the_status_style():
    with pytest.raises(errors.ScopeError):
        interpret_response(200, '{"success": false, "message": "insufficient scope"}')
    with pytest.raises(errors.AuthenticationError):
        interpret_response(200, '{"success": false, "message": "token expired"}')


def test_error_and_status_code_in_a_200_body():
    with pytest.raises(errors.AuthenticationError):
        interpret_response(200, '{"error": "token expired", "status_code": 401}')


def test_422_nested_validation_errors_are_flattened_to_dotted_fields():
    body = {"validationErrors": {"search_params": {"search_interval_minute": "must divide the time range"},
                                 "name": "at least 5 characters"}}
    with pytest.raises(errors.ValidationError) as err:
        interpret_response(422, json.dumps(body))
    assert err.value.fields == {"search_params.search_interval_minute": "must divide the time range",
                                "name": "at least 5 characters"}
    assert "search_params.search_interval_minute: must divide the time range" in str(err.value)


def test_200_validation_errors_are_validation_errors_too():
    body = {"success": False, "message": "invalid", "validationErrors": {"incident_condition": {"risk": "bad"}}}
    with pytest.raises(errors.ValidationError) as err:
        interpret_response(200, json.dumps(body))
    assert err.value.fields == {"incident_condition.risk": "bad"}


def test_fastapi_detail_shape():
    body = {"detail": [{"loc": ["body", "search_params", "repos"], "msg": "unknown repo", "type": "value_error"}]}
    with pytest.raises(errors.ValidationError) as err:
        interpret_response(422, json.dumps(body))
    assert err.value.fields == {"search_params.repos": "unknown repo"}


def test_html_502_from_a_proxy_is_server_unavailable_and_names_the_page():
    with pytest.raises(errors.ServerUnavailableError, match="502 Bad Gateway"):
        interpret_response(502, HTML_502, "text/html")


def test_html_200_login_page_is_a_format_error_with_advice():
    with pytest.raises(errors.ResponseFormatError) as err:
        interpret_response(200, "<html><title>Sign in</title></html>", "text/html")
    assert "Sign in" in str(err.value) and "proxy" in str(err.value)


def test_truncated_json_is_a_format_error():
    with pytest.raises(errors.ResponseFormatError, match="cut short"):
        interpret_response(200, '{"rows": [{"id": "abc", "na')


def test_404_and_429_and_500():
    with pytest.raises(errors.NotFoundError):
        interpret_response(404, '{"message": "no such rule"}')
    with pytest.raises(errors.RateLimitError):
        interpret_response(429, "")
    with pytest.raises(errors.ServerUnavailableError):
        interpret_response(500, '{"message": "boom"}')


def test_director_failed_status():
    with pytest.raises(errors.AuthenticationError):
        interpret_response(200, '{"status": "Failed", "message": "Invalid or expired token"}')


@pytest.mark.parametrize("key", ["rows", "data", "results", "alertrules"])
def test_rows_under_any_key(key):
    assert rows_of({key: [{"id": 1}], "total": 1}) == [{"id": 1}]


def test_rows_of_a_bare_list_and_of_nothing():
    assert rows_of([{"a": 1}]) == [{"a": 1}]
    assert rows_of({"total": 0}) == []


@pytest.mark.parametrize("key", ["id", "_id", "alertrule_unique_id", "alert_id"])
def test_ids_under_any_key(key):
    assert id_of({key: "abc"}) == "abc"


def test_error_messages_are_scrubbed_of_secrets():
    error = errors.ApiError("the server said Bearer eyJabc.def.ghi is bad", server_message="eyJabc.def.ghi")
    error.scrubbed({"eyJabc.def.ghi"})
    assert "eyJabc" not in str(error) and "eyJabc" not in str(error.to_result())
