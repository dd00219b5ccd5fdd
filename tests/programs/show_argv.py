"""Prints what Python told it — ``sys.argv``, ``__name__``, ``__file__``, ``sys.path[0]`` —
runs the reactor once, and exits with the code given as its first argument."""

from __future__ import annotations

import os
import sys

from twisted.internet import reactor

print(f"argv {sys.argv}")
print(f"__name__ {__name__}")
print(f"__file__ is absolute: {os.path.isabs(__file__)}; {os.path.basename(__file__)}")
print(f"sys.path[0] {sys.path[0]}")
print(f"the main module is this one: {sys.modules['__main__'].__dict__ is globals()}")
reactor.callWhenRunning(reactor.stop)
reactor.run()
sys.exit(int(sys.argv[1]) if sys.argv[1:] else 0)
