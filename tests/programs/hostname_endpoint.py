"""A client through ``HostnameEndpoint`` (the endpoint Twisted recommends for clients, and
``Agent``'s): it resolves the name, then connects from Twisted's own callbacks, where no
frame of the program's is on the stack. Traced, that connection was taken for one of
Twisted's own: its connecting, data and close were not recorded."""

from __future__ import annotations

from twisted.internet import endpoints, protocol, reactor


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


port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
endpoint = endpoints.HostnameEndpoint(reactor, b"127.0.0.1", port.getHost().port)
endpoint.connect(protocol.ClientFactory.forProtocol(Client))
reactor.run()
