# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The converge engine: every writing module runs its writes through ``execute``.

A family (``resources/<family>.py``) compares desired and current state and builds a ``Plan``: the
ordered ``Change`` objects (one write each), the ``Batch`` endpoints some of them share, and what the
module reports (``entries``, ``diffs``, ``report``; secrets already removed by the family). The engine
knows nothing of Logpoint paths; it only runs the plan:

* ``check_mode``: nothing is sent; each change's ``predicted`` value is its result.
* Phases run in order (``Change.phase``, ascending). The changes of one phase run concurrently, at most
  ``max_concurrency`` at a time (``_concurrency.fan_out_settled``; 1 is strict serial, in plan order).
* Changes of one phase with the same ``batch`` key become one call of the ``Batch`` registered under
  that key: ``Batch.send(items)`` with the changes' ``item`` values in plan order, split into calls of
  at most ``Batch.size`` items. An ``item`` may be a callable; it is called when its phase starts, so a
  batched activation can take the id that a create of an earlier phase returned (``Change.result``).
* A lost reply (``UncertainWriteError``, or ``ServerUnavailableError`` with 502/503/504 on a write) is
  never replayed blindly: ``applied()`` re-reads the server; a truthy value means the write took effect
  and becomes the result, a falsy one means it never arrived and the write is sent once more. A reply
  that timed out (``UncertainWriteError.in_flight``: the server may still be applying the write) is
  re-read again after each pause of ``IN_FLIGHT_PAUSES`` (1 s, then 2 s) before the write is sent once
  more; when that second send fails too, ``applied()`` is asked once more (the first write may have
  landed meanwhile). Without ``applied`` the lost reply is raised.
* A create refused because the object already exists (``ConflictError``: a concurrent run created it
  between this run's read and its write) calls the change's ``conflict()``: the family re-reads the
  object and converges onto it (an update when it differs from what this run wants) and returns the
  result; a falsy one (the object still cannot be seen) raises the refusal. So overlapping runs that
  create the same object all succeed, and it exists once.
* When a write fails, every other write of the same phase is still settled and later phases do not
  start. The first error (in plan order) is raised with ``error.written``, the labels of every change
  written so far in plan order, and, when that list is not empty, a message ending
  ``(already written before this error: ...)``; ``LogpointError.to_result()`` then reports
  ``changed: true`` and ``written``.

``execute`` returns the results in the order of ``plan.changes`` (what ``send`` returned: a new id for a
create; for a batched change, what its batch call returned) and also sets ``Change.result``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    fan_out_settled,
)
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    ConfigError,
    ConflictError,
    LogpointError,
    ServerUnavailableError,
    UncertainWriteError,
)

LOST_REPLY_STATUSES = (502, 503, 504)
# Pauses (seconds) between the re-reads after a reply that timed out, before the write is sent once more.
IN_FLIGHT_PAUSES = (1.0, 2.0)

# The argument spec fragment every writer adds to its own (documented by doc fragment logpoint.siem.converge).
CONVERGE_ARGSPEC = {"max_concurrency": {"type": "int", "default": DEFAULT_CONCURRENCY}}


def check_concurrency(value: Any) -> int:
    """The ``max_concurrency`` option as an int from 1 to 32; anything else is a ConfigError naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigError("max_concurrency: %r is not a whole number from 1 to %d (1 sends the writes one at a "
                          "time)" % (value, MAX_CONCURRENCY))
    return value


@dataclass
class Change:
    """One write the plan needs.

    ``label`` names the object in messages ("alert rule 'X'"); ``action`` is the family's word for the
    write (create, update, delete, activate...). A change either has its own ``send()`` or a ``batch``
    key and an ``item`` (a value or a callable called when the phase starts) for ``Batch.send(items)``.
    ``applied()`` settles a lost reply, ``conflict()`` a create that lost a race to the same name (see
    the module docstring). ``predicted`` is the result in check mode. ``result`` is set by ``execute``.
    ``finishes`` names the change this one completes (the activation of a created rule): after a failure
    the later phases still run such changes, those whose change was written, so no object is left half-made.
    """

    label: str
    action: str
    send: Optional[Callable[[], Any]] = None
    applied: Optional[Callable[[], Any]] = None
    phase: int = 0
    batch: Optional[Hashable] = None
    item: Any = None
    predicted: Any = None
    result: Any = None
    conflict: Optional[Callable[[], Any]] = None
    finishes: Optional["Change"] = None


@dataclass
class Batch:
    """An endpoint taking a list (activate_api ``ids``, incident close ids): one call per ``size`` items."""

    key: Hashable
    send: Callable[[list], Any]
    applied: Optional[Callable[[list], Any]] = None
    size: Optional[int] = None


@dataclass
class Plan:
    """The changes in order, the batch endpoints they use, and what the module reports.

    ``entries`` is one dict per object (outcome, changes...), ``diffs`` the before/after of the managed
    fields, ``report`` any other result keys; the family fills them, secrets removed.
    """

    changes: list = field(default_factory=list)
    batches: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)
    diffs: list = field(default_factory=list)
    report: dict = field(default_factory=dict)

    def add(self, change: Change) -> Change:
        if change.batch is None and change.send is None:
            raise ValueError("%s: a change needs send or a batch key" % change.label)
        self.changes.append(change)
        return change

    def add_batch(self, batch: Batch) -> Batch:
        self.batches[batch.key] = batch
        return batch

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass
class _Call:
    """One request the engine sends: a single change, or one chunk of a batch."""

    changes: list
    send: Callable[[], Any]
    applied: Optional[Callable[[], Any]]
    conflict: Optional[Callable[[], Any]] = None


def execute(plan: Plan, *, check_mode: bool, max_concurrency: int = DEFAULT_CONCURRENCY) -> list:
    """Run ``plan`` (see the module docstring); returns the results in the order of ``plan.changes``."""
    max_concurrency = check_concurrency(max_concurrency)
    if check_mode:
        for change in plan.changes:
            change.result = change.predicted
        return [change.result for change in plan.changes]
    written = set()
    failure = None
    for phase in sorted(set(change.phase for change in plan.changes)):
        changes = [change for change in plan.changes if change.phase == phase and _may_run(change, failure, written)]
        if changes:
            failure = _run_phase(plan, changes, max_concurrency, written) or failure
    if failure is not None:
        raise _with_written(failure, list(dict.fromkeys(change.label for change in plan.changes if id(change) in written)))
    return [change.result for change in plan.changes]


def _may_run(change, failure, written):
    """Every change until a phase failed; after that only those finishing a change that was written."""
    return failure is None or (change.finishes is not None and id(change.finishes) in written)


def _run_phase(plan, changes, max_concurrency, written):
    """Send one phase's calls concurrently, record what was written; returns the first error or None."""
    calls = _calls(plan, changes)
    failure = None
    for call, (result, error) in zip(calls, fan_out_settled(_settle, calls, max_concurrency)):
        if error is not None:
            failure = failure or error
            continue
        for change in call.changes:
            change.result = result
            written.add(id(change))
    return failure


def _calls(plan, changes):
    """The calls of one phase in plan order: single changes as they are, batched ones grouped and chunked."""
    calls, grouped = [], {}
    for change in changes:
        if change.batch is None:
            calls.append(_Call([change], change.send, change.applied, change.conflict))
            continue
        if change.batch not in grouped:
            grouped[change.batch] = []
            calls.append(change.batch)  # placeholder keeping the batch at its first change's place
        grouped[change.batch].append(change)
    ordered = []
    for call in calls:
        ordered.extend([call] if isinstance(call, _Call) else _chunks(plan.batches[call], grouped[call]))
    return ordered


def _chunks(batch, changes):
    items = [change.item() if callable(change.item) else change.item for change in changes]
    size = batch.size or len(items)
    calls = []
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        applied = (lambda chunk=chunk: batch.applied(chunk)) if batch.applied else None
        calls.append(_Call(changes[start:start + size], lambda chunk=chunk: batch.send(chunk), applied))
    return calls


def lost_reply(error: BaseException) -> bool:
    """Whether a write's error means its reply was lost (it may have been applied)."""
    if isinstance(error, UncertainWriteError):
        return True
    return (isinstance(error, ServerUnavailableError) and error.status in LOST_REPLY_STATUSES
            and error.method != "GET")


def _settle(call, pause=None):
    """Send once; after a lost reply, re-read and send once more only if the write did not arrive; a create
    that lost a race to the same name converges onto the object the other run made."""
    try:
        return call.send()
    except LogpointError as error:
        if isinstance(error, ConflictError) and call.conflict is not None:
            return _converged(call, error)
        if call.applied is None or not lost_reply(error):
            raise
        first = error
    result = _reread(call, first, pause or time.sleep)
    if result:
        return result
    try:
        return call.send()
    except LogpointError as error:
        if isinstance(error, ConflictError) and call.conflict is not None:
            return _converged(call, error)
        result = call.applied() if getattr(first, "in_flight", False) else None  # the first one may have landed
        if result:
            return result
        raise


def _reread(call, error, pause):
    """``applied()``; for a reply that timed out, again after each pause until it shows the write."""
    result = call.applied()
    for seconds in IN_FLIGHT_PAUSES if getattr(error, "in_flight", False) else ():
        if result:
            break
        pause(seconds)
        result = call.applied()
    return result


def _converged(call, error):
    result = call.conflict()
    if not result:
        raise error
    return result


def _with_written(error, labels):
    if isinstance(error, LogpointError):
        error.written = list(labels)
        if labels:
            error.message = "%s (already written before this error: %s)" % (error.message, ", ".join(labels))
            error.args = (error.message,)
    return error
