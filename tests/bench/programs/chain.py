"""A Deferred with N callbacks, fired once: the benchmark of a long callback chain.

    python chain.py N

Prints the chain's result (N) and exits 0.
"""

from __future__ import annotations

import sys

from twisted.internet import defer, reactor


def add_one(value: int) -> int:
    return value + 1


def main(n: int) -> None:
    d: defer.Deferred[int] = defer.Deferred()
    for _ in range(n):
        d.addCallback(add_one)
    d.addCallback(print)
    d.addBoth(lambda _: reactor.stop())
    reactor.callWhenRunning(d.callback, 0)
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
