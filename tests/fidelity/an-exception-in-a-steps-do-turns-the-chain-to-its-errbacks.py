"""An exception in a callback turns the chain to its errbacks."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor


def start():
    t1 = reactor.callLater(0.01, rec, "timer.fire", "t1")
    d1 = defer.Deferred()
    def step(result):
        rec("deferred.step", "d1", "callback")
        t1.reset(1)  # t1 has fired: AlreadyCalled
    def recover(f):
        rec("deferred.step", "d1", "errback")
        return 0
    d1.addCallback(step)
    d1.addErrback(recover)
    def t2():
        rec("timer.fire", "t2")
        d1.callback(1)
    reactor.callLater(0.3, t2)


UNTIL = 0.4
run_reactor(start, UNTIL)
