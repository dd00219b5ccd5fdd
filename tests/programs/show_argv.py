"""Prints what Python told it — ``sys.argv``, ``__name__``, ``__file__`` (as given:
``./show_argv.py`` is not normalised), ``__annotations__``, ``sys.path[0]``, the reactor's
class and a bound method of it, its threads — runs the reactor once, and exits with the
code given as its first argument."""

from __future__ import annotations

import os
import sys
import threading

from twisted.internet import reactor

print(f"argv {sys.argv}")
print(f"__name__ {__name__}")
print(f"__file__ is absolute: {os.path.isabs(__file__)}; {os.path.basename(__file__)}")
print(f"__file__ {__file__}")
print(f"__annotations__ {__annotations__}")
print(f"sys.path[0] {sys.path[0]}")
print(f"the main module is this one: {sys.modules['__main__'].__dict__ is globals()}")
print(f"reactor {type(reactor).__module__}.{type(reactor).__qualname__}")
print(f"its stop {reactor.stop.__qualname__}")


def running() -> None:
    print(f"threads while running {sorted(t.name for t in threading.enumerate())}")
    reactor.stop()


reactor.callWhenRunning(running)
reactor.run()
sys.exit(int(sys.argv[1]) if sys.argv[1:] else 0)
