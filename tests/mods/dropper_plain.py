"""The plain program for tests/test_use.py: imports dropper as `use` does, and says, in
order, the marks and Twisted's "Unhandled error in Deferred" lines (logged to stdout)."""

import sys

from twisted.internet import reactor
from twisted.python import log

log.startLogging(sys.stdout, setStdout=False)

import dropper  # noqa: E402,F401 (after the log: its failure is logged as it is freed)

reactor.callLater(0.3, print, "MARK after")
reactor.callLater(0.3, dropper.later_drop)
reactor.callLater(0.6, print, "MARK end")
reactor.callLater(0.7, reactor.stop)
reactor.run()
