# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An offline structural check of a Logpoint query (no server involved).

``query_problems(query)`` returns every problem it finds, as texts: an unterminated double quote, an
unbalanced or empty parenthesis, an ``IN`` without a ``[list]`` (or a list name) after it or with an
unclosed or empty list, a boolean operator with nothing on one side, an empty pipe, and a pipe not
followed by one of the commands Logpoint queries use (``fields``, ``chart``, ``timechart``, ``search``,
``filter``, ``process``, ``rename``, ``sort``, ``order by``, ``limit``, ``latest``, ``norm``, ``rex``). ``list_names(query)``
gives the names of the user-defined lists the query reads with ``field IN LIST_NAME``.

It checks structure, not meaning: a query it accepts may still be refused by the server (the
``validate: search`` option asks the server).
"""

from __future__ import annotations

import re

COMMANDS = frozenset(("fields", "chart", "timechart", "search", "filter", "process", "rename", "sort", "order",
                      "limit", "latest", "norm", "rex"))
_WORD = re.compile(r"[^\s()\[\],\"|=!<>]+")
_OPERATORS = ("OR", "AND")


def _scan(query):
    """``(segments, problems)``: the query cut at the pipes outside quotes, each segment a list of
    ``(kind, text)`` tokens; an unterminated quote is a problem."""
    segments, tokens, problems = [], [], []
    index, length = 0, len(query)
    while index < length:
        char = query[index]
        if char == '"':
            end = index + 1
            while end < length and query[end] != '"':
                end += 2 if query[end] == "\\" else 1
            if end >= length:
                problems.append("unterminated double quote at character %d" % (index + 1))
                tokens.append(("string", query[index:]))  # the rest, so that nothing else is reported for it
                break
            tokens.append(("string", query[index:end + 1]))
            index = end + 1
        elif char == "|" and query[index + 1:index + 2] != "|" and query[index - 1:index] != "|":
            segments.append(tokens)
            tokens = []
            index += 1
        elif char in "()[],":
            tokens.append(("punct", char))
            index += 1
        elif char in "=!<>":
            operator = query[index:index + 2] if query[index:index + 2] in ("!=", "<=", ">=") else char
            tokens.append(("op", operator))
            index += len(operator)
        elif char.isspace():
            index += 1
        else:
            match = _WORD.match(query, index)
            word = match.group(0) if match else char
            tokens.append(("word", word))
            index += len(word)
    segments.append(tokens)
    return segments, problems


def _paren_problems(tokens, where, calls=False):
    """Balance; ``calls``: a command's function calls, where ``()`` is no problem (``count()``)."""
    problems, depth, previous = [], 0, None
    for kind, text in tokens:
        if (kind, text) == ("punct", "("):
            depth += 1
        elif (kind, text) == ("punct", ")"):
            if previous == ("punct", "(") and not calls:
                problems.append("empty parentheses %s" % where)
            depth -= 1
            if depth < 0:
                problems.append("a closing parenthesis without an opening one %s" % where)
                depth = 0
        previous = (kind, text)
    if depth > 0:
        problems.append("%d parenthes%s not closed %s" % (depth, "is" if depth == 1 else "es", where))
    return problems


def _in_problems(tokens, where):
    problems = []
    for index, (kind, text) in enumerate(tokens):
        if kind != "word" or text.upper() != "IN" or index == 0:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else (None, None)
        if following[0] == "word" and re.match(r"^[A-Za-z_][\w-]*$", following[1]):
            continue  # a list name
        if following != ("punct", "["):
            problems.append("IN needs a [list] of values or a list name after it %s" % where)
            continue
        problems.extend(_list_problems(tokens[index + 2:], where))
    return problems


def _list_problems(tokens, where):
    expect_value = True
    for kind, text in tokens:
        if expect_value:
            if kind in ("word", "string"):
                expect_value = False
                continue
            return ["an IN list is empty or has an empty value %s" % where]
        if (kind, text) == ("punct", "]"):
            return []
        if (kind, text) != ("punct", ","):
            return ["an IN list separates its values with commas and ends with ] %s" % where]
        expect_value = True
    return ["an IN list is not closed with ] %s" % where]


def _token(tokens, index):
    return tokens[index] if 0 <= index < len(tokens) else (None, None)


def _boolean_problem(tokens, index, where):
    """An OR / AND with nothing (or another operator) on one side."""
    before, after = _token(tokens, index - 1), _token(tokens, index + 1)
    lonely = before[0] is None or before == ("punct", "(") or after[0] is None or after == ("punct", ")")
    if lonely or (after[0] == "word" and after[1].upper() in _OPERATORS):
        return "%s needs an expression on both sides %s" % (tokens[index][1].upper(), where)
    return None


def _comparison_problem(tokens, index, where):
    """A comparison without a field before it or a value after it."""
    if index == 0 or _token(tokens, index - 1)[0] not in ("word", "string") \
            or _token(tokens, index + 1)[0] not in ("word", "string"):
        return "%s needs a field before it and a value after it %s" % (tokens[index][1], where)
    return None


def _operator_problems(tokens, where):
    problems = []
    for index, (kind, text) in enumerate(tokens):
        if kind == "word" and text.upper() in _OPERATORS:
            problems.append(_boolean_problem(tokens, index, where))
        elif kind == "op":
            problems.append(_comparison_problem(tokens, index, where))
    return [problem for problem in problems if problem]


def query_problems(query):
    """Every structural problem of ``query``, as texts (empty: none found)."""
    if not (query or "").strip():
        return ["the query is empty"]
    segments, problems = _scan(query)
    for position, tokens in enumerate(segments):
        where = "in the search expression" if position == 0 else "in command %d after |" % position
        if position and not tokens:
            problems.append("a | is not followed by a command")
            continue
        if position:
            command = tokens[0][1].lower() if tokens[0][0] == "word" else tokens[0][1]
            if command not in COMMANDS:
                problems.append("| %s: %r is not a Logpoint command (known: %s)" % (
                    command, command, ", ".join(sorted(COMMANDS))))
                continue
            tokens = tokens[1:]
            where = "in | %s" % command
        expression = position == 0 or command in ("search", "filter")
        problems.extend(_paren_problems(tokens, where, calls=not expression))
        if expression:
            problems.extend(_in_problems(tokens, where))
            problems.extend(_operator_problems(tokens, where))
    return problems


def list_names(query):
    """The names of the lists ``query`` reads with ``field IN LIST_NAME``, upper-cased, in order."""
    names = []
    for tokens in _scan(query or "")[0]:
        for index, (kind, text) in enumerate(tokens[:-1]):
            following = tokens[index + 1]
            if kind == "word" and text.upper() == "IN" and index and following[0] == "word" \
                    and following[1].upper() not in _OPERATORS + ("NOT",) \
                    and re.match(r"^[A-Za-z_][\w-]*$", following[1]) and following[1].upper() not in names:
                names.append(following[1].upper())
    return names
