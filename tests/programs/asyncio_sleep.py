"""task.react's main awaits an asyncio.sleep through Deferred.fromFuture, on the asyncio
reactor: only asyncio's own timer can fire the Deferred. The hang lint did not see that
timer: warn.hang said "nothing left can run", and --strict ended the program there."""

from __future__ import annotations

import asyncio

from twisted.internet import asyncioreactor

asyncioreactor.install()

from twisted.internet import defer, task  # noqa: E402 (after the reactor's install)


async def main(reactor: object) -> None:
    await defer.Deferred.fromFuture(asyncio.ensure_future(asyncio.sleep(1.1)))
    print("slept 1.1 s in asyncio")


task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
