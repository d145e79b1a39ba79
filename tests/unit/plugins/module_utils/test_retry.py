# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._transport import RetryPolicy, parse_retry_after

POLICY = RetryPolicy(attempts=4, backoff=0.5, max_backoff=8, max_retry_after=60)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_reads_retry_gateway_errors_with_exponential_backoff(status):
    assert [POLICY.delay(n, read=True, status=status) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_attempts_are_bounded():
    assert POLICY.delay(4, read=True, status=503) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500])
def test_other_statuses_are_not_retried(status):
    assert POLICY.delay(1, read=True, status=status) is None


@pytest.mark.parametrize("status", [502, 503, 504])
def test_writes_are_not_replayed_after_gateway_errors(status):
    assert POLICY.delay(1, read=False, status=status) is None


def test_writes_are_not_replayed_after_a_lost_reply():
    assert POLICY.delay(1, read=False, failure="transport") is None
    assert POLICY.delay(1, read=True, failure="transport") == 0.5


def test_refused_connections_are_retried_even_for_writes():
    assert POLICY.delay(1, read=False, failure="connect") == 0.5


def test_unreadable_bodies_are_retried_on_reads():
    assert POLICY.delay(2, read=True, failure="body") == 1.0


def test_429_honours_retry_after_and_caps_it():
    assert POLICY.delay(1, read=False, status=429, retry_after=3) == 3
    assert POLICY.delay(1, read=True, status=429, retry_after=3600) == 60
    assert POLICY.delay(1, read=True, status=429) == 0.5
    assert POLICY.delay(4, read=True, status=429, retry_after=1) is None


def test_backoff_is_capped():
    assert RetryPolicy(attempts=20, backoff=1, max_backoff=8).delay(10, read=True, status=503) == 8


def test_retry_after_forms():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now=1795341600.0) == 30.0
    assert parse_retry_after("garbage") is None
