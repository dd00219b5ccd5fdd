"""N one-shot timers, made 100 at a time: the benchmark of a program that uses callLater.

    python timers.py N

Each batch of 100 ``callLater(0, …)`` schedules the next batch; prints how many timers
ran once all N have, and exits 0.
"""

from __future__ import annotations

import sys

from twisted.internet import reactor

BATCH = 100


class Timers:
    def __init__(self, n: int) -> None:
        self.n = n
        self.made = 0
        self.ran = 0

    def one(self) -> None:
        self.ran += 1

    def batch(self) -> None:
        for _ in range(BATCH):
            reactor.callLater(0, self.one)
        self.made += BATCH
        reactor.callLater(0, self.batch if self.made < self.n else self.done)

    def done(self) -> None:
        print(self.ran)
        reactor.stop()


if __name__ == "__main__":
    reactor.callWhenRunning(Timers(int(sys.argv[1])).batch)
    reactor.run()
