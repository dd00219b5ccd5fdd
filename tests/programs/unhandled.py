"""An unhandled error in a Deferred: a callback raises, nobody adds an errback, and the
Deferred is dropped. Twisted logs "Unhandled error in Deferred" (to stderr, as logging
was never started) when the Deferred is garbage-collected: its failure's traceback
holds a reference cycle, so that is when the collector runs — here, on purpose,
in the next timer, before it prints "after the drop"."""

from __future__ import annotations

import gc

from twisted.internet import defer, reactor


def parse(text: str) -> int:
    return int(text)  # ValueError for "forty-two"


def drop_a_failure() -> None:
    d: defer.Deferred[str] = defer.Deferred()
    d.addCallback(parse)
    d.callback("forty-two")
    print(f"the Deferred failed: {d.called}; dropping it", flush=True)


def after() -> None:
    gc.collect()  # Twisted reports the dropped failure now (on stderr)
    print("after the drop", flush=True)
    reactor.stop()


reactor.callLater(0.01, drop_a_failure)
reactor.callLater(0.05, after)
reactor.run()
