"""A Deferred that failed before anything was attached, awaited by a coroutine 0.1 s
later: the await takes the failure (Twisted never logs it). The record said so only at
the end, after everything else the program did."""

from __future__ import annotations

from twisted.internet import defer, reactor, task

early: defer.Deferred[None] = defer.Deferred()
early.errback(ValueError("early"))


async def main() -> None:
    await task.deferLater(reactor, 0.1, lambda: None)
    try:
        await early
    except ValueError:
        print("caught at 0.1")
    await task.deferLater(reactor, 0.2, lambda: None)
    print("goes on at 0.3")
    reactor.stop()


defer.ensureDeferred(main())
reactor.run()
