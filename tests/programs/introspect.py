"""A program that looks at what Twisted keeps for it: the names of its Deferred's
callbacks and of a timer's function (the observer's stand-ins must answer as the
callables do), a function started with ``reactor.callWhenRunning``, and a Deferred made
by ``defer.succeed`` (fired without ``callback()``: Twisted sets its result itself)."""

from __future__ import annotations

from twisted.internet import defer, reactor


def parse(text: str) -> int:
    return int(text)


def later() -> None:
    print("later ran")


def started() -> None:
    print("started by callWhenRunning")
    d: defer.Deferred[int] = defer.Deferred()
    d.addCallback(parse)
    d.addErrback(lambda f: print("errback", f.value))
    print("callbacks:", [(c[0][0].__name__, c[1][0].__name__) for c in d.callbacks])
    dc = reactor.callLater(0.01, later)
    print("timer:", dc.func.__name__, dc.func.__qualname__, dc.active())
    d.callback("7")
    print("result:", d.result)
    ok = defer.succeed(41)
    ok.addCallback(lambda v: print("succeed gives", v + 1))
    reactor.callLater(0.02, reactor.stop)


reactor.callWhenRunning(started)
reactor.run()
