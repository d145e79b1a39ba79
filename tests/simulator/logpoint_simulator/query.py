"""The Logpoint query language as the simulator understands it (logpoint-api.md §18, §11).

Filter (before the first `|`), a search expression:

* `field=value`, `field!=value`, `field<value`, `field<=value`, `field>value`, `field>=value`;
  `label=X` matches rows whose `_labels` hold X; `*` and `?` are wildcards in `=` / `!=` values
  (`object=*`: the field is present, `object!=*`: it is absent); matching ignores case; `<` and `>`
  compare numbers. Field names and values may be double-quoted (`"process"="x"`, `user="jane doe"`;
  inside quotes only `\\"` and `\\\\` are escapes, other backslashes are literal, as in
  `"C:\\Windows\\cmd.exe"`).
* `field IN [a, "b c", 3]` (any of the values), `field IN LIST_NAME` (any value of that static or
  dynamic list; an unknown list is an error), `field NOT IN ...`;
* a bare word or quoted phrase matches rows with the text in any field;
* `-term` and `NOT term` negate a term, `-(...)` / `NOT (...)` a group;
* terms next to each other (or joined with `AND`) must all match; `OR` between two terms or groups
  matches either and binds tighter than the implicit AND, so `a b OR c` is `a AND (b OR c)`;
* an empty filter or `*` matches every row.

Commands after `|`, applied in order (line breaks around `|` are spaces):

* `fields a, b`; `rename a as b, c as d`; `sort a, -b` (`-` for descending), `order by a [asc|desc]`;
  `limit N`;
* `latest by a, b` (the newest row of each distinct combination);
* `search <expression>` and `filter <expression>` (the rows that match, in the filter syntax);
* `process regex("(?P<name>...)", field)` (named groups become fields), `process eval("x=<expr>")`
  (`case(cond -> 'value', ..., 'default')`, `isnotnull(f)`, `isnull(f)`, `issubstr('text', f)`,
  `match(f, 'regex')`, `||`, `&&`, `!`, `==`, `!=`, literals and field names), other `process name(...)`
  commands (geoip, toList...) accepted and left without effect;
* `chart <aggregations> [by a, b]` and `timechart <aggregations> [by a, b]`, aggregations
  `count()`, `distinct_count(f)`, `sum(f)`, `avg(f)`, `min(f)`, `max(f)`, each optionally `as name`
  (one row per distinct combination; rows lacking one of the fields are left out);
* `norm on field <pattern>` and `rex on field <pattern>` (accepted, without effect).

Anything else raises `QueryError` with a parser-style message: `Syntax error near '<text>': <why>`.
"""

import fnmatch
import re

_FIELD = r"[A-Za-z_@][\w.@-]*"
_FIELD_LIST = rf"((?:-?{_FIELD}|\"[^\"]+\")(?:\s*,\s*(?:-?{_FIELD}|\"[^\"]+\"))*)"
_TOKEN = re.compile(r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[()\[\],])
  | (?P<word>[^\s()\[\]",=!<>|]+|!)
)""", re.VERBOSE)
_AGGREGATION = re.compile(rf"^(count|distinct_count|sum|avg|min|max)\(\s*({_FIELD})?\s*\)(?:\s+as\s+({_FIELD}))?$",
                          re.IGNORECASE)
_KEYWORDS = ("OR", "AND", "NOT", "IN")


class QueryError(ValueError):
    """A query the language does not accept; the message is the parser error."""


def syntax_error(near, why):
    return QueryError(f"Syntax error near '{str(near).strip()[:40]}': {why}")


class Query:
    """A parsed query; `lists(name)` gives the values of a user-defined list (None: no such list)."""

    def __init__(self, text, lists=None):
        self.text = text
        self.lists = lists
        filter_text, *command_texts = _split_pipes(text)
        self.filter = _FilterParser(filter_text, lists).parse()
        self.commands = [_command(" ".join(command.split()), lists) for command in command_texts]

    @property
    def kind(self):
        """`chart` when the query aggregates, else `simple`."""
        return "chart" if any(name == "chart" for name, _apply, _grouping in self.commands) else "simple"

    @property
    def grouping(self):
        return next((grouping for name, _apply, grouping in self.commands if name == "chart"), [])

    def matches(self, row):
        """Whether `row` passes the filter."""
        return self.filter(row)

    def apply(self, rows):
        """The commands applied, in order, to matching rows (newest first)."""
        for _name, function, _grouping in self.commands:
            rows = function(rows)
        return rows


def _split_pipes(text):
    """The filter and the command texts; `|` inside quotes (or `||` of an eval) does not split."""
    parts, current, quoted, index = [], [], None, 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\" and index + 1 < len(text):
                current.append(text[index:index + 2])
                index += 2
                continue
            if char == quoted:
                quoted = None
        elif char in "\"'":
            quoted = char if char == '"' or parts else None
        elif char == "|" and text[index + 1:index + 2] != "|" and text[index - 1:index] != "|":
            parts.append("".join(current))
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    if quoted:
        raise QueryError("Syntax error: unterminated quoted string")
    parts.append("".join(current))
    for part in parts[1:]:
        if not part.strip():
            raise QueryError("Syntax error near '|': a pipe must be followed by a command")
    return parts


# ---- the filter expression ---------------------------------------------------------------------

def _tokenise(text):
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if not match:
            raise syntax_error(text[position:], "unexpected character")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _FilterParser:
    def __init__(self, text, lists):
        self.text = text
        self.tokens = _tokenise(text)
        self.position = 0
        self.lists = lists

    def parse(self):
        if not self.tokens or self.tokens == [("word", "*")]:
            return lambda row: True
        matcher = self._conjunction()
        if self.position < len(self.tokens):
            raise syntax_error(self._rest(), "unbalanced parenthesis")
        return matcher

    def _peek(self, ahead=0):
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def _next(self):
        token = self._peek()
        self.position += 1
        return token

    def _rest(self):
        return " ".join(value for _kind, value in self.tokens[self.position:]) or self.text

    def _is_keyword(self, word, ahead=0):
        kind, value = self._peek(ahead)
        return kind == "word" and value.upper() == word

    def _conjunction(self):
        parts = []
        while self._peek()[0] is not None and self._peek() != ("punct", ")"):
            if self._is_keyword("AND"):
                self.position += 1
                if not parts or self._peek()[0] is None or self._peek() == ("punct", ")"):
                    raise syntax_error("AND", "AND needs an expression on both sides")
                continue
            parts.append(self._disjunction())
        if not parts:
            raise QueryError("Syntax error: empty expression")
        return lambda row: all(part(row) for part in parts)

    def _disjunction(self):
        parts = [self._operand()]
        while self._is_keyword("OR"):
            self.position += 1
            if self._peek()[0] is None or self._peek() == ("punct", ")"):
                raise syntax_error("OR", "OR needs an expression on both sides")
            parts.append(self._operand())
        return parts[0] if len(parts) == 1 else (lambda row: any(part(row) for part in parts))

    def _operand(self):
        kind, value = self._next()
        if kind == "word" and value.upper() in ("OR", "AND"):
            raise syntax_error(value, "%s needs an expression on both sides" % value.upper())
        if kind == "word" and value.upper() == "NOT" or kind == "word" and value == "-":
            return _negated(self._operand_after(value))
        if kind == "word" and value.startswith("-"):
            self.tokens[self.position - 1] = ("word", value[1:])
            self.position -= 1
            return _negated(self._operand())
        if (kind, value) == ("punct", "("):
            return self._group()
        if kind in ("word", "string"):
            return self._term(kind, value)
        raise syntax_error(value, "unexpected %r" % value)

    def _operand_after(self, negation):
        if self._peek()[0] is None or self._peek() == ("punct", ")"):
            raise syntax_error(negation, "nothing to negate")
        return self._operand()

    def _group(self):
        matcher = self._conjunction()
        if self._next() != ("punct", ")"):
            raise QueryError("Syntax error: unbalanced parenthesis")
        return matcher

    def _term(self, kind, value):
        field = _unquote(value) if kind == "string" else value
        following_kind, following = self._peek()
        if following_kind == "op":
            self.position += 1
            return _comparison(self._field(field, value), following, self._value(following))
        if self._is_keyword("IN") or (self._is_keyword("NOT") and self._is_keyword("IN", 1)):
            negated = self._is_keyword("NOT")
            self.position += 2 if negated else 1
            matcher = self._in(self._field(field, value))
            return _negated(matcher) if negated else matcher
        if kind == "word" and field.upper() in _KEYWORDS:
            raise syntax_error(value, "%s is a keyword; quote it to search for the word" % field.upper())
        return _text_term(field)

    def _field(self, field, token):
        if not field or (not token.startswith('"') and not re.fullmatch(_FIELD, field)):
            raise syntax_error(token, "bad field name")
        return field

    def _value(self, operator):
        kind, value = self._next()
        if kind == "word" and value == "-" and self._peek()[0] == "word":
            kind, value = "word", "-" + self._next()[1]
        if kind not in ("word", "string"):
            raise syntax_error(operator + (value or ""), "missing value after %s" % operator)
        return _unquote(value) if kind == "string" else value

    def _in(self, field):
        kind, value = self._next()
        if kind == "word" and re.fullmatch(r"[A-Za-z_][\w-]*", value):
            values = self.lists(value) if self.lists else None
            if values is None:
                raise syntax_error("IN " + value, "no list named %s" % value.upper())
            return _any_of(field, [str(item) for item in values])
        if (kind, value) != ("punct", "["):
            raise syntax_error("IN " + (value or ""), "IN needs a [list] of values or a list name")
        values = []
        while True:
            kind, value = self._next()
            if kind in ("word", "string"):
                values.append(_unquote(value) if kind == "string" else value)
                kind, value = self._next()
            if (kind, value) == ("punct", "]") and values:
                return _any_of(field, values)
            if (kind, value) != ("punct", ","):
                raise syntax_error("IN [" + ", ".join(values), "an IN list is [value, value, ...], closed by ]")


def _negated(matcher):
    return lambda row: not matcher(row)


def _field_value(row, field):
    if field == "label":
        return row.get("_labels", [])
    return row.get(field)


def _glob(pattern):
    return pattern.lower()


def _equals(field, value):
    pattern = _glob(value)
    if field == "label":
        return lambda row: any(fnmatch.fnmatchcase(str(label).lower(), pattern) for label in row.get("_labels", []))
    return lambda row: row.get(field) not in (None, "") and fnmatch.fnmatchcase(str(row[field]).lower(), pattern)


def _comparison(field, operator, value):
    if operator == "=":
        return _equals(field, value)
    if operator == "!=":
        return _negated(_equals(field, value))
    number = _number(value)
    if number is None:
        raise syntax_error(f"{field}{operator}{value}", f"{operator} compares numbers, {value!r} is not one")
    compare = {"<": lambda a: a < number, "<=": lambda a: a <= number,
               ">": lambda a: a > number, ">=": lambda a: a >= number}[operator]
    return lambda row: _number(row.get(field)) is not None and compare(_number(row.get(field)))


def _any_of(field, values):
    matchers = [_equals(field, value) for value in values]
    return lambda row: any(matcher(row) for matcher in matchers)


def _text_term(text):
    pattern = f"*{text.lower()}*"
    return lambda row: any(fnmatch.fnmatchcase(str(value).lower(), pattern)
                           for key, value in row.items() if not key.startswith("_"))


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return re.sub(r"\\([\"'\\])", r"\1", value[1:-1])
    return value


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value))
    except ValueError:
        return None


# ---- commands ----------------------------------------------------------------------------------

def _command(text, lists):
    name, _space, rest = text.partition(" ")
    parser = _COMMANDS.get(name.lower())
    if parser is None:
        raise syntax_error("| " + text, f"unknown command {name!r}")
    return parser(rest.strip(), text, lists)


def _fields_list(rest, text):
    match = re.fullmatch(_FIELD_LIST, rest)
    if not match:
        raise syntax_error("| " + text, "expected a list of field names")
    return [_unquote(field.strip()) for field in match.group(1).split(",")]


def _fields_command(rest, text, lists):
    fields = _fields_list(rest, text)
    return "fields", lambda rows: [{field: row[field] for field in fields if field in row} for row in rows], []


def _latest_command(rest, text, lists):
    if not rest.startswith("by "):
        raise syntax_error("| " + text, "latest needs 'by' and field names")
    return "latest", lambda rows, fields=_fields_list(rest[3:].strip(), text): _latest(rows, fields), []


def _rename_command(rest, text, lists):
    pairs = []
    for part in rest.split(","):
        match = re.fullmatch(rf"\s*({_FIELD})\s+as\s+({_FIELD})\s*", part, re.IGNORECASE)
        if not match:
            raise syntax_error("| " + text, "rename takes 'field as new_name', separated by commas")
        pairs.append(match.groups())

    def rename(rows):
        renamed = []
        for row in rows:
            row = dict(row)
            for old, new in pairs:
                if old in row:
                    row[new] = row.pop(old)
            renamed.append(row)
        return renamed
    return "rename", rename, []


def _sort_command(rest, text, lists):
    keys = []
    for field in _fields_list(rest, text):
        keys.append((field.lstrip("-"), field.startswith("-")))

    def sort(rows):
        for field, descending in reversed(keys):
            rows = sorted(rows, key=lambda row, field=field: _sort_key(row.get(field)), reverse=descending)
        return rows
    return "sort", sort, []


def _order_command(rest, text, lists):
    match = re.fullmatch(rf"by\s+({_FIELD})(?:\s+(asc|desc))?", rest, re.IGNORECASE)
    if not match:
        raise syntax_error("| " + text, "order needs 'by <field>' and optionally asc or desc")
    prefix = "-" if (match.group(2) or "").lower() == "desc" else ""
    return _sort_command(prefix + match.group(1), text, lists)


def _sort_key(value):
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0, str(value or ""))


def _limit_command(rest, text, lists):
    if not rest.isdigit():
        raise syntax_error("| " + text, "limit takes a number")
    return "limit", lambda rows: rows[:int(rest)], []


def _search_command(rest, text, lists):
    if not rest:
        raise syntax_error("| " + text, "search needs an expression")
    matcher = _FilterParser(rest, lists).parse()
    return "search", lambda rows: [row for row in rows if matcher(row)], []


def _chart_command(rest, text, lists):
    parts = re.split(r"\s+by(?:\s+|$)", rest, maxsplit=1)
    aggregations_text, by, grouping_text = parts[0], len(parts) == 2, parts[-1] if len(parts) == 2 else ""
    aggregations = []
    for part in _split_commas(aggregations_text):
        match = _AGGREGATION.match(part.strip())
        if not match:
            raise syntax_error("| " + text, f"{part.strip() or 'nothing'!r} is not an aggregation such as count()")
        function, field, alias = match.groups()
        if function.lower() != "count" and not field:
            raise syntax_error("| " + text, f"{function}() needs a field")
        aggregations.append((function.lower(), field, alias or "%s(%s)" % (function.lower(), field or "")))
    grouping = _fields_list(grouping_text.strip(), text) if by else []
    return "chart", lambda rows: _chart(rows, grouping, aggregations), grouping


def _process_command(rest, text, lists):
    match = re.fullmatch(r"(\w+)\((.*)\)", rest, re.DOTALL)
    if not match:
        raise syntax_error("| " + text, "process needs a function call such as regex(...) or eval(...)")
    function, arguments = match.group(1).lower(), _split_commas(match.group(2))
    if function == "regex":
        return "process", _regex(arguments, text), []
    if function == "eval":
        return "process", _eval(arguments, text), []
    return "process", lambda rows: rows, []


def _norm_command(rest, text, lists):
    if not re.match(rf"on\s+{_FIELD}\s+\S", rest):
        raise syntax_error("| " + text, "%s needs 'on <field> <pattern>'" % text.split()[0])
    return "norm", lambda rows: rows, []


_COMMANDS = {
    "fields": _fields_command, "latest": _latest_command, "rename": _rename_command, "sort": _sort_command,
    "limit": _limit_command, "search": _search_command, "filter": _search_command, "chart": _chart_command,
    "timechart": _chart_command, "process": _process_command, "norm": _norm_command, "rex": _norm_command,
    "order": _order_command,
}


def _split_commas(text):
    """`text` split at the commas outside quotes and parentheses."""
    parts, current, depth, quoted = [], [], 0, None
    for char in text:
        if quoted:
            quoted = None if char == quoted and (not current or current[-1] != "\\") else quoted
        elif char in "\"'":
            quoted = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _regex(arguments, text):
    if len(arguments) != 2 or not arguments[0].startswith('"') or not re.fullmatch(_FIELD, arguments[1]):
        raise syntax_error("| " + text, 'regex takes ("pattern", field)')
    try:
        pattern = re.compile(_unquote(arguments[0]))
    except re.error as error:
        raise syntax_error("| " + text, f"bad regular expression: {error}") from None
    field = arguments[1]

    def apply(rows):
        found = []
        for row in rows:
            match = pattern.search(str(row.get(field, ""))) if row.get(field) is not None else None
            found.append(dict(row, **{key: value for key, value in match.groupdict().items() if value is not None})
                         if match else row)
        return found
    return apply


def _eval(arguments, text):
    if len(arguments) != 1 or not arguments[0].startswith('"'):
        raise syntax_error("| " + text, 'eval takes ("field=expression")')
    target, equals, expression = _unquote(arguments[0]).partition("=")
    if not equals or not re.fullmatch(_FIELD, target.strip()):
        raise syntax_error("| " + text, "eval needs field=expression")
    evaluate = _Expression(expression, text).parse()
    return lambda rows: [dict(row, **{target.strip(): evaluate(row)}) for row in rows]


class _Expression:
    """The expressions of `process eval`: calls, `||`, `&&`, `!`, comparisons, literals, fields."""

    _TOKENS = re.compile(r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<number>\d+(?:\.\d+)?)"
                         r"|(?P<op>->|\|\||&&|==|!=|<=|>=|[<>!(),+\-*/])|(?P<name>[A-Za-z_][\w.]*))")
    FUNCTIONS = {
        "isnotnull": lambda value: value not in (None, ""),
        "isnull": lambda value: value in (None, ""),
        "issubstr": lambda text, value: value is not None and str(text).lower() in str(value).lower(),
        "match": lambda value, pattern: value is not None and re.search(str(pattern), str(value)) is not None,
        "lower": lambda value: str(value or "").lower(),
        "upper": lambda value: str(value or "").upper(),
        "len": lambda value: len(str(value or "")),
    }

    def __init__(self, text, command):
        self.command = command
        self.tokens, position = [], 0
        while text[position:].strip():
            match = self._TOKENS.match(text, position)
            if not match:
                raise syntax_error(text[position:], "unexpected character in eval")
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            position = match.end()
        self.position = 0

    def fail(self, why):
        return syntax_error("| " + self.command, why)

    def parse(self):
        expression = self._or()
        if self.position != len(self.tokens):
            raise self.fail("unexpected %r in eval" % self.tokens[self.position][1])
        return expression

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def _take(self, value):
        if self._peek()[1] == value:
            self.position += 1
            return True
        return False

    def _or(self):
        return self._chain(self._and, "||", lambda a, b: bool(a) or bool(b))

    def _and(self):
        return self._chain(self._compare, "&&", lambda a, b: bool(a) and bool(b))

    def _chain(self, operand, operator, combine):
        """`operand (operator operand)*`, left to right; both sides are evaluated."""
        left = operand()
        while self._take(operator):
            left = _combined(left, operand(), combine)
        return left

    def _compare(self):
        left = self._unary()
        operator = self._peek()[1]
        if operator in ("==", "!=", "<", ">", "<=", ">="):
            self.position += 1
            right = self._unary()
            compare = {"==": lambda a, b: str(a) == str(b), "!=": lambda a, b: str(a) != str(b),
                       "<": lambda a, b: (_number(a) or 0) < (_number(b) or 0),
                       ">": lambda a, b: (_number(a) or 0) > (_number(b) or 0),
                       "<=": lambda a, b: (_number(a) or 0) <= (_number(b) or 0),
                       ">=": lambda a, b: (_number(a) or 0) >= (_number(b) or 0)}[operator]
            return lambda row: compare(left(row), right(row))
        return left

    def _unary(self):
        if self._take("!"):
            inner = self._unary()
            return lambda row: not inner(row)
        kind, value = self._peek()
        self.position += 1
        if kind == "string":
            text = _unquote(value)
            return lambda row: text
        if kind == "number":
            number = float(value) if "." in value else int(value)
            return lambda row: number
        if value == "(":
            inner = self._or()
            if not self._take(")"):
                raise self.fail("unbalanced parenthesis in eval")
            return inner
        if kind == "name" and self._peek()[1] == "(":
            return self._call(value)
        if kind == "name":
            return lambda row: row.get(value)
        raise self.fail("unexpected %r in eval" % (value or "end"))

    def _call(self, name):
        self.position += 1
        if name == "case":
            return self._case()
        function = self.FUNCTIONS.get(name.lower())
        if function is None:
            raise self.fail(f"unknown function {name}()")
        arguments = []
        while not self._take(")"):
            if arguments and not self._take(","):
                raise self.fail(f"expected , or ) in {name}()")
            arguments.append(self._or())
        return lambda row: function(*(argument(row) for argument in arguments))

    def _case(self):
        branches, default = [], None
        while True:
            condition = self._or()
            if self._take("->"):
                branches.append((condition, self._or()))
            else:
                default = condition
            if self._take(")"):
                break
            if not self._take(","):
                raise self.fail("expected , or ) in case()")

        def case(row):
            for condition, value in branches:
                if condition(row):
                    return value(row)
            return default(row) if default else None
        return case


def _combined(left, right, combine):
    def evaluate(row):
        return combine(left(row), right(row))
    return evaluate


# ---- applying ----------------------------------------------------------------------------------

def _latest(rows, fields):
    newest = {}
    for row in rows:
        key = tuple(str(row.get(field)) for field in fields)
        if key not in newest or row.get("log_ts", 0) > newest[key].get("log_ts", 0):
            newest[key] = row
    kept = {id(row) for row in newest.values()}
    return [row for row in rows if id(row) in kept]


def _aggregate(function, field, rows):
    if function == "count":
        return len(rows)
    values = [row.get(field) for row in rows if row.get(field) not in (None, "")]
    if function == "distinct_count":
        return len(set(str(value) for value in values))
    numbers = [number for number in (_number(value) for value in values) if number is not None]
    if not numbers:
        return 0
    return {"sum": sum, "min": min, "max": max, "avg": lambda items: sum(items) / len(items)}[function](numbers)


def _chart(rows, fields, aggregations):
    groups = {}
    for row in rows:
        if all(field in row for field in fields):
            groups.setdefault(tuple(row[field] for field in fields), []).append(row)
    charted = []
    names = [alias for _function, _field, alias in aggregations]
    for key, members in groups.items():
        text_fields = [field for field, value in zip(fields, key) if not _is_number(value)]
        number_fields = [field for field, value in zip(fields, key) if _is_number(value)]
        charted.append({
            **dict(zip(fields, key)),
            **{alias: _aggregate(function, field, members) for function, field, alias in aggregations},
            "_group": list(key),
            "_type_str": " " + " ".join(text_fields + names),
            "_type_num": " " + " ".join(number_fields + names),
            "_type_ip": "",
        })
    return charted


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
