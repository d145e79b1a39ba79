"""Classic Search API `/getsearchlogs`: start, poll, the query subset, audit rows, expiry."""

import json
import pathlib
import time

import pytest
from logpoint_simulator import seed
from shapes import shape
from simtools import ADMIN_CREDENTIALS, mint_jwt

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "real-responses"
WEEK = 7 * 86400

# logpoint-api.md §11, as Logpoint documents them (the system one without its elided tail).
DOCUMENTED_AUDIT_QUERIES = [
    "-label=LPSearch label=Logpoint label=User or (label=User label=Management) object=* "
    "| latest by object, action | fields log_ts, user, object, type, action, source_address",
    "-label=LPSearch label=Logpoint label=Authentication user=* | fields log_ts, user, object, type, action, "
    "source_address",
    "-label=LPSearch label=Logpoint label=Configuration (label=Change or label=Add or label=Delete or label=Install "
    "or label=Mount) | chart count() by log_ts, user, type, object, action",
    "-label=LPSearch label=Logpoint (label=Remote label=Connection) OR (label=DLP (label=Connect OR "
    "label=Disconnect OR label=Initialize)) | chart count() by log_ts, type, object, user, action",
    "label=Logpoint label=Harddisk use=*",
]


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def request(api, data, credentials=None):
    form = {**(credentials or ADMIN_CREDENTIALS), "requestData": json.dumps(data)}
    response = api.post("/getsearchlogs", data=form)
    assert response.status_code == 200
    return response.json()


def start(api, query, time_range=None, **extra):
    now = int(time.time())
    return request(api, {"query": query, "time_range": time_range or [now - WEEK, now + 5], **extra})


def poll(api, search_id):
    return request(api, {"search_id": search_id, "waiter_id": "test", "seen_version": 0})


def finished(api, query, **kwargs):
    search_id = start(api, query, **kwargs)["search_id"]
    while True:
        body = poll(api, search_id)
        if body["final"]:
            return body


def test_start_answers_with_the_keys_and_types_of_a_real_server(api):
    body = start(api, "label=Harddisk | chart count() by col_type")
    assert shape(body) == shape(fixture("getsearchlogs_start.json"))
    assert body["search_id"] == body["searchId"] and body["query_type"] == "chart"


def test_a_finished_chart_has_the_keys_and_types_of_a_real_server(api):
    body = finished(api, "label=Harddisk | chart count() by col_type")
    assert shape(body) == shape(fixture("getsearchlogs_result_chart.json"))
    assert body["rows"][0]["col_type"] == "filesystem" and body["rows"][0]["_group"] == ["filesystem"]
    assert body["rows"][0]["count()"] == body["num_aggregated"] == 48


def test_polls_return_cumulative_rows_with_increasing_versions_until_final(api):
    search_id = start(api, "label=Harddisk")["search_id"]
    first, second, third = poll(api, search_id), poll(api, search_id), poll(api, search_id)
    assert (first["version"], first["final"], second["version"], second["final"]) == (1, False, 2, True)
    assert 0 < len(first["rows"]) < len(second["rows"]) == 48
    assert second["rows"][: len(first["rows"])] == first["rows"]
    assert third == {**second, "elapsed_seconds": third["elapsed_seconds"]}


def test_fields_keeps_the_named_fields_and_limit_cuts_simple_results(api):
    body = finished(api, "label=Harddisk use=8* | fields log_ts, use", limit=5)
    assert len(body["rows"]) == 5 and body["query_type"] == "simple"
    assert all(set(row) == {"log_ts", "use"} for row in body["rows"])
    assert [row["log_ts"] for row in body["rows"]] == sorted((row["log_ts"] for row in body["rows"]), reverse=True)


def test_writes_and_classic_logins_are_found_by_the_audit_queries(api):
    token = mint_jwt(scope="search:write")
    files = {"package_import": ("BAD_IPS.csv", b"192.0.2.1\n")}
    api.post("/UserDefinedList/import_api", headers={"Authorization": f"Bearer {token}"},
             data={"package_import_name": "bad_ips"}, files=files)
    configuration = finished(api, DOCUMENTED_AUDIT_QUERIES[2])
    assert [(row["user"], row["action"], row["object"]) for row in configuration["rows"]][0] == (
        "admin", "created", "BAD_IPS")
    logins = finished(api, DOCUMENTED_AUDIT_QUERIES[1])["rows"]
    assert {"user": "admin", "object": "admin", "type": "User", "action": "login"}.items() <= logins[0].items()
    assert not any(row["action"] == "run search" for row in logins)  # the LPSearch row is excluded


@pytest.mark.parametrize("query", DOCUMENTED_AUDIT_QUERIES)
def test_every_documented_audit_query_finds_its_seeded_history(api, query):
    assert finished(api, query)["rows"]


def test_latest_by_keeps_the_newest_row_per_combination(api):
    rows = finished(api, "label=Authentication user=jdoe | latest by user | fields user, action")["rows"]
    assert rows == [{"user": "jdoe", "action": "locked"}]


@pytest.mark.parametrize("query", [
    "label=Logpoint | sortby log_ts", "label=Logpoint | timechart", "(label=User", "label=User)",
    "label=User OR", 'user="unterminated', "label=", "| stats count()",
])
def test_queries_outside_the_subset_are_parser_errors_without_a_search_id(api, query):
    body = start(api, query)
    assert body["success"] is False and "Syntax error" in body["message"]
    assert "search_id" not in body


@pytest.mark.parametrize(("time_range", "seconds"), [("Last 90 minutes", 5400), ("Last 3 hours", 10800)])
def test_time_ranges_relative_to_now(api, time_range, seconds):
    now = time.time()
    expected = sum(1 for hours in range(48) if now - seconds <= int(now) // 3600 * 3600 - hours * 3600)
    assert len(finished(api, "label=Harddisk", time_range=time_range)["rows"]) == expected


def test_time_range_as_epoch_pair(api):
    assert finished(api, "label=Harddisk", time_range=[0, 1])["rows"] == []


def test_time_range_as_dates(api):
    now = time.gmtime()
    text = time.strftime("%Y/%m/%d 00:00:00 To ", now) + time.strftime("%Y/%m/%d %H:%M:%S", now)
    rows = finished(api, "label=Harddisk", time_range=text)["rows"]
    assert len(rows) == now.tm_hour + 1


@pytest.mark.parametrize("time_range", ["yesterday", [10, 5], "2026/13/01 00:00:00 To 2026/13/02 00:00:00"])
def test_bad_time_ranges_are_refused(api, time_range):
    body = start(api, "label=Harddisk", time_range=time_range)
    assert body["success"] is False and "time_range" in body["message"]


def test_repos_select_what_is_searched(api):
    primary = seed.initial_data()["logpoints"][0]["ip"]
    assert finished(api, "label=Harddisk", repos=[f"{primary}:5504/_logpoint"])["rows"]
    assert finished(api, "label=Harddisk", repos=f"{primary}:5504/windows")["rows"] == []
    assert finished(api, "label=Harddisk", repos=[f"{primary}:5504"])["rows"]
    refused = start(api, "label=Harddisk", repos=["203.0.113.250:5504/x"])
    assert refused["success"] is False and "not allowed" in refused["message"]


def test_unknown_search_ids_are_forgotten(api):
    assert poll(api, "00000000-0000-4000-8000-00000000dead") == {"success": False, "message": "Forgotten search"}


def test_forget_searches_forgets_the_next_searches_started(api):
    api.control("POST", "settings", json={"forget_searches": 1})
    forgotten = start(api, "label=Harddisk")
    assert forgotten["success"] is True
    assert poll(api, forgotten["search_id"])["message"] == "Forgotten search"
    assert api.control("GET", "settings")["forget_searches"] == 0
    assert finished(api, "label=Harddisk")["rows"]


def test_bad_request_data_and_bad_credentials(api):
    assert request(api, {"limit": 5})["success"] is False
    body = api.post("/getsearchlogs", data={**ADMIN_CREDENTIALS, "requestData": "{not json"}).json()
    assert body == {"success": False, "message": "requestData must be a JSON object"}
    wrong = {"username": "admin", "secret_key": "wrong"}
    assert request(api, {"query": "*"}, credentials=wrong) == {"success": False, "message": "Authentication Failed"}
