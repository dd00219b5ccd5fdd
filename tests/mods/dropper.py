"""A module that, at import and whenever asked, makes a Deferred a timer fails 0.1 s later
and keeps nothing of it (tests/test_use.py: used in a session, and imported by the plain
program tests/mods/dropper_plain.py)."""

from twisted.internet import defer, reactor


def later_drop() -> None:
    d: defer.Deferred[None] = defer.Deferred()
    reactor.callLater(0.1, d.errback, ValueError("dropped"))


later_drop()
