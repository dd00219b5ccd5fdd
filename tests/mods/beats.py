"""A loop's call that returns a failed Deferred: the loop hands the failure on to its own
start() Deferred (tests/test_waiting.py)."""

from __future__ import annotations

from twisted.internet import defer


def failbeat() -> defer.Deferred[None]:
    return defer.fail(ValueError("beat failed"))


def step_for(seconds: float) -> None:
    """Cooperative work that reschedules itself with callLater(0) for ``seconds``: a new
    one-shot timer each time (warn.spin names where they are made, not one of them)."""
    import time

    from twisted.internet import reactor

    end = time.monotonic() + seconds

    def step() -> None:
        if time.monotonic() < end:
            reactor.callLater(0, step)

    step()
