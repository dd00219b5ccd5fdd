"""The stack as a program sees it, from a timer's callback and a Deferred's: by
``traceback.extract_stack()`` (what ``print_stack``, ``logging``'s ``stack_info`` and
Twisted's debug stacks use) and by ``inspect.stack()``. Under trace the hooks' frames
and the launcher's were there too (5 frames became 21)."""

from __future__ import annotations

import inspect
import traceback

from twisted.internet import defer, reactor


def names() -> str:
    by_traceback = [f.name for f in traceback.extract_stack()[:-1]]
    by_inspect = [info.function for info in inspect.stack()[1:]][::-1]
    assert by_traceback == by_inspect, (by_traceback, by_inspect)
    return " > ".join(by_traceback)


def in_a_timer() -> None:
    print("timer:", names())
    d: defer.Deferred[int] = defer.Deferred()
    d.addCallback(in_a_step)
    d.callback(1)


def in_a_step(value: int) -> int:
    print("step:", names())
    reactor.stop()
    return value


reactor.callLater(0, in_a_timer)
reactor.run()
print("top:", names())
