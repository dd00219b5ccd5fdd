"""A reader of the program's own with ``__slots__`` and no ``__weakref__`` (it takes no
attribute and no weak reference): ``reactor.addReader`` watches it as any other. Traced,
its record could be kept nowhere: ``reader.add``, then nothing (no read, no loss, and
``session.end`` said it was still watched)."""

from __future__ import annotations

import socket

from twisted.internet import interfaces, main, reactor
from zope.interface import implementer


@implementer(interfaces.IReadDescriptor)
class SlotReader:
    __slots__ = ("sock",)

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def logPrefix(self) -> str:  # noqa: N802 (Twisted's name)
        return "SlotReader"

    def doRead(self) -> object:  # noqa: N802
        data = self.sock.recv(100)
        if not data:
            return main.CONNECTION_DONE
        print("read", data, flush=True)
        return None

    def connectionLost(self, reason: object) -> None:  # noqa: N802
        print("lost", type(reason.value).__name__, flush=True)  # type: ignore[attr-defined]
        reactor.stop()


ours, theirs = socket.socketpair()
reactor.addReader(SlotReader(ours))
print("added", flush=True)
theirs.send(b"ping")
reactor.callLater(0.05, theirs.close)
reactor.callLater(5, reactor.stop)
reactor.run()
