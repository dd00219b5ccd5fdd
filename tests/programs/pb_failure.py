"""A Deferred errbacked with a Perspective Broker ``CopiedFailure`` (what a remote error
arrives as): its ``type`` is the remote class's name, as bytes. Traced, describing the
failure raised inside ``errback()``: the program's errback never ran (a PB call hung)."""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.spread import pb

copied = pb.CopiedFailure.__new__(pb.CopiedFailure)  # as jelly makes it
copied.setCopyableState(pb.CopyableFailure(ValueError("kaboom")).getStateToCopy())
d: defer.Deferred[object] = defer.Deferred()
d.addErrback(lambda f: print("errback ran:", f.getErrorMessage()))


def fail() -> None:
    print("type is", type(copied.type).__name__)
    d.errback(copied)
    reactor.stop()


reactor.callWhenRunning(fail)
reactor.run()
