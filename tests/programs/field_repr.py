"""A dataclass and a namedtuple (their ``__repr__`` the standard library's) holding a
value whose ``__repr__`` is the program's, passed through a Deferred's chain: plain
Twisted never calls it. Traced, the recording described the dataclass and the tuple
with their own ``__repr__``, which called the field's: the program's code run for the
observer."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

from twisted.internet import defer, reactor

calls: list[str] = []


class Token:
    def __repr__(self) -> str:
        calls.append("repr")
        return "Token()"


@dataclass
class Order:
    token: Token
    count: int


Pair = namedtuple("Pair", "left right")


def ordered(order: Order) -> Pair:
    print("ordered", order.count)
    return Pair(order.token, order.count)


def paired(pair: Pair) -> None:
    print("paired", pair.right)


d: defer.Deferred[Order] = defer.Deferred()
d.addCallback(ordered)
d.addCallback(paired)
reactor.callLater(0.01, d.callback, Order(Token(), 2))
reactor.callLater(0.02, reactor.stop)
reactor.run()
print("calls of its own code:", calls)
