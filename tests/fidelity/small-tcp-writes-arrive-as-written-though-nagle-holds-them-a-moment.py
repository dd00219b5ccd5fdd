"""Small TCP writes arrive as written, though Nagle's algorithm may hold them a moment."""

from __future__ import annotations

from twisted.internet import protocol

from passes import reactor, rec, run_reactor

POEM = ("The reactor turns, the callbacks wait,\n"
        "each one in line, none early, none late;\n"
        "block it once and all stand still —\n"
        "return at once, and no one will.\n")


class Poetry(protocol.Protocol):
    def connectionMade(self):
        self.offset = 0
        self.send_next()

    def send_next(self):
        chunk = POEM[self.offset:self.offset + 16].encode()
        self.offset += 16
        self.transport.write(chunk)
        if self.offset < len(POEM):
            reactor.callLater(0.1, self.send_next)
        else:
            self.transport.loseConnection()


class Client(protocol.Protocol):
    def connectionMade(self):
        self.transport.write(b"hi")

    def dataReceived(self, data):
        rec("tcp.data", "c1", len(data))


def start():
    port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Poetry),
                             interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port,
                       protocol.ClientFactory.forProtocol(Client))


UNTIL = 1.2
run_reactor(start, UNTIL)
