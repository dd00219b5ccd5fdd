"""On the virtual clock a traced program may only connect over loopback.

Virtual time jumps whenever the loop is quiescent; a peer elsewhere lives on real time,
so its replies (and the connection's timeouts) would land at arbitrary virtual
instants. A ``connectTCP``/``connectSSL`` to another address is therefore refused the
way Twisted refuses a connection — the factory's ``clientConnectionFailed`` gets a
``ConnectionRefusedError``, one loop pass later — and recorded as an ``error`` saying
why. Loopback is an IP literal in 127.0.0.0/8 or ::1, or the name ``localhost``.
"""

from __future__ import annotations

import ipaddress
from types import MethodType
from typing import TYPE_CHECKING, Any

from twisted.internet import error as terror
from twisted.internet import tcp
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class _Refusal:
    """Stands in for ``tcp.Client``: fails the connector one pass later."""

    def __init__(self, connector: tcp.Connector, reason: str) -> None:
        self.connector = connector
        self._call = connector.reactor.callLater(
            0, self.failIfNotConnected, terror.ConnectionRefusedError(string=reason))

    def failIfNotConnected(self, err: Exception) -> None:
        if self._call.active():
            self._call.cancel()
        self.connector.connectionFailed(Failure(err))

    def stopConnecting(self) -> None:
        self.failIfNotConnected(terror.UserError())


class _RefusedConnector(tcp.Connector):
    """Each attempt (``connect()`` again from ``clientConnectionFailed`` too) is refused."""

    reason = ""
    record: Any = None

    def _makeTransport(self) -> _Refusal:  # noqa: N802 (Twisted's name)
        self.record(self.reason)
        return _Refusal(self, self.reason)


def keep_on_loopback(engine: Engine, reactor: Any) -> None:
    """Wrap the reactor's ``connectTCP``/``connectSSL`` (instance attributes)."""
    real_tcp = reactor.connectTCP
    real_ssl = reactor.connectSSL

    def refuse(api: str, host: str, port: int, factory: Any, timeout: float,
               bindAddress: Any) -> tcp.Connector:  # noqa: N803 (Twisted's name)
        reason = (f"{api} to {host}:{port} refused: on the virtual clock a program may "
                  "connect only over loopback (a peer elsewhere runs on real time); "
                  "run with --clock real")
        data = {"api": api, "host": host, "port": port}
        connector = _RefusedConnector(host, port, factory, timeout, bindAddress, reactor)
        connector.reason = reason
        connector.record = lambda text: engine.record("error", "", text, data)
        connector.connect()
        return connector

    def connectTCP(_reactor: Any, host: str, port: int, factory: Any,  # noqa: N802
                   timeout: float = 30, bindAddress: Any = None) -> Any:  # noqa: N803
        if is_loopback(host):
            return real_tcp(host, port, factory, timeout, bindAddress)
        return refuse("connectTCP", host, port, factory, timeout, bindAddress)

    def connectSSL(_reactor: Any, host: str, port: int, factory: Any,  # noqa: N802
                   contextFactory: Any, timeout: float = 30,  # noqa: N803
                   bindAddress: Any = None) -> Any:  # noqa: N803
        if is_loopback(host):
            return real_ssl(host, port, factory, contextFactory, timeout, bindAddress)
        return refuse("connectSSL", host, port, factory, timeout, bindAddress)

    # named as what they stand in for: a timer of the program's that calls one directly
    # (callLater(0, reactor.connectTCP, …)) read "keep_on_loopback.<locals>.connectTCP()"
    for stand_in, real in ((connectTCP, real_tcp), (connectSSL, real_ssl)):
        stand_in.__qualname__ = getattr(real, "__qualname__", stand_in.__qualname__)
        stand_in.__module__ = getattr(real, "__module__", stand_in.__module__)
    # bound methods, as Twisted's are: a class that keeps one as its attribute
    # (ftp.FTPClient's connectFactory = reactor.connectTCP) calls it as it is; a plain
    # function there became a method, and took the instance for the host
    reactor.connectTCP = MethodType(connectTCP, reactor)
    reactor.connectSSL = MethodType(connectSSL, reactor)
