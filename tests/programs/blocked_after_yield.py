"""An inlineCallbacks function blocks the loop after ``yield deferLater(…)``: the code
runs inside Twisted's own timer (deferLater's), which has no name. warn.slow and
warn.blocked said "timer.fire ran 0.151s" — of nothing a person could find; they name
what of the program's that timer ran (its Deferred firing)."""

from __future__ import annotations

import time

from twisted.internet import defer, reactor, task


@defer.inlineCallbacks
def worker() -> object:
    yield task.deferLater(reactor, 0.05, lambda: None)
    time.sleep(0.15)  # blocking after the yield
    print("worker done", flush=True)
    reactor.stop()


reactor.callWhenRunning(worker)
reactor.run()
