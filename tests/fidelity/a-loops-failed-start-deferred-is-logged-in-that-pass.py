"""A LoopingCall whose call raises, its start() Deferred not kept: Twisted logs "Unhandled
error in Deferred" as that Deferred goes, in the pass of the call, before the next timer."""

from __future__ import annotations

from twisted.internet import task
from twisted.logger import globalLogBeginner

from passes import reactor, rec, run_reactor


def logged(event):
    if event.get("log_failure") is not None:
        rec("deferred.unhandled", "")


def beat():
    rec("loop.call", "l1")
    raise ValueError("boom")


def start():
    task.LoopingCall(beat).start(0.1, now=False)
    reactor.callLater(0.25, rec, "timer.fire", "t1")


globalLogBeginner.beginLoggingTo([logged], redirectStandardIO=False)
UNTIL = 0.4
run_reactor(start, UNTIL)
