"""Tracebacks printed the Python way, not Twisted's: a coroutine catches what a
Deferred's callback raised and prints it with ``traceback.print_exc`` (as
``logging.exception`` would); an errback formats its failure's exception with
``traceback.format_exception``. Under trace they must show the same frames (none of
the observer's)."""

from __future__ import annotations

import sys
import traceback

from twisted.internet import defer, reactor, task


def parse(text: str) -> int:
    return int(text)


def show(failure: object) -> None:
    print("errback: the exception's traceback")
    print("".join(traceback.format_exception(failure.value)), end="")  # type: ignore[attr-defined]


async def main() -> None:
    try:
        await task.deferLater(reactor, 0, parse, "forty-two")
    except ValueError:
        print("coroutine: print_exc")
        traceback.print_exc(file=sys.stdout)
    d: defer.Deferred[int] = defer.Deferred()
    d.addCallback(parse)
    d.addErrback(show)
    d.callback("seven")


defer.ensureDeferred(main()).addBoth(lambda _: reactor.stop())
reactor.run()
