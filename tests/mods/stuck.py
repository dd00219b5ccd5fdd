"""Deferreds that wait for ever, each for another reason (tests/test_waiting.py)."""

from twisted.internet import defer, reactor, threads

never = defer.Deferred()


async def fetch():
    value = await never
    return value


def start():
    """A coroutine awaiting a Deferred nothing fires, and a gather with one input left."""
    done = defer.ensureDeferred(fetch())
    done.addCallback(print)
    left = defer.Deferred()
    both = defer.gatherResults([left, defer.succeed(1)])
    return done, both, left


def sources():
    """Deferreds that something will fire: a timer, a thread job, a chained Deferred."""
    timed = defer.Deferred()
    reactor.callLater(5, timed.callback, 1)
    job = threads.deferToThread(sum, [1, 2])
    first, second = defer.Deferred(), defer.Deferred()
    first.chainDeferred(second)
    return timed, job, first, second


def from_a_thread():
    reactor.callLater(0.1, print, "made off the reactor's thread")


def leave_a_failure():
    defer.Deferred().errback(Exception("nobody listens"))


@defer.inlineCallbacks
def catch_a_fired_failure():
    """Yields a Deferred that has failed already, and catches what it raises."""
    try:
        yield defer.fail(ValueError("caught"))
    except ValueError:
        pass


def fired_by_its_own_thread():
    """A Deferred a thread of this module's own fires (callFromThread) a moment later."""
    import threading
    import time

    d = defer.Deferred()

    def work():
        time.sleep(0.2)
        reactor.callFromThread(d.callback, "from its own thread")

    threading.Thread(target=work).start()
    return d


def loop_from_a_thread():
    """LoopingCall.start off the reactor's thread: its own callLater is the same call."""
    from twisted.internet import task

    loop = task.LoopingCall(int)
    loop.start(1, now=False)
    return loop


async def outer():
    """Awaits a coroutine (not a Deferred) that awaits one nothing fires."""
    return await fetch()


def cancel_from_a_thread():
    """A timer made here, cancelled by another thread (the reactor's heap changed there)."""
    import threading

    dc = reactor.callLater(5, print, "never")
    threading.Thread(target=dc.cancel).start()
