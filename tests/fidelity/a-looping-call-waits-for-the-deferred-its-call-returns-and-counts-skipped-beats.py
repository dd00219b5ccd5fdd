"""A LoopingCall waits for the Deferred its call returns; withCount counts the beats skipped."""

from __future__ import annotations

from twisted.internet import task

from passes import reactor, rec, run_reactor

calls = [0]


def beat(count):
    rec("loop.call", "l1")
    rec("loop.count", "l1", count)
    calls[0] += 1
    if calls[0] >= 3:
        lc.stop()
    return task.deferLater(reactor, 0.25)


lc = task.LoopingCall.withCount(beat)


def start():
    lc.start(0.1, now=False)
    reactor.callLater(0.2, rec, "timer.fire", "t1")


UNTIL = 1.2
run_reactor(start, UNTIL)
