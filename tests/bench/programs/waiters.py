"""N inlineCallbacks coroutines waiting at once: the benchmark of many pending Deferreds.

    python waiters.py N

Each coroutine waits twice on ``deferLater`` (10 ms and a little more, then 10 ms);
prints N once all have finished, and exits 0.
"""

from __future__ import annotations

import sys

from twisted.internet import defer, reactor, task


class Waiters:
    def __init__(self, n: int) -> None:
        self.n = n
        self.done = 0

    @defer.inlineCallbacks
    def worker(self, i: int):  # type: ignore[no-untyped-def]
        yield task.deferLater(reactor, 0.01 + (i % 100) * 0.0001, lambda: None)
        yield task.deferLater(reactor, 0.01, lambda: None)
        self.done += 1
        if self.done == self.n:
            print(self.done)
            reactor.stop()

    def start(self) -> None:
        for i in range(self.n):
            self.worker(i)


if __name__ == "__main__":
    reactor.callWhenRunning(Waiters(int(sys.argv[1])).start)
    reactor.run()
