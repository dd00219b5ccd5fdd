"""A program whose callback never gives the loop back (a minute of ``time.sleep``).

For tests/test_trace_terminal.py: a ``quit`` typed meanwhile cannot stop its reactor
(the stop waits for the loop), so the explorer's runner ends the process itself.
"""

from __future__ import annotations

import sys
import time

from twisted.internet import reactor


def stuck() -> None:
    print("stuck: sleeping in the reactor thread")
    time.sleep(60)
    print("stuck: never printed (the process was ended)")


print("to sys.__stderr__, around the proxies", file=sys.__stderr__)
reactor.callLater(0.2, stuck)
reactor.run()
