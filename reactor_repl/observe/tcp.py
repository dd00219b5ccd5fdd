"""TCP: what Twisted's transports and connectors do for any protocol and factory.

The protocols and factories are the person's classes; the seams are Twisted's own
code that calls them, patched once: ``Port._buildAddr`` (evaluated just before a
server's ``factory.buildProtocol``), ``Server.__init__`` (just before its
``makeConnection``), ``BaseConnector.buildProtocol`` (a client's), the
transport's ``_dataReceived``, ``write``, ``loseConnection``, ``abortConnection``
``connectionLost``, ``pauseProducing`` and ``resumeProducing``, and the connector's ``connectionFailed`` and
``connectionLost`` (``clientConnectionFailed`` / ``clientConnectionLost``).
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Any

from twisted.internet import base, tcp
from twisted.internet.interfaces import IHalfCloseableProtocol

from reactor_repl.observe import sites
from reactor_repl.observe.state import STATE, after_import, off_thread, put_in_place_of

Connection = tcp.Connection
_orig: dict[str, Any] = {}


def _observed() -> Any:
    return STATE.observer


def _build_addr(self: Any, address: Any) -> Any:
    addr = _orig["Port._buildAddr"](self, address)
    obs = STATE.observer
    if obs is not None:
        obs.tcp_build(self, addr)  # the next thing Port.doRead does is factory.buildProtocol
    return addr


def _server_init(self: Any, sock: Any, protocol: Any, client: Any, server: Any, sessionno: Any,
                 reactor: Any) -> None:
    _orig["Server.__init__"](self, sock, protocol, client, server, sessionno, reactor)
    obs = STATE.observer
    if obs is not None:
        obs.tcp_made(self, server, protocol)  # Port.doRead calls makeConnection next


def _connector_build(self: Any, addr: Any) -> Any:
    obs = STATE.observer
    if obs is None:
        return _orig["BaseConnector.buildProtocol"](self, addr)
    obs.tcp_build(self, addr)
    proto = _orig["BaseConnector.buildProtocol"](self, addr)
    transport = getattr(self, "transport", None)
    if proto is not None and transport is not None:
        obs.tcp_made(transport, self, proto)  # _connectDone calls makeConnection next
    return proto


def _connector_connect(self: Any) -> None:
    obs = STATE.observer
    if obs is not None and self.state == "disconnected":
        if off_thread():
            obs.wrong_thread("reactor.connectTCP", sys._getframe(2))
        obs.tcp_connect(self, sys._getframe(1))
    return _orig["BaseConnector.connect"](self)


def _hostname_connect(self: Any, protocolFactory: Any) -> Any:
    """``HostnameEndpoint.connect``: it connects later, from Twisted's own callbacks (once
    the name is resolved), where no frame of the person's is on the stack; the observer
    learns here where they asked for it."""
    obs = STATE.observer
    if obs is not None:
        obs.tcp_endpoint(protocolFactory, sys._getframe(1))
    return _orig["HostnameEndpoint.connect"](self, protocolFactory)


ENDPOINTS = "twisted.internet.endpoints"


def _hook_endpoints(module: Any) -> None:
    if "HostnameEndpoint.connect" not in _orig:
        _orig["HostnameEndpoint.connect"] = module.HostnameEndpoint.connect
        put_in_place_of(module.HostnameEndpoint, "connect", _hostname_connect)


def watch_endpoints() -> None:
    """Hook ``HostnameEndpoint.connect`` once the program imports the endpoints."""
    after_import(ENDPOINTS, _hook_endpoints)


def _connection_failed(self: Any, reason: Any) -> None:
    obs = STATE.observer
    run = partial(_orig["BaseConnector.connectionFailed"], self, reason)
    if obs is None:
        return run()
    return obs.tcp_failed(self, reason, run)


def _connector_lost(self: Any, reason: Any) -> None:
    obs = STATE.observer
    run = partial(_orig["BaseConnector.connectionLost"], self, reason)
    if obs is None:
        return run()
    return obs.tcp_client_lost(self, reason, run)


def _data_received(self: Any, data: Any) -> Any:
    obs = STATE.observer
    if obs is None or not data:
        return _orig["Connection._dataReceived"](self, data)
    return obs.tcp_data(self, data, partial(_orig["Connection._dataReceived"], self, data))


def _connection_lost(self: Any, reason: Any) -> Any:
    obs = STATE.observer
    if obs is None or not hasattr(self, "socket"):  # (Twisted's own guard: called twice)
        return _orig["Connection.connectionLost"](self, reason)
    return obs.tcp_lost(self, reason, partial(_orig["Connection.connectionLost"], self, reason))


def _read_lost(self: Any, reason: Any) -> Any:
    obs = STATE.observer
    if obs is None or IHalfCloseableProtocol(self.protocol, None) is None:
        return _orig["Connection.readConnectionLost"](self, reason)  # (its connectionLost)
    return obs.tcp_read_lost(self, partial(_orig["Connection.readConnectionLost"], self, reason))


def _write(self: Any, data: Any) -> None:
    # recorded when Twisted takes it: bytes (else its TypeError, as without us), on a
    # connection it still writes on (also after loseConnection: what is pending goes out)
    obs = STATE.observer
    if (obs is not None and data and isinstance(data, bytes) and self.connected
            and not self._writeDisconnected):
        if off_thread():
            obs.wrong_thread("transport.write", sys._getframe(1))
        obs.tcp_write(self, data)
    _orig["Connection.write"](self, data)


def _write_sequence(self: Any, iovec: Any) -> None:
    # a list or tuple of bytes, as Twisted takes it (it iterates what it is given twice:
    # a generator's chunks are checked and never sent; joined here, they would be gone)
    obs = STATE.observer
    if (obs is not None and iovec and type(iovec) in (list, tuple) and self.connected
            and not self._writeDisconnected and all(isinstance(i, bytes) for i in iovec)):
        obs.tcp_write(self, b"".join(iovec))
    _orig["Connection.writeSequence"](self, iovec)


def _lose(self: Any, *args: Any, **kw: Any) -> Any:
    obs = STATE.observer
    if obs is not None and self.connected and not self.disconnecting:
        obs.tcp_close(self, "drop")
    return _orig["Connection.loseConnection"](self, *args, **kw)


def _abort(self: Any) -> Any:
    obs = STATE.observer
    if obs is not None and self.connected and not getattr(self, "_aborting", False):
        obs.tcp_close(self, "abort")
    return _orig["Connection.abortConnection"](self)


def _lose_write(self: Any) -> Any:
    obs = STATE.observer
    if obs is not None and self.connected and not self.disconnecting:
        obs.tcp_close(self, "halfclose")
    return _orig["Connection.loseWriteConnection"](self)


def _pause(self: Any) -> Any:
    obs = STATE.observer
    if obs is not None and self.connected and not self.disconnecting:
        obs.tcp_producing(self, True)
    return _orig["Connection.pauseProducing"](self)


def _resume(self: Any) -> Any:
    obs = STATE.observer
    if obs is not None and self.connected and not self.disconnecting:
        obs.tcp_producing(self, False)
    return _orig["Connection.resumeProducing"](self)


def _port_lose(self: Any, *args: Any, **kw: Any) -> Any:
    obs = STATE.observer
    if obs is not None and self.connected and not self.disconnecting:
        obs.tcp_port_stop(self)
    return _orig["Port.loseConnection"](self, *args, **kw)


def _port_lost(self: Any, reason: Any) -> Any:
    obs = STATE.observer
    if obs is not None:  # (after loseConnection too: recorded there already, once)
        obs.tcp_port_stop(self, "connectionLost: the reactor's shutdown closed it")
    return _orig["Port.connectionLost"](self, reason)


_PATCHES = (
    (tcp.Port, "_buildAddr", _build_addr),
    (tcp.Server, "__init__", _server_init),
    (base.BaseConnector, "connect", _connector_connect),
    (base.BaseConnector, "buildProtocol", _connector_build),
    (base.BaseConnector, "connectionFailed", _connection_failed),
    (base.BaseConnector, "connectionLost", _connector_lost),
    (Connection, "_dataReceived", _data_received),
    (Connection, "connectionLost", _connection_lost),
    (Connection, "readConnectionLost", _read_lost),
    (Connection, "write", _write),
    (Connection, "writeSequence", _write_sequence),
    (Connection, "loseConnection", _lose),
    (Connection, "abortConnection", _abort),
    (Connection, "loseWriteConnection", _lose_write),
    (Connection, "pauseProducing", _pause),
    (Connection, "resumeProducing", _resume),
    (tcp.Port, "loseConnection", _port_lose),
    (tcp.Port, "stopListening", _port_lose),
    (tcp.Port, "connectionLost", _port_lost),
)

sites.mark_boundary(_data_received.__code__, _connection_lost.__code__, _read_lost.__code__,
                    _connection_failed.__code__, _connector_lost.__code__)


def install() -> None:
    if _orig:
        return
    for cls, name, fn in _PATCHES:
        _orig[f"{cls.__name__}.{name}"] = getattr(cls, name)
    for cls, name, fn in _PATCHES:
        put_in_place_of(cls, name, fn)
    watch_endpoints()
