"""An ``inlineCallbacks`` client that retries: the server comes up only after two refusals.

The port is found by listening on port 0 and closing it again; attempts 1 and 2 are
refused, then the server listens there and attempt 3 gets its greeting.
"""

from __future__ import annotations

from twisted.internet import defer, endpoints, error, protocol, reactor, task
from twisted.protocols.basic import LineReceiver

ATTEMPTS = 5
BACKOFF = 0.05


class Greeter(LineReceiver):
    def connectionMade(self) -> None:
        self.sendLine(b"hello from the server")
        self.transport.loseConnection()


class Reader(LineReceiver):
    def __init__(self) -> None:
        self.got: defer.Deferred[bytes] = defer.Deferred()

    def lineReceived(self, line: bytes) -> None:
        self.got.callback(line)


@defer.inlineCallbacks
def fetch(port: int, server: protocol.Factory):
    endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    for attempt in range(1, ATTEMPTS + 1):
        print(f"attempt {attempt}")
        try:
            client = yield endpoints.connectProtocol(endpoint, Reader())
        except error.ConnectionRefusedError:
            print(f"attempt {attempt} refused; retrying in {BACKOFF}s")
            if attempt == 2:
                reactor.listenTCP(port, server, interface="127.0.0.1")
                print("server: listening now")
            yield task.deferLater(reactor, BACKOFF, lambda: None)
            continue
        line = yield client.got
        print(f"got: {line.decode()}")
        return attempt
    raise RuntimeError("gave up")


def main() -> None:
    server = protocol.ServerFactory.forProtocol(Greeter)
    probe = reactor.listenTCP(0, server, interface="127.0.0.1")
    port = probe.getHost().port
    closed = probe.stopListening()  # fires once the probe's socket is closed

    def done(attempts: int) -> None:
        print(f"connected after {attempts} attempts")
        reactor.stop()

    closed.addCallback(lambda _: fetch(port, server)).addCallback(done)
    reactor.run()


if __name__ == "__main__":
    main()
