"""A Deferred fails and nobody handles it; the program ends with it still a global.

Twisted logs "Unhandled error in Deferred" when the interpreter frees it on its way out
(after the reactor stopped). tests/test_export.py compares this program's stderr with
that of the exported scenario ``deferred d1`` / ``fail d1 boom``.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.python.failure import Failure

d1: defer.Deferred[None] | None = None


def main() -> None:
    global d1
    d1 = defer.Deferred()
    d1.errback(Failure(Exception("boom")))
    reactor.callLater(0, reactor.stop)


reactor.callWhenRunning(main)
reactor.run()
print("the reactor stopped")
