"""An echo server and a client over loopback, in strict ping-pong (one line in flight).

Prints one line per thing it does; only causally ordered things print, so the output
is the same on every run. Ends when the client has had its last echo.

``echo.py --pace SECONDS [--rounds N]``: the client waits SECONDS before each word and
says the words N times over (slow enough to watch it in the explorer; the default is
at once, once).
"""

from __future__ import annotations

import sys

from twisted.internet import protocol, reactor
from twisted.protocols.basic import LineReceiver

WORDS = [b"hello", b"twisted", b"world"]
PACE = 0.0
ROUNDS = 1


class Echo(LineReceiver):
    def connectionMade(self) -> None:
        print("server: connection made")
        self.sendLine(b"welcome")

    def lineReceived(self, line: bytes) -> None:
        print(f"server: received {line.decode()}")
        self.sendLine(line)

    def connectionLost(self, reason: object = None) -> None:
        print("server: connection lost")
        reactor.stop()


class Client(LineReceiver):
    def __init__(self) -> None:
        self.left = list(WORDS) * ROUNDS

    def lineReceived(self, line: bytes) -> None:
        print(f"client: received {line.decode()}")
        if self.left:
            word = self.left.pop(0)
            if PACE:
                reactor.callLater(PACE, self.send, word)
            else:
                self.send(word)
        else:
            print("client: closes")
            self.transport.loseConnection()

    def send(self, word: bytes) -> None:
        print(f"client: sends {word.decode()}")
        self.sendLine(word)


def main() -> None:
    server = protocol.ServerFactory.forProtocol(Echo)
    port = reactor.listenTCP(0, server, interface="127.0.0.1")
    print("server: listening")
    reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Client))
    reactor.run()
    print("done")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--pace" in args:
        PACE = float(args[args.index("--pace") + 1])
    if "--rounds" in args:
        ROUNDS = int(args[args.index("--rounds") + 1])
    main()
