"""A program on ``AsyncioSelectorReactor``: it installs the asyncio reactor, then mixes an
asyncio coroutine (awaited through ``Deferred.fromFuture``), a Twisted timer and a
loopback echo. Under trace it needs ``--reactor asyncio`` (see the README)."""

from __future__ import annotations

import asyncio

from twisted.internet import asyncioreactor

asyncioreactor.install()

from twisted.internet import defer, protocol, reactor, task  # noqa: E402
from twisted.protocols.basic import LineReceiver  # noqa: E402


class Echo(LineReceiver):
    def lineReceived(self, line: bytes) -> None:
        print(f"server: echoes {line.decode()}")
        self.sendLine(line)


class Client(LineReceiver):
    def __init__(self) -> None:
        self.reply: defer.Deferred[bytes] = defer.Deferred()

    def connectionMade(self) -> None:
        print("client: sends ping")
        self.sendLine(b"ping")

    def lineReceived(self, line: bytes) -> None:
        print(f"client: got {line.decode()}")
        self.transport.loseConnection()
        self.reply.callback(line)


async def from_asyncio() -> str:
    await asyncio.sleep(0.01)
    return "asyncio says hi"


async def main() -> None:
    print(f"reactor is asyncio-based: {isinstance(reactor, asyncioreactor.AsyncioSelectorReactor)}")
    said = await defer.Deferred.fromFuture(asyncio.ensure_future(from_asyncio()))
    print(said)
    await task.deferLater(reactor, 0.01, lambda: None)
    print("twisted timer fired")
    port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Echo), interface="127.0.0.1")
    client = Client()
    reactor.connectTCP("127.0.0.1", port.getHost().port,
                       protocol.ClientFactory.forProtocol(lambda: client))
    await client.reply
    await port.stopListening()
    print("done")


def run() -> None:
    d = defer.ensureDeferred(main())
    d.addErrback(lambda f: print(f"failed: {f.getErrorMessage()}"))
    d.addBoth(lambda _: reactor.stop())


reactor.callWhenRunning(run)
reactor.run()
