"""Half-close: the client sends lines, then loseWriteConnection; the server, an
IHalfCloseableProtocol, answers with a count from readConnectionLost and closes. What
readConnectionLost did was recorded after no dispatch at all (it was not one)."""

from __future__ import annotations

from twisted.internet import protocol, reactor
from twisted.internet.interfaces import IHalfCloseableProtocol
from zope.interface import implementer


@implementer(IHalfCloseableProtocol)
class Counter(protocol.Protocol):
    n = 0

    def dataReceived(self, data: bytes) -> None:
        self.n += len(data)

    def readConnectionLost(self) -> None:
        print("server: the client finished writing,", self.n, "bytes")
        self.transport.write(b"%d\n" % self.n)
        self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        print("server: writeConnectionLost")


@implementer(IHalfCloseableProtocol)
class Sender(protocol.Protocol):
    def connectionMade(self) -> None:
        for i in range(3):
            self.transport.write(b"line %d\n" % i)
        reactor.callLater(0.1, self.finish)

    def finish(self) -> None:
        print("client: half-close")
        self.transport.loseWriteConnection()

    def writeConnectionLost(self) -> None:
        print("client: writeConnectionLost")

    def readConnectionLost(self) -> None:
        print("client: readConnectionLost")
        self.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        print("client: the server counted", data.decode().strip())

    def connectionLost(self, reason: object) -> None:
        print("client: lost")
        reactor.callLater(0.05, reactor.stop)


port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Counter), interface="127.0.0.1")
reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Sender))
reactor.run()
