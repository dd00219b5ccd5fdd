"""A ``TimerService`` the reactor starts (``callWhenRunning``), as twistd starts a .tac's
services: its ``LoopingCall`` is made inside Twisted's ``startService``, with no line of
the program's on the stack. It was recorded nowhere (not even with --internals); now it
is the program's loop, named and sited where the program made the service."""

from __future__ import annotations

from twisted.application import internet
from twisted.internet import reactor

calls = [0]


def tick() -> None:
    calls[0] += 1
    print("tick", calls[0])
    if calls[0] == 3:
        reactor.stop()


ticker = internet.TimerService(0.05, tick)  # the loop's site
reactor.callWhenRunning(ticker.startService)
reactor.run()
