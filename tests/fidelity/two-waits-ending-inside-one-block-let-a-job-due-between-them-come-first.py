"""A person waits 0.2 s, then 0.1 s more, while a timer blocks the loop from 0.1 to 0.6;
a thread job ends at 0.25 and its result fires d1. The person's ``fire d1`` comes at 0.3,
after the job's hand-back (0.25): both are thread calls, run first in the pass after the
block, in the order they came — so d1 gets the job's value and the typed fire is too late."""

from __future__ import annotations

import threading
import time

from twisted.internet import defer, threads

from passes import reactor, rec, run_reactor

D1: defer.Deferred = defer.Deferred()


def fire(value):
    def f():
        try:
            D1.callback(value)
            rec("deferred.fire", "d1", value)
        except defer.AlreadyCalledError:
            rec("deferred.error", "d1")
    return f


def job():
    time.sleep(0.25)
    return "done"


def t1():
    rec("timer.fire", "t1")
    time.sleep(0.5)


def the_person():
    time.sleep(0.2)  # wait 0.2
    time.sleep(0.1)  # wait 0.1
    reactor.callFromThread(fire("typed"))


def start():
    threads.deferToThread(job).addCallback(lambda _: fire("fromjob")())
    reactor.callLater(0.1, t1)
    threading.Thread(target=the_person, daemon=True).start()


UNTIL = 1.0
run_reactor(start, UNTIL)
