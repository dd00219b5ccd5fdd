"""Twisted lets go of a system event trigger's callable and arguments once the trigger
has fired (``callWhenRunning``'s) or is removed (``removeSystemEventTrigger``): objects
only they held are freed then. Traced, the recorder kept Twisted's trigger id, which
holds both, until the program ended."""

from __future__ import annotations

import gc
import weakref

from twisted.internet import reactor

gc.disable()  # freed by reference counting alone, as most objects are


class Thing:
    def __init__(self, tag: str) -> None:
        weakref.finalize(self, print, "freed:", tag, flush=True)

    def method(self) -> None:
        print("never called", flush=True)


def main(arg: Thing) -> None:
    print("main ran", flush=True)


reactor.callWhenRunning(main, Thing("the argument of callWhenRunning"))
thing = Thing("a removed trigger's object")
trigger = reactor.addSystemEventTrigger("before", "shutdown", thing.method)
del thing
reactor.removeSystemEventTrigger(trigger)
del trigger
print("removed the trigger", flush=True)
reactor.callLater(0.05, print, "later", flush=True)
reactor.callLater(0.1, reactor.stop)
reactor.run()
print("run returned", flush=True)
