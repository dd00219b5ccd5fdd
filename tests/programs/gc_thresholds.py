"""Prints the collector's thresholds once the reactor runs (tests/test_programs_cli.py).

When a cycle is freed decides when Twisted logs "Unhandled error in Deferred": a traced
program must see the thresholds that ``python`` gives it.
"""

from __future__ import annotations

import gc

from twisted.internet import reactor

reactor.callWhenRunning(lambda: (print(gc.get_threshold()), reactor.stop()))
reactor.run()
