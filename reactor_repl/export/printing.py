"""What an exported program prints: one line ``KIND NAME`` per dispatch, as the explorer logs it.

The program runs plain Twisted; these pieces only print what Twisted does, under
the names the explorer gave. A Deferred is named by ``naming`` (the first Deferred
made inside the block, as a command's claim in the explorer): each callback added
to it prints ``deferred.step`` as it starts, and ``deferred.result`` prints when its
chain has run out, at the end of a run of callbacks — when the explorer's recorder
reports them. Readers and TCP connections print their dispatches from the methods
Twisted calls (``doRead``, ``makeConnection``, ``dataReceived``, ``connectionLost``).
``new_name`` names what a callback makes at run time by the explorer's one rule.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from twisted.internet import defer

from reactor_repl.language.kinds import PRINTED_KINDS
from reactor_repl.language.table import FAMILIES, auto_name
from reactor_repl.runtime import PipeReader, PipeWriter


# what a coroutine or an inlineCallbacks generator adds to the Deferred it awaits
RESUMES = getattr(defer, "_gotResultInlineCallbacks", None)


class Dispatches:
    """Called with (kind, name) before each dispatch shows: the pause gate hooks in here."""

    before: list[Callable[[str, str], None]] = []


def show(kind: str, name: str) -> None:
    """One dispatch: ``KIND NAME`` on a line of its own, as the explorer's log shows it."""
    for hook in Dispatches.before:
        hook(kind, name)
    if kind in PRINTED_KINDS:  # (tcp.build, tcp.failed: dispatches a break stops before)
        print(kind, name, flush=True)


# ---------------------------------------------------------------------- Deferreds
class Chains:
    """Named Deferreds with news since their result last showed, in the order made."""

    made = 0
    news: list[Any] = []

    @staticmethod
    def touch(d: Any) -> None:
        if not d.news:
            d.news = True
            Chains.news.append(d)

    @staticmethod
    def settle() -> None:
        """A run of callbacks is over: show the result of every chain that has run out."""
        waiting = []
        for d in sorted(Chains.news, key=lambda d: d.made):
            if d._runningCallbacks or d.paused or not d.called or d._callbacks:
                waiting.append(d)
                continue
            d.news = False
            show("deferred.result", d.name)
        Chains.news = waiting


def name_deferred(d: Any, name: str) -> Any:
    """``d`` shows each callback it runs as ``deferred.step NAME`` and its result when its
    chain runs out. Twisted's own methods do the work; these only say so."""
    cls = type(d)
    Chains.made += 1
    d.name, d.made, d.news = name, Chains.made, False

    def step(fn: Any) -> Any:
        if fn is None or fn is defer.passthru or fn is RESUMES:
            return fn  # (a coroutine that awaits d goes on: not a step of d's, as the explorer)

        def run(result: Any, *args: Any, **kw: Any) -> Any:
            Chains.touch(d)
            show("deferred.step", name)
            return fn(result, *args, **kw)

        return run

    def addCallbacks(callback: Any, errback: Any = None, callbackArgs: Any = (),
                     callbackKeywords: Any = None, errbackArgs: Any = (),
                     errbackKeywords: Any = None) -> Any:
        return cls.addCallbacks(d, step(callback), step(errback), callbackArgs,
                                callbackKeywords or {}, errbackArgs, errbackKeywords or {})

    def addCallback(callback: Any, *args: Any, **kw: Any) -> Any:
        return cls.addCallback(d, step(callback), *args, **kw)

    def addErrback(errback: Any, *args: Any, **kw: Any) -> Any:
        return cls.addErrback(d, step(errback), *args, **kw)

    def addBoth(callback: Any, *args: Any, **kw: Any) -> Any:
        return cls.addBoth(d, step(callback), *args, **kw)

    def callback(result: Any) -> None:
        if not d.called:
            Chains.touch(d)
        cls.callback(d, result)

    def errback(fail: Any = None) -> None:
        if not d.called:
            Chains.touch(d)
        cls.errback(d, fail)

    def cancel() -> None:
        if not d.called or d.paused:  # a fired Deferred's cancel changes nothing
            Chains.touch(d)
        cls.cancel(d)

    def _runCallbacks() -> None:
        if d._runningCallbacks:
            return
        cls._runCallbacks(d)
        Chains.settle()

    d.addCallbacks, d.addCallback, d.addErrback, d.addBoth = (addCallbacks, addCallback,
                                                              addErrback, addBoth)
    d.callback, d.errback, d.cancel, d._runCallbacks = callback, errback, cancel, _runCallbacks
    return d


@contextmanager
def naming(name: str) -> Iterator[None]:
    """The first Deferred made inside the block is ``name`` (``gatherResults`` makes its
    own: the steps Twisted adds to it while making it show too)."""
    plain = defer.Deferred.__init__

    def init(self: Any, canceller: Any = None) -> None:
        plain(self, canceller)
        if defer.Deferred.__init__ is init:
            defer.Deferred.__init__ = plain  # type: ignore[method-assign]
            name_deferred(self, name)

    defer.Deferred.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        if defer.Deferred.__init__ is init:
            defer.Deferred.__init__ = plain  # type: ignore[method-assign]


# ------------------------------------------------------------------------ readers
class NamedReader(PipeReader):
    """A PipeReader that shows its dispatches: ``reader.read`` at each doRead the
    reactor makes, ``reader.lost`` when it calls connectionLost."""

    def __init__(self, name: str, chunk: int = 1024) -> None:
        super().__init__(chunk)
        self.name = name

    def doRead(self) -> Any:
        show("reader.read", self.name)
        return super().doRead()

    def connectionLost(self, reason: Any) -> None:
        show("reader.lost", self.name)
        super().connectionLost(reason)


class NamedWriter(PipeWriter):
    """A PipeWriter that shows each doWrite the reactor makes: ``writer.write``."""

    def __init__(self, name: str, pipe: PipeReader, reactor: Any, chunk: int = 1024) -> None:
        super().__init__(pipe, reactor, chunk)
        self.name = name

    def doWrite(self) -> Any:
        show("writer.write", self.name)
        return super().doWrite()


# ---------------------------------------------------------------------------- TCP
class Connections:
    """Protocols by the connection's name (a client's own, a server's NAME.1, NAME.2 …),
    and each server's port number (it stays known after the server stops listening)."""

    by_name: dict[str, Any] = {}
    ports: dict[str, int] = {}


def transport(name: str) -> Any:
    """The transport of the connection ``name``."""
    return Connections.by_name[name].transport


def named_protocol(protocol: Any, name: str) -> Any:
    """``protocol`` shows its dispatches as connection ``name``."""
    Connections.by_name[name] = protocol
    made, received, lost = protocol.makeConnection, protocol.dataReceived, protocol.connectionLost

    def makeConnection(transport: Any) -> None:
        show("tcp.made", name)
        made(transport)

    def dataReceived(data: bytes) -> None:
        show("tcp.data", name)
        received(data)

    def connectionLost(*reason: Any) -> None:
        show("tcp.lost", name)
        lost(*reason)

    protocol.makeConnection, protocol.dataReceived = makeConnection, dataReceived
    protocol.connectionLost = connectionLost
    return protocol


def named_server(name: str, factory: Any) -> Any:
    """``factory`` of server ``name``: the connections it accepts are NAME.1, NAME.2 …"""
    build = factory.buildProtocol
    accepted = []

    def buildProtocol(addr: Any) -> Any:
        accepted.append(addr)
        conn = f"{name}.{len(accepted)}"
        show("tcp.build", conn)
        return named_protocol(build(addr), conn)

    factory.buildProtocol = buildProtocol
    return factory


def named_client(name: str, factory: Any) -> Any:
    """``factory`` of client ``name``: its connection, or its failure to connect, shows."""
    build, failed = factory.buildProtocol, factory.clientConnectionFailed
    lost = factory.clientConnectionLost

    def buildProtocol(addr: Any) -> Any:
        show("tcp.build", name)
        return named_protocol(build(addr), name)

    def clientConnectionFailed(connector: Any, reason: Any) -> None:
        show("tcp.failed", name)
        failed(connector, reason)

    def clientConnectionLost(connector: Any, reason: Any) -> None:
        show("tcp.clientlost", name)
        lost(connector, reason)

    factory.buildProtocol, factory.clientConnectionFailed = buildProtocol, clientConnectionFailed
    factory.clientConnectionLost = clientConnectionLost
    return factory


# -------------------------------------------------------------------------- names
class NameTaken(Exception):
    """A callback asked for a name the session has given already (never reused)."""


class Names:
    """The names given so far and each family's counter, as the explorer keeps them;
    what a callback names at run time is kept in ``objects`` for the lines after it."""

    taken: set[str] = set()
    counters: dict[str, int] = {}
    objects: dict[str, Any] = {}


def made(family: str, name: str, auto: bool = False) -> None:
    """A line made ``name``: it is taken, and an automatic name moves its family's count."""
    Names.taken.add(name)
    if auto:
        prefix = FAMILIES[family]
        Names.counters[prefix] = int(name[len(prefix):])


def new_name(family: str, requested: str | None = None) -> str:
    """The name of what a callback makes: ``requested``, or the family's next free one."""
    if requested:
        if requested in Names.taken:
            raise NameTaken(f"the name {requested} is taken")
        name = requested
    else:
        name = auto_name(family, Names.counters, Names.taken)
    Names.taken.add(name)
    return name
