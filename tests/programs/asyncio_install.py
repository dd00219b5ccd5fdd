"""A loop of the program's own made current, then asyncioreactor.install() — twice, as a
library and the main module both might — and a coroutine scheduled at module level with
asyncio.ensure_future (the current loop's). Twisted's install makes the reactor's loop the
current one and refuses a second install; traced with --reactor asyncio, the program's
loop stayed current (the coroutine never ran) and the second install went through."""

from __future__ import annotations

import asyncio

from twisted.internet import asyncioreactor
from twisted.internet.error import ReactorAlreadyInstalledError



async def hello() -> None:
    print("the coroutine scheduled at module level ran")


asyncio.set_event_loop(asyncio.new_event_loop())
asyncioreactor.install()
asyncio.ensure_future(hello())
try:
    asyncioreactor.install()
    print("a second install went through")
except ReactorAlreadyInstalledError as e:
    print("a second install is refused:", e)

from twisted.internet import reactor  # noqa: E402 (after the reactor's install)

reactor.callLater(0.02, reactor.stop)
reactor.run()
print("end")
