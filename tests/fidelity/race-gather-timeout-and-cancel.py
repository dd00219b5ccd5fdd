"""How race, gather, addTimeout and cancel end: each Deferred's last result."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor


def show(name):
    def got(value):
        if hasattr(value, "type"):
            rec("result", name, value.type.__name__ + (":%d" % value.value.index
                                                         if value.check(defer.FirstError) else ""))
        else:
            rec("result", name, repr(value))
    return got


def start():
    d1, d2 = defer.Deferred(), defer.Deferred()
    r = defer.race([d1, d2])
    reactor.callLater(0.05, d2.callback, "b")
    d3 = defer.Deferred()
    d3.addTimeout(0.1, reactor)
    d4 = defer.Deferred()
    d4.cancel()
    d5, d6 = defer.Deferred(), defer.Deferred()
    g = defer.gatherResults([d5, d6])
    d6.errback(Exception("nope"))
    d7, d8 = defer.Deferred(), defer.Deferred()
    g2 = defer.gatherResults([d7, d8])
    d8.callback("y")
    d7.callback("x")
    d9, d10 = defer.Deferred(), defer.Deferred()
    g3 = defer.gatherResults([d9, d10])
    g3.cancel()  # Twisted's canceller cancels d9 and d10
    d11, d12 = defer.Deferred(), defer.Deferred()
    g4 = defer.gatherResults([d11, d12])
    g4.addTimeout(0.1, reactor)  # the timeout cancels: FirstError(CancelledError)
    def report():
        for name, d in [("r", r), ("d1", d1), ("d2", d2), ("d3", d3), ("d4", d4), ("g", g),
                        ("g2", g2), ("g3", g3), ("d9", d9), ("d10", d10), ("g4", g4)]:
            d.addBoth(show(name))
            d.addErrback(lambda f: None)
    reactor.callLater(0.2, report)


UNTIL = 0.3
run_reactor(start, UNTIL)
