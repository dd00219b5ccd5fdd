"""``fromthread f unsafe do block 0.3``: the helper thread runs the action itself, so the
block is that thread's sleep; the reactor's thread is free, and t2 (due at 0.1) fires on
time, before the helper wakes."""

from __future__ import annotations

import threading
import time

from passes import reactor, rec, run_reactor


def helper():
    time.sleep(0.3)  # the helper's block: not the loop's
    rec("block.end", "")


def start():
    reactor.callLater(0.1, rec, "timer.fire", "t2")
    threading.Thread(target=helper, daemon=True).start()


UNTIL = 0.6
run_reactor(start, UNTIL)
