"""Plain Twisted pieces: what the explorer's commands use, and exported programs copy.

Nothing here records anything or imports reactor-repl: the observation layer sees
these objects as it sees anybody's. ``export FILE.py`` copies this module's source
into the program it writes, so the program and the session run the same code.
"""

from __future__ import annotations

import os
import threading
import time
import types
from typing import Any, Callable, Iterable

from twisted.internet import defer, main, protocol
from twisted.internet.interfaces import IReadDescriptor, IWriteDescriptor
from twisted.python.failure import Failure
from zope.interface import implementer

POEM = (
    "The reactor turns, the callbacks wait,\n"
    "each one in line, none early, none late;\n"
    "block it once and all stand still —\n"
    "return at once, and no one will.\n"
)
POEM_CHUNK = 16  # bytes the poetry server writes at a time
POEM_PAUSE = 0.1  # seconds between two chunks
COLLECT_MAX = 1 << 20  # bytes a client keeps for its Deferred's result


# ---------------------------------------------------------------------- readers
@implementer(IReadDescriptor)
class PipeReader:
    """The seed's MySocket done right: a non-blocking pipe, at most ``chunk`` bytes a doRead.

    ``last_read`` is what the latest ``doRead`` read (b"" at end of file)."""

    def __init__(self, chunk: int = 1024) -> None:
        self.chunk = chunk
        self.rfd: int | None
        self.wfd: int | None
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self.last_read: bytes | None = None

    def fileno(self) -> int:
        return self.rfd if self.rfd is not None else -1

    def logPrefix(self) -> str:
        return "PipeReader"

    def doRead(self) -> Any:
        if self.rfd is None:
            self.last_read = b""
            return main.CONNECTION_DONE
        try:
            data = os.read(self.rfd, self.chunk)
        except BlockingIOError:
            self.last_read = None
            return None
        except OSError:
            self.last_read = None
            return main.CONNECTION_LOST
        self.last_read = data
        if not data:
            return main.CONNECTION_DONE
        return None

    def connectionLost(self, reason: Failure) -> None:
        self.close_read()

    # the writing end, for whoever feeds the pipe
    def write(self, data: bytes) -> int:
        if self.wfd is None:
            raise OSError("the pipe is closed for writing")
        return os.write(self.wfd, data)

    def close_write(self) -> None:
        if self.wfd is not None:
            os.close(self.wfd)
            self.wfd = None

    def close_read(self) -> None:
        if self.rfd is not None:
            os.close(self.rfd)
            self.rfd = None

    def close(self) -> None:
        self.close_read()
        self.close_write()


@implementer(IWriteDescriptor)
class PipeWriter:
    """An IWriteDescriptor on the writing end of a PipeReader's pipe: ``write`` buffers
    and asks the loop for doWrite (addWriter); each doWrite writes at most ``chunk``
    bytes; with nothing left it stops asking (removeWriter), or the loop would call it
    again at once, for ever (a pipe with room is always writable)."""

    def __init__(self, pipe: PipeReader, reactor: Any, chunk: int = 1024) -> None:
        self.pipe = pipe
        self.reactor = reactor
        self.chunk = chunk
        self.buffer = b""
        self.last_written: int | None = None

    def fileno(self) -> int:
        return self.pipe.wfd if self.pipe.wfd is not None else -1

    def logPrefix(self) -> str:
        return "PipeWriter"

    def write(self, data: bytes) -> None:
        if not self.buffer:
            self.reactor.addWriter(self)
        self.buffer += data

    def doWrite(self) -> Any:
        try:
            n = self.pipe.write(self.buffer[:self.chunk])
        except BlockingIOError:
            n = 0
        except OSError:
            self.last_written = None
            return main.CONNECTION_LOST
        self.last_written = n
        self.buffer = self.buffer[n:]
        if not self.buffer:
            self.reactor.removeWriter(self)
        return None

    def connectionLost(self, reason: Failure) -> None:
        self.buffer = b""


# ------------------------------------------------------------------ protocols
class Echo(protocol.Protocol):
    """Writes back what it receives."""

    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Discard(protocol.Protocol):
    """Receives and keeps nothing."""

    def dataReceived(self, data: bytes) -> None:
        pass


class Poetry(protocol.Protocol):
    """The seed's poetry server: the poem in small chunks with pauses, then it closes."""

    def connectionMade(self) -> None:
        self.offset = 0
        self.timer: Any = None
        self.send_next()

    def send_next(self) -> None:
        from twisted.internet import reactor

        chunk = POEM[self.offset:self.offset + POEM_CHUNK].encode()
        self.offset += POEM_CHUNK
        self.transport.write(chunk)
        if self.offset < len(POEM):
            self.timer = reactor.callLater(POEM_PAUSE, self.send_next)
        else:
            self.timer = None
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()


SERVERS: dict[str, type[protocol.Protocol]] = {"echo": Echo, "discard": Discard,
                                                "poetry": Poetry}


def greeting(cls: type[protocol.Protocol], data: bytes) -> type[protocol.Protocol]:
    """``cls`` that first writes ``data`` in connectionMade (a server that speaks first)."""

    class Greeting(cls):  # type: ignore[valid-type,misc]
        def connectionMade(self) -> None:
            self.transport.write(data)
            super().connectionMade()

    Greeting.__name__ = Greeting.__qualname__ = cls.__name__
    return Greeting


def server_factory(behaviour: str, greet: bytes | None = None) -> protocol.ServerFactory:
    """A factory building one protocol of ``behaviour`` (echo, discard, poetry) per
    connection; ``greet``: each connection writes it first, in connectionMade."""
    factory = protocol.ServerFactory()
    cls = SERVERS[behaviour]
    factory.protocol = greeting(cls, greet) if greet is not None else cls
    return factory


class Collect(protocol.Protocol):
    """A client's protocol: keeps what it receives; its factory's Deferred gets it all."""

    def connectionMade(self) -> None:
        self.received: list[bytes] = []
        self.size = 0

    def dataReceived(self, data: bytes) -> None:
        if self.size < COLLECT_MAX:
            self.received.append(data[:COLLECT_MAX - self.size])
        self.size += len(data)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        d = self.factory.deferred
        if not d.called:
            d.callback(b"".join(self.received))


class Collector(protocol.ClientFactory):
    """Connects once; ``deferred`` fires with the bytes received, or fails to connect."""

    protocol = Collect

    def __init__(self, deferred: defer.Deferred) -> None:  # type: ignore[type-arg]
        self.deferred = deferred

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        if not self.deferred.called:
            self.deferred.errback(reason)


# --------------------------------------------------------------------- threads
def job(seconds: float, value: Any = "done", error: str | None = None,
        sleep: Callable[[float], Any] = time.sleep) -> Any:
    """A thread job: takes ``seconds``, then returns ``value`` or raises ``Exception(error)``."""
    sleep(seconds)
    if error is not None:
        raise Exception(error)
    return value


def from_a_thread(reactor: Any, f: Callable[[], Any], name: str = "helper") -> threading.Thread:
    """A helper thread that hands ``f`` to the reactor with callFromThread, then ends."""
    t = threading.Thread(target=reactor.callFromThread, args=(f,), name=name, daemon=True)
    t.start()
    return t


def in_a_thread(f: Callable[[], Any], name: str = "helper") -> threading.Thread:
    """A thread that runs ``f`` itself — calling reactor APIs from it is the classic bug
    (they are not thread-safe: ``callFromThread`` is how a thread hands work over)."""
    t = threading.Thread(target=f, name=name, daemon=True)
    t.start()
    return t


# ------------------------------------------------------------------ coroutines
class Done:
    """A step that ends a list of steps with a value (``return VALUE``)."""

    def __init__(self, value: Any) -> None:
        self.value = value


Steps = Iterable[tuple[str, Callable[[], Any]]]


async def steps_coroutine(steps: Steps) -> Any:
    """An ``async def`` whose body is ``steps``: each is (at, run), ``at`` saying which step
    it is ("step 2 (sleep 0.5)"); ``run()`` returns a Deferred to await, a Done to
    return, or None to go on (or raises). While it waits, ``at`` names the step."""
    for at, run in steps:
        out = run()
        if isinstance(out, Done):
            return out.value
        if out is not None:
            await out
    return None


def steps_generator(steps: Steps) -> Any:
    """``steps_coroutine`` for ``@inlineCallbacks``: it yields what the other awaits."""
    for at, run in steps:
        out = run()
        if isinstance(out, Done):
            return out.value
        if out is not None:
            yield out
    return None


# the frames of a list of steps: ``step_at`` reads where one waits
STEP_CODES = frozenset({steps_coroutine.__code__, steps_generator.__code__})


def step_at(frame: Any) -> str:
    """Which step a suspended list of steps waits at, or "" for any other frame."""
    if frame.f_code not in STEP_CODES:
        return ""
    at = frame.f_locals.get("at")
    return at if isinstance(at, str) else ""


def named(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` under another name (the coroutine or generator it makes is called so)."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__,
                              fn.__closure__)
    copy.__qualname__ = name
    return copy


def job_steps(steps: Iterable[Callable[[], Any]]) -> Any:
    """A thread job made of steps: each ``run()`` returns a Done to return, or goes on."""
    for run in steps:
        out = run()
        if isinstance(out, Done):
            return out.value
    return None


def block(seconds: float, cpu: bool = False) -> None:
    """Hold the calling thread: sleep, or spin the CPU."""
    if not cpu:
        time.sleep(seconds)
        return
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
