"""A writer on a pipe writes in chunks of 3 bytes and a reader reads them 4 at a time."""

from __future__ import annotations

import os

from twisted.internet.interfaces import IReadDescriptor, IWriteDescriptor
from zope.interface import implementer

from passes import reactor, rec, run_reactor

rfd, wfd = os.pipe()
os.set_blocking(rfd, False)
os.set_blocking(wfd, False)


@implementer(IReadDescriptor)
class Reader:
    def fileno(self):
        return rfd

    def logPrefix(self):
        return "Reader"

    def doRead(self):
        rec("reader.read", "r1", len(os.read(rfd, 4)))

    def connectionLost(self, reason):
        pass


@implementer(IWriteDescriptor)
class Writer:
    buffer = b""

    def fileno(self):
        return wfd

    def logPrefix(self):
        return "Writer"

    def doWrite(self):
        n = os.write(wfd, self.buffer[:3])
        rec("writer.write", "w1", n)
        self.buffer = self.buffer[n:]
        if not self.buffer:
            reactor.removeWriter(self)

    def connectionLost(self, reason):
        pass


w = Writer()


def send():
    w.buffer += b"hello"
    reactor.addWriter(w)


def start():
    reactor.addReader(Reader())
    reactor.addWriter(w)
    reactor.callLater(0.1, send)


UNTIL = 0.3
run_reactor(start, UNTIL)
