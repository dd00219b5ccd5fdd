"""The reactor's methods kept as a class's attributes, as Twisted's own FTPClient keeps
``connectFactory = reactor.connectTCP``: a bound method is no descriptor, so
``self.connect(host, port, factory)`` calls it as it is. On the virtual clock the
recording's stand-in was a plain function, which the class made a method: it took the
instance for the host (AttributeError: 'Dialer' object has no attribute 'lower')."""

from __future__ import annotations

from twisted.internet import protocol, reactor


class Hello(protocol.Protocol):
    def connectionMade(self) -> None:
        print("connected", flush=True)
        self.transport.loseConnection()

    def connectionLost(self, reason: object) -> None:
        reactor.stop()


class Dialer:
    connect = reactor.connectTCP
    main_loop = reactor.mainLoop

    def go(self, port: int) -> None:
        self.connect("127.0.0.1", port, protocol.ClientFactory.forProtocol(Hello))


port = reactor.listenTCP(0, protocol.Factory.forProtocol(protocol.Protocol),
                         interface="127.0.0.1")
reactor.callWhenRunning(Dialer().go, port.getHost().port)
reactor.run()
print("end, mainLoop bound:", getattr(Dialer.main_loop, "__self__", None) is reactor)
