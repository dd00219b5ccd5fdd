"""Starts Twisted's log on stdout (without timestamps, so the output is the same on
every run): its own lines, ``print`` (redirected into the log, as ``startLogging``
does), a failing timer's traceback and an unhandled error in a Deferred all come out
on stdout, in the order they happen."""

from __future__ import annotations

import sys

from twisted.internet import defer, reactor
from twisted.logger import Logger, globalLogBeginner, textFileLogObserver

log = Logger(namespace="demo")


def fail_in_a_timer() -> None:
    log.info("a timer is about to raise")
    raise RuntimeError("raised in a timer")


def drop_a_failure() -> None:
    defer.fail(ValueError("nobody handled me"))
    print("printed, so logged")


def stop() -> None:
    log.info("stopping")
    reactor.stop()


log.info("logged before the log begins")  # Twisted keeps it, and gives it to the new log
globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stdout, timeFormat=None)])
log.info("logging to stdout")
reactor.callLater(0.01, fail_in_a_timer)
reactor.callLater(0.02, drop_a_failure)
reactor.callLater(0.03, stop)
reactor.run()
