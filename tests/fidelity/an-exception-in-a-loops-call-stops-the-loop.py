"""An exception in a LoopingCall's call stops the loop: its Deferred errbacks."""

from __future__ import annotations

from twisted.internet import task

from passes import reactor, rec, run_reactor


def start():
    t1 = reactor.callLater(0.05, rec, "timer.fire", "t1")
    def beat():
        rec("loop.call", "l1")
        t1.cancel()  # t1 has fired: AlreadyCalled, and the LoopingCall stops
    def begin():
        lc = task.LoopingCall(beat)
        lc.start(0.1, now=False).addErrback(lambda f: rec("loop.stop", "l1"))
    reactor.callLater(0.06, begin)


UNTIL = 0.5
run_reactor(start, UNTIL)
