"""A timer made in a timer for the instant of another one runs after that one."""

from __future__ import annotations

from passes import reactor, rec, run_reactor


def t0():
    rec("timer.fire", "t0")
    reactor.callLater(0.05, rec, "timer.fire", "b")


def start():
    reactor.callLater(0.1, rec, "timer.fire", "a")
    reactor.callLater(0.05, t0)
    reactor.callLater(0.2, rec, "timer.fire", "c")


UNTIL = 0.3
run_reactor(start, UNTIL)
