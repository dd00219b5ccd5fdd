"""A coroutine awaiting a chain that will never fire, dropped and collected: plain Python
closes it (its ``finally`` runs) at the next ``gc.collect()``. Traced, the answer to "what
is it waiting for" (worked out when the loop had nothing left to run: warn.hang) was kept
with the Deferreds in it, so the coroutine stayed alive — trial reported a timed-out test's
GeneratorExit a test later than under plain Twisted."""

from __future__ import annotations

import gc
import signal

from twisted.internet import defer, reactor

closed: list[str] = []
held: dict[str, object] = {}


async def waiter(d: defer.Deferred) -> None:
    try:
        await d
    finally:
        closed.append("closed")


def start() -> None:
    inner: defer.Deferred[None] = defer.Deferred()
    outer: defer.Deferred[None] = defer.Deferred()
    outer.addCallback(lambda _: inner)
    outer.callback(None)  # outer now waits on inner
    held["c"] = defer.ensureDeferred(waiter(outer))
    print("waiting on a chain nothing fires", flush=True)
    # a signal comes back later (an alarm: no timer, job, thread or descriptor the loop
    # could know of), and meanwhile the loop has nothing left to run
    signal.signal(signal.SIGALRM, lambda *_: reactor.callFromThread(drop))
    signal.setitimer(signal.ITIMER_REAL, 1.5)


def drop() -> None:
    held.clear()
    gc.collect()
    print("after the collection:", closed, flush=True)
    reactor.stop()


reactor.callWhenRunning(start)
reactor.run()
