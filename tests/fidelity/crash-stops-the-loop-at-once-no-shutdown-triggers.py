"""reactor.crash() stops the loop at once: no shutdown trigger runs."""

from __future__ import annotations

from passes import reactor, rec, run_reactor


def t1():
    rec("timer.fire", "t1")
    reactor.crash()


def start():
    reactor.addSystemEventTrigger("before", "shutdown", rec, "trigger.fire", "g1")
    reactor.callLater(0.1, t1)
    reactor.callLater(0.2, rec, "timer.fire", "t2")


UNTIL = 0.4
run_reactor(start, UNTIL)
