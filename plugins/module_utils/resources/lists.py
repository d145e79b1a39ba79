# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static lists as a resource: options, name and file checks, normalisation, compare, the plan.

Memory stays bounded for large lists (a million values): no full set of strings is held.

* ``normalised_file`` writes the values - trimmed, blank lines and repeats dropped, first occurrence
  kept in place - to a temporary file, which is what gets uploaded (streamed). Each value is kept only
  as a 16-byte blake2b digest (``DigestIndex``: two sorted arrays of 8-byte halves, 16 bytes a value).
* ``ServerValues`` consumes the server's values while the listing is decoded
  (``api.lists.list_lists(consume=...)``): each value is looked up in the desired digests, marked as
  matched or counted as removed (the first ``DIFF_SAMPLE`` removed values kept as text), then dropped.
* ``compare`` gives exact counts of added and removed values and the first ``DIFF_SAMPLE`` of each
  (added in file order, removed in server order). Two different values would have to share a 128-bit
  digest to be mistaken for each other.
* ``plan_list`` builds the engine plan: one import, or nothing.
"""

from __future__ import annotations

import collections
import contextlib
import fnmatch
import hashlib
import os
import re
import struct
import sys
import tempfile
from array import array
from bisect import bisect_left

from ansible_collections.logpoint.siem.plugins.module_utils import _bounds
from ansible_collections.logpoint.siem.plugins.module_utils._converge import CONVERGE_ARGSPEC, Change, Plan
from ansible_collections.logpoint.siem.plugins.module_utils.api.lists import import_list, list_lists
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.indicators import KINDS, check

EXTENSIONS = (".csv", ".txt")
LIST_TYPES = ("static_list", "dynamic_list")
DIFF_SAMPLE = 20
# The longest value (a line) of a list, in characters: far above any indicator (a URL of 2048, a domain of
# 253, a SHA-512 of 128), so that a value is never a whole file without line breaks.
MAX_VALUE = 4096
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,98}[A-Za-z0-9]$")
_HALVES = struct.Struct(">QQ")  # a digest as two big-endian 8-byte numbers
_BUCKETS = 256
_CHUNK = 4096

STATIC_LIST_ARGSPEC = dict(CONVERGE_ARGSPEC, **{
    "name": {"type": "str", "required": True},
    "values": {"type": "list", "elements": "str"},
    "src": {"type": "path"},
    "state": {"type": "str", "choices": ["present"], "default": "present"},
    "overwrite": {"type": "str", "choices": ["always", "never"], "default": "always"},
    "kind": {"type": "str", "choices": list(KINDS)},
    "fail_on_invalid": {"type": "bool", "default": False},
})
LIST_INFO_ARGSPEC = {
    "name": {"type": "str"},
    "list_type": {"type": "str", "choices": list(LIST_TYPES)},
    "include_values": {"type": "bool", "default": False},
}


# ---- names and input --------------------------------------------------------------------------

def check_list_name(name):
    """The name as Logpoint keeps it (upper case), or a ConfigError stating the rule it breaks."""
    if not _NAME.match(name or ""):
        raise ConfigError("name: %r is not a valid list name; use 2 to 100 characters (letters, digits, - and _), "
                          "not starting or ending with - or _" % name)
    return name.upper()


def check_source_file(path):
    """The extension of a list file (``.csv`` or ``.txt``), or a ConfigError."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in EXTENSIONS:
        raise ConfigError("src: %s must be a .csv or .txt file (one value per line)" % path)
    if not os.path.isfile(path):
        raise ConfigError("src: %s does not exist or is not a file" % path)
    return extension


def read_source_lines(path):
    """The lines of a UTF-8 text file (a leading byte-order mark is dropped), one at a time."""
    try:
        with open(path, encoding="utf-8-sig", newline=None) as handle:
            for number, line in enumerate(handle, 1):
                if "\x00" in line:
                    raise ConfigError("src: %s is not a text file (NUL byte on line %d)" % (path, number))
                if len(line.strip()) > MAX_VALUE:
                    raise ConfigError("src: %s line %d is %d characters long; a value may have at most %d"
                                      % (path, number, len(line.strip()), MAX_VALUE))
                yield line
    except UnicodeDecodeError as exc:
        raise ConfigError("src: %s is not a UTF-8 text file (%s)" % (path, exc.reason))
    except OSError as exc:
        raise ConfigError("src: cannot read %s: %s" % (path, exc.strerror))


def check_inline_values(values):
    """Inline values as lines; a value spanning lines would become several values, so it is refused."""
    for index, value in enumerate(values):
        if value is not None and re.search(r"[\r\n]", str(value)):
            raise ConfigError("values: item %d (%r) contains a line break; give one value per item" % (index, value))
        text = "" if value is None else str(value)
        problem = _bounds.text_problem(text.strip(), MAX_VALUE)
        if problem:
            raise ConfigError("values: item %d %s" % (index, problem))
        yield text


class Screened:
    """The lines of ``lines`` that are indicators of ``kind``, one at a time; blank lines and ``#`` comments
    are skipped, invalid values counted (``count``) and the first ``sample_size`` kept with their line
    number and reason (``sample``). Nothing else is held, so a feed of any size streams through."""

    def __init__(self, lines, kind, sample_size=DIFF_SAMPLE):
        self.lines = lines
        self.kind = kind
        self.sample_size = sample_size
        self.count = 0
        self.sample = []

    def __iter__(self):
        for number, line in enumerate(self.lines, start=1):
            value = line.strip()
            if not value or value.startswith("#"):
                continue
            reason = check(self.kind, value)
            if reason is None:
                yield value
                continue
            self.count += 1
            if len(self.sample) < self.sample_size:
                self.sample.append({"line": number, "value": value, "reason": reason})

    def refuse_invalid(self, option, fail_on_invalid):
        """With ``fail_on_invalid``, a ConfigError when any value was invalid (before anything is sent)."""
        if not self.count or not fail_on_invalid:
            return
        raise ConfigError("%s: %d invalid %s value(s) and fail_on_invalid is true, so nothing was imported; the first: "
                          "%s" % (option, self.count, self.kind, _invalid_text(self.sample[0])))

    def empty(self, option):
        first = (": the first, " + _invalid_text(self.sample[0])) if self.sample else ""
        return ConfigError("%s: no valid %s value to import (%d invalid)%s" % (option, self.kind, self.count, first))


def _invalid_text(entry):
    return "line %d %r: %s" % (entry["line"], entry["value"], entry["reason"])


def screened_source(params):
    """``(lines, option, extension, screen)``: the source's lines, through a ``Screened`` when ``kind`` is set."""
    lines, option, extension = source_of(params)
    if not params.get("kind"):
        return lines, option, extension, None
    screen = Screened(lines, params["kind"])
    return screen, option, extension, screen


def source_of(params):
    """``(lines, option, extension)`` of the ``src`` or ``values`` option."""
    if params["src"] is not None:
        return read_source_lines(params["src"]), "src", check_source_file(params["src"])
    return check_inline_values(params["values"]), "values", ".txt"  # one value a line: no CSV parsing question


# ---- digests ----------------------------------------------------------------------------------

def digest_of(value):
    """The 16-byte blake2b digest of a value."""
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class DigestIndex:
    """A sorted set of digests at 16 bytes each: ``find(digest)`` gives a digest's position, or -1.

    The two 8-byte halves (big-endian, so the order is the digests' byte order) are in the arrays
    ``high`` and ``low``; ``starts[p]`` is where the digests beginning with the two bytes ``p`` start.
    """

    def __init__(self, high, low):
        self.high = high
        self.low = low
        self.starts = array("Q", (bisect_left(high, prefix << 48) for prefix in range(1 << 16)))
        self.starts.append(len(high))

    def __len__(self):
        return len(self.high)

    def find(self, digest):
        high, low = _HALVES.unpack(digest)
        prefix = high >> 48
        end = self.starts[prefix + 1]
        position = bisect_left(self.high, high, self.starts[prefix], end)
        while position < end and self.high[position] == high:
            if self.low[position] == low:
                return position
            position += 1
        return -1


class DigestCollector:
    """Digests as they come, kept in 256 buckets by their first byte; ``sort`` makes the DigestIndex."""

    def __init__(self):
        self.buckets = [bytearray() for _bucket in range(_BUCKETS)]
        self.count = 0

    def add(self, digest):
        self.buckets[digest[0]] += digest
        self.count += 1

    def sort(self):
        """``(DigestIndex of the distinct digests, set of the halves of those that came more than once)``.

        Each bucket is dropped once it is sorted, so the memory is not needed twice.
        """
        high, low, repeated = array("Q"), array("Q"), set()
        for number, bucket in enumerate(self.buckets):
            words = array("Q")
            words.frombytes(bucket)
            self.buckets[number] = None
            if sys.byteorder == "little":
                words.byteswap()
            pairs = list(zip(words[0::2], words[1::2]))
            distinct = sorted(set(pairs))
            if len(distinct) < len(pairs):
                repeated.update(pair for pair, seen in collections.Counter(pairs).items() if seen > 1)
            if distinct:
                highs, lows = zip(*distinct)
                high.extend(highs)
                low.extend(lows)
        index = DigestIndex(high, low)
        return index, repeated


# ---- the desired values -----------------------------------------------------------------------

class DesiredValues:
    """The normalised file (``path``, one value per line, in order) and the ``index`` of its digests."""

    def __init__(self, path, index):
        self.path = path
        self.index = index

    def __len__(self):
        return len(self.index)

    def __iter__(self):
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\n")


def _trimmed_chunks(lines):
    """The trimmed, non-blank values of ``lines`` in lists of up to ``_CHUNK``."""
    chunk = []
    for line in lines:
        value = line.strip()
        if value:
            chunk.append(value)
            if len(chunk) == _CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


@contextlib.contextmanager
def normalised_file(lines, option, suffix, screen=None):
    """A temporary file holding the values of ``lines``, one per line, as ``DesiredValues``.

    Values are trimmed; blank lines and repeats are dropped; the first occurrence keeps its place.
    ``screen`` (a ``Screened``, the lines' source) explains a file left empty by invalid values.
    The file is removed afterwards.
    """
    descriptor, path = tempfile.mkstemp(prefix="logpoint-list-", suffix=suffix)
    try:
        digests = DigestCollector()
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in _trimmed_chunks(lines):
                handle.write("\n".join(chunk) + "\n")
                for digest in map(digest_of, chunk):
                    digests.add(digest)
        if not digests.count:
            if screen is not None:
                raise screen.empty(option)
            raise ConfigError("%s: no values to import (empty, or only blank lines)" % option)
        index, repeated = digests.sort()
        if repeated:
            _drop_repeats(path, repeated)
        yield DesiredValues(path, index)
    finally:
        os.unlink(path)


def _drop_repeats(path, repeated):
    """Rewrite the file keeping only the first line of each value whose digest halves are in ``repeated``."""
    kept, seen = path + ".kept", set()
    with open(path, encoding="utf-8", newline="\n") as source, \
            open(kept, "w", encoding="utf-8", newline="\n") as target:
        for line in source:
            halves = _HALVES.unpack(digest_of(line[:-1]))
            if halves in repeated:
                if halves in seen:
                    continue
                seen.add(halves)
            target.write(line)
    os.replace(kept, path)


# ---- the server's values and the compare ------------------------------------------------------

class ServerValues:
    """A consumer of one list's values from the server, compared with the ``desired`` DigestIndex.

    ``extend(values)`` takes them as the listing is decoded: ``count`` is how many the server sent,
    ``matched`` marks the desired positions seen; the values not desired are kept as digests (for an
    exact count) and the first ``sample_size`` of them as text.
    """

    def __init__(self, desired, sample_size=DIFF_SAMPLE):
        self.desired = desired
        self.sample_size = sample_size
        self.count = 0
        self.matched = None
        self.matched_count = 0
        self.removed = DigestCollector()
        self.removed_sample = []
        self._removed_count = None

    def extend(self, values):
        find = self.desired.find
        for value in values:
            value = value if isinstance(value, str) else str(value)
            digest = digest_of(value)
            position = find(digest)
            if position >= 0:
                self._match(position)
                continue
            self.removed.add(digest)
            if len(self.removed_sample) < self.sample_size and value not in self.removed_sample:
                self.removed_sample.append(value)
        self.count += len(values)

    def _match(self, position):
        if self.matched is None:
            self.matched = bytearray(len(self.desired))
        if not self.matched[position]:
            self.matched[position] = 1
            self.matched_count += 1

    def result(self):
        return self

    def removed_count(self):
        """How many distinct values not desired the server sent (the collected digests are sorted once)."""
        if self._removed_count is None:
            self._removed_count = len(self.removed.sort()[0]) if self.removed.count else 0
            self.removed = None
        return self._removed_count


def compare(desired, current, sample_size=DIFF_SAMPLE):
    """How ``desired`` (DesiredValues) differs from ``current`` (ServerValues, None for a new list).

    Returns the numbers of values ``added`` and ``removed`` and, as ``values_added`` and
    ``values_removed``, the first ``sample_size`` of each (file order, server order).
    """
    current = current or ServerValues(desired.index, sample_size)
    added = len(desired) - current.matched_count
    values_added = []
    if added and sample_size:
        for value in desired:
            if current.matched is None or not current.matched[desired.index.find(digest_of(value))]:
                values_added.append(value)
                if len(values_added) in (sample_size, added):
                    break
    return {"added": added, "removed": current.removed_count(), "values_added": values_added,
            "values_removed": current.removed_sample[:sample_size]}


# ---- reading lists ----------------------------------------------------------------------------

def find_list(lists, name):
    """The list called ``name`` (compared upper-cased, as Logpoint keeps names), or None."""
    wanted = name.upper()
    return next((entry for entry in lists if str(entry["name"]).upper() == wanted), None)


def filter_lists(lists, name=None, list_type=None):
    """Lists whose name matches the glob ``name`` (ignoring case) and whose type is ``list_type``."""
    pattern = name.upper() if name else None
    return [entry for entry in lists
            if (pattern is None or fnmatch.fnmatchcase(str(entry["name"]).upper(), pattern))
            and (list_type is None or entry["list_type"] == list_type)]


def read_lists(client, name, list_type, include_values):
    """The lists matching ``name`` (a glob) and ``list_type``, with their values when asked (static_list_info)."""
    problem = _bounds.text_problem(name, 100) if name is not None else None
    if problem:
        raise ConfigError("name: %s (a list name has 2 to 100 characters)" % problem)
    lists = filter_lists(list_lists(client, with_values=include_values), name=name, list_type=list_type)
    if not include_values:
        for entry in lists:
            del entry["values"]
    return lists


def read_list(client, name, desired):
    """The list ``name`` with its values as ``ServerValues`` compared with ``desired``, or None."""
    return find_list(list_lists(client, with_values=True, consume=lambda: ServerValues(desired.index)), name)


def read_static_list(client, name, desired):
    """Like ``read_list``; a list of another type is a ConfigError."""
    current = read_list(client, name, desired)
    if current is not None and current["list_type"] != "static_list":
        raise ConfigError("name: %s is a %s in Logpoint; only static lists can be imported"
                          % (name, current["list_type"]))
    return current


# ---- the plan ---------------------------------------------------------------------------------

def plan_list(client, name, desired, current, *, extension, overwrite, warn):
    """The plan for static list ``name``: one import of ``desired``'s file, or no change.

    ``plan.report`` is the module's result, ``plan.diffs`` its one diff. The import's lost reply is
    settled by reading the list again: it took effect when the server now holds the desired values.
    """
    plan = Plan()
    if current is not None and current["values"] is None:
        changes = None
        needed = overwrite == "always"
        warn("Logpoint does not report the values of list %s, so they cannot be compared; overwrite=%s %s"
             % (name, overwrite, "imports them again" if needed else "leaves the list as it is"))
    else:
        changes = compare(desired, current["values"] if current else None)
        needed = bool(changes["added"] or changes["removed"])

    def applied():
        again = read_list(client, name, desired)
        settled = again is not None and again["values"] is not None and not _differs(desired, again["values"])
        return {"id": again["id"]} if settled else None

    if needed:
        plan.add(Change("static list %s" % name, "import", applied=applied,
                        send=lambda: import_list(client, name, desired.path, extension),
                        predicted={"id": current["id"] if current else None}))
    plan.report = {
        "name": name, "id": current["id"] if current else None, "list_type": "static_list", "count": len(desired),
        "verified": changes is not None,
        "added": changes["added"] if changes else None,
        "removed": changes["removed"] if changes else None,
    }
    plan.diffs.append(list_diff(name, current, len(desired), changes))
    return plan


def _differs(desired, current):
    changes = compare(desired, current, sample_size=0)
    return bool(changes["added"] or changes["removed"])


def imported_id(plan):
    """The list id after ``execute``: the one read before, or the one the import answered."""
    return plan.report["id"] or next((id_of(change.result) for change in plan.changes if change.result), None)


def list_diff(name, current, count, changes):
    """Counts and the first values added and removed; an unverifiable list shows counts only."""
    before = {}
    if current is not None:
        before = {"name": name, "count": current["values"].count if current["values"] is not None else None}
    after = {"name": name, "count": count}
    if changes and (changes["added"] or changes["removed"]):
        if current is not None:
            before.update(removed=changes["removed"], values_removed=changes["values_removed"])
        after.update(added=changes["added"], values_added=changes["values_added"])
    return {"before": before, "after": after}
