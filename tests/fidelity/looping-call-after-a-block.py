"""A LoopingCall after a block: withCount's count says how many beats the block swallowed."""

from __future__ import annotations

import time

from twisted.internet import task

from passes import reactor, rec, run_reactor


def beat(count):
    rec("loop.call", "l1", count)


def b():
    rec("timer.fire", "b")
    time.sleep(0.45)


def start():
    task.LoopingCall.withCount(beat).start(0.2, now=False)
    reactor.callLater(0.25, b)


UNTIL = 1.1
run_reactor(start, UNTIL)
