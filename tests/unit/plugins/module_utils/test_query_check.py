# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The offline structural check of Logpoint queries, and the pure parts of provenance and drift."""
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils.query_check import list_names, query_problems
from ansible_collections.logpoint.siem.plugins.module_utils.resources.detection import content_hash, drift_text

SIGMA_OUTPUT = ('label="Process" label="Create"\n'
                '| process regex("(?P<command_match>.*foo[0-9]+)", command)\n'
                "| process eval(\"command_condition=case(isnotnull(command_match) -> 'true', 'false')\")\n"
                '| search ("process" IN ["*\\cmd.exe", "*\\powershell.exe"] command="* -enc *" command_condition="true") '
                'OR (parent_process="C:\\Windows\\explorer.exe" event_id > 5) -(user="*SYSTEM*" field_with_space="x")')


@pytest.mark.parametrize("query", [
    "label=User label=Login label=Fail | chart count() by user",
    "label=User label=Login label=Successful | chart distinct_count(source_country) as countries by user",
    '-label=LPSearch label=Logpoint (label=Remote label=Connection) OR (label=DLP (label=Connect OR label=Disconnect))',
    'user IN VIP_USERS | timechart count() by user | rename user as account | order by account desc | limit 10',
    "event_id>=4624 event_id!=4634 source!=* | fields user, event_id",
    '"a|b" | norm on msg <x:word> | rex on msg (?P<y>z)',
    "*", SIGMA_OUTPUT,
])
def test_valid_queries_have_no_problem(query):
    assert query_problems(query) == []


@pytest.mark.parametrize(("query", "problems"), [
    ("", ["the query is empty"]),
    ("(label=User", ["1 parenthesis not closed in the search expression"]),
    ("label=User) | chart count(", ["a closing parenthesis without an opening one in the search expression",
                                    "1 parenthesis not closed in | chart"]),
    ("() a", ["empty parentheses in the search expression"]),
    ('user="jane', ["unterminated double quote at character 6"]),
    ("user IN [a, b", ["an IN list is not closed with ] in the search expression"]),
    ("user IN []", ["an IN list is empty or has an empty value in the search expression"]),
    ("user IN [a b]", ["an IN list separates its values with commas and ends with ] in the search expression"]),
    ("user IN", ["IN needs a [list] of values or a list name after it in the search expression"]),
    ("a OR", ["OR needs an expression on both sides in the search expression"]),
    ("a | search b AND", ["AND needs an expression on both sides in | search"]),
    ("user=", ["= needs a field before it and a value after it in the search expression"]),
    ("a |", ["a | is not followed by a command"]),
    ("a | stats count() | top user", ["| stats: 'stats' is not a Logpoint command (known: chart, fields, filter, latest, "
                                      "limit, norm, order, process, rename, rex, search, sort, timechart)",
                                      "| top: 'top' is not a Logpoint command (known: chart, fields, filter, latest, "
                                      "limit, norm, order, process, rename, rex, search, sort, timechart)"]),
])
def test_every_structural_problem_is_reported(query, problems):
    assert query_problems(query) == problems


def test_list_names_are_the_lists_read_with_in():
    assert list_names('user IN vip_users OR ip in KNOWN_SCANNERS | search x IN ["A"] y IN VIP_USERS') == [
        "VIP_USERS", "KNOWN_SCANNERS"]
    assert list_names('"user IN NOT_A_LIST"') == []


def test_content_hash_ignores_provenance_order_and_the_active_state():
    facts = {"name": "Rule", "repos": frozenset(["b", "a"]), "metadata": {"ticket": "1"}, "enabled": True}
    same = dict(facts, repos=frozenset(["a", "b"]), enabled=False,
                metadata={"ticket": "1", "managed_commit": "abc", "managed_source": "x.yml"})
    assert content_hash(facts) == content_hash(same) and content_hash(facts).startswith("sha256:")
    assert content_hash(facts) != content_hash(dict(facts, metadata={"ticket": "2"}))


def test_drift_text_lists_only_what_drifted():
    rules = [{"name": "A", "outcome": "unchanged", "edited_on_server": False, "changes": [], "source": "a.yml"},
             {"name": "B", "outcome": "updated", "edited_on_server": True, "changes": ["query"], "source": "b.yml"},
             {"name": "C", "outcome": "deleted", "edited_on_server": False, "changes": ["state"], "source": None}]
    counts = {"created": 0, "updated": 1, "deleted": 1, "unchanged": 1, "edited_on_server": 1}
    assert drift_text(rules, counts) == (
        "0 created, 1 updated, 1 deleted, 1 unchanged; 1 edited on the server since the collection wrote them\n"
        "updated, edited on the server: B (b.yml): query\n"
        "deleted: C: state\n")
