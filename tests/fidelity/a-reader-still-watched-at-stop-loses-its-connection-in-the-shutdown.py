"""A reader still watched when the reactor stops: Twisted's own "during shutdown" trigger
(``disconnectAll``, added when the reactor was made, so before any of the program's)
removes it and calls its ``connectionLost`` with CONNECTION_LOST — after the "before"
triggers, before the program's "during" ones."""

from __future__ import annotations

import os

from passes import reactor, rec, run_reactor


class PipeReader:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> None:
        rec("reader.read", "r1", "")
        os.read(self.fd, 1024)

    def connectionLost(self, reason: object) -> None:
        rec("reader.lost", "r1")

    def logPrefix(self) -> str:
        return "PipeReader"


def start() -> None:
    r, _w = os.pipe()
    reactor.addReader(PipeReader(r))
    for phase, name in (("before", "g1"), ("during", "g2"), ("after", "g3")):
        reactor.addSystemEventTrigger(phase, "shutdown", rec, "trigger.fire", name)
    reactor.callLater(0.1, reactor.stop)


UNTIL = 1.0
run_reactor(start, UNTIL)
