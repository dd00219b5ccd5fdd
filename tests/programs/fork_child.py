"""A child forked before ``reactor.run()`` exits at once; the parent then waits on a thread
job, whose result reaches the loop through its waker. Traced, the child ended the
recording on its way out, which took the waker out of the poller it shares with the
parent: the parent's loop slept through the result until a timer woke it."""

from __future__ import annotations

import os
import sys
import time

from twisted.internet import reactor, threads

child = os.fork()
if child == 0:
    sys.exit(0)
os.waitpid(child, 0)


def result(_: object) -> None:
    print("the thread's result woke the loop")
    reactor.stop()


def guard() -> None:
    print("the guard timer came first: the loop was not woken")


reactor.callLater(0.05, lambda: threads.deferToThread(time.sleep, 0.1).addCallback(result))
reactor.callLater(3, guard)
reactor.run()
