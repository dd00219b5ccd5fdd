"""A refused ``connectTCP`` (timeout 0.5 s) and a stop at 0.7 s: the program prints each wait
of the reactor's poller. Twisted cancels the connector's timeout, but a cancelled call stays
in its heap until its time, and the poller's timeout is the heap's first deadline: it
wakes at 0.5 s for nothing, then sleeps on to 0.7 (tests/test_io_threads_net.py)."""

from __future__ import annotations

from typing import Any

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import protocol, reactor  # noqa: E402 (the epoll reactor, above)

began = reactor.seconds()
poll = reactor.doIteration


def waits(timeout: float | None) -> None:
    if timeout:
        print(f"poll at {reactor.seconds() - began:.1f} for {timeout:.1f}", flush=True)
    poll(timeout)


class Refused(protocol.ClientFactory):
    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        print("refused", flush=True)


reactor.doIteration = waits  # type: ignore[method-assign]
probe = reactor.listenTCP(0, protocol.Factory(), interface="127.0.0.1")
closed = probe.getHost().port
probe.stopListening()
reactor.connectTCP("127.0.0.1", closed, Refused(), timeout=0.5)
reactor.callLater(0.7, reactor.stop)
reactor.run()
