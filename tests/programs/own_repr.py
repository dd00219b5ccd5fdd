"""Values with a ``__repr__`` (and an exception with a ``__str__``) of the program's own,
passed through a Deferred's chain: plain Twisted never calls them here. Traced, the
recording called ``__repr__`` 8 times an object and ``__str__`` as the chain failed —
the program's code run for the observer (a side effect; a slow one made timers late)."""

from __future__ import annotations

from twisted.internet import defer, reactor

calls: list[str] = []


class Token:
    def __repr__(self) -> str:
        calls.append("repr")
        return "Token()"


class Refused(Exception):
    def __str__(self) -> str:
        calls.append("str")
        return "refused"


def check(token: Token) -> Token:
    print("checking a token")
    raise Refused()


def recover(failure: object) -> Token:
    print("recovered")
    return Token()


d: defer.Deferred[Token] = defer.Deferred()
d.addCallback(check)
d.addErrback(recover)
reactor.callLater(0.01, d.callback, Token())
reactor.callLater(0.02, reactor.stop)
reactor.run()
print("calls of its own code:", calls)
