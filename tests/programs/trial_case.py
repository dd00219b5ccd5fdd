"""A ``trial`` test case: ``python -m twisted.trial tests/programs/trial_case.py``.

Its tests return Deferreds that the reactor must fire: a timer, a loopback echo, and
a coroutine awaiting both. (Not named ``test_*.py``: pytest does not collect it.)
"""

from __future__ import annotations

from twisted.internet import defer, protocol, reactor, task
from twisted.protocols.basic import LineReceiver
from twisted.trial import unittest


class Echo(LineReceiver):
    def __init__(self, closed: defer.Deferred[None]) -> None:
        self.closed = closed

    def lineReceived(self, line: bytes) -> None:
        self.sendLine(line)

    def connectionLost(self, reason: object = None) -> None:
        self.closed.callback(None)


class Client(LineReceiver):
    def __init__(self) -> None:
        self.reply: defer.Deferred[bytes] = defer.Deferred()

    def connectionMade(self) -> None:
        self.sendLine(b"ping")

    def lineReceived(self, line: bytes) -> None:
        self.transport.loseConnection()
        self.reply.callback(line)


class ReactorTests(unittest.TestCase):
    def test_timer(self) -> defer.Deferred[None]:
        d = task.deferLater(reactor, 0.01, lambda: "tick")
        return d.addCallback(self.assertEqual, "tick")

    @defer.inlineCallbacks
    def test_echo(self):
        server_closed: defer.Deferred[None] = defer.Deferred()
        factory = protocol.ServerFactory()
        factory.protocol = lambda: Echo(server_closed)
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        self.addCleanup(port.stopListening)
        client = Client()
        reactor.connectTCP("127.0.0.1", port.getHost().port,
                           protocol.ClientFactory.forProtocol(lambda: client))
        reply = yield client.reply
        self.assertEqual(reply, b"ping")
        yield server_closed  # both ends closed: trial finds the reactor clean

    async def _both(self) -> list[str]:
        a = task.deferLater(reactor, 0.01, lambda: "a")
        b = task.deferLater(reactor, 0.02, lambda: "b")
        return [await a, await b]

    def test_coroutine(self) -> defer.Deferred[None]:
        d = defer.Deferred.fromCoroutine(self._both())
        return d.addCallback(self.assertEqual, ["a", "b"])
