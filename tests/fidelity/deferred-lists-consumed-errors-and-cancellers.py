"""How DeferredLists, consumed errors and cancellers end: each Deferred's last result."""

from __future__ import annotations

from twisted.internet import defer

from passes import reactor, rec, run_reactor


def form(v):
    if hasattr(v, "type"):  # a Failure
        return v.type.__name__ + (":%d" % v.value.index if v.check(defer.FirstError) else "")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(form(x) for x in v) + "]"
    return repr(v)


def show(name):
    def got(value):
        rec("result", name, form(value))
    return got


def start():
    d1, d2 = defer.Deferred(), defer.Deferred()
    l1 = defer.DeferredList([d1, d2], fireOnOneCallback=True)
    d2.callback("b")
    d3, d4 = defer.Deferred(), defer.Deferred()
    l2 = defer.DeferredList([d3, d4], fireOnOneErrback=True, consumeErrors=True)
    d4.errback(Exception("bad"))
    d5, d6 = defer.Deferred(), defer.Deferred()
    l3 = defer.DeferredList([d5, d6], consumeErrors=True)
    d5.callback(1)
    d6.errback(Exception("x"))
    d7, d8 = defer.Deferred(), defer.Deferred()
    g = defer.gatherResults([d7, d8], consumeErrors=True)
    d8.errback(Exception("y"))
    d9 = defer.Deferred(lambda d: d.callback("gone"))
    d9.cancel()
    d10 = defer.Deferred(lambda d: None)
    d10.cancel()
    def report():
        for name, d in [("l1", l1), ("d2", d2), ("l2", l2), ("d4", d4), ("l3", l3), ("d6", d6),
                        ("g", g), ("d8", d8), ("d9", d9), ("d10", d10)]:
            d.addBoth(show(name))
            d.addErrback(lambda f: None)
    reactor.callLater(0.1, report)


UNTIL = 0.2
run_reactor(start, UNTIL)
