"""The subset of the Logpoint query language the simulator understands (logpoint-api.md §18, §11).

Filter (before the first `|`):

* `label=X` matches rows whose `_labels` hold X; `field=value` matches rows whose field equals the
  value; `*` is a wildcard in both (`object=*`: the field is present), matching ignores case;
  values may be double-quoted (`user="jane doe"`).
* a bare word or quoted phrase matches rows with the text in any field;
* `-term` negates a term, `-(...)` a group;
* terms next to each other must all match (AND); `OR` (or `or`) between two terms or parenthesised
  groups matches either and binds tighter than the implicit AND, so `a b OR c` is `a AND (b OR c)`;
* an empty filter or `*` matches every row.

Commands after `|`, applied in order: `fields a, b`, `latest by a, b` (the newest row of each
distinct combination), `chart count() by a, b` (one row per distinct combination with `count()`;
rows lacking one of the fields are left out). Anything else raises `QueryError` with the text of
the parser error the API returns.
"""

import fnmatch
import re

_TOKEN = re.compile(r'\s*(?:(?P<paren>-?\(|\))|(?P<term>-?(?:[^\s()"=|]+=)?(?:"(?:[^"\\]|\\.)*"|[^\s()"|]+)))')
_FIELD = r"[A-Za-z_][\w.]*"
_FIELD_LIST = rf"({_FIELD}(?:\s*,\s*{_FIELD})*)"
_COMMANDS = (
    ("fields", re.compile(rf"^fields\s+{_FIELD_LIST}$")),
    ("latest", re.compile(rf"^latest\s+by\s+{_FIELD_LIST}$")),
    ("chart", re.compile(rf"^chart\s+count\(\)(?:\s+by\s+{_FIELD_LIST})?$")),
)


class QueryError(ValueError):
    """A query outside the supported subset; the message is the parser error."""


class Query:
    def __init__(self, text):
        self.text = text
        filter_text, *command_texts = _split_pipes(text)
        self.filter = _FilterParser(filter_text).parse()
        self.commands = [_command(command) for command in command_texts]

    @property
    def kind(self):
        """`chart` when the query aggregates, else `simple`."""
        return "chart" if any(name == "chart" for name, _fields in self.commands) else "simple"

    @property
    def grouping(self):
        return next((fields for name, fields in self.commands if name == "chart"), [])

    def matches(self, row):
        """Whether `row` passes the filter."""
        return self.filter(row)

    def apply(self, rows):
        """The commands applied, in order, to matching rows (newest first)."""
        for name, fields in self.commands:
            rows = _APPLY[name](rows, fields)
        return rows


def _split_pipes(text):
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "|" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise QueryError("Syntax error: unterminated quoted string")
    parts.append("".join(current))
    return parts


def _command(text):
    text = " ".join(text.split())
    for name, pattern in _COMMANDS:
        match = pattern.match(text)
        if match:
            fields = [field.strip() for field in (match.group(1) or "").split(",") if field.strip()]
            return name, fields
    raise QueryError(f"Syntax error near '| {text}': unsupported command")


class _FilterParser:
    def __init__(self, text):
        self.tokens = self._tokenise(text)
        self.position = 0

    @staticmethod
    def _tokenise(text):
        tokens, position = [], 0
        while text[position:].strip():
            match = _TOKEN.match(text, position)
            if not match:
                raise QueryError(f"Syntax error near '{text[position:].strip()[:30]}'")
            tokens.append(match.group("paren") or match.group("term"))
            position = match.end()
        return tokens

    def parse(self):
        if not self.tokens or self.tokens == ["*"]:
            return lambda row: True
        matcher = self._conjunction()
        if self.position < len(self.tokens):
            raise QueryError(f"Syntax error near '{self.tokens[self.position]}': unbalanced parenthesis")
        return matcher

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _conjunction(self):
        parts = []
        while self._peek() not in (None, ")"):
            parts.append(self._disjunction())
        if not parts:
            raise QueryError("Syntax error: empty expression")
        return lambda row: all(part(row) for part in parts)

    def _disjunction(self):
        parts = [self._operand()]
        while self._peek() in ("OR", "or"):
            self.position += 1
            if self._peek() in (None, ")"):
                raise QueryError("Syntax error: OR needs an expression on both sides")
            parts.append(self._operand())
        return parts[0] if len(parts) == 1 else (lambda row: any(part(row) for part in parts))

    def _operand(self):
        token = self._peek()
        self.position += 1
        if token in ("OR", "or"):
            raise QueryError("Syntax error near 'OR': OR needs an expression on both sides")
        negated = token.startswith("-")
        body = token[1:] if negated else token
        if not body:
            raise QueryError("Syntax error near '-': nothing to negate")
        matcher = self._group() if body == "(" else _term(body)
        return (lambda row: not matcher(row)) if negated else matcher

    def _group(self):
        matcher = self._conjunction()
        if self._peek() != ")":
            raise QueryError("Syntax error: unbalanced parenthesis")
        self.position += 1
        return matcher


def _term(token):
    field, equals, value = token.partition("=")
    if not equals:
        return _text_term(_unquote(token))
    if not re.fullmatch(_FIELD, field):
        raise QueryError(f"Syntax error near '{token}': bad field name")
    value = _unquote(value)
    if not value:
        raise QueryError(f"Syntax error near '{token}': missing value")
    pattern = value.lower()
    if field == "label":
        return lambda row: any(fnmatch.fnmatchcase(str(label).lower(), pattern) for label in row.get("_labels", []))
    return lambda row: row.get(field) not in (None, "") and fnmatch.fnmatchcase(str(row[field]).lower(), pattern)


def _text_term(text):
    pattern = f"*{text.lower()}*"
    return lambda row: any(fnmatch.fnmatchcase(str(value).lower(), pattern)
                           for key, value in row.items() if not key.startswith("_"))


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _fields(rows, fields):
    return [{field: row[field] for field in fields if field in row} for row in rows]


def _latest(rows, fields):
    newest = {}
    for row in rows:
        key = tuple(str(row.get(field)) for field in fields)
        if key not in newest or row.get("log_ts", 0) > newest[key].get("log_ts", 0):
            newest[key] = row
    kept = {id(row) for row in newest.values()}
    return [row for row in rows if id(row) in kept]


def _chart(rows, fields):
    counts = {}
    for row in rows:
        if all(field in row for field in fields):
            key = tuple(row[field] for field in fields)
            counts[key] = counts.get(key, 0) + 1
    charted = []
    for key, count in counts.items():
        text_fields = [field for field, value in zip(fields, key) if not _is_number(value)]
        number_fields = [field for field, value in zip(fields, key) if _is_number(value)]
        charted.append({
            **dict(zip(fields, key)),
            "count()": count,
            "_group": list(key),
            "_type_str": " " + " ".join(text_fields + ["count()"]),
            "_type_num": " " + " ".join(number_fields + ["count()"]),
            "_type_ip": "",
        })
    return charted


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_APPLY = {"fields": _fields, "latest": _latest, "chart": _chart}
