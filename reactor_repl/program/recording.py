"""One recording of a program: the engine, its reactor installed first, and the files.

Shared by ``reactor-repl trace`` and the ``repl`` reactor plugin. Nothing here runs the
reactor — the program does — and nothing is added to its reactor (no timer, no
trigger): views read the engine's log from other threads, and the files are written
when the program has ended.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from types import MethodType
from typing import IO, Any

from reactor_repl.engine.core import Config, Engine
from reactor_repl.engine import describe
from reactor_repl.engine.events import write_jsonl
from reactor_repl.session import files
from reactor_repl.engine.unlisted import Unlisted
from reactor_repl.program.guard import ForeignReactor, Guard

REACTORS = ("default", "asyncio")
# a traced program's loop may dispatch any number of calls without going idle: the
# explorer's runaway guard (--max-dispatches) is for typed commands, not for programs
NO_RUNAWAY = sys.maxsize
LINE_FLUSH_EVERY = 0.1  # seconds between two prints of live log lines


@dataclass
class Options:
    """What to record and where it goes."""

    clock: str = "live"  # "live" | "virtual"
    reactor: str = "default"  # one of REACTORS
    log_size: int = 100_000
    slow: float = 0.1
    events: str | None = None  # JSON lines, as `export x.jsonl` writes them
    trace: str | None = None  # a Chrome/Perfetto trace
    lines: IO[str] | None = None  # live log lines (`--line`: stderr)
    internals: bool = False
    strict: bool = False  # warnings fail the run; a hang stops the program's reactor
    places: tuple[str, ...] = ()  # --from: the live lines of code in these files/modules

    def __post_init__(self) -> None:
        # absolute from the start: a program that changes its folder must not move them
        self.events = os.path.abspath(self.events) if self.events else None
        self.trace = os.path.abspath(self.trace) if self.trace else None


LOG_SUFFIXES = (".jsonl", ".json")  # what an existing file may be, to be written over


def overwrite_problem(path: str, program: str | None = None) -> str | None:
    """Why ``path`` must not be written over, or None: the program itself, or a file that
    exists and is not an event log or trace (``--events prog.py`` emptied the program)."""
    if program and os.path.exists(path) and os.path.exists(program) \
            and os.path.samefile(path, program):
        return f"{path} is the program itself: give the events another file"
    if os.path.isfile(path) and not (path.endswith(LOG_SUFFIXES) and _ours(path)):
        return (f"{path} exists and is not an event log or trace ({', '.join(LOG_SUFFIXES)}): "
                "not written over; give another file")
    return None


def _ours(path: str) -> bool:
    """An empty file, or one that begins as an event log or a trace of ours (the suffix
    alone let --trace replace a project's package.json)."""
    from reactor_repl.engine.events import JSONL_BEGINS
    from reactor_repl.views.trace import TRACE_BEGINS

    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(64)
    except OSError:
        return True  # (unreadable: writing it will say why)
    return not head.strip() or head.lstrip().startswith((JSONL_BEGINS, TRACE_BEGINS))


def write_problem(path: str, program: str | None = None) -> str | None:
    """Why the recording could not be written to ``path`` when the program ends, found
    before it begins (a typo in a folder's name) — without touching the file: a run
    refused for another reason had emptied an earlier log."""
    problem = overwrite_problem(path, program)
    if problem:
        return problem
    if os.path.isdir(path):
        return f"cannot write {path}: it is a folder"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"cannot write {path}: no folder {folder}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write {path}: the folder {folder} is not writable"
    return None


class Recording:
    """Install with ``install()`` before the program runs; ``finish()`` after it ends."""

    def __init__(self, options: Options) -> None:
        if options.clock == "virtual" and options.reactor == "asyncio":
            raise ValueError("the virtual clock drives the poll reactors' loop; asyncio's "
                             "loop keeps its own time (use --clock real with --reactor asyncio)")
        self.options = options
        self.engine = Engine(Config(clock=options.clock, log_size=max(100, options.log_size),
                                    slow=options.slow, max_dispatches=NO_RUNAWAY))
        self.guard: Guard | None = None
        self.printer: Any = None
        self._flusher: Unlisted | None = None
        self.finished = False
        self.pid = os.getpid()  # a child the program forks ends without a recording's end
        self._stopping = False  # --strict: a hang asked the program's reactor to stop
        self._undo_exit: Any = None  # gives os._exit back (before_os_exit)
        self.before_exit: list[Any] = []  # called first when the program calls os._exit
        self.handing_over = False  # twistd daemonizing: its parents' os._exit ends nothing

    @property
    def reactor(self) -> Any:
        return self.engine.reactor

    def install(self) -> None:
        """The recording reactor becomes Twisted's global one; Twisted's log is watched."""
        cls = None
        if self.options.reactor == "asyncio":
            from reactor_repl.program.asyncio_reactor import recording_asyncio_class

            cls = recording_asyncio_class()
        eng = self.engine
        describe.program_code(False)  # the program's own __repr__ runs only when it asks
        eng.install(cls, take_log=False, thread="reactor", tune_gc=False)
        eng.program_process = True  # the threads here are the program's (the hang lint)
        r = eng.reactor
        if eng.virtual:
            from reactor_repl.program.loopback import keep_on_loopback

            r.free_running = True
            keep_on_loopback(eng, r)
        else:
            from reactor_repl.engine.watchdog import Watchdog

            eng.watchdog = Watchdog(eng, eng.config.slow, eng.clock.shutdown)
            eng.watchdog.start()
        _after_run(r, eng)
        self.guard = Guard(r, self._foreign)
        self.guard.install(asyncio=self.options.reactor == "asyncio")
        if self.options.lines is not None:
            self._start_lines(self.options.lines)
        if self.options.strict:
            eng.on_hang.append(self._stop_at_hang)
        self._finish_before_os_exit()

    def _finish_before_os_exit(self) -> None:
        """A program that ends by ``os._exit`` runs no exit handler: the record is written
        first (it was left empty), and nothing else changes (no buffer of the program's is
        flushed; a child the program forked exits as it would)."""
        from reactor_repl.exits import before_os_exit

        self._undo_exit = before_os_exit(self._at_os_exit)

    def _at_os_exit(self, status: int) -> None:
        if self.finished or self._forked() or self.handing_over:
            return
        self.finished = True
        for fn in self.before_exit:  # (the explorer beside it: the terminal)
            try:
                fn()
            except Exception:
                pass
        self.engine.record_end(f"the program called os._exit({status})")
        if self.printer is not None:
            self.printer.flush()
        self.write()

    def _stop_at_hang(self) -> None:
        """--strict: a hung program never ends by itself; a CI run must not wait for ever."""
        r = self.engine.reactor
        if r is not None and r.running and not self._stopping:
            self._stopping = True
            # (stopping already, its shutdown waiting for ever: the loop ends at once, as
            # crash() ends it, and the program goes on after reactor.run())
            r.callFromThread(r.crash if r._stopped else r.stop)

    def strict_lines(self, where: str) -> list[str]:
        """After ``finish``: one line per standing warning (empty unless --strict)."""
        if not self.options.strict:
            return []
        from reactor_repl.engine.lints import summary_lines

        return summary_lines(self.engine.log.snapshot(), where)

    def _foreign(self, err: ForeignReactor) -> None:
        self.engine.record("error", "", err.line, {"reactor": err.reactor_name,
                                                   "site": err.site})

    def _start_lines(self, out: IO[str]) -> None:
        from reactor_repl.views.text import LinePrinter

        keep = None
        if self.options.places:
            from reactor_repl.views.places import PlaceFilter

            keep = PlaceFilter(self.options.places).keep
        printer = LinePrinter(out, internals=self.options.internals, keep=keep, beside=True)
        self.printer = printer
        for ev in self.engine.log.snapshot():  # session.start, recorded by install()
            printer(ev)
        self.engine.log.subscribe(printer)
        stop = self.engine.clock.shutdown

        engine = self.engine

        def flush_now_and_then() -> None:
            engine.label_thread("rr-lines")
            while not stop.wait(LINE_FLUSH_EVERY):
                printer.flush(partial=True)

        # (not a threading.Thread: the program listing its threads would see it)
        self._flusher = Unlisted(flush_now_and_then)
        self._flusher.start()

    def finish(self, reason: str = "") -> list[str]:
        """Record ``session.end``, stop what the engine started, write the files.
        Returns one line per file that could not be written."""
        if self.finished:
            return []
        self.finished = True
        if self._forked():
            return []
        if self.guard is not None:
            self.guard.remove()
        if self._undo_exit is not None:
            self._undo_exit()
        eng = self.engine
        eng.stopped.set()  # the program's loop is not running: nothing to halt or wait for
        problems = []
        try:
            eng.finish(reason)
        except Exception as e:  # e.g. no new thread at interpreter exit: still write
            problems.append(f"ending the recording: {type(e).__name__}: {e}")
        if self.printer is not None:
            self.printer.flush()
        return problems + self.write()

    def adopt(self) -> None:
        """This process carries the recording on (twistd's daemon, forked twice): it writes
        the files; the threads the recording ran did not come through the forks."""
        self.pid = os.getpid()
        self.handing_over = False
        eng = self.engine
        if not eng.virtual and eng.watchdog is not None:
            from reactor_repl.engine.watchdog import Watchdog

            eng.watchdog = Watchdog(eng, eng.config.slow, eng.clock.shutdown)
            eng.watchdog.start()

    def _forked(self) -> bool:
        """This is a child the program forked: ending the recording here would close the
        reactor's waker in the poller the child shares with its parent (epoll: the
        parent's thread results stopped waking it), and write over the parent's files.
        Under python, a child that leaves its parent's reactor alone does nothing to it."""
        return os.getpid() != self.pid

    def write(self) -> list[str]:
        """Write the events and the trace now (the plugin writes again at exit)."""
        if self._forked():
            return []
        problems = []
        events = self.engine.log.snapshot()
        if self.options.events:
            try:
                # a new file renamed over the old one (a symlink is replaced, not written
                # through), private, and text the program gave that UTF-8 cannot hold (a
                # file name's surrogates) escaped: it had ended the process in a traceback
                with files.created(self.options.events, overwrite=True) as f:
                    write_jsonl(events, f)
            except OSError as e:
                problems.append(f"cannot write {self.options.events}: {e.strerror or e}")
        if self.options.trace:
            from reactor_repl.views import trace

            try:
                with files.created(self.options.trace, overwrite=True) as f:
                    trace.write_trace(events, f)
            except OSError as e:
                problems.append(f"cannot write {self.options.trace}: {e.strerror or e}")
        return problems


def _after_run(reactor: Any, engine: Any) -> None:
    """Each time the program's loop returns (``stop``, or trial's ``crash`` between two
    tests), keep what its Deferreds wait for (for ``view --waiting``) while its objects
    still live; and the loop is not "away": the watchdog must not call the program's own
    work after it a blocked loop. An instance attribute over ``mainLoop``, which ``run``
    calls (the asyncio reactor's ``run`` does not: there ``session.end`` works it out)."""
    main_loop = reactor.mainLoop

    def mainLoop(_reactor: Any) -> None:  # noqa: N802 (Twisted's name)
        try:
            main_loop()
        finally:
            if hasattr(reactor, "_set_phase"):
                reactor._set_phase("stopped")
            engine.remember_waiting()

    reactor.mainLoop = MethodType(mainLoop, reactor)  # (bound, as Twisted's: see loopback)
