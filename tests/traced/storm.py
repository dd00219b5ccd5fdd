"""A program that keeps its reactor busy at a steady rate of dispatches.

``storm.py [--rate N] [--seconds S]``: every 10 ms a ``LoopingCall`` schedules N/100
``callLater(0, …)`` calls, so the loop makes about N timer dispatches a second (the
loop's own call besides); once a second it prints how many ran in that second. It runs
S seconds (default: until its reactor is stopped). tests/bench/bench.py types at the
explorer beside it (``reactor-repl trace``) to time the keystroke echo under load.
"""

from __future__ import annotations

import sys
import time

from twisted.internet import reactor, task

TICK = 0.01  # seconds between two batches


class Storm:
    def __init__(self, rate: int) -> None:
        self.batch = max(0, round(rate * TICK))
        self.ran = 0
        self.since = time.monotonic()

    def one(self) -> None:
        self.ran += 1

    def schedule(self) -> None:
        for _ in range(self.batch):
            reactor.callLater(0, self.one)
        now = time.monotonic()
        if now - self.since >= 1.0:
            print(f"storm: {round(self.ran / (now - self.since))} calls a second")
            self.ran = 0
            self.since = now


def main(argv: list[str]) -> None:
    rate = int(argv[argv.index("--rate") + 1]) if "--rate" in argv else 10_000
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 0.0
    storm = Storm(rate)
    task.LoopingCall(storm.schedule).start(TICK)
    if seconds:
        reactor.callLater(seconds, reactor.stop)
    reactor.run()


if __name__ == "__main__":
    main(sys.argv[1:])
