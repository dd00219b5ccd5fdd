"""A call from a thread that blocks: the timer due meanwhile runs in its pass, after it."""

from __future__ import annotations

import threading
import time

from passes import reactor, rec, run_reactor


def blocker():
    rec("block.start", "")
    time.sleep(0.3)


def start():
    reactor.callLater(0.1, rec, "timer.fire", "t1")
    reactor.callLater(0.6, rec, "timer.fire", "t2")
    threading.Timer(0.01, reactor.callFromThread, [blocker]).start()


UNTIL = 0.7
run_reactor(start, UNTIL)
