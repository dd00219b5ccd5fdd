"""Things that are not callable, given to the reactor: Twisted's own asserts refuse them at
once (``callFromThread``, a system event trigger, ``callWhenRunning``). Traced, the hooks
wrapped them in callable stand-ins first: accepted, and a TypeError logged later."""

from __future__ import annotations

from typing import Any, Callable

from twisted.internet import reactor


def attempt(what: str, call: Callable[[], Any]) -> None:
    try:
        call()
        print(what, "accepted")
    except AssertionError:
        print(what, "refused: AssertionError")


attempt("callFromThread(5)", lambda: reactor.callFromThread(5))
attempt("addSystemEventTrigger(..., 5)",
        lambda: reactor.addSystemEventTrigger("before", "shutdown", 5))
attempt("callWhenRunning(6)", lambda: reactor.callWhenRunning(6))
reactor.callLater(0.01, reactor.stop)
reactor.run()
print("stopped")
