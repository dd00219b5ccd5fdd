"""TCP: ports, connectors, build/made, data, writes and closes, lost and failed."""

from __future__ import annotations

import weakref
from typing import Any, Callable

from reactor_repl.engine.describe import (
    PAYLOAD_KEPT,
    bytes_text,
    payload,
    reason_text,
)
from reactor_repl.engine.recorder.base import (
    Base,
    _protocol_name,
    _ref,
)
from reactor_repl.engine.registry import (
    ConnRecord,
    PortRecord,
)
from reactor_repl.observe import sites


class TCPPart(Base):
    # ------------------------------------------------------------ TCP
    def tcp_listen(self, port: Any, factory: Any, frame: Any, how: str = "listenTCP") -> None:
        number = port.getHost().port
        rec, detail = self._follow("server", PortRecord, frame, False, state="listening",
                                   port=number)
        site = self._timer_calls_it() if rec.internal else ""
        if site:  # (callLater(0, reactor.listenTCP, …): the program's port)
            rec = PortRecord(self.reg.new_name("server"), "server", site, state="listening",
                             port=number)
            self.reg.add(rec)
        name = rec.name
        rec.protocol = (detail or "").strip() or _protocol_name(factory)  # type: ignore[attr-defined]
        rec.detail = f"127.0.0.1:{number} {rec.protocol}"  # type: ignore[attr-defined]
        port._rr = rec
        port._rr_label = f"{name} port {number}" if name else None
        if rec.internal:
            return
        self._keep(rec, port)
        self.eng.record("tcp.listen", name, f"{how} {port.getHost().host}:{number} "
                        f"({rec.protocol})",
                        self._data(rec, {"port": number, "protocol": rec.protocol}))

    def tcp_port_stop(self, port: Any, how: str = "stopListening()") -> None:
        """A port stops listening: asked to (``how``), or closed by the reactor's shutdown
        (``connectionLost``: session.end had said it was still listening)."""
        rec = getattr(port, "_rr", None)
        if rec is None or rec.internal or rec.state != "listening":
            return
        rec.state = "stopped"
        self.reg.finished(rec)
        self.eng.record("tcp.stop", rec.name, how, {})

    def tcp_connect(self, connector: Any, frame: Any) -> None:
        rec = getattr(connector, "_rr", None)
        if rec is not None and not rec.internal:
            # connector.connect() again: a retry (ReconnectingClientFactory's, from its
            # timer: Twisted's code) of the program's connection, under its own name
            rec.state = "connecting"
            if rec.name not in self.reg.by_name:
                self.reg.add(rec)
        else:
            rec = self._follow("client", ConnRecord, frame, False, state="connecting")[0]
            if rec.internal:  # from Twisted's code: an endpoint the person asked earlier?
                site = (self._asked_at(getattr(connector, "factory", None))
                        or self._timer_calls_it())
                if site:
                    rec = ConnRecord(self.reg.new_name("client"), "client", site,
                                     state="connecting")
                    self.reg.add(rec)
        connector._rr = rec
        dest = connector.getDestination()
        if hasattr(dest, "host"):
            text, data = f"connectTCP {dest.host}:{dest.port}", {"port": dest.port,
                                                                "host": dest.host}
        else:  # connectUNIX: Twisted's same connector and transport, to a path
            path = getattr(dest, "name", None)
            path = path.decode(errors="replace") if isinstance(path, bytes) else str(path)
            text, data = f"connectUNIX {path}", {"path": path}
        rec.detail = text
        if rec.internal:
            return
        if rec.ref is None:
            _ref(rec, connector)
        self.eng.record("tcp.connecting", rec.name, text, self._data(rec, data))

    def tcp_endpoint(self, factory: Any, frame: Any) -> None:
        # (or handed to the reactor itself: callWhenRunning(endpoint.connect, factory))
        site = sites.site_of(frame) or self._handed_site()
        if not site:
            return
        asked = self.__dict__.get("_asked")
        if asked is None:
            asked = self.__dict__["_asked"] = weakref.WeakKeyDictionary()
        try:
            asked[factory] = site
        except TypeError:  # a factory that cannot be weakly referred to: not followed
            pass

    def _timer_calls_it(self) -> str:
        """The site of the program's timer whose callable is this very call, with no code
        of the person's between (``callLater(0, reactor.connectTCP, host, port, f)``): the
        connection is the program's, though no frame of its code made it (it went
        unrecorded)."""
        ev = self.eng.current
        if ev is None or ev.kind != "timer.fire" or not ev.name:
            return ""
        rec = self.reg.get(ev.name)
        return rec.site if rec is not None and not rec.by_command else ""

    def _asked_at(self, factory: Any) -> str:
        """Where the person asked an endpoint to connect with ``factory`` — or with the
        factory it wraps (Twisted wraps it once or twice on the way to connectTCP)."""
        asked = self.__dict__.get("_asked")
        for _ in range(4):
            if not asked or factory is None:
                return ""
            try:
                site = asked.get(factory)
            except TypeError:
                return ""
            if site:
                return site  # type: ignore[no-any-return]
            factory = getattr(factory, "_wrappedFactory", None)
        return ""

    def tcp_build(self, owner: Any, addr: Any) -> None:
        rec = getattr(owner, "_rr", None)
        if rec is None or rec.internal:
            return
        peer = _address(addr)
        if isinstance(rec, PortRecord):
            rec.conns += 1
            while self.reg.taken(f"{rec.name}.{rec.conns}"):  # a person's own name (never
                rec.conns += 1  # two objects under one name: the next number free)
            name = f"{rec.name}.{rec.conns}"
            unbuilt(self.reg, owner)  # (the one before, in this same doRead, was refused)
            conn = ConnRecord(name, "conn", rec.site, False, "connecting", peer=peer,
                              protocol=rec.protocol)
            conn.detail = f"{rec.protocol} from :{getattr(addr, 'port', '?')}"
            conn.by_command = rec.by_command
            owner._rr_next = conn
            self.reg.add(conn, None)
            self.eng.dispatch("tcp.build", name, f"buildProtocol({peer}) → {rec.protocol}",
                              {"peer": getattr(addr, "port", None), "server": rec.name})
            return
        self.eng.dispatch("tcp.build", rec.name, f"buildProtocol({peer})",
                          {"peer": getattr(addr, "port", None)})

    def tcp_made(self, transport: Any, owner: Any, protocol: Any) -> None:
        orec = getattr(owner, "_rr", None)
        if orec is None or orec.internal:
            return
        if isinstance(orec, PortRecord):
            rec = getattr(owner, "_rr_next", None)
            owner._rr_next = None
            if rec is None:
                return
        else:
            rec = orec
        transport._rr = rec
        if rec.family == "conn":
            rec.ref = weakref.ref(transport)
        if rec.by_command and rec.family in ("conn", "client"):
            # a command's connection is the session's, as a plain program keeps the
            # protocol it was given: `send s1.1` after it was lost (from a timer) calls the
            # transport, which does nothing then, as in Twisted; a client paused
            # (pauseProducing: out of the reactor's sets) was collected, its socket closed
            # under the peer (kept beside the client's Deferred, held already)
            held = self.reg.strong.get(rec.name)
            self.reg.strong[rec.name] = transport if held is None else (held, transport)
        rec.state = "open"
        self.eng.tcp_open(+1)
        rec.transport = weakref.ref(transport)
        try:
            peer = transport.getPeer()
            where, port = _address(peer), getattr(peer, "port", None)
        except Exception:
            where, port = "?", None
        self.eng.dispatch("tcp.made", rec.name, f"makeConnection → connectionMade, peer {where}",
                          {"peer": port, "protocol": type(protocol).__name__})

    def tcp_data(self, transport: Any, data: bytes, run: Callable[[], Any]) -> Any:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return run()
        eng = self.eng
        n = len(data)
        rec.received += n  # (its detail, "N bytes in", is made from it when asked)
        if eng.breakpoints or eng.stepping:
            eng.gate("tcp.data", rec.name)
        # what was received, as much as is kept (as bytes, which cannot change): words
        # when asked
        return eng.timed_lazy("tcp.data", rec.name, _received,
                              (n, bytes(data[:PAYLOAD_KEPT])), eng.clock.seconds(), run)

    def tcp_read_lost(self, transport: Any, run: Callable[[], Any]) -> Any:
        """The peer half-closed a connection whose protocol reads that (it was no dispatch
        in the log: what its readConnectionLost did came after nothing)."""
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return run()
        eng = self.eng
        if eng.breakpoints or eng.stepping:
            eng.gate("tcp.readlost", rec.name)
        return eng.timed("tcp.readlost", rec.name,
                         "readConnectionLost(): the peer will send no more (it half-closed)",
                         {}, run)

    def tcp_write(self, transport: Any, data: Any) -> None:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return
        data = bytes(data)
        self.eng.record_lazy("tcp.write", rec.name, _written,
                             (len(data), data[:PAYLOAD_KEPT]))

    def tcp_close(self, transport: Any, how: str) -> None:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return
        if how == "drop":
            self.eng.record("tcp.drop", rec.name, "loseConnection(): close after pending writes",
                            {})
        elif how == "abort":
            self.eng.record("tcp.abort", rec.name, "abortConnection(): close now", {})
        else:
            self.eng.record("tcp.halfclose", rec.name,
                            "loseWriteConnection(): no more writes, still reading", {})

    def tcp_producing(self, transport: Any, paused: bool) -> None:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return
        if paused:
            self.eng.record("tcp.pause", rec.name, "pauseProducing(): no reading until resumed",
                            {})
        else:
            self.eng.record("tcp.resume", rec.name, "resumeProducing(): reading again", {})

    def tcp_lost(self, transport: Any, reason: Any, run: Callable[[], Any]) -> Any:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return run()
        if rec.state == "open":
            self.eng.tcp_open(-1)
        rec.state = "closed"
        self.reg.finished(rec)
        return self.eng.timed("tcp.lost", rec.name, f"connectionLost({reason_text(reason)})",
                              {"reason": reason_text(reason)}, run)

    def tcp_failed(self, connector: Any, reason: Any, run: Callable[[], Any]) -> Any:
        rec = getattr(connector, "_rr", None)
        if rec is None or rec.internal:
            return run()
        rec.state = "failed"
        self.reg.finished(rec)
        return self.eng.timed("tcp.failed", rec.name,
                              f"clientConnectionFailed({reason_text(reason)})",
                              {"reason": reason_text(reason)}, run)

    def tcp_client_lost(self, connector: Any, reason: Any, run: Callable[[], Any]) -> Any:
        rec = getattr(connector, "_rr", None)
        if rec is None or rec.internal:
            return run()
        return self.eng.timed("tcp.clientlost", rec.name,
                              f"clientConnectionLost({reason_text(reason)})",
                              {"reason": reason_text(reason)}, run)



def _received(n: int, kept: bytes) -> tuple[str, dict[str, Any]]:
    """A tcp.data event's text and data: ``n`` bytes, of which ``kept`` the first."""
    return f"dataReceived {n} byte{'s' if n != 1 else ''} {bytes_text(kept)}", payload(kept, n)


def _written(n: int, kept: bytes) -> tuple[str, dict[str, Any]]:
    """A tcp.write event's text and data."""
    return f"transport.write {n} byte{'s' if n != 1 else ''} {bytes_text(kept)}", {"bytes": n}


def _address(addr: Any) -> str:
    """``host:port`` (TCP), or a UNIX socket's path (connectUNIX, listenUNIX: Twisted's
    same connector and transport classes; an unnamed end has none)."""
    if hasattr(addr, "host"):
        return f"{addr.host}:{getattr(addr, 'port', '?')}"
    name = getattr(addr, "name", None)
    if isinstance(name, bytes):
        name = name.decode(errors="replace")
    return str(name) if name else "unix socket"


def unbuilt(reg: Any, port: Any) -> None:
    """The port's doRead is over: a connection it named whose factory's buildProtocol
    returned None (a refusal: Twisted closed the socket) never became one — it stayed
    "connecting" to the session's end."""
    conn = getattr(port, "_rr_next", None)
    if conn is None:
        return
    port._rr_next = None
    conn.state = "closed"
    conn.detail = "buildProtocol returned None: Twisted closed the socket"
    reg.finished(conn)
