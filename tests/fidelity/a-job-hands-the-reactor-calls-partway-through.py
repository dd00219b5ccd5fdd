"""Thread jobs hand the reactor calls partway through (callFromThread, blockingCallFromThread)."""

from __future__ import annotations

import time

from twisted.internet import defer, threads

from passes import reactor, rec, run_reactor

d1 = defer.Deferred()
d1.addCallback(lambda r: rec("deferred.step", "d1", "callback"))


def j1():
    time.sleep(0.2)
    reactor.callFromThread(rec, "threadcall.run", "f1")
    time.sleep(0.3)
    return 2


def f2():
    rec("threadcall.run", "f2")
    d1.callback("ok")


def j2():
    time.sleep(0.1)
    threads.blockingCallFromThread(reactor, f2)
    time.sleep(0.2)
    return 3


def j3():
    time.sleep(0.4)
    reactor.callFromThread(rec, "threadcall.run", "f3")


def start():
    threads.deferToThread(j1).addCallback(lambda r: rec("thread.result", "j1"))
    threads.deferToThread(j2).addCallback(lambda r: rec("thread.result", "j2"))
    reactor.callInThread(j3)
    reactor.callLater(0.6, rec, "timer.fire", "t1")


UNTIL = 0.8
run_reactor(start, UNTIL)
