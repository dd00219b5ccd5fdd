"""A file's lines come one after another, as fast as the loop takes them: the line after
``later 0 t0 do block 0.5`` is handed over (``callFromThread``) while t0 blocks the loop,
so it runs first in the pass after the block — ``cancel t2`` comes before t1 and t2 (due
at 0.1 and 0.3, during the block), and t2 never fires."""

from __future__ import annotations

import threading
import time

from passes import reactor, rec, run_reactor

TIMERS = {}


def t0():
    rec("timer.fire", "t0")
    time.sleep(0.5)


def cancel_t2():
    TIMERS["t2"].cancel()
    rec("timer.cancel", "t2")


LINES = [
    lambda: TIMERS.update(t1=reactor.callLater(0.1, rec, "timer.fire", "t1")),
    lambda: TIMERS.update(t2=reactor.callLater(0.3, rec, "timer.fire", "t2")),
    lambda: TIMERS.update(t0=reactor.callLater(0, t0)),
    cancel_t2,
]


def the_file():
    """Each line handed to the loop, the next as soon as the loop has run it."""
    for line in LINES:
        ran = threading.Event()

        def run(line=line, ran=ran):
            line()
            ran.set()

        reactor.callFromThread(run)
        ran.wait()


def start():
    threading.Thread(target=the_file, daemon=True).start()


UNTIL = 1.0
run_reactor(start, UNTIL)
