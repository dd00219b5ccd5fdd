"""A program that stops its reactor while a before-shutdown trigger's Deferred waits:
``reactor.run()`` returns only once it fires, and the loop runs meanwhile (t1, due during
the shutdown, fires). The scenario ends on ``stop``: its shutdown finishes too."""

from __future__ import annotations

from twisted.internet import task

from passes import reactor, rec, run_reactor


def g1():
    rec("trigger.fire", "g1")
    return task.deferLater(reactor, 0.3)


def start():
    reactor.addSystemEventTrigger("before", "shutdown", g1)
    reactor.callLater(0.2, rec, "timer.fire", "t1")
    reactor.stop()


UNTIL = 1.0
run_reactor(start, UNTIL)
