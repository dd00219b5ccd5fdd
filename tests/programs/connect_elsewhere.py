"""Connects to a host that is not loopback (``peer.invalid``, a name that never resolves),
retrying once. Under ``trace --clock virtual`` the attempt is refused before anything
leaves the machine; the tests run it only that way."""

from __future__ import annotations

from twisted.internet import protocol, reactor


class Once(protocol.ClientFactory):
    tries = 0

    def clientConnectionFailed(self, connector, reason):
        self.tries += 1
        print(f"attempt {self.tries} failed: {reason.type.__name__}")
        if self.tries < 2:
            connector.connect()
        else:
            reactor.stop()


reactor.connectTCP("peer.invalid", 7, Once())
reactor.run()
