"""One chain: a callback awaiting another Deferred, a raise turning to the errbacks, a recovery."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor


def step(branch, fn):
    def run(result):
        rec("deferred.step", "d1", branch)
        return fn(result)
    return run


def boom(result):
    raise Exception("boom")


def start():
    d1, d2 = defer.Deferred(), defer.Deferred()
    d1.addCallback(step("callback", lambda r: r + 1))
    d1.addCallback(step("callback", lambda r: d2))
    d1.addCallback(step("callback", boom))
    d1.addCallback(step("callback", lambda r: r + 100))
    d1.addErrback(step("errback", lambda f: 5))
    d1.addCallback(step("callback", lambda r: r * 2))
    d1.callback(1)
    def t1():
        rec("timer.fire", "t1")
        d2.callback(10)
    reactor.callLater(0.05, t1)


UNTIL = 0.15
run_reactor(start, UNTIL)
