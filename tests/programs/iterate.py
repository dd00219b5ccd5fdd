"""A program that never calls ``reactor.run()``: it drives the loop with
``reactor.iterate(0.002)`` until its timer and a ``deferLater`` have run (on the virtual
clock each iterate let no time pass, and it gave up after 50)."""

from __future__ import annotations

from twisted.internet import reactor, task

seen: list[str] = []


def timer() -> None:
    print("timer ran")
    seen.append("timer")


def later() -> str:
    print("deferLater ran")
    return "later"


reactor.callLater(0.01, timer)
task.deferLater(reactor, 0.02, later).addCallback(seen.append)
for i in range(50):
    reactor.iterate(0.002)
    if len(seen) == 2:
        break
print("seen", seen, "before giving up:", len(seen) == 2)
