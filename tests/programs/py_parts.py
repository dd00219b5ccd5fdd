"""Plain Twisted code for the ``py`` test: timers, a Deferred chain, an ``async def``
awaiting two Deferreds and a protocol over loopback, all started by ``start()``.

Plain, ``python py_parts.py`` runs it for two seconds and prints, one per line, what
its own callbacks saw, in the order they saw it. A session runs the same code with
``py exec(…)`` and ``py start()``; the test compares the two.
"""

from __future__ import annotations

from twisted.internet import defer, protocol, reactor

SEEN: list[str] = []


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Client(protocol.Protocol):
    def connectionMade(self) -> None:
        self.transport.write(b"hi")

    def dataReceived(self, data: bytes) -> None:
        SEEN.append(f"echo {data.decode()}")
        self.transport.loseConnection()


def start() -> None:
    reactor.callLater(0.5, SEEN.append, "timer 0.5")  # site: timer
    chain: defer.Deferred[int] = defer.Deferred()  # site: chain
    chain.addCallback(lambda r: r + 1)
    chain.addCallback(lambda r: SEEN.append(f"chain {r}"))
    reactor.callLater(1, chain.callback, 41)
    a: defer.Deferred[int] = defer.Deferred()
    b: defer.Deferred[int] = defer.Deferred()

    async def both() -> None:
        x = await a  # site: await a
        y = await b  # site: await b
        SEEN.append(f"both {x} {y}")

    defer.ensureDeferred(both())
    reactor.callLater(0.2, a.callback, 1)
    reactor.callLater(0.3, b.callback, 2)
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port,
                       protocol.ClientFactory.forProtocol(Client))
    reactor.callLater(1.5, port.stopListening)


if __name__ == "__main__":
    start()
    reactor.callLater(2, reactor.stop)
    reactor.run()
    print("\n".join(SEEN))
