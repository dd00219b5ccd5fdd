"""A callback that fires another Deferred runs before the callback it causes."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor


def start():
    d1, d2 = defer.Deferred(), defer.Deferred()
    def s1(result):
        rec("deferred.step", "d1", "callback")
        d2.callback("x")
        return result
    def s2(result):
        rec("deferred.step", "d2", "callback")
        return result
    d1.addCallback(s1)
    d2.addCallback(s2)
    def t1():
        rec("timer.fire", "t1")
        d1.callback(1)
    reactor.callLater(0.05, t1)


UNTIL = 0.1
run_reactor(start, UNTIL)
