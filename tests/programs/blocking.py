"""Blocks the reactor for 0.5 s inside a timer: the timer due meanwhile runs late."""

from __future__ import annotations

import time

from twisted.internet import reactor

started = time.monotonic()


def block() -> None:
    print("block: sleeping 0.5s in the reactor thread")
    time.sleep(0.5)
    print("block: done")


def due_meanwhile() -> None:
    waited = time.monotonic() - started
    print(f"timer due at 0.1s ran after the block: {waited >= 0.5}")
    reactor.stop()


reactor.callLater(0.05, block)
reactor.callLater(0.1, due_meanwhile)
reactor.run()
