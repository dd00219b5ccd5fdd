"""A callback that returns the Deferred it was added to: Twisted warns (a DeprecationWarning
about the callback, shown for code in __main__) in the pass of the step, and the chain
waits on itself."""

from __future__ import annotations

from twisted.internet import defer
from twisted.logger import globalLogBeginner

from passes import rec, run_reactor


def logged(event):
    if "warning" in event:
        rec("log", "", str(event["category"]).removeprefix("builtins."))


def start():
    d2 = defer.Deferred()
    d2.callback("x")

    def same(result):
        rec("deferred.step", "d2")
        return d2

    d2.addCallback(same)


globalLogBeginner.beginLoggingTo([logged], redirectStandardIO=False)
UNTIL = 0.1
run_reactor(start, UNTIL)
