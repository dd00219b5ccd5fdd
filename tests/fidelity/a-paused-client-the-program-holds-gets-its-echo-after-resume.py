"""A client connection the program holds, paused (``pauseProducing``: out of the reactor's
read set), outlives a ``gc.collect()``; resumed, it reads the echo that waited."""

from __future__ import annotations

import gc

from twisted.internet import protocol

from passes import reactor, rec, run_reactor

HELD = {}


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        rec("tcp.data", "s1.1", str(len(data)))
        self.transport.write(data)


class Client(protocol.Protocol):
    def connectionMade(self) -> None:
        HELD["c1"] = self  # the program holds its protocol, as a session holds c1

    def dataReceived(self, data: bytes) -> None:
        rec("tcp.data", "c1", str(len(data)))


def pause_and_send() -> None:
    HELD["c1"].transport.pauseProducing()
    HELD["c1"].transport.write(b"ping")


def collect_and_resume() -> None:
    gc.collect()
    HELD["c1"].transport.resumeProducing()


def start() -> None:
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Client))
    reactor.callLater(0.1, pause_and_send)
    reactor.callLater(0.2, collect_and_resume)


UNTIL = 0.4
run_reactor(start, UNTIL)
