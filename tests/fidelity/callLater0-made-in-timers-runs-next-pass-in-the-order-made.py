"""callLater(0) made in timers runs in the next pass, in the order made."""

from __future__ import annotations

from passes import reactor, rec, run_reactor


def t(i):
    rec("timer.fire", "t%d" % i)
    reactor.callLater(0, rec, "timer.fire", "x%d" % i)


def start():
    for i in range(1, 6):
        reactor.callLater(0.05, t, i)
    reactor.callLater(0.05, rec, "timer.fire", "t6")


UNTIL = 0.15
run_reactor(start, UNTIL)
