"""A file name that is not UTF-8, as ``os.listdir()`` gives it (a lone surrogate), passed
through a Deferred. The recording could not write it as UTF-8: trace ended in a
traceback, exit 1, its events file cut off at that event. Written escaped, it reads back
as the same string; the program's output and exit code are its own."""

from __future__ import annotations

from twisted.internet import defer, reactor

name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")


def got(result: str) -> str:
    print("got a name of", len(result), "characters")
    return result


d: defer.Deferred[str] = defer.Deferred()
d.addCallback(got)
reactor.callLater(0.01, d.callback, name)
reactor.callLater(0.02, reactor.stop)
reactor.run()
print("done")
