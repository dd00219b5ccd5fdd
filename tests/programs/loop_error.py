"""A ``LoopingCall`` whose function raises on its second call, its ``start()`` Deferred
not kept: Twisted logs "Unhandled error in Deferred" as soon as that Deferred goes, in
the pass of the failed call, before the later timer (traced, the recorder's frame kept
it alive through the Failure's traceback: logged only at the end)."""

from __future__ import annotations

from twisted.internet import reactor, task
from twisted.logger import globalLogBeginner

calls = [0]


def logged(event: dict) -> None:
    if event.get("log_failure") is not None:
        print("logged:", repr(event["log_failure"].value))


def beat() -> None:
    calls[0] += 1
    print("beat", calls[0])
    if calls[0] == 2:
        raise ValueError("boom")


def later() -> None:
    print("later ran")
    reactor.stop()


globalLogBeginner.beginLoggingTo([logged], redirectStandardIO=False)
task.LoopingCall(beat).start(0.1)
reactor.callLater(0.35, later)
reactor.run()
