"""Installs another reactor explicitly (``selectreactor``) before importing the reactor.

Plain, it runs on SelectReactor. Under trace the recording reactor is installed first,
so this install cannot happen: trace ends with exit 2 and one line saying why.
"""

from __future__ import annotations

from twisted.internet import selectreactor

selectreactor.install()

from twisted.internet import reactor  # noqa: E402

print(f"running on {type(reactor).__name__}")
reactor.callLater(0.01, reactor.stop)
reactor.run()
print("stopped")
