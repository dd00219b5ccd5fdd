"""A thread job's result comes back in one pass; the timer due next runs in the next one."""

from __future__ import annotations

import time

from twisted.internet import threads

from passes import reactor, rec, run_reactor


def start():
    d = threads.deferToThread(time.sleep, 0.2)
    d.addCallback(lambda _: rec("thread.result", "j1"))
    reactor.callLater(0.4, rec, "timer.fire", "t1")


UNTIL = 0.6
run_reactor(start, UNTIL)
