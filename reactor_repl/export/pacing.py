"""How an exported program keeps the explorer's turns: a line runs once nothing is due.

The explorer delivers each line of a session with ``callFromThread`` once the loop
has done everything due at that moment — a timer, a thread call, a thread job's
result, bytes in a pipe or a socket — and ``wait S`` lets S seconds pass. A program
on the real clock does the same: ``turn()`` waits until ``busy()`` finds nothing
due, then hands the line to the reactor as a thread call. What else can be due has
its own small class: helper threads (``Helpers``), and thread-pool jobs
(``PoolJobs``: a job's result is due when its sleep ends).
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from typing import Any, Callable

from twisted.internet import defer, task, tcp

from reactor_repl.export.printing import show

GIVE_UP = 10.0  # seconds busy() may stay true before turn() says so and goes on
LOOPBACK_GRACE = 0.002  # bytes written on loopback surface at the other end within this


class Pacing:
    """The explorer's turns, on ``reactor``."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.others: list[Callable[[], str]] = []  # more that can be due: jobs, helpers

    # ------------------------------------------------------------------- busy
    def busy(self) -> str:
        """Is anything due right now? Why, in a few words (or "")."""
        r = self.reactor
        now = r.seconds()
        if r.threadCallQueue:
            return "a thread call is queued"
        if any(call.getTime() <= now for call in r.getDelayedCalls()):
            return "a timer is due"
        for due in self.others:
            why = due()
            if why:
                return why
        return self.io_ready()

    def io_ready(self) -> str:
        """A reader or a writer the loop watches is ready, or a connection is on its way."""
        r = self.reactor
        readers = [s for s in r.getReaders() if s.fileno() >= 0]
        writers = [s for s in r.getWriters() if s.fileno() >= 0]
        if any(isinstance(s, tcp.BaseClient) and not s.connected for s in writers):
            return "connectTCP in progress"
        ready, writable, _ = select.select(readers, writers, [], 0)
        if ready or writable:
            return "a descriptor is ready: bytes, an end, a connection or a write"
        return ""

    def tcp_open(self) -> bool:
        return any(isinstance(s, tcp.Connection) for s in self.reactor.getReaders())

    # ------------------------------------------------------------------ turns
    def turn(self) -> defer.Deferred[None]:
        """A Deferred that fires when it is the next line's turn (as a thread call)."""
        r = self.reactor
        d: defer.Deferred[None] = defer.Deferred()
        began = time.monotonic()
        looked_again = []

        def check() -> None:
            try:
                why = self.busy()
            except Exception as e:  # a bug here must not hang the program
                why = ""
                print(f"# turn(): {e!r}", file=sys.stderr)
            if why and time.monotonic() - began < GIVE_UP:
                looked_again.clear()
                r.callLater(0, check)
                return
            if not why and not looked_again and self.tcp_open():
                looked_again.append(True)  # loopback bytes may still be on their way
                r.callLater(LOOPBACK_GRACE, check)
                return
            if why:  # nothing stays due for long: this program has a bug
                print(f"# turn(): still busy after {GIVE_UP:g} s ({why}); going on",
                      file=sys.stderr)
            r.callFromThread(d.callback, None)

        r.callLater(0, check)
        return d

    def wait(self, seconds: float) -> defer.Deferred[None]:
        """``wait S``: let S seconds pass."""
        return task.deferLater(self.reactor, seconds, lambda: None)


class Helpers:
    """Helper threads (``fromthread``): each is due until it has called callFromThread."""

    def __init__(self, pace: Pacing) -> None:
        self.threads: list[threading.Thread] = []
        pace.others.append(self.due)

    def started(self, thread: threading.Thread) -> None:
        self.threads.append(thread)

    def due(self) -> str:
        self.threads[:] = [t for t in self.threads if t.is_alive()]
        return "a helper thread is about to call callFromThread" if self.threads else ""


class PoolJobs:
    """Thread-pool jobs: a job's result is due when its sleep ends, and its hand-back
    (the pool thread's ``callFromThread``) is the dispatch ``thread.result NAME``."""

    def __init__(self, pace: Pacing) -> None:
        self.reactor = pace.reactor
        self.waiting: list[str] = []  # jobs handed to the pool that have no thread yet
        self.due_at: dict[str, float] = {}  # job → when its result is due
        self.in_pool = threading.local()  # a pool thread: the job whose result it hands back
        pace.others.append(self.due)
        plain = self.reactor.callFromThread

        def callFromThread(f: Callable[..., Any], *args: Any, **kw: Any) -> None:
            name = self.in_pool.__dict__.pop("job", None)
            if name is None:
                return plain(f, *args, **kw)

            def handed_back() -> Any:
                self.due_at.pop(name, None)
                show("thread.result", name)
                return f(*args, **kw)

            return plain(handed_back)

        self.reactor.callFromThread = callFromThread

    def sleep(self, name: str) -> Callable[[float], None]:
        """The sleep of job ``name`` in its pool thread: ``time.sleep``, saying when its
        result is due and, once over, that this thread hands ``name``'s result back."""
        self.waiting.append(name)

        def sleep(seconds: float) -> None:
            self.waiting.remove(name)
            self.due_at[name] = self.reactor.seconds() + seconds
            time.sleep(seconds)
            self.in_pool.job = name

        return sleep

    def steps(self, name: str, hands_back: bool = True) -> JobSteps:
        """The pacing of a job of several steps (``thread j1 sleep 1 ; fromthread …``), or of
        one that hands nothing back (``callInThread``); its work function gets it."""
        self.waiting.append(name)
        return JobSteps(self, name, hands_back)

    def due(self) -> str:
        now = self.reactor.seconds()
        if self.waiting and len(self.due_at) < self.reactor.getThreadPool().max:
            return "a job is about to start"
        if any(due <= now for due in self.due_at.values()):
            return "a job has done its work: its result is on the way"
        return ""


class JobSteps:
    """A job of several steps in its pool thread: it is due (something of it is on its way
    to the reactor) except while it sleeps; ``done`` says that this thread hands its
    result back next (``deferToThread``), or that it is over (``callInThread``)."""

    def __init__(self, jobs: PoolJobs, name: str, hands_back: bool) -> None:
        self.jobs = jobs
        self.name = name
        self.hands_back = hands_back

    def run(self, work: Callable[[JobSteps], Any]) -> Any:
        """Run ``work(self)`` in the pool thread: the job starts, and is over when it returns
        or raises."""
        self.jobs.waiting.remove(self.name)
        self.jobs.due_at[self.name] = self.jobs.reactor.seconds()
        try:
            return work(self)
        finally:
            self.done()

    def sleep(self, seconds: float) -> None:
        """``time.sleep``, saying when the job is due again."""
        self.jobs.due_at[self.name] = self.jobs.reactor.seconds() + seconds
        time.sleep(seconds)

    def done(self) -> None:
        """The job returns (or raises) now."""
        if self.hands_back:
            self.jobs.in_pool.job = self.name
        else:
            self.jobs.due_at.pop(self.name, None)


def run_session(reactor: Any, session: Callable[[], defer.Deferred[None]]) -> None:
    """Run ``session`` on ``reactor``; when the loop stops, exit without waiting for
    thread jobs still at work (the explorer abandons them too)."""

    def failed(failure: Any) -> None:
        print(failure.getTraceback(), file=sys.stderr)
        reactor.crash()

    reactor.callWhenRunning(lambda: session().addErrback(failed))
    reactor.run()
    sys.stdout.flush()
    leave()


def leave() -> None:
    """End the process as the interpreter would — the program's objects freed and their
    cycles collected, so Twisted logs a failed Deferred nobody handled on the way out, as
    it does at a plain program's exit — but without waiting for thread jobs still at work."""
    import gc

    program, flush, exit_now = vars(sys.modules["__main__"]), sys.stderr.flush, os._exit
    for name in [name for name in program if not name.startswith("__")]:
        del program[name]
    gc.collect()
    flush()
    exit_now(0)
