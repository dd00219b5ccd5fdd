"""Calls ``reactor.callLater`` from another thread — a bug: it is not thread-safe and
does not wake the reactor, so the call waits until something else wakes the loop.

The worker thread first schedules ``late`` with ``callLater`` (the wrong API), then
``fine`` with ``callFromThread`` (the right one). The loop sleeps in the poller until
``callFromThread`` wakes it; that pass runs the thread calls first, then due timers,
so ``fine`` runs before ``late`` although it was handed over second.
"""

from __future__ import annotations

import threading
import time

from twisted.internet import reactor


def late() -> None:
    print("reactor: late ran (scheduled with callLater from the thread)")


def fine() -> None:
    print("reactor: fine ran (handed over with callFromThread)")


def worker(ready: threading.Event) -> None:
    ready.wait()
    time.sleep(0.2)  # the loop is back in the poller, waiting for the 0.5 s timer
    print("thread: schedules late with callLater")
    reactor.callLater(0, late)  # wrong thread: nothing wakes the reactor for this
    print("thread: hands fine to callFromThread")
    reactor.callFromThread(fine)


def stop() -> None:
    print("reactor: stopping")
    reactor.stop()


ready = threading.Event()
threading.Thread(target=worker, args=(ready,), name="worker").start()
reactor.callLater(0.05, ready.set)
reactor.callLater(0.5, stop)
reactor.run()
