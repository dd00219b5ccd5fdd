"""A greeting server, a half-close, and a connection's producer paused and resumed."""

from __future__ import annotations

from twisted.internet import protocol

from passes import reactor, rec, run_reactor


class Greet(protocol.Protocol):
    def connectionMade(self):
        self.transport.write(b"welcome")

    def connectionLost(self, reason):
        rec("tcp.lost", "s1.1")


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class Client(protocol.Protocol):
    def __init__(self, name):
        self.name = name

    def dataReceived(self, data):
        rec("tcp.data", self.name, len(data))

    def connectionLost(self, reason):
        rec("tcp.lost", self.name)


conns = {}


def client(name):
    def build(addr):
        p = Client(name)
        conns[name] = p
        return p
    f = protocol.ClientFactory()
    f.buildProtocol = build
    return f


def start():
    p1 = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Greet),
                           interface="127.0.0.1")
    p2 = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Echo),
                           interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", p1.getHost().port, client("c1"))
    reactor.connectTCP("127.0.0.1", p2.getHost().port, client("c2"))
    reactor.callLater(0.1, lambda: conns["c1"].transport.loseWriteConnection())
    def paused():
        conns["c2"].transport.setTcpNoDelay(True)
        conns["c2"].transport.pauseProducing()
        conns["c2"].transport.write(b"ping")
    reactor.callLater(0.2, paused)
    reactor.callLater(0.3, rec, "timer.fire", "t1")
    reactor.callLater(0.4, lambda: conns["c2"].transport.resumeProducing())
    reactor.callLater(0.6, lambda: conns["c2"].transport.loseConnection())


UNTIL = 0.8
run_reactor(start, UNTIL)
