"""A pool thread that is a client of the program's own web server: deferToThread of a
blocking urlopen. Under trace --clock virtual the loop waited for the thread to finish
before it looked at its sockets again, so the request went unanswered until the
client's socket timed out (5 s a request; both requests failed with TimeoutError)."""

from __future__ import annotations

import urllib.request

from twisted.internet import defer, reactor, threads
from twisted.web import resource, server


class Hello(resource.Resource):
    isLeaf = True

    def render_GET(self, request: server.Request) -> bytes:
        print("server: GET", request.path.decode())
        return b"hello " + request.path[1:]


port = reactor.listenTCP(0, server.Site(Hello()), interface="127.0.0.1").getHost().port


def fetch(path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as reply:
        return reply.read().decode()


@defer.inlineCallbacks
def main():  # type: ignore[no-untyped-def]
    for path in ("a", "b"):
        try:
            body = yield threads.deferToThread(fetch, path)
            print("client:", body)
        except Exception as e:  # noqa: BLE001 - what the program says of it is the point
            print("client:", path, "failed", type(e).__name__)
    reactor.stop()


reactor.callWhenRunning(main)
reactor.run()
print("done")
