"""A pool thread asks the reactor twice with ``blockingCallFromThread``; each answer is a
Deferred that a reactor timer fires. The job waits, the timers run, the job goes on.
Prints the answers and whether it all took well under the 2 s it must (on the virtual
clock the reactor waited for the waiting job as for a running one: 10 s a call)."""

from __future__ import annotations

import time

from twisted.internet import reactor, task, threads

started = time.monotonic()


def on_reactor(n: int):  # type: ignore[no-untyped-def]
    print(f"reactor: asked for {n}")
    return task.deferLater(reactor, 0.05, lambda: n * 2)


def worker() -> list[int]:
    return [threads.blockingCallFromThread(reactor, on_reactor, n) for n in (1, 2)]


def done(answers: list[int]) -> None:
    print(f"job: got {answers}; well under 2 s: {time.monotonic() - started < 2}")
    reactor.stop()


threads.deferToThread(worker).addCallback(done)
reactor.run()
