"""Ctrl-C, twice: once before the reactor runs (a KeyboardInterrupt nobody catches:
Python prints the traceback and dies of SIGINT, exit 130 in a shell), and — with
``--in-reactor`` — while it runs (Twisted's SIGINT handler stops the reactor and the
program ends normally, exit 0)."""

from __future__ import annotations

import os
import signal
import sys

from twisted.internet import reactor


def interrupt() -> None:
    print("sending SIGINT to myself")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGINT)


if sys.argv[1:] == ["--in-reactor"]:
    reactor.callLater(0.01, interrupt)
    reactor.callLater(5, print, "never: the reactor stopped on SIGINT")
    reactor.run()
    print("reactor stopped by SIGINT")
else:
    interrupt()
    print("never printed")
