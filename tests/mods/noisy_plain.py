"""The plain Twisted program of ``use noisy.py`` / ``later 0.1 t1 call noisy.shout``: what
it prints, on which stream, is the truth the session's output events are compared with."""

import os
import sys

from twisted.internet import reactor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noisy  # noqa: E402

reactor.callLater(0.1, noisy.shout)
reactor.callLater(0.3, reactor.stop)
reactor.run()
