"""A client over a UNIX socket (``listenUNIX`` / ``connectUNIX``): it says hello, the
server echoes it, the client stops the reactor. Traced, the connector hook took the
UNIX address for a TCP one (``.host``) and the program died with an AttributeError."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet import protocol, reactor


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Client(protocol.Protocol):
    def connectionMade(self) -> None:
        print("client: connected")
        self.transport.write(b"hello")

    def dataReceived(self, data: bytes) -> None:
        print("client: got", data.decode())
        self.transport.loseConnection()

    def connectionLost(self, reason: object) -> None:
        print("client: closed")
        reactor.stop()


folder = tempfile.mkdtemp()
path = os.path.join(folder, "echo.sock")
reactor.listenUNIX(path, protocol.Factory.forProtocol(Echo))
reactor.connectUNIX(path, protocol.ClientFactory.forProtocol(Client))
reactor.run()
shutil.rmtree(folder, ignore_errors=True)  # (Twisted removed the socket at shutdown)
