# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tasks running on one host share: locks, and a small record of unfinished work.

Ansible runs a task for several hosts in forks (processes), and an API collection's tasks usually
all run on the controller; two runs of a playbook may overlap too. Both tools here live in files
under ``<tempdir>/logpoint.siem-<uid>/`` (mode 0700), so every process of the same user on this host
sees them:

* ``host_lock(names, timeout)``: a context manager holding an exclusive lock on each name (a
  ``fcntl.flock`` on one file per name, taken in sorted order so that two holders never wait on each
  other; threads of one process exclude each other too). Raises ``LockTimeoutError`` after
  ``timeout`` seconds. Without ``fcntl`` (not POSIX) the lock covers this process only.
* ``Ledger(scope)``: a JSON record of entries ``key -> value`` for one scope (say, one Director
  pool), read and written under ``host_lock``; entries older than ``max_age`` seconds are forgotten.

Names and keys are hashed (sha256) into file names, so they may hold anything (URLs, ids, text).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the lock covers this process only
    fcntl = None

from ansible_collections.logpoint.siem.plugins.module_utils.errors import LogpointError

_POLL = 0.05
_PROCESS_LOCKS = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


class LockTimeoutError(LogpointError):
    """Another task on this host held a lock longer than the caller would wait."""


def state_dir():
    """``<tempdir>/logpoint.siem-<uid>``, made with mode 0700 when missing."""
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    path = os.path.join(tempfile.gettempdir(), "logpoint.siem-%s" % uid)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _digest(name):
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:40]


def _process_lock(digest):
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(digest, threading.Lock())


@contextlib.contextmanager
def host_lock(names, timeout=60.0, what="the same incidents"):
    """Hold an exclusive lock on every name in ``names`` (see the module docstring)."""
    digests = sorted(set(_digest(str(name)) for name in names))
    deadline = time.monotonic() + timeout
    held = []
    try:
        for digest in digests:
            held.append(_acquire(digest, deadline, what))
        yield
    finally:
        for release in reversed(held):
            release()


def _acquire(digest, deadline, what):
    local = _process_lock(digest)
    if not local.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise _timeout(what)
    if fcntl is None:
        return local.release
    try:
        handle = open(os.path.join(state_dir(), digest + ".lock"), "a")
    except OSError:
        local.release()
        raise
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() >= deadline:
                handle.close()
                local.release()
                raise _timeout(what)
            time.sleep(_POLL)

    def release():
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()
            local.release()
    return release


def _timeout(what):
    return LockTimeoutError("another task on this host kept working on %s for too long; nothing was sent" % what,
                            advice="Run the task again once the other run has finished.")


class Ledger:
    """Entries ``key -> value`` kept on this host for one ``scope`` (see the module docstring)."""

    def __init__(self, scope, max_age=86400.0):
        self.scope = scope
        self.max_age = max_age

    def _path(self):
        return os.path.join(state_dir(), _digest(self.scope) + ".json")

    def _read(self):
        try:
            with open(self._path()) as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        oldest = time.time() - self.max_age
        return dict((key, entry) for key, entry in data.items()
                    if isinstance(entry, dict) and entry.get("time", 0) >= oldest)

    def _write(self, data):
        path = self._path()
        temporary = "%s.%d.%d" % (path, os.getpid(), threading.get_ident())
        with open(temporary, "w") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)

    def entries(self, keys):
        """``{key: value}`` of the ``keys`` on record."""
        with host_lock(["ledger:" + self.scope], what="the record of unfinished orders"):
            data = self._read()
        return dict((key, data[_digest(key)]["value"]) for key in keys if _digest(key) in data)

    def update(self, put=None, drop=()):
        """Record ``put`` (``{key: value}``) and forget the keys in ``drop``, in one locked step."""
        with host_lock(["ledger:" + self.scope], what="the record of unfinished orders"):
            data = self._read()
            for key in drop:
                data.pop(_digest(key), None)
            now = time.time()
            for key, value in (put or {}).items():
                data[_digest(key)] = {"time": now, "value": value}
            self._write(data)
