"""A person's line that comes while a timer blocks the loop (``wait 0.2`` then
``cancel t2``, the loop blocked from 0.1 to 0.6) is a ``callFromThread``: it runs first in
the pass after the block, before t2 (due at 0.3) — so t2 never fires."""

from __future__ import annotations

import threading
import time

from passes import reactor, rec, run_reactor

TIMERS = {}


def t1():
    rec("timer.fire", "t1")
    time.sleep(0.5)


def cancel_t2():
    TIMERS["t2"].cancel()
    rec("timer.cancel", "t2")


def the_person():
    time.sleep(0.2)  # the scenario's `wait 0.2`, at the prompt
    reactor.callFromThread(cancel_t2)


def start():
    reactor.callLater(0.1, t1)
    TIMERS["t2"] = reactor.callLater(0.3, rec, "timer.fire", "t2")
    reactor.callLater(0.4, rec, "timer.fire", "t3")
    threading.Thread(target=the_person, daemon=True).start()


UNTIL = 1.0
run_reactor(start, UNTIL)
