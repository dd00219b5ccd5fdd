"""File descriptors and TCP: the seed's IReadDescriptor reader, transports,
protocols and factories on loopback — the plain pieces of ``runtime``.

The reader is a real ``os.pipe`` with a real ``IReadDescriptor`` registered
with ``addReader``; TCP is real ``listenTCP``/``connectTCP`` on 127.0.0.1. What
Twisted then does with them is recorded by the observation layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet import defer, protocol

from reactor_repl import runtime
from reactor_repl.engine.commands import handles
from reactor_repl.engine.core import CommandError
from reactor_repl.engine.describe import bytes_text, plural
from reactor_repl.language.parser import colon_form

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.engine.registry import Record
    from reactor_repl.language.parser import Parsed


# --------------------------------------------------------------------- readers
# what a connection takes where a reader's command was given (write c1 hi: send c1 hi)
_FOR_A_CONNECTION = {"write": "send NAME DATA writes to a connection",
                     "close": "drop NAME closes a connection"}


def _reader(eng: Engine, name: str, command: str = "") -> tuple[Record, runtime.PipeReader]:
    try:
        rec = eng.get(name, "reader")
    except CommandError as e:
        other = eng.registry.get(name)
        if other is None or other.family not in ("client", "conn") or command not in _FOR_A_CONNECTION:
            raise
        raise CommandError(e.message, _FOR_A_CONNECTION[command].replace("NAME", name),
                           word=name) from None
    return rec, rec.obj


@handles("reader")
def reader(eng: Engine, p: Parsed) -> None:
    chunk = p["N"] or 1024
    rd = runtime.PipeReader(chunk)
    eng.open_resources.append(rd)
    with eng.claim("reader", p["NAME"], detail=f"pipe fd {rd.rfd}, doRead reads ≤ {plural(chunk, 'byte')}"
                   ) as claim:
        eng.reactor.addReader(rd)
    eng.registry.strong[claim.name] = rd


@handles("write")
def write(eng: Engine, p: Parsed) -> None:
    rec, rd = _reader(eng, p["NAME"], "write")
    if rd.wfd is None:
        raise CommandError(f"{p['NAME']} is closed for writing", "make a new reader")
    data = p["DATA"].encode("utf-8")
    # recorded first: the reactor thread may read it before os.write even returns
    eng.record("reader.write", rec.name, f"{len(data)} byte{'s' if len(data) != 1 else ''} "
               f"into the pipe {bytes_text(data)}", {"bytes": len(data)})
    try:
        n = rd.write(data)
    except BlockingIOError:
        raise CommandError("the pipe is full", "let the reader read first") from None
    if n < len(data):
        eng.record("reader.write", rec.name, f"only {plural(n, 'byte')} fitted: the pipe is full",
                   {"bytes": n, "short": True})


@handles("close")
def close(eng: Engine, p: Parsed) -> None:
    rec, rd = _reader(eng, p["NAME"], "close")
    if rd.wfd is None:
        raise CommandError(f"{p['NAME']} is already closed")
    eng.record("reader.close", rec.name, "writing end closed: the reader will see end of file",
               {})
    rd.close_write()


@handles("writer")
def writer(eng: Engine, p: Parsed) -> None:
    rec, rd = _reader(eng, p["READER"])
    if rd.wfd is None:
        raise CommandError(f"{rec.name} is closed for writing", "make a new reader")
    chunk = p["N"] or 1024
    wr = runtime.PipeWriter(rd, eng.reactor, chunk)
    with eng.claim("writer", p["NAME"], detail=f"into {rec.name}'s pipe (fd {rd.wfd}), doWrite "
                   f"writes ≤ {chunk} bytes") as claim:
        eng.reactor.addWriter(wr)  # nothing to write yet: its first doWrite stops the watch
    eng.registry.strong[claim.name] = wr


@handles("removeReader")
def remove_reader(eng: Engine, p: Parsed) -> None:
    rec, rd = _reader(eng, p["NAME"])
    if rec.state != "watching":
        raise CommandError(f"{rec.name} is {rec.state}, not being watched")
    eng.reactor.removeReader(rd)


@handles("addReader")
def add_reader(eng: Engine, p: Parsed) -> None:
    rec, rd = _reader(eng, p["NAME"])
    if rec.state != "paused":
        raise CommandError(f"{rec.name} is {rec.state}",
                           "addReader resumes a reader paused with removeReader")
    eng.reactor.addReader(rd)


# ------------------------------------------------------------------------ TCP
@handles("listen")
def listen(eng: Engine, p: Parsed) -> None:
    behaviour = p["PROTOCOL"] or "echo"
    greet = p["DATA"].encode("utf-8") if p.args.get("DATA") is not None else None
    if ":" in behaviour:
        if greet is not None:
            raise CommandError("greet goes with echo, discard or poetry",
                               "your own protocol writes what it likes in connectionMade")
        factory = _factory(eng, behaviour, protocol.ServerFactory)
    else:
        factory = runtime.server_factory(behaviour, greet)
    with eng.claim("server", p["NAME"], detail=behaviour) as claim:
        try:
            port = eng.reactor.listenTCP(p["PORT"] or 0, factory, interface="127.0.0.1")
        except Exception as e:
            raise CommandError(f"cannot listen: {e}", "try port 0 for a free port") from None
    eng.registry.strong[claim.name] = port


@handles("connect")
def connect(eng: Engine, p: Parsed) -> None:
    words = list(p["NAMES"])
    if len(words) > 2:
        last = words[-1]
        raise CommandError("connect takes [NAME] TARGET [PROTOCOL]", (
            f"a protocol of your code goes with a colon: {colon_form(last)}" if "." in last
            else "e.g. connect c1 s1"), word=last if "." in last else "")
    requested = words[0] if len(words) == 2 else None
    target = words[-1]
    if target.isdigit():
        port_number = int(target)
        if not 0 < port_number < 65536:
            raise CommandError(f"port {port_number} is out of range")
    else:
        server = eng.get(target, "server")
        port_number = server.port  # type: ignore[attr-defined]
    if p.args.get("PROTOCOL"):
        factory = _factory(eng, p["PROTOCOL"], protocol.ClientFactory)
        with eng.claim("client", requested, detail=f"connectTCP 127.0.0.1:{port_number}"):
            eng.reactor.connectTCP("127.0.0.1", port_number, factory, timeout=5)
        return
    with eng.claim("client", requested, "deferred",
                   detail=f"connectTCP 127.0.0.1:{port_number}") as claim:
        d: defer.Deferred = defer.Deferred()  # type: ignore[type-arg]
        connector = eng.reactor.connectTCP("127.0.0.1", port_number, runtime.Collector(d),
                                           timeout=5)
    eng.registry.strong[claim.name] = d
    del connector  # the reactor holds it while it connects, the transport after


def _factory(eng: Engine, ref: str, kind: type) -> Any:
    """``module:Factory`` (a factory class or instance) or ``module:Protocol`` (wrapped)."""
    from reactor_repl.engine import python

    obj = python.resolve(eng, ref)
    if isinstance(obj, protocol.Factory) or (
            isinstance(obj, type) and issubclass(obj, protocol.Factory)):
        if kind is protocol.ClientFactory and not hasattr(obj, "startedConnecting"):
            # connectTCP calls it first: Twisted's AttributeError, twice logged, and two
            # tcp.failed for one line
            raise CommandError(f"{ref} is a server's factory: connect needs a client's "
                               "(it has no startedConnecting)",
                               "name a ClientFactory subclass, or the Protocol class "
                               "(connect wraps it in one)")
        return obj if isinstance(obj, protocol.Factory) else obj()
    if isinstance(obj, type) and issubclass(obj, protocol.Protocol):
        return kind.forProtocol(obj)
    raise CommandError(f"{ref} is neither a factory nor a protocol class",
                       "name a Factory subclass, a factory, or a Protocol subclass")


def _transport(eng: Engine, name: str) -> Any:
    rec = eng.get(name, "client", "conn")
    transport = rec.transport_obj if hasattr(rec, "transport_obj") else None  # type: ignore[attr-defined]
    if transport is None or rec.state != "open":
        if eng.in_callback() and transport is not None:
            return transport  # a plain program would just call it
        raise CommandError(f"{rec.name} is {rec.state}, not open")
    return transport


@handles("send")
def send_cmd(eng: Engine, p: Parsed) -> None:
    rec = eng.get(p["NAME"], "client", "conn", "writer")
    if rec.family == "writer":  # it buffers, and asks for doWrite (addWriter)
        wr = rec.obj
        if wr is None or wr.fileno() < 0:
            raise CommandError(f"{rec.name}'s pipe is closed for writing")
        wr.write(p["DATA"].encode("utf-8"))
        return
    _transport(eng, p["NAME"]).write(p["DATA"].encode("utf-8"))


@handles("drop", "abort")
def drop(eng: Engine, p: Parsed) -> None:
    transport = _transport(eng, p["NAME"])
    if p.name == "drop":
        transport.loseConnection()
    else:
        transport.abortConnection()


@handles("halfclose")
def halfclose(eng: Engine, p: Parsed) -> None:
    _transport(eng, p["NAME"]).loseWriteConnection()


@handles("pauseProducing", "resumeProducing")
def producing(eng: Engine, p: Parsed) -> None:
    transport = _transport(eng, p["NAME"])
    if p.name == "pauseProducing":
        transport.pauseProducing()
    else:
        transport.resumeProducing()


@handles("setTcpNoDelay")
def no_delay(eng: Engine, p: Parsed) -> None:
    _transport(eng, p["NAME"]).setTcpNoDelay(not p["off"])


def cancel(eng: Engine, rec: Record) -> None:
    """``cancel`` for readers (removeReader) and servers (stopListening)."""
    if rec.family == "reader":
        if rec.state != "watching":
            raise CommandError(f"{rec.name} is {rec.state}, not being watched")
        eng.reactor.removeReader(rec.obj)
        return
    if rec.family == "server":
        if rec.state != "listening":
            raise CommandError(f"{rec.name} is {rec.state}")
        rec.obj.stopListening()
        return
    raise CommandError(f"{rec.name} cannot be cancelled")
