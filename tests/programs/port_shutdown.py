"""A port the program never stops: the reactor's shutdown closes it (Twisted logs
"(TCP Port N Closed)"). The record said at its end that the port was still listening."""

from __future__ import annotations

from twisted.internet import protocol, reactor

factory = protocol.ServerFactory()
factory.protocol = protocol.Protocol
port = reactor.listenTCP(0, factory, interface="127.0.0.1")


def leave() -> None:
    print("stopping the reactor")
    reactor.stop()


reactor.callLater(0.01, leave)
reactor.run()
print("the port is closed:", bool(port.disconnected))
