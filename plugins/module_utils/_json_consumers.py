# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON decoding that hands the elements of chosen arrays to a consumer instead of keeping them.

A listing of user-defined lists with their values is one JSON body that can hold a million strings;
decoded as a whole it costs about 80 bytes a value, and its text once more. ``ConsumingDecoder({"lists":
factory})`` decodes such a body from its raw bytes (``LogpointClient.call(..., loads=decoder,
as_bytes=True)`` reads them in blocks, so the body is held once, as bytes) like ``json.loads``, except
that every array found under the key ``lists`` is fed, a few thousand elements at a time, to
``factory()``'s ``extend(values)``, and the decoded object holds what that consumer's ``result()``
returns. The elements are dropped once the consumer has seen them.

Malformed input raises ``ValueError``, like ``json.loads``. The same body object decoded twice in a row
on one thread is decoded once: the transport checks that a read's body parses before the client
decodes it.
"""

from __future__ import annotations

import json
import re
import threading

_SPACE = re.compile(rb"[ \t\n\r]*")
_PLAIN_STRING = re.compile(rb'"([^"\\\x00-\x1f]*)"')  # a string without escapes
_PLAIN_RUN = re.compile(rb'(?:"[^"\\\x00-\x1f]*"[ \t\n\r]*,[ \t\n\r]*)*')  # such strings, each followed by a comma
_STRING = re.compile(rb'"(?:[^"\\\x00-\x1f]|\\.)*"')
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity")
_WINDOW = 1 << 16  # bytes of a run of plain strings read at a time
_SEPARATOR = b"\x00"  # never inside a plain string (control characters must be escaped in JSON)


def _error(message, index):
    return ValueError("%s at byte %d of the reply" % (message, index))


def _skip(text, index):
    return _SPACE.match(text, index).end()


def _next_item(text, index, closing):
    """After a member: the index of the next one, or minus the index after ``closing``."""
    char = text[index:index + 1]
    if char == closing:
        return -(index + 1)
    if char != b",":
        raise _error("expecting ',' or %r" % closing.decode(), index)
    return _skip(text, index + 1)


def _string(text, index):
    match = _PLAIN_STRING.match(text, index)
    if match:
        return match.group(1).decode("utf-8"), match.end()
    match = _STRING.match(text, index)
    if not match:
        raise _error("expecting a string", index)
    return json.loads(match.group()), match.end()


def _plain_strings(text, start, end):
    """The plain strings between ``start`` and ``end``, decoded in one go."""
    found = _PLAIN_STRING.findall(text, start, end)
    return _SEPARATOR.join(found).decode("utf-8").split(_SEPARATOR.decode())


class ConsumingDecoder:
    """A ``loads(body)`` for ``LogpointClient.call``; ``consumers``: ``{key: factory}``."""

    def __init__(self, consumers):
        self.consumers = dict(consumers)
        self._last = threading.local()

    def __call__(self, text):
        if getattr(self._last, "text", None) is text:
            return self._last.value
        body = text.encode("utf-8") if isinstance(text, str) else text
        value, end = self._value(body, _skip(body, 0))
        end = _skip(body, end)
        if end != len(body):
            raise _error("extra data", end)
        self._last.text, self._last.value = text, value
        return value

    def _value(self, text, index, key=None):
        char = text[index:index + 1]
        if char == b"{":
            return self._object(text, index + 1)
        if char == b"[":
            factory = self.consumers.get(key) if key is not None else None
            return self._array(text, index + 1, factory() if factory else None)
        if char == b'"':
            return _string(text, index)
        match = _SCALAR.match(text, index)
        if not match:
            raise _error("expecting a value", index)
        return json.loads(match.group()), match.end()

    def _object(self, text, index):
        result = {}
        index = _skip(text, index)
        if text[index:index + 1] == b"}":
            return result, index + 1
        while index > 0:
            key, index = _string(text, index)
            index = _skip(text, index)
            if text[index:index + 1] != b":":
                raise _error("expecting ':'", index)
            result[key], index = self._value(text, _skip(text, index + 1), key)
            index = _next_item(text, _skip(text, index), b"}")
        return result, -index

    def _array(self, text, index, consumer):
        items = []
        extend = consumer.extend if consumer is not None else items.extend
        index = _skip(text, index)
        if text[index:index + 1] == b"]":
            index = -(index + 1)
        while index > 0:
            run_end = _PLAIN_RUN.match(text, index, index + _WINDOW).end()
            if run_end > index:  # plain strings followed by a comma, read in one go
                extend(_plain_strings(text, index, run_end))
                index = _skip(text, run_end)  # the window may have cut the space after a comma
            value, index = self._value(text, index)  # the last element, or one with escapes, or not a string
            extend([value])
            index = _next_item(text, _skip(text, index), b"]")
        return (consumer.result() if consumer is not None else items), -index
