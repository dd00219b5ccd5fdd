"""The engine: one real reactor in its own thread, named objects, the event log.

The engine imports nothing from the UI. Views read ``engine.log`` (events) and
``engine.snapshot()`` (state); commands reach the reactor through
``Engine.deliver``, which is ``reactor.callFromThread`` underneath.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from reactor_repl import observe
from reactor_repl.observe import sites
from reactor_repl.engine import twistedlog
from reactor_repl.engine.describe import without_address
from reactor_repl.engine.clock import WAKE_AFTER, Activity, BaseClock, LiveClock, VirtualClock
from reactor_repl.engine.events import DISPATCH_KINDS, Event, EventLog
from reactor_repl.engine.lints import Lints
from reactor_repl.engine.reactor import poller_name, recording_reactor_class
from reactor_repl.engine.recorder import Recorder
from reactor_repl.engine.registry import NameError_, Record, Registry
from reactor_repl.engine.stats import LagWindow
from reactor_repl.language.parser import suggest

_get_ident = threading.get_ident


class _ThreadState(threading.local):
    """Per-thread recording state. Class defaults make a missing attribute a plain
    lookup, not a caught AttributeError (``getattr(local, name, None)`` costs 0.3 µs)."""

    activity: Activity | None = None  # the pool job or helper this thread runs
    unlabel: _Unlabel | None = None  # forgets the thread's label when the thread ends
    handing_back: Any = None  # a pool job's record while its result is handed back


class _Unlabel:
    """Kept in a thread's locals, which go when the thread ends: so does its label (a
    thread started later may get the same ident)."""

    __slots__ = ("dicts", "ident")

    def __init__(self, dicts: tuple[dict[int, str], ...], ident: int) -> None:
        self.dicts = dicts
        self.ident = ident

    def __del__(self) -> None:
        for d in self.dicts:
            d.pop(self.ident, None)


class SessionEnded(Exception):
    """A thread job cut short because the session ends."""


class CommandError(Exception):
    """A command that cannot run: recorded as an ``error`` event, the session goes on."""

    def __init__(self, message: str, hint: str = "", word: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.word = word  # the word of the line at fault (its column is the error's)


# the events of code of the program's running (what a stall inside Twisted's own dispatch is
# called by)
RAN_CODE = frozenset({"deferred.resume", "deferred.step", "loop.call", "timer.fire",
                      "threadcall.run", "tcp.data", "reader.read"})


@dataclass
class Config:
    clock: str = "live"  # "live" | "virtual"
    log_size: int = 100_000
    slow: float = 0.1
    max_dispatches: int = 100_000
    spin_dispatches: int = 1_000  # virtual: this many at one instant is warn.spin
    strict: bool = False  # any warn.* fails the run; a hang ends it
    allow_python: bool = True
    internals: bool = False  # also follow Deferreds only Twisted's machinery made


Obj = Record  # the name commands and views used before the registry had typed records


def _which(names: list[str], what: str, at_most: int = 6) -> str:
    """The hint for a name that is not there: the names there are (the newest few)."""
    public = [n for n in names if not n.startswith("_")]
    if not public:
        return f"no {what} has a name yet" if what != "object" else "nothing has a name yet"
    shown = public[-at_most:]
    return "named so far: " + ", ".join(shown) + (" …" if len(public) > at_most else "")


def _since(began: float | None, at: float | None) -> float | None:
    """How long a block has lasted at a turn's instant, virtual (None: no turn now)."""
    return None if began is None or at is None else max(0.0, at - began)


class Delivered(threading.Event):
    """Set once a delivered call ran; ``gen``: the loop's idle count when it began."""

    gen = -1


class Engine:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.clock: BaseClock = VirtualClock() if self.config.clock == "virtual" else LiveClock()
        self.log = EventLog(self.config.log_size)
        self.log.on_subscriber_error = self._subscriber_failed
        self.registry = Registry()
        self.registry.on_retire = self.log.forget
        self.recorder = Recorder(self)
        self.lints = Lints(self)
        # virtual: dispatches without the loop going idle from which to look twice (spin, runaway)
        self._many = self._first_look()
        self._spin_base = 0  # dispatches when the clock last moved
        # (a 'times N' loop's calls count for warn.spin, not for the runaway guard)
        self.on_hang: list[Callable[[], None]] = []  # --strict: a hang ends the run
        # what records from outside the loop and must be up to date before time moves, the
        # loop goes idle or the session ends (output written on descriptors 1 and 2)
        self.settlers: list[Callable[[bool], None]] = []  # settle(final)
        self.namespace: dict[str, Any] = {}  # the session's Python namespace (py, use)
        self._thread_labels: dict[int, str] = {}  # thread ident → its label in events
        # … and what each is labelled right now (a pool thread says which slot it runs):
        # one dictionary lookup on the hot path, not a thread-local's
        self._labels: dict[int, str] = {}
        self._local = _ThreadState()
        self.reactor: Any = None
        self._thread: threading.Thread | None = None
        self.start_time = 0.0
        self.ended = False
        self.stopped = threading.Event()  # the reactor's loop has ended
        self.runaway = False
        self.at_pause: list[Callable[[], Any]] = []  # calls to run while paused (run_at_pause)
        self.breakpoints: list[tuple[str, str]] = []
        self.stepping = False
        self._step_budget = 0
        self.paused_at: str | None = None
        self._pause = threading.Condition()
        self._resume_token = 0
        self._paused_token = -1  # the resume token the current pause waits to see change
        self.predictions: list[Any] = []
        self.lag = LagWindow()  # how late each timer/loop call ran (bounded)
        self.current: Event | None = None  # the dispatch whose callback is running now
        self.slow_warnings = 0  # warn.slow events so far (the innermost slow callback warns)
        # warn.slow and warn.blocked events of the whole log (the state pane's stats read
        # them: counting the log for them cost a storm's keys 100-200 ms once a second)
        self.warned: Counter[str] = Counter()
        self.waited = 0.0  # virtual: seconds the clock jumped while the loop waited
        self.watchdog: Any = None  # live clock: engine.watchdog.Watchdog
        self.last_warning: Event | None = None  # the latest warn.slow / warn.blocked
        self.expected_block = False  # a typed block runs: the watchdog knows, and says nothing
        # virtual: a file's wait that ends inside a block (engine/core.py pass_time) gives the
        # prompt its turn there: when (prompt_time), until when the loop is blocked
        # (blocked_until), and set once the driver waits on the loop again (prompt_parked)
        self.prompt_time: float | None = None
        # live: a wait (typed or a file's) is letting time pass: the watchdog looks for a
        # hang as soon as the loop waits in its poller, as the virtual clock does at once
        self.waiting_live = False
        self.program_process = False  # a traced program's process: its threads are its own
        # typed lines handed to the loop and not run yet (id of their Delivered: the line):
        # if the loop stops first, they never run, and the log says so (_never_ran)
        self.handed: dict[int, str] = {}
        self.blocked_until: float | None = None
        self.blocked_from: float | None = None
        self.prompt_parked = threading.Event()
        self._gc_thresholds: tuple[int, int, int] | None = None
        self._tcp_count = 0
        self.on_end: list[Callable[[], None]] = []
        self.final_waiting: list[dict[str, Any]] | None = None  # see remember_waiting
        self.commands_waiting = 0  # delivered with callFromThread, not run yet
        self.open_resources: list[Any] = []  # pipes and sockets to close at the end

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        """Install the instrumented reactor and run it in its own thread."""
        self.install()
        started = threading.Event()
        self.reactor.callWhenRunning(started.set)
        self._thread = threading.Thread(target=self._run_reactor, name="reactor", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the reactor did not start")
        self._reap_children()
        if not self.virtual:  # virtual time never passes by itself: nothing can stall
            from reactor_repl.engine.watchdog import Watchdog

            self.watchdog = Watchdog(self, self.config.slow, self.clock.shutdown)
            self.watchdog.start()
        if self.virtual:  # live: idle_gen never moves, this would wait forever
            self.wait_idle_after(0)

    def _reap_children(self) -> None:
        """A session's reactor runs in a thread: it installs no signal handlers, so a
        child process of ``spawnProcess`` with no pipes (``childFDs`` inherited) was never
        reaped — its ``processEnded`` never came, and it stayed a zombie. As Twisted's
        own SIGCHLD handler does, each SIGCHLD has the loop reap its children (only the
        ones Twisted started: ``reapAllProcesses``)."""
        import signal

        if threading.current_thread() is not threading.main_thread() \
                or not hasattr(signal, "SIGCHLD"):
            return
        r = self.reactor

        def chld(signum: int, frame: Any) -> None:
            from twisted.internet import process

            try:
                r.callFromThread(process.reapAllProcesses)
            except Exception:
                pass

        try:
            self._old_sigchld = signal.signal(signal.SIGCHLD, chld)
        except (ValueError, OSError):
            pass

    def install(self, reactor_class: type | None = None, *, take_log: bool = True,
                thread: str = "prompt", tune_gc: bool = True) -> None:
        """Install the recording reactor as Twisted's global one without running it, and
        record ``session.start``. ``start`` runs it in a thread of its own; a traced
        program (reactor_repl.program) calls ``reactor.run()`` itself, so there the
        calling thread is the loop's (``thread="reactor"``). ``take_log`` False only
        watches Twisted's log: a program's own log setup, and what plain Twisted prints
        before one exists, stay as they are. ``reactor_class`` takes
        ``(engine, clock)``; default: the platform's reactor, recording. ``tune_gc``
        False (a traced program) leaves the collector's thresholds as the program has
        them: when a cycle is freed decides when Twisted logs an unhandled error."""
        # The ring keeps up to --log-size events alive, each one object the cyclic GC
        # tracks; with the default thresholds every full collection rescans them all
        # (0.3 us a dispatch while a 100,000-event ring fills; a traced program's long
        # chain paid 15%). Full collections 10x rarer while a session records.
        if tune_gc and self._gc_thresholds is None:
            self._gc_thresholds = gc.get_threshold()
            g0, g1, g2 = self._gc_thresholds
            gc.set_threshold(g0, g1, max(g2, 100))
        if not tune_gc:  # the program's collector: it need not scan our events
            self.log.untrack_events()
        if take_log:
            twistedlog.listen(self._on_twisted_log)
        else:
            twistedlog.watch(self._on_twisted_log)
        sites.set_root()
        cls = reactor_class or recording_reactor_class()
        self.reactor = cls(self, self.clock)
        _install_global(self.reactor)
        observe.attach(self.recorder, self.reactor)
        self.clock.pool_max = lambda: self.reactor.threadpool.max if self.reactor.threadpool else 10
        self.clock.pool_backlogged = self._pool_backlogged
        self.start_time = self.clock.seconds()
        self.label_thread(thread)
        poller = poller_name(self.reactor)
        self.record("session.start", "", f"clock {self.config.clock}, reactor {poller}",
                    {"clock": self.config.clock, "reactor": poller})

    def _run_reactor(self) -> None:
        self.label_thread("reactor")
        try:
            self.reactor.run(installSignalHandlers=False)
        finally:
            self._never_ran()
            self.stopped.set()
            with self.reactor._rr_lock:
                self.reactor.idle_gen += 1
                self.reactor._rr_lock.notify_all()

    @property
    def virtual(self) -> bool:
        return self.clock.virtual

    def now(self) -> float:
        return self.clock.seconds() - self.start_time

    def in_reactor(self) -> bool:
        return self.reactor is not None and threading.get_ident() == self.reactor.thread_ident

    def in_callback(self) -> bool:
        """A dispatch or a Deferred step is running (a command runs as a plain program's
        callback would: what Twisted raises goes on to Twisted)."""
        return self.current is not None

    def job_sleep(self, seconds: float) -> None:
        """A thread job takes ``seconds`` (virtual: on the session's clock)."""
        act = self._local.activity
        if act is None:
            self.pass_time(seconds)
            return
        self.clock.sleep(act, seconds)
        if self.clock.shutdown.is_set():
            raise SessionEnded("the session ended while the job ran")

    # -------------------------------------------------------------- recording
    def thread_label(self) -> str:
        # not .get(ident, current_thread().name): that default would be built every call
        return self._labels.get(_get_ident()) or threading.current_thread().name

    def label_thread(self, label: str) -> None:
        """The label of the calling thread in events, for as long as it lives (a thread
        ``threading`` does not list, ``engine.unlisted``, asks before it records)."""
        ident = self._forget_at_exit()
        self._thread_labels[ident] = self._labels[ident] = label

    def set_thread_label(self, label: str | None) -> None:
        """The calling thread's label for now (None: its own again)."""
        ident = self._forget_at_exit()
        if label is None:
            label = self._thread_labels.get(ident)
        if label is None:
            self._labels.pop(ident, None)
        else:
            self._labels[ident] = label

    def _forget_at_exit(self) -> int:
        ident = _get_ident()
        local = self._local
        if local.unlabel is None:
            local.unlabel = _Unlabel((self._labels, self._thread_labels), ident)
        return ident

    def record(self, kind: str, name: str = "", text: str = "", data: dict[str, Any] | None = None,
               internal: bool = False) -> Event:
        reactor = self.reactor
        if self.ended:
            # session.end is the last event: a pool thread that ends or starts a queued job
            # while the session shuts down gets an event of its own, outside the log
            return Event(0, self.clock.seconds() - self.start_time, 0, kind, name,
                         self.thread_label(), text, data, internal)
        return self.log.append(self.clock.seconds() - self.start_time,
                               reactor.tick if reactor is not None else 0, kind, name,
                               self._labels.get(_get_ident()) or self.thread_label(), text,
                               data, internal)

    def record_lazy(self, kind: str, name: str, make: Callable[..., tuple[str, dict[str, Any]]],
                    args: tuple, internal: bool = False) -> Event:
        """``record`` of what happened: its text and data are ``make(*args)``, made when a
        view reads them (``args``: numbers, names, values that cannot change)."""
        reactor = self.reactor
        if self.ended:
            text, data = make(*args)
            return self.record(kind, name, text, data, internal)
        return self.log.append_lazy(self.clock.seconds() - self.start_time,
                                    reactor.tick if reactor is not None else 0, kind, name,
                                    self._labels.get(_get_ident()) or self.thread_label(), make,
                                    args, internal)

    def dispatch(self, kind: str, name: str, text: str, data: dict[str, Any] | None = None,
                 internal: bool = False) -> Event:
        """Record a dispatch of the loop; pause first if a break or step says so."""
        if not internal and (self.breakpoints or self.stepping):
            self._gate(kind, name)
        reactor = self.reactor
        # record() inlined: this is the hot path of every dispatch
        ev = self.log.append(self.clock.seconds() - self.start_time, reactor.tick, kind, name,
                             self._labels.get(_get_ident()) or self.thread_label(), text, data,
                             internal)
        n = reactor.dispatches = reactor.dispatches + 1
        if n >= self._many and self.virtual:
            self._many_dispatches(n)
        if self.predictions and not internal:
            from reactor_repl.engine import teaching

            teaching.check_predictions(self)
        return ev

    def timed(self, kind: str, name: str, text: str, data: dict[str, Any] | None,
              fn: Callable[..., Any] | None, /, *args: Any, **kw: Any) -> Any:
        """Record a dispatch, run ``fn``, and warn if it ran longer than --slow.
        ``fn`` None: the callback does nothing past its recording (a loop call without
        ``do``), so there is no time to measure: it lasts 0.

        dispatch() and run_dispatch() written out: this is the hot path of every dispatch."""
        if self.breakpoints or self.stepping:
            self._gate(kind, name)
        return self.timed_after_gate(kind, name, text, data, fn, *args, **kw)

    def gate(self, kind: str, name: str) -> None:
        """Pause here first if a break or step says so (a dispatch that measures something
        — a timer's lateness — measures it after the pause: then it really runs)."""
        if self.breakpoints or self.stepping:
            self._gate(kind, name)

    def timed_after_gate(self, kind: str, name: str, text: str, data: dict[str, Any] | None,
                         fn: Callable[..., Any] | None, /, *args: Any, **kw: Any) -> Any:
        """``timed`` once past the gate."""
        reactor = self.reactor
        seconds = self.clock.seconds
        label = self._labels.get(_get_ident()) or self.thread_label()
        t0 = seconds()
        ev = self.log.append(t0 - self.start_time, reactor.tick, kind, name, label, text, data,
                             False)
        n = reactor.dispatches = reactor.dispatches + 1
        if n >= self._many and self.virtual:
            self._many_dispatches(n)
        if self.predictions:
            from reactor_repl.engine import teaching

            teaching.check_predictions(self)
        if fn is None:
            ev.dur = 0.0
            ev.end_seq = ev.seq
            return None
        outer = self.current
        self.current = ev
        warned = self.slow_warnings
        try:
            return fn(*args, **kw)
        finally:
            self.current = outer
            dur = seconds() - t0
            ev.dur = dur
            ev.end_seq = self.log.seq
            if dur >= self.config.slow and warned == self.slow_warnings:
                self._note_duration(ev, dur)

    def timed_lazy(self, kind: str, name: str, make: Callable[..., tuple[str, dict[str, Any]]],
                   margs: tuple, t0: float, fn: Callable[..., Any], *args: Any) -> Any:
        """``timed_after_gate`` recording what happened, not its words: the event's text
        and data are ``make(*margs)``, made when a view first reads them (issue 15: a loop
        call or a timer is recorded by an append; formatting is the views' work).
        ``t0``: the clock as the caller read it, when the dispatch began."""
        reactor = self.reactor
        log = self.log
        ev = log.append_lazy(t0 - self.start_time, reactor.tick, kind, name,
                             self._labels.get(_get_ident()) or self.thread_label(), make,
                             margs, False)
        n = reactor.dispatches = reactor.dispatches + 1
        if n >= self._many and self.virtual:
            self._many_dispatches(n)
        if self.predictions:
            from reactor_repl.engine import teaching

            teaching.check_predictions(self)
        outer = self.current
        self.current = ev
        warned = self.slow_warnings
        try:
            return fn(*args)
        finally:
            self.current = outer
            dur = self.clock.seconds() - t0
            ev.dur = dur
            ev.end_seq = log.seq
            if dur >= self.config.slow and warned == self.slow_warnings:
                self._note_duration(ev, dur)

    def run_dispatch(self, ev: Event, fn: Callable[..., Any], /, *args: Any,
                     **kw: Any) -> Any:
        """Run the callback of dispatch ``ev``: time it (``ev.dur``) and warn if slow."""
        seconds = self.clock.seconds
        outer = self.current
        self.current = ev
        warned = self.slow_warnings
        t0 = seconds()
        try:
            return fn(*args, **kw)
        finally:
            self.current = outer
            dur = seconds() - t0
            ev.dur = dur
            ev.end_seq = self.log.seq
            if dur >= self.config.slow and warned == self.slow_warnings:
                self._note_duration(ev, dur)

    def origin_seq(self) -> int:
        """The event something scheduled now comes from: the dispatch running, else the
        typed line being run (the latest ``input``), else the latest event."""
        current = self.current
        if current is not None:
            return current.seq
        events = self.log.events
        try:
            for i in range(1, min(len(events), 64) + 1):
                ev = events[-i]
                if ev.kind == "input":
                    return ev.seq
        except IndexError:  # another thread appended meanwhile
            pass
        return self.log.seq

    def run_command(self, text: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a typed command in the reactor; ``warn.slow`` if it held the loop too long."""
        warned = self.slow_warnings
        t0 = self.clock.seconds()
        try:
            return fn(*args)
        finally:
            sites.set_root()  # (a typed line may change the working directory)
            self.measure_slow("command", "", t0, warned, text)

    def measure_slow(self, kind: str, name: str, t0: float, warned: int, what: str = "") -> float:
        """After running something the reactor called (a Deferred step, a typed command)
        since ``t0``: warn if it was slow, unless something inside it already warned."""
        dur = self.clock.seconds() - t0
        if dur >= self.config.slow and warned == self.slow_warnings:
            self.warn_slow(kind, name, dur, what)
        return dur

    def _note_duration(self, ev: Event, dur: float) -> None:
        if not ev.name:  # Twisted's own dispatch (deferLater's timer): what of the program's ran
            inner = self.program_part(ev)
            if inner is not None:
                self.warn_slow(ev.kind, "", dur,
                               f"(Twisted's own, running {inner.kind} {inner.name})")
                return
        self.warn_slow(ev.kind, ev.name, dur)

    def program_part(self, ev: Event, scan: int = 200) -> Event | None:
        """The last of the program's code that ran inside dispatch ``ev`` — a coroutine
        it resumed, a callback it stepped (Twisted's own timer resuming an inlineCallbacks
        function): what to call a stall there by. Not a Deferred merely made or fired."""
        last = ev.end_seq or self.log.seq
        found = None
        for inner in self.log.following(ev.seq, scan):
            if inner.seq > last:
                break
            if inner.seq <= ev.seq:  # (a thread appended between two reads of the ring)
                continue
            if inner.kind in RAN_CODE and inner.name and not inner.internal \
                    and inner.thread == ev.thread:
                found = inner
        return found

    def warn_slow(self, kind: str, name: str, dur: float, what: str = "") -> None:
        """``warn.slow``: only the innermost slow callback warns (outer ones see the count move)."""
        self.slow_warnings += 1
        data: dict[str, Any] = {"kind": kind, "seconds": round(dur, 6)}
        if what:
            data["what"] = what
        who = " ".join(w for w in (kind, name, f"({what})" if name and what else what) if w)
        self.warned["warn.slow"] += 1
        self.last_warning = self.record(
            "warn.slow", name, f"{who} ran {dur:.3f}s (> --slow {self.config.slow:g}s)", data)

    def _first_look(self) -> int:
        """When to look first at the dispatches without the loop going idle: virtual only
        (a live loop's time moves by itself; ``n >= _many`` is then never true)."""
        if not self.clock.virtual:
            return sys.maxsize
        return min(self.config.spin_dispatches, self.config.max_dispatches + 1)

    def _many_dispatches(self, n: int) -> None:
        """Virtual: many dispatches without the loop going idle. At one instant (the clock
        did not move) that is warn.spin; past --max-dispatches (the calls of a loop with
        'times N' apart) a runaway. Sets when to look again (``_many``)."""
        r = self.reactor
        spin = self.config.spin_dispatches
        if not self.lints.spin_said and n - self._spin_base >= spin:
            self.lints.spin_said = True
            busy = self.lints._busiest()
            self.last_warning = self.record(
                "warn.spin", busy, f"zero-delay work: {spin:,} dispatches and the clock did "
                f"not move" + (f" (mostly {busy})" if busy else ""),
                {"dispatches": spin, "busiest": busy})
        if n - r.finite_dispatches > self.config.max_dispatches and not self.runaway:
            self._runaway()
        next_spin = self._spin_base + spin if not self.lints.spin_said else n + spin
        self._many = max(n + 1, min(next_spin,
                                    r.finite_dispatches + self.config.max_dispatches + 1))

    def dispatches_reset(self) -> None:
        """The loop went idle or a command arrived: counting starts again."""
        r = self.reactor
        r.dispatch_base += r.dispatches
        r.dispatches = 0
        r.finite_dispatches = 0
        self._spin_base = 0
        self.lints.spin_said = False
        self._many = self._first_look()

    def _runaway(self) -> None:
        self.runaway = True
        r = self.reactor
        r.wait_target = None
        self.record("error", "", f"runaway: {self.config.max_dispatches} dispatches without the "
                    f"loop going idle at t={self.now():.3f} — a zero-interval loop or a long wait "
                    "over a busy loop? (cancel it, or raise --max-dispatches)",
                    {"dispatches": self.config.max_dispatches})
        with r._rr_lock:
            r.idle_gen += 1
            r._rr_lock.notify_all()

    def record_wait(self, seconds: float, poller: str) -> None:
        """Live: the loop waited ``seconds`` in the poller (an I/O wait slice in traces)."""
        ev = self.record("io.wait", "", f"waited {seconds:.3f}s in {poller}",
                         {"seconds": round(seconds, 6)}, internal=True)
        ev.dur = seconds
        ev.end_seq = ev.seq

    def _on_twisted_log(self, event: dict[str, Any]) -> None:
        if self.ended or self.reactor is None:
            return
        text, data = twistedlog.describe(event)
        if not text:
            return
        kind = "log"
        name = ""
        internal = False
        failure = event.get("log_failure")
        if "Unhandled error in Deferred" in text:
            kind = "deferred.unhandled"
            if failure is None:  # Twisted says it in two log events: the failure comes next
                self._unhandled_next = True
                return
        elif failure is not None and getattr(self, "_unhandled_next", False):
            # the failure of "Unhandled error in Deferred": one event, named after the
            # Deferred whose chain ended on it (the lints kept the name)
            self._unhandled_next = False
            kind = "deferred.unhandled"
            self.lints.say_unhandled()  # (a warning not said yet comes before Twisted's)
            name = self.lints.unhandled_name(failure)
            text = "Unhandled error in Deferred: " + text.split(": ", 1)[-1] \
                if text.startswith("(debug") else "Unhandled error in Deferred: " + text
        elif text.startswith("Main loop terminated"):
            return
        elif data.get("level") in ("info", "debug") and "error" not in data \
                and twistedlog.twisteds_chatter(event):
            internal = True  # Twisted's chatter ("Starting factory …"): there, but hidden
            # and the same every run (a virtual log is byte-identical): no object's address
            text = without_address(text)
        self.record(kind, name, text, data, internal)

    def _subscriber_failed(self, fn: Any, exc: BaseException) -> None:
        self.record("error", "", f"a view failed and was detached: {type(exc).__name__}: {exc}")

    # ---------------------------------------------------------------- objects
    @property
    def objects(self) -> dict[str, Record]:
        """Named objects by name (the registry's records)."""
        return self.registry.by_name

    @property
    def retired(self) -> dict[str, int]:
        return self.registry.retired

    def new_name(self, family: str, requested: str | None) -> str:
        try:
            return self.registry.new_name(family, requested)
        except NameError_:
            # whose it is: a module's own Deferreds and timers take d1, t1 … as they come
            rec = self.registry.by_name.get(requested or "")
            held = (f" (by the {rec.family} made at {rec.site})"
                    if rec is not None and rec.site and not rec.by_command else "")
            raise CommandError(f"the name {requested} is taken{held}",
                               "names are never reused in a session; pick another",
                               word=requested or "") from None

    def claim(self, family: str, requested: str | None, *families: str, site: str = "",
              detail: str = "", chosen: bool | None = None) -> Any:
        """A command is about to make an object: name it (the first of each family).
        ``chosen``: the person typed the name (default: one was requested) — kept for
        good; a name a command makes up itself (a coroutine's, its sleep's) is not."""
        name = self.new_name(family, requested)
        return self.registry.claim(name, site or self.command_site, family, *families,
                                   detail=detail,
                                   chosen=bool(requested) if chosen is None else chosen)

    command_site = "<input>"

    def add(self, rec: Record, obj: Any = None) -> Record:
        """A record the engine makes itself (not seen through the observer)."""
        return self.registry.add(rec, obj, strong=obj is not None)

    def get(self, name: str, *families: str) -> Record:
        obj = self.registry.get(name)
        wanted = set(families)
        # a thread job or a client connection is a Deferred too: "deferred" takes any of them
        ok = obj is not None and (not wanted or "any" in wanted or obj.family in wanted
                                  or ("deferred" in wanted and obj.dstate is not None))
        if not ok:
            what = " or ".join(sorted(wanted - {"any"})) or "object"
            pool = [n for n, o in self.registry.by_name.items()
                    if not wanted or "any" in wanted or o.family in wanted
                    or ("deferred" in wanted and o.dstate is not None)]
            if obj is not None:
                raise CommandError(f"{name} is a {obj.family}, not a {what}", word=name)
            raise CommandError(f"no {what} named {name}", suggest(name, pool) or _which(pool, what),
                               word=name)
        return obj  # type: ignore[return-value]

    def _pool_backlogged(self) -> bool:
        """Jobs wait in Twisted's pool with no idle worker to take them: they start only
        when a running job ends (a larger pool starts no worker for them at once)."""
        team = getattr(self.reactor.threadpool, "_team", None)
        if team is None:
            return False
        stats = team.statistics()
        return bool(stats.backloggedWorkCount and not stats.idleWorkerCount)

    def hung(self) -> bool:
        """Nothing can ever run and Deferreds still wait: say so (once), and with --strict
        end the run. True when hung."""
        if not self.lints.check_hang():
            return False
        for fn in list(self.on_hang):
            try:
                fn()
            except Exception:
                pass
        return True

    def tcp_active(self) -> bool:
        return self._tcp_count > 0

    def in_flight(self, gap: float | None = None) -> int:
        """Virtual: bytes written on loopback connections the peer has not got yet (before
        a jump of ``gap`` seconds: engine/inflight.py)."""
        from reactor_repl.engine.inflight import in_flight

        return in_flight(self, gap)

    def tcp_open(self, delta: int) -> None:
        self._tcp_count += delta

    def before_deadline(self) -> None:
        """The reactor fixes a deadline from now: virtual, time moves a hair first."""
        if self.virtual:
            self.clock.nudge()  # type: ignore[attr-defined]

    # -------------------------------------------------------------- the clock
    def advance_clock(self, to: float, why: str = "") -> None:
        """Virtual: move the clock to ``to`` (wakes pool jobs due by then); ``why``: what
        the log says about a wake-up that runs nothing."""
        clock = self.clock
        assert isinstance(clock, VirtualClock)
        self.settle_outside()
        frm = clock.now
        if self.reactor is not None:
            self._spin_base = self.reactor.dispatches  # time moved: not spinning at an instant
            if not self.lints.spin_said:
                self._many = min(self._many, self._spin_base + self.config.spin_dispatches)
        if to > frm:
            self.waited += to - frm
            data = {"from": round(frm - self.start_time, 6), "to": round(to - self.start_time, 6)}
            if why:
                data["why"] = why
            self.record("clock.advance", "", f"{frm - self.start_time:.3f} → "
                        f"{to - self.start_time:.3f}" + (f": {why}" if why else ""), data)
        clock.set_now(to)

    def settle_outside(self, final: bool = False) -> None:
        """What was done at this instant outside the loop is recorded now (``settlers``;
        ``final``: the session ends, what is unfinished too)."""
        for settle in tuple(self.settlers):
            try:
                settle(final)
            except Exception:  # recording must never break the loop
                pass

    def pass_time(self, seconds: float, cpu: bool = False) -> None:
        """Block the calling thread for ``seconds`` (virtual: the clock moves instead)."""
        clock = self.clock
        if isinstance(clock, VirtualClock):
            # a real sleep always runs a little over: ending on the instant itself put a
            # LoopingCall blocked a whole number of intervals a beat early (0.3 % 0.1 is
            # 0.0999…: the next beat at 0.3, not 0.4 as in plain Twisted)
            end = clock.now + seconds + WAKE_AFTER
            self.blocked_until, self.blocked_from = end, clock.now
            try:
                while True:
                    nxt = clock.next_deadline()
                    turn = self._wait_ends_within(end)
                    if turn is not None and (nxt is None or turn <= nxt):
                        clock.set_now(turn)
                        self._prompt_turn(turn)
                        if clock.shutdown.is_set():
                            return  # the file ended there: its run ends the block, as live
                        continue
                    if nxt is None or nxt > end:
                        break
                    clock.set_now(nxt)
                clock.set_now(end)
            finally:
                self.blocked_until = self.blocked_from = None
                self.prompt_time = None  # (a turn the prompt did not take ends with the block)
            return
        if cpu:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not clock.shutdown.is_set():
                pass
        else:
            clock.shutdown.wait(seconds)

    def park_prompt(self) -> None:
        """The prompt waits on the loop now (it hands it a line, or has nothing more to
        give): a block that gave a file's lines their turn goes on."""
        self.prompt_time = None
        self.prompt_parked.set()

    def end_wait(self) -> None:
        """Ctrl-C during a virtual ``wait``: time stops moving towards its end now — not
        when the thread that runs the wait next looks (beside a busy loop that took
        seconds, the clock thousands of virtual seconds further on)."""
        r = self.reactor
        if self.virtual and r is not None:
            r.wait_target, r.wait_turn = None, False

    def no_more_turns(self) -> None:
        """No file's next line is coming (its replay was stopped, it ended, the person took
        over): a block gives no turn for one, and one waiting for it goes on (it waited
        for ever: BLOCKED at 0.000s until a reactor command came)."""
        if self.reactor is not None:
            self.reactor.line_turn = None
        self.park_prompt()

    def _wait_ends_within(self, end: float) -> float | None:
        """The instant a file's ``wait`` ends, if that falls inside a block ending at
        ``end`` (the block runs in a callback: the loop is not idle when the wait is over);
        or, with no wait, now: a block that a file's line set off before the loop went idle
        (its next line comes at once, as a file's lines do, and finds the loop blocked)."""
        r = self.reactor
        now = self.clock.now
        target = getattr(r, "wait_target", None)
        if target is not None:
            return target if r.wait_turn and now <= target <= end else None  # type: ignore[no-any-return]
        turn = getattr(r, "line_turn", None)
        return now if turn is not None and turn <= now <= end else None

    def _prompt_turn(self, at: float) -> None:
        """A file's wait is over while a callback blocks the loop: as a person's, its next
        lines come now — a reactor command is handed over (``callFromThread``) and runs
        first in the pass after the block, before the timers that fell due meanwhile (the
        virtual clock ran them all before it). The block goes on once the driver waits on
        the loop again, however long the next line takes to come (a person reading a
        lesson before the next Enter, a pipe): virtual time does not pass meanwhile, and
        the result must not depend on the pace (a patience of 5 s made it); the session's
        end ends the wait."""
        r = self.reactor
        r.wait_target, r.wait_turn, r.line_turn = None, False, None
        self.prompt_time = at
        self.prompt_parked.clear()
        with r._rr_lock:
            r.idle_gen += 1
            r._rr_lock.notify_all()
        while not self.prompt_parked.wait(0.05):
            if self.clock.shutdown.is_set() or self.stopped.is_set():
                break

    # ------------------------------------------------------------ break/step
    def _gate(self, kind: str, name: str) -> None:
        if kind not in DISPATCH_KINDS:
            return
        if self.stepping:
            if self._step_budget > 0:
                self._step_budget -= 1
                return
            self._pause_here(kind, name, "step")
            return
        for bkind, bname in self.breakpoints:
            if (bkind == kind or bkind == kind.split(".")[0]) and (not bname or bname == name):
                self._pause_here(kind, name, "break")
                return

    def _pause_here(self, kind: str, name: str, why: str) -> None:
        r = self.reactor
        where = f"{kind} {name}".strip()
        self.record("break", name, f"paused before {where} ({why}); "
                    "continue or step", {"kind": kind, "why": why})
        old_phase = r.phase
        with self._pause:
            token = self._resume_token
            # set under the lock: a resume sees a pause it can release, never half of one
            self._paused_token = token
            self.paused_at = where
            r._set_phase("paused")
            with r._rr_lock:
                r.idle_gen += 1
                r._rr_lock.notify_all()
        while True:
            with self._pause:
                self._pause.wait_for(lambda: self._resume_token != token or self.at_pause
                                     or self.clock.shutdown.is_set())
                calls, self.at_pause = self.at_pause, []
            if not calls:
                break
            for fn in calls:  # a look around while paused, in the loop's own thread
                fn()
        self.paused_at = None
        r._set_phase(old_phase)

    def run_at_pause(self, fn: Callable[[], Any]) -> Delivered | None:
        """Run ``fn`` in the loop's thread while it is paused at a break (``py`` there: it
        waited for the next step, and then answered about the state after it); None when
        the loop is not paused."""
        done = Delivered()

        def run() -> None:
            try:
                fn()
            finally:
                done.set()

        with self._pause:
            if self.paused_at is None:
                return None
            self.at_pause.append(run)
            self._pause.notify_all()
        return done

    @property
    def step_budget(self) -> int:
        """Dispatches a step lets run before it pauses (1: from a running loop, the first)."""
        return self._step_budget

    def resume(self, step: bool) -> bool:
        """continue (step=False) or step (True); False when nothing is paused and not stepping."""
        with self._pause:
            was_paused = self.paused_at is not None
            self.stepping = step
            # step from a pause runs the dispatch paused before; from a running loop, the next
            self._step_budget = (0 if was_paused else 1) if step else 0
            self._resume_token += 1
            self._pause.notify_all()
        return was_paused

    # ------------------------------------------------------- driver interface
    def _never_ran(self) -> None:
        """The loop has stopped: the typed lines handed to it meanwhile never run (a plain
        reactor drops what is handed to it during its shutdown, as it joins a job): say so,
        rather than leave them as if they had run."""
        handed, self.handed = self.handed, {}
        for line in handed.values():
            self.record("error", "", f"'{line}' not run: the loop stopped before it came to it",
                        {"command": line, "hint": "lines typed during a shutdown never run"})

    def deliver(self, fn: Callable[[], Any], line: str = "") -> Delivered:
        """Run ``fn`` in the reactor thread (callFromThread); the event is set when done.
        ``line``: the typed line it runs (said if the loop stops before it runs)."""
        done = Delivered()
        if line:
            self.handed[id(done)] = line
        self.commands_waiting += 1
        # before the hand-over: parked after it, a slow prompt thread could take back the
        # turn the loop gave meanwhile, and its next line waited for ever
        self.park_prompt()

        def run() -> None:
            self.commands_waiting -= 1
            if line:
                self.handed.pop(id(done), None)
            self.reactor.line_turn = None  # (a line of its own now: it sets its own turn)
            done.gen = self.reactor.idle_gen
            self.dispatches_reset()
            self.runaway = False
            try:
                fn()
            finally:
                done.set()

        self.reactor.deliver(run)
        return done

    def idle_gen(self) -> int:
        return self.reactor.idle_gen

    def is_paused(self) -> bool:
        """Paused at a break or step, and no resume on its way (else that pause is stale)."""
        return (self.paused_at is not None and self.reactor.phase == "paused"
                and self._resume_token == self._paused_token)

    def wait_idle_after(self, gen: int, timeout: float | None = None,
                        interrupted: Callable[[], bool] | None = None) -> bool:
        """Virtual: wait until the loop went idle (or paused) after generation ``gen``."""
        r = self.reactor
        deadline = None if timeout is None else time.monotonic() + timeout
        with r._rr_lock:
            while r.idle_gen <= gen and not self.stopped.is_set():
                if self.is_paused():
                    return True
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    return False
                r._rr_lock.wait(left)
                if interrupted is not None and interrupted():
                    return False
        return True

    # ------------------------------------------------------------------ state
    def pending_summary(self) -> list[str]:
        out = []
        for obj in self.objects.values():
            if obj.pending:
                out.append(f"{obj.name} {obj.family} {obj.state}")
        return out

    def snapshot(self) -> dict[str, Any]:
        """A copy of the state for views: clock, loop phase, objects, pool."""
        r = self.reactor
        busy, queued = self.clock.pool_counts()
        pool_max = r.threadpool.max if r is not None and r.threadpool is not None else 10
        return {
            "clock": self.config.clock,
            "now": self.now(),
            "tick": r.tick if r is not None else 0,
            "phase": r.phase if r is not None else "idle",
            "phase_for": time.monotonic() - r.phase_since if r is not None else 0.0,
            "paused_at": self.paused_at,
            "stepping": self.stepping and self.paused_at is None,  # a step waits to land
            "commands_waiting": self.commands_waiting,
            "pool": {"busy": busy, "queued": queued, "size": pool_max},
            "objects": [(o.name, o.family, o.state, o.detail) for o in list(self.objects.values())],
            "ended": self.ended,
            "loop_stopped": self.stopped.is_set(),  # (after reactor.stop: its shutdown is over)
            "shutdown": _shutdown_phase(r),  # BASE, BEFORE (the loop runs on) or DURING
            # for the state pane and completion: per object, what a view cannot work out
            "items": [self._item(o) for o in list(self.objects.values())],
            # loop statistics (teaching.loop_stats; teaching.stats_line formats them), the
            # latest warn.slow/warn.blocked, and where the loop is stuck while it is
            "stats": self.loop_stats(),
            "warning": self.last_warning.text if self.last_warning is not None else "",
            "stuck": self.watchdog.stuck if self.watchdog is not None else None,
            # virtual: a file's turn inside a block — how long the block has lasted so far
            "turn_for": _since(self.blocked_from, self.prompt_time),
        }

    def loop_stats(self) -> dict[str, Any]:
        from reactor_repl.engine import teaching

        return teaching.loop_stats(self)

    def _item(self, o: Record) -> dict[str, Any]:
        """One object for views: due time of a pending timer, a Deferred's state text."""
        item: dict[str, Any] = {"name": o.name, "family": o.family, "state": o.state,
                                "detail": o.detail, "pending": False, "due": None,
                                "deferred": None, "fired": False}
        try:
            item["pending"] = o.pending
            if o.family == "timer" and o.state == "scheduled":
                item["due"] = o.due - self.start_time  # type: ignore[attr-defined]
            if o.dstate is not None:
                from reactor_repl.engine import show

                d = o.deferred
                item["fired"] = bool(d is not None and d.called)
                item["deferred"] = show.deferred_state(o)
            item["site"] = o.site
        except Exception:  # read from another thread mid-change: the next snapshot is right
            pass
        return item

    # ------------------------------------------------------------------ reset
    def reset(self) -> None:
        """A fresh session in the same explorer (reactor thread): what the session made is
        stopped and closed as at ``stop``, names are free again, the clock reads 0 again,
        statistics and predictions are cleared. Thread jobs still running finish unseen."""
        r = self.reactor
        records = self.registry.records()
        for rec in records:
            obj = rec.obj
            try:
                if rec.family == "loop" and obj is not None and obj.running:
                    obj.stop()
                elif rec.family == "reader" and rec.state == "watching" and obj is not None:
                    r.removeReader(obj)
                elif rec.family == "server" and rec.state == "listening" and obj is not None:
                    obj.stopListening()
                elif rec.family in ("conn", "client") and rec.state == "open":
                    transport = rec.transport() if rec.transport is not None else None  # type: ignore[attr-defined]
                    if transport is not None:
                        transport.abortConnection()
                elif rec.family == "client" and rec.state == "connecting" and obj is not None:
                    obj.stopConnecting()
                elif rec.family == "trigger" and rec.state == "pending":
                    r.removeSystemEventTrigger(rec.trigger_id)  # type: ignore[attr-defined]
            except Exception:
                pass
        for dc in list(r.getDelayedCalls()):
            if dc.active():
                dc.cancel()
        from reactor_repl.engine.commands import close_all

        close_all(self)
        for rec in records:
            rec.internal = True  # what comes back from the old session is not shown
        self.registry.clear()
        self.namespace.clear()
        self.predictions.clear()
        self.breakpoints.clear()
        self.stepping = False
        self.lag = LagWindow()
        self.waited = 0.0
        self.slow_warnings = 0
        self.last_warning = None
        self.lints = Lints(self)
        self._tcp_count = 0
        self.recorder.touched.clear()
        self.start_time = self.clock.seconds()
        self.log.begin_again()
        self.record("session.reset", "", "a fresh session: objects stopped and closed, names "
                    "free, the clock back to 0", {})

    # -------------------------------------------------------------------- end
    def remember_waiting(self) -> list[dict[str, Any]]:
        """What each pending Deferred waits for, kept for ``session.end`` so a record read
        later can answer ``waiting``: taken when a traced program's loop returns, while its
        objects still live (after the program ends they are gone)."""
        from reactor_repl.engine import waiting

        try:
            self.final_waiting = [w.as_dict() for w in waiting.waiting(self, 0.0)]
        except Exception:
            self.final_waiting = []
        return self.final_waiting

    def finish(self, reason: str = "", collect: bool = False, patience: float = 2.0) -> None:
        """Record session.end (what is still pending) and shut the reactor down.
        ``collect``: the process ends with the session (the command line's run, the
        explorer's quit): collect its garbage first, as a plain program's interpreter does
        on its way out, while Twisted's log still listens. ``patience``: how long a loop
        that will not stop (a callback that never returns, a shutdown joining a job) is
        waited for — short after Ctrl-C, which must end the run within a second."""
        if self.ended:
            return
        self._halt_reactor(min(0.5, patience))
        if collect and self._gc_thresholds is not None:
            # a session (not a traced program, whose collections stay its own): what a plain
            # program's interpreter collects on its way out — a failed Deferred in a cycle,
            # (a loop whose first call raised: its start() Deferred and the traceback's
            # frames) — is collected now, while the log still listens: Twisted logs it
            gc.collect()
        self.record_end(reason)
        for fn in self.on_end:
            try:
                fn()
            except Exception:
                pass
        self.shutdown(patience)

    def record_end(self, reason: str = "") -> None:
        """Record session.end: what is still pending and waiting, the loop's statistics.
        Alone (no shutdown) when the process is about to end at once (``os._exit``)."""
        from reactor_repl.engine import teaching

        self.settle_outside(final=True)
        self.lints.say_unhandled()
        self.lints.awaited()
        teaching.session_end_checks(self)
        pending = self.pending_summary()
        kept = self.final_waiting is not None
        still = self.final_waiting if kept else self.remember_waiting()
        if kept:  # a traced program's, kept when its loop returned:
            named = {p.split(" ", 1)[0] for p in pending}  # what was pending then is, though
            pending += [f"{w['name']} deferred pending"  # collected since
                        for w in still if w["name"] not in named]
        stats = teaching.loop_stats(self)
        text = ("pending: " + ", ".join(pending)) if pending else "nothing pending"
        if reason:
            text = f"{reason}; {text}"
        self.record("session.end", "", text, {"pending": pending, **stats, "waiting": still})
        self.ended = True

    def _halt_reactor(self, grace: float = 0.5) -> None:
        """Stop the loop between two iterations, so that nothing is recorded after
        session.end (a due timer ran after it: crash() is a thread call, and the pass
        that runs it runs the due timers too)."""
        r = self.reactor
        if r is None or self.stopped.is_set() or self.in_reactor():
            return
        r.closing = True
        r.deliver(_nothing)  # wake the poller, or the virtual loop's idle wait
        if r.phase not in ("blocked", "paused") and self.stopped.wait(grace):
            return
        # a blocked callback, a break or a sleeping job holds the loop: end them early
        self.clock.shutdown.set()
        self.clock.wake_all()
        with self._pause:
            self._resume_token += 1
            self._pause.notify_all()
        self.stopped.wait(2 * grace)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop everything quickly: blocked callbacks and sleeping jobs end early."""
        twistedlog.unlisten(self._on_twisted_log)
        observe.detach(self.recorder)
        old = self.__dict__.pop("_old_sigchld", None)
        if old is not None:
            import signal

            try:
                signal.signal(signal.SIGCHLD, old)
            except (ValueError, OSError):
                pass
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None
        self.clock.shutdown.set()
        self.clock.wake_all()
        with self._pause:
            self._resume_token += 1
            self._pause.notify_all()
        r = self.reactor
        if r is not None and not self.stopped.is_set():
            try:
                r.deliver(r.crash)
            except Exception:
                pass
            self.stopped.wait(timeout)
        if r is not None and r.threadpool is not None:
            t = threading.Thread(target=_quiet_stop_pool, args=(r.threadpool,), daemon=True)
            t.start()
            t.join(timeout)
        from reactor_repl.engine.commands import close_all

        close_all(self)
        if r is not None and self.stopped.is_set():
            _close_reactor(r)


def _close_reactor(r: Any) -> None:
    """A session's reactor is never run again: its waker's pipe and its poller are closed
    (Twisted leaves them open; a process running many sessions ran out of descriptors)."""
    waker = getattr(r, "waker", None)
    if waker is not None and hasattr(waker, "i"):  # (closed once already: no i and o left)
        try:
            r.removeReader(waker)
        except Exception:
            pass
        try:
            waker.connectionLost(None)
            waker.o = None  # a late callFromThread from a pool thread: wakeUp skips it
        except Exception:
            pass
    poller = getattr(r, "_poller", None)
    if poller is not None:
        try:
            poller.close()
        except Exception:
            pass


def _nothing() -> None:
    pass


def _quiet_stop_pool(pool: Any) -> None:
    try:
        pool.stop()
    except Exception:
        pass


def _install_global(reactor: Any) -> None:
    """Make ``from twisted.internet import reactor`` give this session's reactor."""
    import twisted.internet
    from twisted.internet import main

    sys.modules.pop("twisted.internet.reactor", None)
    if hasattr(twisted.internet, "reactor"):
        delattr(twisted.internet, "reactor")
    main.installReactor(reactor)


def names_in(events: Iterable[Event]) -> list[str]:
    return sorted({e.name for e in events if e.name})


def _shutdown_phase(r: Any) -> str:
    """Where the reactor's shutdown event is: BASE (none), BEFORE (its before triggers'
    Deferreds hold it while the loop runs on) or DURING (the loop runs nothing more)."""
    event = getattr(r, "_eventTriggers", {}).get("shutdown") if r is not None else None
    return str(getattr(event, "state", "BASE"))
