"""A program's own info lines — a ``Logger``'s and a legacy ``log.msg`` — beside
Twisted's chatter about a factory. Traced, every info line was hidden as Twisted's
("Starting factory …" is; the program's are what it meant to say)."""

from __future__ import annotations

from twisted.internet import protocol, reactor
from twisted.logger import Logger
from twisted.python import log as legacy

log = Logger(namespace="program_logs")


def report() -> None:
    print("logging two lines")
    log.info("the program's own info line {n}", n=1)
    legacy.msg("the program's legacy line")
    reactor.stop()


factory = protocol.ServerFactory()
factory.protocol = protocol.Protocol
reactor.listenTCP(0, factory, interface="127.0.0.1")
reactor.callLater(0.01, report)
reactor.run()
