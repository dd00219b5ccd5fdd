"""crash() inside a before-shutdown trigger, after stop(): the crash is the person's (Twisted's
own crash() ends every stop too); the other triggers of the shutdown still run, in the pass."""

from __future__ import annotations

from passes import reactor, rec, run_reactor


def g1():
    rec("trigger.fire", "g1")
    rec("reactor.crash", "")
    reactor.crash()


def t1():
    rec("timer.fire", "t1")
    reactor.stop()


def start():
    reactor.addSystemEventTrigger("before", "shutdown", g1)
    reactor.addSystemEventTrigger("before", "shutdown", rec, "trigger.fire", "g2")
    reactor.addSystemEventTrigger("after", "shutdown", rec, "trigger.fire", "g3")
    reactor.callLater(0.1, t1)


UNTIL = 1.0
run_reactor(start, UNTIL)
