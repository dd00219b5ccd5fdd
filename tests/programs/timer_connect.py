"""A client started by a timer that calls Twisted's API itself: callLater(0,
reactor.connectTCP, …). No frame of the program's made it, and it was not recorded at all
(the program's output was the same); on the virtual clock the timer's callable read
"keep_on_loopback.<locals>.connectTCP"."""

from __future__ import annotations

from twisted.internet import protocol, reactor


class Hello(protocol.Protocol):
    def connectionMade(self) -> None:
        print("client: connected")
        self.transport.write(b"hi")

    def dataReceived(self, data: bytes) -> None:
        print("client: got", data)
        self.transport.loseConnection()

    def connectionLost(self, reason: object) -> None:
        print("client: lost")
        reactor.stop()


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Echo), interface="127.0.0.1")
reactor.callLater(0, reactor.connectTCP, "127.0.0.1", port.getHost().port,
                  protocol.ClientFactory.forProtocol(Hello))
reactor.run()
