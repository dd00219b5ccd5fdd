"""Deferreds kept in module globals, each fired by something alive that `waiting` must
name (tests/test_waiting.py): a timer calling a function that fires a global, a loop's
function, a thread of this module's own, a pool job, and a listening port's factory."""

import threading

from twisted.internet import defer, protocol, reactor, task

result = defer.Deferred()  # fired by deliver(), which a timer calls
polled = defer.Deferred()  # fired by poll() on its third beat
from_thread = defer.Deferred()  # fired by a thread of this module's own
from_job = defer.Deferred()  # fired by a pool job (callInThread)
go = threading.Event()
beats = []


def deliver():
    result.callback("delivered")


def poll():
    beats.append(1)
    if len(beats) == 3:
        polled.callback("polled")


def helper():
    go.wait(5)
    reactor.callFromThread(from_thread.callback, "from a thread")


def slow_work():
    go.wait(5)
    reactor.callFromThread(from_job.callback, "from a job")


class Hello(protocol.Protocol):
    def connectionMade(self):
        self.factory.first.callback("a client came")


class HelloFactory(protocol.ServerFactory):
    protocol = Hello

    def __init__(self):
        self.first = defer.Deferred()


def start():
    for d in (result, polled, from_thread, from_job):
        d.addCallback(beats.append)  # (somebody waits on each)
    factory = HelloFactory()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    reactor.callLater(3, deliver)
    loop = task.LoopingCall(poll)
    loop.start(1, now=False)
    threading.Thread(target=helper, name="helper", daemon=True).start()
    reactor.callInThread(slow_work)
    return factory.first, port, loop
