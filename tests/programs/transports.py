"""Writes a transport takes or refuses, an adopted listening socket, a descriptor's end.

* ``write`` of what is not bytes raises Twisted's TypeError (and nothing is sent);
  ``writeSequence`` of a generator checks its chunks and sends none of them;
* a ``write`` after ``loseConnection()`` still goes out before the close;
* a listening socket made by the program and handed over with ``adoptStreamPort``
  serves as a ``listenTCP`` port would;
* a raw reader whose ``doRead`` returns ``ConnectionLost("mine")`` gets Twisted's own
  ConnectionLost, not the one it returned.
"""

from __future__ import annotations

import os
import socket

from twisted.internet import error, protocol, reactor
from zope.interface import implementer
from twisted.internet.interfaces import IReadDescriptor


class Server(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        print("server: connection made")
        for data in (bytearray(b"x"), "text", 5):
            try:
                self.transport.write(data)  # type: ignore[arg-type]
            except TypeError as e:
                print("server: write", type(data).__name__, "refused:", e)
        self.transport.writeSequence(c for c in (b"never ", b"sent "))
        self.transport.write(b"one ")
        self.transport.loseConnection()
        self.transport.write(b"two")


class Client(protocol.Protocol):
    got = b""

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        Client.got += data

    def connectionLost(self, reason: object) -> None:  # noqa: N802
        print("client: received", Client.got)
        reader_ends()


@implementer(IReadDescriptor)
class Reader:
    """A pipe's reading end, read by the program's own descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def logPrefix(self) -> str:
        return "Reader"

    def doRead(self) -> object:  # noqa: N802
        print("reader: read", os.read(self.fd, 10))
        return error.ConnectionLost("mine")

    def connectionLost(self, reason: object) -> None:  # noqa: N802
        print("reader: lost,", reason.getErrorMessage())  # type: ignore[attr-defined]
        os.close(self.fd)
        reactor.stop()


def reader_ends() -> None:
    r, w = os.pipe()
    reactor.addReader(Reader(r))
    os.write(w, b"bye")
    os.close(w)


sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(5)
sock.setblocking(False)
port = reactor.adoptStreamPort(sock.fileno(), socket.AF_INET,
                               protocol.ServerFactory.forProtocol(Server))
sock.close()
protocol.ClientCreator(reactor, Client).connectTCP("127.0.0.1", port.getHost().port)
reactor.run()
