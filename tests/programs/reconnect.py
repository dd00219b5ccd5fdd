"""A ``ReconnectingClientFactory`` whose first attempt is refused: Twisted's retry timer
connects again once the server listens. Traced, the retry (Twisted's code calling
``connector.connect()``) was taken for Twisted's own connection: its connecting, data
and close were not recorded, and the connector lost its name."""

from __future__ import annotations

from twisted.internet import protocol, reactor


class Hello(protocol.Protocol):
    def connectionMade(self) -> None:
        print("client: connected")
        self.transport.write(b"hi")

    def dataReceived(self, data: bytes) -> None:
        print("client: got", data.decode())
        self.factory.stopTrying()
        self.transport.loseConnection()

    def connectionLost(self, reason: object) -> None:
        print("client: closed")
        reactor.stop()


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Retry(protocol.ReconnectingClientFactory):
    protocol = Hello
    delay = initialDelay = 0.05
    jitter = 0

    def clientConnectionFailed(self, connector: object, reason: object) -> None:
        print("client: refused; the server listens now")
        reactor.listenTCP(PORT, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
        protocol.ReconnectingClientFactory.clientConnectionFailed(self, connector, reason)


probe = reactor.listenTCP(0, protocol.Factory(), interface="127.0.0.1")
PORT = probe.getHost().port
probe.stopListening()
reactor.connectTCP("127.0.0.1", PORT, Retry())
reactor.run()
