"""A reset or delayed timer runs after the ones already set for its new instant."""

from __future__ import annotations

from passes import reactor, rec, run_reactor


def start():
    c = reactor.callLater(0.1, rec, "timer.fire", "c")
    reactor.callLater(0.2, rec, "timer.fire", "d")
    c.reset(0.2)
    e = reactor.callLater(0.1, rec, "timer.fire", "e")
    e.delay(0.1)
    reactor.callLater(0.2, rec, "timer.fire", "f")


UNTIL = 0.3
run_reactor(start, UNTIL)
