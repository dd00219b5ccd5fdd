"""A twistd application (``twistd -n -y echo_service.tac``): an echo service on loopback,
and a client that, once the service runs, sends one line, reads its echo and stops
the reactor — so it ends on its own."""

from twisted.application import internet, service
from twisted.internet import protocol, reactor
from twisted.protocols.basic import LineReceiver


class Echo(LineReceiver):
    def lineReceived(self, line):
        self.sendLine(line)


class Client(LineReceiver):
    def connectionMade(self):
        self.sendLine(b"ping")

    def lineReceived(self, line):
        print(f"client got {line.decode()}")
        self.transport.loseConnection()
        reactor.stop()


class SelfTest(service.Service):
    """Once running, connects a client to the echo service's port."""

    def __init__(self, server):
        self.server = server

    def startService(self):
        super().startService()
        port = self.server._port.getHost().port
        reactor.connectTCP("127.0.0.1", port, protocol.ClientFactory.forProtocol(Client))


application = service.Application("echo")
server = internet.TCPServer(0, protocol.ServerFactory.forProtocol(Echo), interface="127.0.0.1")
server.setServiceParent(application)
SelfTest(server).setServiceParent(application)
