"""A program that ends by ``os._exit`` in a timer: no exit handler runs, nothing is flushed
but what the program flushed itself. Traced, its record was left empty (not even
``session.start``); now it ends with ``session.end`` saying why, and stdout, stderr and
the exit code stay the program's (the unflushed line is lost, as under python, unless
PYTHONUNBUFFERED is set)."""

from __future__ import annotations

import os
import sys

from twisted.internet import defer, reactor

waiting = defer.Deferred()  # still pending when the process ends


def first() -> None:
    print("first ran", flush=True)


def leave() -> None:
    print("leaving with 7", flush=True)
    sys.stdout.write("not flushed\n")  # buffered in a pipe (not unbuffered): os._exit drops it
    os._exit(7)


reactor.callLater(0.01, first)
reactor.callLater(0.02, leave)
reactor.run()
