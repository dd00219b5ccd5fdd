"""Twisted's APIs handed to the reactor itself: ``callWhenRunning(lc.start, …)``,
``callWhenRunning(reactor.connectTCP, …)``, ``callLater(0, threads.deferToThread, job)``,
``callLater(0, endpoint.connect, factory)``.
Only Twisted's frames are on the stack when the reactor calls them: all they made was
taken for Twisted's own and hidden (no loop, no connection, no job in the record)."""

from __future__ import annotations

from twisted.internet import protocol, reactor, task, threads
from twisted.internet.endpoints import HostnameEndpoint

beats = [0]


def tick() -> None:
    beats[0] += 1
    print(f"tick {beats[0]}", flush=True)
    if beats[0] == 3:
        loop.stop()
        reactor.stop()


def job() -> str:
    return "the job's result"


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Client(protocol.Protocol):
    def connectionMade(self) -> None:
        print("client: connected", flush=True)
        self.transport.write(b"hi")

    def dataReceived(self, data: bytes) -> None:
        print(f"client: got {data!r}", flush=True)
        self.transport.loseConnection()
        # an endpoint's connect handed to the reactor: it connects later, from Twisted's
        # callbacks once the name is resolved
        endpoint = HostnameEndpoint(reactor, "127.0.0.1", port.getHost().port)
        reactor.callLater(0, endpoint.connect, protocol.Factory.forProtocol(ByEndpoint))


class ByEndpoint(protocol.Protocol):
    def connectionMade(self) -> None:
        print("endpoint client: connected", flush=True)
        self.transport.loseConnection()


port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
loop = task.LoopingCall(tick)
reactor.callWhenRunning(loop.start, 0.2)  # (the client is done long before tick 2)
reactor.callWhenRunning(reactor.connectTCP, "127.0.0.1", port.getHost().port,
                        protocol.ClientFactory.forProtocol(Client))
reactor.callLater(0, lambda: None)
reactor.callLater(0, threads.deferToThread, job)
reactor.run()
