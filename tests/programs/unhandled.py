"""An unhandled error in a Deferred: a callback raises, nobody adds an errback, and the
Deferred is dropped. Twisted logs "Unhandled error in Deferred" (to stderr, as logging
was never started) the moment the Deferred is garbage-collected."""

from __future__ import annotations

from twisted.internet import defer, reactor


def parse(text: str) -> int:
    return int(text)  # ValueError for "forty-two"


def drop_a_failure() -> None:
    d: defer.Deferred[str] = defer.Deferred()
    d.addCallback(parse)
    d.callback("forty-two")
    print(f"the Deferred failed: {d.called}; dropping it")
    # leaving the function drops the last reference: Twisted reports it now


def after() -> None:
    print("after the drop")
    reactor.stop()


reactor.callLater(0.01, drop_a_failure)
reactor.callLater(0.05, after)
reactor.run()
