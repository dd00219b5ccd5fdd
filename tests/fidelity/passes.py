"""What the plain programs beside this file share: the pass of the reactor each dispatch ran in.

A program imports its reactor from here (the epoll reactor, installed first, as the explorer's
live clock runs on it), prints each dispatch with ``rec`` and ends with ``run_reactor``;
tests/test_fidelity.py runs it (``python tests/fidelity/<id>.py``) and reads what it printed.
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import reactor  # noqa: E402 (the epoll reactor, installed above)

PASS = [0]
_run_until_current = reactor.runUntilCurrent


def _counted() -> None:
    """The reactor's own ``runUntilCurrent``, counted: a pass is one call of it."""
    PASS[0] += 1
    _run_until_current()


reactor.runUntilCurrent = _counted


def rec(kind: str, name: str, extra: Any = "") -> None:
    """One line per dispatch: its kind, name (``-`` for none), pass, and what else is compared."""
    print(kind, name or "-", PASS[0], extra, flush=True)


def run_reactor(start: Callable[[], Any], until: float) -> None:
    """Run ``start`` once the reactor runs, and stop the reactor ``until`` seconds on."""
    reactor.callWhenRunning(start)
    reactor.callLater(until, reactor.stop)
    reactor.run()
