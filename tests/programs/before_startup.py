"""A loop that polls without waiting: until startup is over (a "before startup" trigger
whose Deferred a timer fires: Twisted's loop polls with timeout 0 while not ``running``)
and under ``reactor.iterate()``. Real time moves meanwhile and the timers fall due; on
the virtual clock it stood still, and the run spun for ever."""

from __future__ import annotations

from twisted.internet import reactor, task


def iterate_until_a_timer_ran() -> None:
    done: list[int] = []
    reactor.callLater(0.05, done.append, 1)
    while not done:
        reactor.iterate()
    print("iterate: the timer ran")


def before_startup() -> object:
    print("before startup: waits 0.05s")
    return task.deferLater(reactor, 0.05, lambda: print("startup may go on"))


def running() -> None:
    print("running")
    reactor.stop()


iterate_until_a_timer_ran()
reactor.addSystemEventTrigger("before", "startup", before_startup)
reactor.callWhenRunning(running)
reactor.run()
