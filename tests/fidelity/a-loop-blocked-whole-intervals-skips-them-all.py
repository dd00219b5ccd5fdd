"""A LoopingCall whose call blocks exactly three intervals: its next call comes at the
fourth beat, not the third (a real sleep runs a little over the edge): beats 0, 4, 8."""

from __future__ import annotations

import time

from twisted.internet import task

from passes import reactor, rec, run_reactor

calls = [0]
began = [0.0]


def beat():
    calls[0] += 1
    rec("loop.call", "l1", round((reactor.seconds() - began[0]) / 0.1))
    time.sleep(0.3)
    if calls[0] == 3:
        loop.stop()


loop = task.LoopingCall(beat)


def start():
    began[0] = reactor.seconds()
    loop.start(0.1)


UNTIL = 1.4
run_reactor(start, UNTIL)
