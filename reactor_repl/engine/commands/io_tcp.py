"""File descriptors and TCP: the seed's IReadDescriptor reader, transports,
protocols and factories on loopback.

The reader is a real ``os.pipe`` with a real ``IReadDescriptor`` registered
with ``addReader``; TCP is real ``listenTCP``/``connectTCP`` on 127.0.0.1.
Every protocol and factory callback Twisted makes is recorded where it runs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from twisted.internet import main, protocol
from twisted.internet.interfaces import IReadDescriptor
from twisted.python.failure import Failure
from zope.interface import implementer

from reactor_repl.engine.commands import handles
from reactor_repl.engine.commands.deferreds import new_deferred
from reactor_repl.engine.core import CommandError, Obj

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed

POEM = (
    "The reactor turns, the callbacks wait,\n"
    "each one in line, none early, none late;\n"
    "block it once and all stand still —\n"
    "return at once, and no one will.\n"
)
POEM_CHUNK = 16
POEM_PAUSE = 0.1


def _bytes_text(data: bytes) -> str:
    shown = repr(data)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _reason(reason: Any) -> str:
    if isinstance(reason, Failure):
        return f"{reason.type.__name__}: {reason.getErrorMessage()}"
    return str(reason)


# --------------------------------------------------------------------- readers
@implementer(IReadDescriptor)
class PipeReader:
    """The seed's MySocket done right: non-blocking, at most ``chunk`` bytes per doRead."""

    _rr_own = True  # the reactor does not record our I/O as internal: we record it

    def __init__(self, eng: Engine, obj: Obj, chunk: int) -> None:
        self.eng = eng
        self.obj = obj
        self.chunk = chunk
        self.rfd: int | None
        self.wfd: int | None
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self.total = 0

    # IReadDescriptor
    def fileno(self) -> int:
        return self.rfd if self.rfd is not None else -1

    def logPrefix(self) -> str:
        return f"reader {self.obj.name}"

    def doRead(self) -> Any:
        eng, name = self.eng, self.obj.name
        try:
            data = os.read(self.rfd, self.chunk) if self.rfd is not None else b""
        except BlockingIOError:
            eng.dispatch("reader.read", name, "doRead(): nothing to read yet", {"bytes": 0})
            return None
        except OSError as e:
            eng.dispatch("reader.read", name, f"doRead(): {e.strerror} → CONNECTION_LOST",
                         {"bytes": 0, "error": str(e)})
            return main.CONNECTION_LOST
        if not data:
            eng.dispatch("reader.read", name, "doRead(): end of file → CONNECTION_DONE",
                         {"bytes": 0, "eof": True})
            return main.CONNECTION_DONE
        self.total += len(data)
        self.obj.detail = f"{self.total} bytes read"
        eng.dispatch("reader.read", name, f"doRead(): {len(data)} bytes {_bytes_text(data)}",
                     {"bytes": len(data), "data": data.decode("utf-8", "replace")})
        return None

    def connectionLost(self, reason: Any) -> None:
        eng = self.eng
        self.obj.state = "closed"
        eng.dispatch("reader.lost", self.obj.name, f"connectionLost({_reason(reason)})",
                     {"reason": _reason(reason)})
        eng.reactor.removeReader(self)
        self.close_read()

    def close_read(self) -> None:
        if self.rfd is not None:
            os.close(self.rfd)
            self.rfd = None

    def close(self) -> None:
        self.close_read()
        if self.wfd is not None:
            os.close(self.wfd)
            self.wfd = None


def _reader(eng: Engine, name: str) -> PipeReader:
    return eng.get(name, "reader").data["handle"]


@handles("reader")
def reader(eng: Engine, p: Parsed) -> None:
    chunk = p["N"] or 1024
    name = eng.new_name("reader", p["NAME"])
    obj = eng.add(Obj(name, "reader", "watching", "0 bytes read"))
    rd = PipeReader(eng, obj, chunk)
    obj.data["handle"] = rd
    eng.open_resources.append(rd)
    eng.reactor.addReader(rd)
    eng.record("reader.add", name, f"addReader: pipe fd {rd.rfd}, doRead reads ≤ {chunk} bytes",
               {"chunk": chunk})


@handles("write")
def write(eng: Engine, p: Parsed) -> None:
    rd = _reader(eng, p["NAME"])
    if rd.wfd is None:
        raise CommandError(f"{p['NAME']} is closed for writing", "make a new reader")
    data = p["DATA"].encode("utf-8")
    # recorded first: the reactor thread may read it before os.write even returns
    eng.record("reader.write", p["NAME"], f"{len(data)} bytes into the pipe {_bytes_text(data)}",
               {"bytes": len(data)})
    try:
        n = os.write(rd.wfd, data)
    except BlockingIOError:
        raise CommandError("the pipe is full", "let the reader read first") from None
    if n < len(data):
        eng.record("reader.write", p["NAME"], f"only {n} bytes fitted: the pipe is full",
                   {"bytes": n, "short": True})


@handles("close")
def close(eng: Engine, p: Parsed) -> None:
    rd = _reader(eng, p["NAME"])
    if rd.wfd is None:
        raise CommandError(f"{p['NAME']} is already closed")
    eng.record("reader.close", p["NAME"], "writing end closed: the reader will see end of file", {})
    os.close(rd.wfd)
    rd.wfd = None


@handles("removeReader")
def remove_reader(eng: Engine, p: Parsed) -> None:
    obj = eng.get(p["NAME"], "reader")
    _remove(eng, obj)


def _remove(eng: Engine, obj: Obj) -> None:
    if obj.state != "watching":
        raise CommandError(f"{obj.name} is {obj.state}, not being watched")
    eng.reactor.removeReader(obj.data["handle"])
    obj.state = "paused"
    eng.record("reader.remove", obj.name, "removeReader: the loop stops watching it", {})


@handles("addReader")
def add_reader(eng: Engine, p: Parsed) -> None:
    obj = eng.get(p["NAME"], "reader")
    if obj.state != "paused":
        raise CommandError(f"{obj.name} is {obj.state}",
                           "addReader resumes a reader paused with removeReader")
    eng.reactor.addReader(obj.data["handle"])
    obj.state = "watching"
    eng.record("reader.add", obj.name, "addReader: watched again", {})


# ------------------------------------------------------------------------ TCP
class TracedProtocol(protocol.Protocol):
    """Records every callback; ``behaviour`` is echo, discard, poetry or client."""

    def __init__(self, eng: Engine, obj: Obj, behaviour: str) -> None:
        self.eng = eng
        self.obj = obj
        self.behaviour = behaviour
        self.received: list[bytes] = []

    def makeConnection(self, transport: Any) -> None:
        self.obj.data["transport"] = transport
        super().makeConnection(transport)

    def connectionMade(self) -> None:
        eng = self.eng
        self.obj.state = "open"
        peer = self.transport.getPeer()
        eng.dispatch("tcp.made", self.obj.name,
                     f"makeConnection → connectionMade, peer {peer.host}:{peer.port}",
                     {"peer": peer.port, "role": self.behaviour})
        if self.behaviour == "poetry":
            self._poem_from(0)

    def _poem_from(self, offset: int) -> None:
        eng = self.eng
        if self.obj.state != "open":
            return
        chunk = POEM[offset:offset + POEM_CHUNK].encode()
        send(eng, self.obj, chunk)
        if offset + POEM_CHUNK < len(POEM):
            def next_chunk() -> None:
                eng.dispatch("timer.fire", self.obj.name, "poetry: next chunk", {}, internal=True)
                self._poem_from(offset + POEM_CHUNK)

            eng.reactor.raw_call_later(POEM_PAUSE, next_chunk)
        else:
            eng.record("tcp.write", self.obj.name, "loseConnection(): the poem is done", {})
            self.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        eng = self.eng
        self.received.append(data)
        total = sum(len(c) for c in self.received)
        self.obj.detail = f"{total} bytes in"
        eng.dispatch("tcp.data", self.obj.name, f"dataReceived {len(data)} bytes {_bytes_text(data)}",
                     {"bytes": len(data), "data": data.decode("utf-8", "replace")})
        if self.behaviour == "echo":
            send(eng, self.obj, data)

    def connectionLost(self, reason: Any = protocol.connectionDone) -> None:
        eng = self.eng
        self.obj.state = "closed"
        eng._tcp_count -= 1
        eng.dispatch("tcp.lost", self.obj.name, f"connectionLost({_reason(reason)})",
                     {"reason": _reason(reason)})
        d = self.obj.deferred
        if d is not None and not d.called:
            d.callback(b"".join(self.received))


def send(eng: Engine, obj: Obj, data: bytes) -> None:
    transport = obj.data.get("transport")
    if transport is None or obj.state != "open":
        raise CommandError(f"{obj.name} is {obj.state}, not open")
    eng.record("tcp.write", obj.name, f"transport.write {len(data)} bytes {_bytes_text(data)}",
               {"bytes": len(data)})
    transport.write(data)


class TracedServerFactory(protocol.ServerFactory):
    def __init__(self, eng: Engine, server: Obj, behaviour: str) -> None:
        self.eng = eng
        self.server = server
        self.behaviour = behaviour
        self.count = 0

    def buildProtocol(self, addr: Any) -> TracedProtocol:
        eng = self.eng
        self.count += 1
        name = f"{self.server.name}.{self.count}"
        obj = eng.add(Obj(name, "conn", "connecting", f"{self.behaviour} from :{addr.port}"))
        eng._tcp_count += 1
        eng.dispatch("tcp.build", name, f"buildProtocol({addr.host}:{addr.port}) → {self.behaviour}",
                     {"peer": addr.port, "server": self.server.name})
        proto = TracedProtocol(eng, obj, self.behaviour)
        proto.factory = self
        obj.data["handle"] = proto
        return proto


class TracedClientFactory(protocol.ClientFactory):
    def __init__(self, eng: Engine, obj: Obj) -> None:
        self.eng = eng
        self.obj = obj

    def buildProtocol(self, addr: Any) -> TracedProtocol:
        eng = self.eng
        eng.dispatch("tcp.build", self.obj.name, f"buildProtocol({addr.host}:{addr.port})",
                     {"peer": addr.port})
        proto = TracedProtocol(eng, self.obj, "client")
        proto.factory = self
        self.obj.data["handle"] = proto
        return proto

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        eng = self.eng
        self.obj.state = "failed"
        eng._tcp_count -= 1
        eng.dispatch("tcp.failed", self.obj.name, f"clientConnectionFailed({_reason(reason)})",
                     {"reason": _reason(reason)})
        d = self.obj.deferred
        if d is not None and not d.called:
            d.errback(reason)

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        self.eng.record("tcp.clientlost", self.obj.name,
                        f"clientConnectionLost({_reason(reason)})", {"reason": _reason(reason)})


@handles("listen")
def listen(eng: Engine, p: Parsed) -> None:
    behaviour = p["PROTOCOL"] or "echo"
    name = eng.new_name("server", p["NAME"])
    obj = eng.add(Obj(name, "server", "listening"))
    factory = TracedServerFactory(eng, obj, behaviour)
    try:
        port = eng.reactor.listenTCP(p["PORT"] or 0, factory, interface="127.0.0.1")
    except Exception as e:
        obj.state = "failed"
        raise CommandError(f"cannot listen: {e}", "try port 0 for a free port") from None
    number = port.getHost().port
    port._rr_label = f"{name} port {number}"
    obj.data.update(handle=port, port=number)
    obj.detail = f"127.0.0.1:{number} {behaviour}"
    eng.record("tcp.listen", name, f"listenTCP 127.0.0.1:{number} ({behaviour})",
               {"port": number, "protocol": behaviour})


@handles("connect")
def connect(eng: Engine, p: Parsed) -> None:
    words = list(p["NAMES"])
    if len(words) > 2:
        raise CommandError("connect takes [NAME] TARGET", "e.g. connect c1 s1")
    requested = words[0] if len(words) == 2 else None
    target = words[-1]
    if target.isdigit():
        port_number = int(target)
        if not 0 < port_number < 65536:
            raise CommandError(f"port {port_number} is out of range")
    else:
        server = eng.get(target, "server")
        port_number = server.data["port"]
    obj, d = new_deferred(eng, "client", requested, "connecting", f"connectTCP 127.0.0.1:{port_number}")
    factory = TracedClientFactory(eng, obj)
    eng._tcp_count += 1
    eng.record("tcp.connecting", obj.name, f"connectTCP 127.0.0.1:{port_number}",
               {"port": port_number})
    obj.data["connector"] = eng.reactor.connectTCP("127.0.0.1", port_number, factory, timeout=5)


def _conn(eng: Engine, name: str) -> Obj:
    return eng.get(name, "client", "conn")


@handles("send")
def send_cmd(eng: Engine, p: Parsed) -> None:
    send(eng, _conn(eng, p["NAME"]), p["DATA"].encode("utf-8"))


@handles("drop", "abort")
def drop(eng: Engine, p: Parsed) -> None:
    obj = _conn(eng, p["NAME"])
    transport = obj.data.get("transport")
    if transport is None or obj.state != "open":
        raise CommandError(f"{obj.name} is {obj.state}, not open")
    if p.name == "drop":
        eng.record("tcp.write", obj.name, "loseConnection(): close after pending writes", {})
        transport.loseConnection()
    else:
        eng.record("tcp.write", obj.name, "abortConnection(): close now", {})
        transport.abortConnection()


def cancel(eng: Engine, obj: Obj) -> None:
    """``cancel`` for readers (removeReader) and servers (stopListening)."""
    if obj.family == "reader":
        _remove(eng, obj)
        return
    if obj.family == "server":
        if obj.state != "listening":
            raise CommandError(f"{obj.name} is {obj.state}")
        obj.state = "stopped"
        eng.record("tcp.stop", obj.name, "stopListening()", {})
        obj.data["handle"].stopListening()
        return
    raise CommandError(f"{obj.name} cannot be cancelled")
