"""The simulator's query language (query.py): what Logpoint queries use in practice, the Sigma backend's output,
and parser-style refusals of malformed queries."""

import pytest
from logpoint_simulator.query import Query, QueryError

ROWS = [
    {"log_ts": 3, "user": "jdoe", "event_id": "4625", "process": "C:\\Windows\\System32\\cmd.exe",
     "command": "cmd.exe /c powershell -enc SQBFAFgA", "_labels": ["Process", "Create"]},
    {"log_ts": 2, "user": "SYSTEM", "event_id": "4688", "process": "C:\\Windows\\notepad.exe", "command": "notepad",
     "_labels": ["Process", "Create"]},
    {"log_ts": 1, "user": "admin", "event_id": "4625", "source": "203.0.113.66", "_labels": ["User", "Login", "Fail"]},
]
LISTS = {"VIP_USERS": ["admin", "ceo"]}


def run(text):
    query = Query(text, lists=LISTS.get)
    return query.apply([row for row in ROWS if query.matches(row)])


def users(text):
    return [row.get("user") for row in run(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ('"user"="jdoe"', ["jdoe"]),
    ("user != jdoe", ["SYSTEM", "admin"]),
    ("source!=*", ["jdoe", "SYSTEM"]),
    ("event_id > 4630", ["SYSTEM"]),
    ("event_id<=4625", ["jdoe", "admin"]),
    ('user IN ["jdoe", adm*]', ["jdoe", "admin"]),
    ("user NOT IN [jdoe, admin]", ["SYSTEM"]),
    ("user IN VIP_USERS", ["admin"]),
    ("NOT label=Process", ["admin"]),
    ("label=Process AND user=jdoe", ["jdoe"]),
    ('process="*\\cmd.exe"', ["jdoe"]),
    ('"process" IN ["*\\cmd.exe", "*\\powershell.exe"] command="* -enc *"', ["jdoe"]),
    ("label=Process | search user=SYSTEM OR user=jdoe | filter event_id=4688", ["SYSTEM"]),
    ("* | sort -log_ts | limit 2", ["jdoe", "SYSTEM"]),
    ("* | order by log_ts asc", ["admin", "SYSTEM", "jdoe"]),
])
def test_filters_and_row_commands(text, expected):
    assert users(text) == expected


def test_process_regex_and_eval_as_the_sigma_backend_emits_them():
    text = ('label="Process" label="Create"\n'
            '| process regex("(?P<command_match>.*-enc [A-Za-z0-9]+)", command)\n'
            "| process eval(\"command_condition=case(isnotnull(command_match) -> 'true', 'false')\")\n"
            '| search ("process" IN ["*\\cmd.exe", "*\\powershell.exe"] command_condition="true") '
            '-(user="*SYSTEM*" field_with_space="x")')
    rows = run(text)
    assert [row["user"] for row in rows] == ["jdoe"] and rows[0]["command_match"] == "cmd.exe /c powershell -enc SQBFAFgA"
    evaluated = run("label=Process | process eval(\"hit=issubstr('note', command) || match(user, '(?i)^jd')\") "
                    "| fields user, hit")
    assert evaluated == [{"user": "jdoe", "hit": True}, {"user": "SYSTEM", "hit": True}]


def test_chart_aggregations_and_renames():
    rows = run("* | chart count() as events, distinct_count(user) as people by event_id | rename event_id as id")
    assert sorted((row["id"], row["events"], row["people"]) for row in rows) == [("4625", 2, 2), ("4688", 1, 1)]
    assert Query("* | timechart count() by user").kind == "chart"
    assert Query("* | chart count() by user").grouping == ["user"]


def test_queries_the_sigma_backend_writes_are_accepted():
    sigma = pytest.importorskip("sigma.collection")
    backend = pytest.importorskip("sigma.backends.logpoint")
    pipelines = pytest.importorskip("sigma.pipelines.logpoint")
    rule = sigma.SigmaCollection.from_yaml("""
title: Encoded command lines
id: 2f0bd4ab-0f4b-4c7c-9a1e-4e8e3a1c9d11
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: ['\\\\cmd.exe', '\\\\powershell.exe']
    CommandLine|contains: ' -enc '
  regex:
    CommandLine|re: '.*-enc [A-Za-z0-9]+'
  number:
    EventID|gt: 4600
  filter:
    User|contains: SYSTEM
  condition: (selection or number) and regex and not filter
""")
    for text in backend.Logpoint(pipelines.logpoint_windows_pipeline()).convert(rule):
        assert "jdoe" in users(text), text


@pytest.mark.parametrize(("text", "message"), [
    ("(label=User", "Syntax error: unbalanced parenthesis"),
    ("label=User)", "Syntax error near ')': unbalanced parenthesis"),
    ("user IN [a, b", "Syntax error near 'IN [a, b': an IN list is [value, value, ...], closed by ]"),
    ("user IN NO_SUCH_LIST", "Syntax error near 'IN NO_SUCH_LIST': no list named NO_SUCH_LIST"),
    ("user IN", "Syntax error near 'IN': IN needs a [list] of values or a list name"),
    ("event_id > high", "Syntax error near 'event_id>high': > compares numbers, 'high' is not one"),
    ("a |", "Syntax error near '|': a pipe must be followed by a command"),
    ("a | stats count()", "Syntax error near '| stats count()': unknown command 'stats'"),
    ("a | chart count() by", "Syntax error near '| chart count() by': expected a list of field names"),
    ("a | chart counts()", "is not an aggregation such as count()"),
    ('a | process regex("(?P<x", f)', "bad regular expression"),
    ("a | process eval(\"x=nosuch(y)\")", "unknown function nosuch()"),
    ("a AND", "Syntax error near 'AND': AND needs an expression on both sides"),
    ("NOT", "Syntax error near 'NOT': nothing to negate"),
    ('user="open', "Syntax error: unterminated quoted string"),
])
def test_malformed_queries_are_refused_with_a_parser_message(text, message):
    with pytest.raises(QueryError) as raised:
        Query(text, lists=LISTS.get)
    assert message in str(raised.value)
