"""Coroutines wait at their steps and resume inside the callback that fires what they await."""

from __future__ import annotations

from twisted.internet import defer, task

from passes import reactor, rec, run_reactor

d1 = defer.Deferred()


async def c1():
    if not d1.called:
        rec("deferred.pause", "c1", "step 1 (await d1)")
    await d1
    rec("deferred.resume", "c1", "step 1 (await d1)")
    sleeping = task.deferLater(reactor, 0.2)
    rec("deferred.pause", "c1", "step 2 (sleep 0.2)")
    await sleeping
    rec("deferred.resume", "c1", "step 2 (sleep 0.2)")
    return 3


@defer.inlineCallbacks
def c2():
    if not d1.called:
        rec("deferred.pause", "c2", "step 1 (await d1)")
    yield d1
    rec("deferred.resume", "c2", "step 1 (await d1)")
    sleeping = task.deferLater(reactor, 0.1)
    rec("deferred.pause", "c2", "step 2 (sleep 0.1)")
    yield sleeping
    rec("deferred.resume", "c2", "step 2 (sleep 0.1)")
    return 4


def t1():
    rec("timer.fire", "t1")
    d1.callback("x")
    rec("note", "", "after fire")


def start():
    defer.ensureDeferred(c1()).addCallback(lambda r: rec("deferred.result", "c1", r))
    c2().addCallback(lambda r: rec("deferred.result", "c2", r))
    reactor.callLater(0.1, t1)
    reactor.callLater(0.25, rec, "timer.fire", "t2")


UNTIL = 0.5
run_reactor(start, UNTIL)
