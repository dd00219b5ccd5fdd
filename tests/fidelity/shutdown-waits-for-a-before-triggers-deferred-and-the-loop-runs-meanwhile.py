"""Shutdown waits for a before trigger's Deferred, and the loop runs meanwhile."""

from __future__ import annotations

from twisted.internet import task

from passes import reactor, rec, run_reactor


def g1():
    rec("trigger.fire", "g1")
    return task.deferLater(reactor, 0.2)


def t1():
    rec("timer.fire", "t1")
    reactor.callWhenRunning(lambda: rec("note", "", "running"))
    reactor.stop()


def g2():
    rec("trigger.fire", "g2")
    raise Exception("logged, and the shutdown goes on")


def start():
    reactor.addSystemEventTrigger("before", "shutdown", g1)
    reactor.addSystemEventTrigger("during", "shutdown", g2)
    reactor.addSystemEventTrigger("after", "shutdown", rec, "trigger.fire", "g3")
    reactor.callLater(0.1, t1)
    reactor.callLater(0.2, rec, "timer.fire", "t2")


UNTIL = 0.6
run_reactor(start, UNTIL)
