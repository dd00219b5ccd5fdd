"""A callback that returns the Deferred it was added to: Twisted warns (DeprecationWarning,
at the callback's own line; shown, as the callback is in ``__main__``) and the chain
waits on itself. Traced, the warning named the step wrapper's module, and Python's
default filters hid it."""

from __future__ import annotations

from twisted.internet import defer, reactor

d: defer.Deferred[object] = defer.Deferred()


def same(result: object) -> object:
    print("same got", result)
    return d


def stop() -> None:
    print("the chain waits on itself:", "waiting on Deferred" in repr(d))
    reactor.stop()


d.addCallback(same)
reactor.callWhenRunning(d.callback, "x")
reactor.callLater(0.01, stop)
reactor.run()
