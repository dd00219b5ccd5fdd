"""Firing a fired Deferred again raises AlreadyCalledError in the timer that tries."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor

d1 = defer.Deferred()


def t1():
    rec("timer.fire", "t1")
    try:
        d1.callback(2)
    except defer.AlreadyCalledError:
        rec("deferred.error", "d1")


def start():
    d1.callback(1)
    reactor.callLater(0.05, t1)
    reactor.callLater(0.1, rec, "timer.fire", "t2")


UNTIL = 0.2
run_reactor(start, UNTIL)
