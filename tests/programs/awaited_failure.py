"""A failed Deferred a coroutine awaits, and one an inlineCallbacks function yields:
each raises where it is waited for and is caught there, so Twisted never logs it.

Run with ``trace --strict``: no warning may stand at the end (each chain ended on a
failure first, and the lint said so; the wait handled it), and the exit code is 0.
"""

from __future__ import annotations

from twisted.internet import defer, task

KEEP: list[defer.Deferred[None]] = []  # still alive at the end, as a test's attribute is


async def awaits() -> None:
    d: defer.Deferred[None] = defer.fail(ValueError("awaited"))
    KEEP.append(d)
    try:
        await d
    except ValueError as e:
        print("await: caught", e)


@defer.inlineCallbacks
def yields():  # noqa: ANN201
    d: defer.Deferred[None] = defer.fail(ValueError("yielded"))
    KEEP.append(d)
    try:
        yield d
    except ValueError as e:
        print("yield: caught", e)


async def main(reactor: object) -> None:
    await awaits()
    await yields()


task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
