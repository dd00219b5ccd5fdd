"""A loop's call that returns a failed Deferred: the loop hands the failure on to its own
start() Deferred (tests/test_waiting.py)."""

from __future__ import annotations

from twisted.internet import defer


def failbeat() -> defer.Deferred[None]:
    return defer.fail(ValueError("beat failed"))
