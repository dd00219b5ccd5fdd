"""``return defer.fail(...)``, the errback added by the caller at once (a resolver, a
cache miss): nothing is ever unhandled. The record warned ``warn.unhandled`` and, a
moment later, ``deferred.handled``, for every such call."""

from __future__ import annotations

from twisted.internet import defer, reactor


def lookup(name: str) -> defer.Deferred[str]:
    return defer.fail(KeyError(name))


def ask() -> None:
    d = lookup("nobody")
    d.addErrback(lambda f: print("not found:", f.value))
    reactor.stop()


reactor.callLater(0.01, ask)
reactor.run()
