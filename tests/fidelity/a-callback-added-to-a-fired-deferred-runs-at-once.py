"""A callback added to a fired Deferred runs at once, inside the timer that adds it."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor

d1 = defer.Deferred()


def add(result):
    rec("deferred.step", "d1", "callback")
    return result + 1


def t1():
    rec("timer.fire", "t1")
    d1.addCallback(add)
    rec("timer.fire", "t2") if False else None


def start():
    d1.callback(1)
    reactor.callLater(0.05, t1)
    reactor.callLater(0.1, rec, "timer.fire", "t2")


UNTIL = 0.2
run_reactor(start, UNTIL)
