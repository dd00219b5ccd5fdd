"""Two LoopingCalls the reactor starts itself — ``callWhenRunning(loop.start, 0.1)``, a
common idiom, and ``callLater(0, loop2.start, 0.15)`` — whose function raises on its
third call. Nobody waits on what start() returned, so Twisted logs "Unhandled error in
Deferred" for each (at once: the failed Deferred is freed when the loop lets it go). The
loop a timer started was not recorded at all, and neither loop's start() Deferred: the
unhandled errors had no name and no warning."""

from __future__ import annotations

import sys

from twisted.internet import reactor, task

count = {"a": 0, "b": 0}


def beat(which: str) -> None:
    count[which] += 1
    print(f"{which} {count[which]}", flush=True)
    if count[which] == 3:
        raise RuntimeError(f"{which} broke")


loop = task.LoopingCall(beat, "a")
reactor.callWhenRunning(loop.start, 0.1)
loop2 = task.LoopingCall(beat, "b")
reactor.callLater(0, loop2.start, 0.15)
reactor.callLater(0.6, reactor.stop)
reactor.run()
print("end", file=sys.stderr)
