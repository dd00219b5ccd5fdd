"""An ``inlineCallbacks`` function and an ``async def`` one, started by the reactor
(``callWhenRunning``, a timer) rather than by the program's own frames. Traced, their
Deferreds were taken for Twisted's own (Twisted makes one before the generator runs, and
only the reactor was on the stack): no "main() started", no awaits at file:line."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor, task


@defer.inlineCallbacks
def main() -> Any:
    yield task.deferLater(reactor, 0.01, lambda: None)
    print("main resumed")


async def later_on() -> None:
    await task.deferLater(reactor, 0.01, lambda: None)
    print("later_on resumed")
    reactor.stop()


reactor.callWhenRunning(main)
reactor.callLater(0.05, lambda: defer.Deferred.fromCoroutine(later_on()))
reactor.run()
