"""A small module of a person's own code, for `use` (tests/test_use.py)."""

from twisted.internet import defer, protocol, reactor, task

ticks = []


def tick():
    ticks.append(reactor.seconds())
    return len(ticks)


def parse(result):
    return int(result) * 2


def slow_io():
    return "read"


async def crawl(n):
    total = 0
    for i in range(n):
        total += await task.deferLater(reactor, 0.1, lambda i=i: i)
    return total


@defer.inlineCallbacks
def fetch(value):
    got = yield task.deferLater(reactor, 0.2, lambda: value)
    return got + 1


class Shout(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data.upper())


class ShoutFactory(protocol.ServerFactory):
    protocol = Shout
