"""Timers that fall due while a timer blocks run together, in the pass after it."""

from __future__ import annotations

import time

from passes import reactor, rec, run_reactor


def b():
    rec("timer.fire", "b")
    time.sleep(0.2)


def start():
    reactor.callLater(0.05, rec, "timer.fire", "t1")
    reactor.callLater(0.1, rec, "timer.fire", "t2")
    reactor.callLater(0.01, b)
    reactor.callLater(0.3, rec, "timer.fire", "t3")


UNTIL = 0.4
run_reactor(start, UNTIL)
