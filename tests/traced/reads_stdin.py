"""Beside the explorer: a program that reads its standard input (``StandardIO``)."""

from __future__ import annotations

from twisted.internet import reactor, stdio
from twisted.protocols.basic import LineReceiver


class Lines(LineReceiver):
    delimiter = b"\n"

    def lineReceived(self, line: bytes) -> None:
        print("got", line)

    def connectionLost(self, reason: object) -> None:
        print("its input ended", flush=True)


stdio.StandardIO(Lines())
reactor.callLater(60, reactor.stop)
reactor.run()
