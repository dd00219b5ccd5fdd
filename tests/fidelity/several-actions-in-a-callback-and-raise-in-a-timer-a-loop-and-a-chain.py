"""Several actions in one callback; a raise in a timer, in a loop's call and in a chain."""

from __future__ import annotations

from twisted.internet import defer, task

from passes import reactor, rec, run_reactor

d1, d2 = defer.Deferred(), defer.Deferred()
d1.addCallback(lambda r: rec("deferred.step", "d1", "callback"))
d2.addCallback(lambda r: rec("deferred.step", "d2", "callback"))


def t1():
    rec("timer.fire", "t1")
    d1.callback(1)
    raise Exception("boom")
    d2.callback(2)


def beat():
    rec("loop.call", "l1")
    raise Exception("enough")


def failed(f):
    rec("loop.stop", "l1")


d3 = defer.Deferred()


def step(result):
    rec("deferred.step", "d3", "callback")
    raise Exception("no")


d3.addCallback(step)
d3.addErrback(lambda f: rec("deferred.step", "d3", "errback"))


def t2():
    rec("timer.fire", "t2")
    d3.callback(0)


def start():
    reactor.callLater(0.05, t1)
    task.LoopingCall(beat).start(0.1, now=False).addErrback(failed)
    reactor.callLater(0.2, t2)
    reactor.callLater(0.3, rec, "timer.fire", "t3")


UNTIL = 0.4
run_reactor(start, UNTIL)
