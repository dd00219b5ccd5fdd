"""Failed Deferreds in reference cycles that Python's collection at exit frees: one kept
past a full collection and dropped once the reactor has stopped, one never collected
while the program runs. Twisted logs "Unhandled error in Deferred" for each as the
interpreter exits, after the program's atexit handler has printed."""

from __future__ import annotations

import atexit
import gc

from twisted.internet import defer, reactor

keep: list[defer.Deferred[None]] = []
atexit.register(print, "atexit handler", flush=True)


def fail_in_a_cycle(name: str) -> defer.Deferred[None]:
    d: defer.Deferred[None] = defer.Deferred()
    d.me = d  # type: ignore[attr-defined]  # a reference cycle
    d.addCallback(lambda _: {}[name])  # KeyError(name)
    d.callback(None)
    return d


def fail_and_keep() -> None:
    keep.append(fail_in_a_cycle("kept"))
    gc.collect()  # what is alive now is in the oldest generation
    print("a failed Deferred kept for now", flush=True)


def fail_and_drop() -> None:
    fail_in_a_cycle("dropped")
    print("a failed Deferred dropped", flush=True)


reactor.callLater(0, fail_and_keep)
reactor.callLater(0.01, fail_and_drop)
reactor.callLater(0.02, reactor.stop)
reactor.run()
keep.clear()
print("end of program", flush=True)
