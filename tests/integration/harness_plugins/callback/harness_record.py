# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-harness callback: appends every task result, as a callback sees it, to a JSON-lines file.

Used by tests/integration/harness.py only. Unlike the ``tree`` callback it keeps ``diff``,
``exception`` and ``invocation``, so tests can assert on exactly what a callback would show.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: harness_record
type: notification
short_description: Record task results for the logpoint.siem integration tests
description:
  - Appends one JSON object per task result and one per play recap to the file named by the
    E(LOGPOINT_HARNESS_RECORD) environment variable.
requirements:
  - enable in configuration
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Write task results to the file named by LOGPOINT_HARNESS_RECORD."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'harness_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get('LOGPOINT_HARNESS_RECORD')

    def _write(self, record):
        if not self._path:
            return
        with open(self._path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(record, default=repr, sort_keys=True) + '\n')

    def _record(self, status, result, ignore_errors=False):
        task = getattr(result, 'task', None) or result._task  # pylint: disable=protected-access  # < 2.19
        payload = getattr(result, 'result', None)
        if payload is None:  # ansible-core < 2.19
            payload = result._result  # pylint: disable=protected-access
        self._write({
            'event': 'task',
            'status': status,
            'host': (getattr(result, 'host', None) or result._host).get_name(),  # pylint: disable=protected-access
            'task': task.get_name(),
            'action': task.action,
            'ignore_errors': bool(ignore_errors),
            'result': dict(payload),
        })

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result, ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._write({'event': 'stats', 'stats': {host: stats.summarize(host) for host in hosts}})
