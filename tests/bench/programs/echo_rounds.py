"""An echo server and a client over loopback, N round trips one after the other.

    python echo_rounds.py N

Each round trip is a write by the client, the server's dataReceived and its echo, and
the client's dataReceived; prints N when the last echo is back, and exits 0.
"""

from __future__ import annotations

import sys

from twisted.internet import protocol, reactor

PING = b"ping"


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:  # noqa: N802 (Twisted's name)
        self.transport.write(data)


class Pinger(protocol.Protocol):
    def __init__(self, rounds: int) -> None:
        self.left = rounds
        self.done = 0
        self.pending = b""

    def connectionMade(self) -> None:  # noqa: N802
        self.transport.write(PING)

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.pending += data
        while len(self.pending) >= len(PING):  # an echo may come in pieces
            self.pending = self.pending[len(PING):]
            self.done += 1
            if self.done == self.left:
                print(self.done)
                self.transport.loseConnection()
                reactor.stop()
                return
            self.transport.write(PING)


def main(rounds: int) -> None:
    port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Echo), interface="127.0.0.1")
    client = protocol.ClientFactory()
    client.protocol = lambda: Pinger(rounds)
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
