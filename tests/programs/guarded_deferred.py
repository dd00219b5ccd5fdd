"""A Deferred subclass whose ``__setattr__`` refuses names it does not know (a common
way to guard an object's attributes): plain Twisted only sets its own. Traced, the
recording set its token and swapped the class through the program's ``__setattr__``, and
making the Deferred raised AttributeError."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor

TWISTEDS = {"_callbacks", "_canceller", "called", "result", "_chainedTo", "_runningCallbacks",
            "paused", "_suppressAlreadyCalled", "_debugInfo", "callbacks"}
seen: list[str] = []


class Guarded(defer.Deferred):
    def __setattr__(self, name: str, value: Any) -> None:
        seen.append(name)
        if name not in TWISTEDS:
            raise AttributeError(f"Guarded does not take {name!r}")
        object.__setattr__(self, name, value)


def main() -> None:
    d = Guarded()
    print("made; names set:", sorted(set(seen)), flush=True)
    d.addCallback(doubled)
    d.callback(21)
    reactor.stop()


def doubled(value: int) -> int:
    print("doubled", value * 2, flush=True)
    return value * 2


reactor.callWhenRunning(main)
reactor.run()
