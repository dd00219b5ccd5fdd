"""Echo round trips as fast as the loop goes until a 0.3 s timer says stop: the loop is
never idle. Under trace --clock virtual the clock stayed at 0.000 (it moved only when
nothing was ready), the timer never fired and the program never ended."""

from __future__ import annotations

from twisted.internet import protocol, reactor


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Pinger(protocol.Protocol):
    stopped = False
    rounds = 0

    def connectionMade(self) -> None:
        print("client: connected, pinging until the timer")
        reactor.callLater(0.3, self.enough)
        self.transport.write(b"ping")

    def dataReceived(self, data: bytes) -> None:
        self.rounds += 1
        if not self.stopped:
            self.transport.write(b"ping")

    def enough(self) -> None:
        self.stopped = True
        print("client: enough, after some round trips:", self.rounds > 0)
        self.transport.loseConnection()

    def connectionLost(self, reason: object) -> None:
        print("client: lost")
        reactor.stop()


port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Echo), interface="127.0.0.1")
reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Pinger))
reactor.run()
print("done")
