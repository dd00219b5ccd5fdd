"""Loop control: the platform's real reactor with the session's clock.

The reactor class is ``LoopControl`` + the observation layer's mixin + the
platform reactor class (epoll on Linux). Dispatch stays Twisted's own:
``mainLoop``, ``runUntilCurrent`` and the poller are the base class's. This
mixin gives the loop its time source, keeps track of what the loop is doing
(``phase``, for the state pane and the watchdog), lets the driver hand it typed
commands (``deliver``), and — on the virtual clock only — decides in
``doIteration`` when the clock may jump.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from reactor_repl.engine.clock import WAKE_AFTER, WAKE_WINDOW, BaseClock, VirtualClock

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine


# virtual: how long to wait for bytes still in flight on loopback before jumping anyway (a
# peer that stopped reading leaves them there for good), and how often to look again
IN_FLIGHT_PATIENCE = 1.0
IN_FLIGHT_POLL = 0.005
# virtual: passes with I/O at one instant after which time moves on to the next deadline,
# as real time would while the loop works (an echo loop as fast as it goes kept the clock
# at 0.000 and its 0.3 s timer never fired: the program never ended)
BUSY_PASSES = 1_000
# virtual, with sockets open: how long a look at the other threads lasts before the loop
# looks at its I/O again, and how long they are waited for in all before time moves on
SETTLE_SLICE = 0.01
SETTLE_PATIENCE = 5.0
# live: a poller wait at least this long is recorded as an internal ``io.wait`` event
WAIT_EVENT_MIN = 0.001


def platform_reactor_class() -> type:
    """The reactor class Twisted would pick here (epoll on Linux)."""
    try:
        from twisted.internet.epollreactor import EPollReactor

        return EPollReactor
    except ImportError:  # pragma: no cover - other platforms
        try:
            from twisted.internet.pollreactor import PollReactor

            return PollReactor
        except ImportError:
            from twisted.internet.selectreactor import SelectReactor

            return SelectReactor


_classes: dict[type, type] = {}


def poller_name(reactor: Any) -> str:
    """The platform reactor's class name (``EPollReactor``), behind our mixins."""
    for cls in type(reactor).__mro__:
        if (cls.__module__ or "").startswith("twisted."):
            return cls.__name__
    return type(reactor).__name__


def recording_reactor_class(base: type | None = None) -> type:
    """LoopControl + the observation layer's mixin + the platform reactor class."""
    from reactor_repl.observe.reactor import ObservingMixin

    base = base or platform_reactor_class()
    if base not in _classes:
        _classes[base] = type("Recording" + base.__name__, (LoopControl, ObservingMixin, base), {})
    return _classes[base]


instrumented_reactor_class = recording_reactor_class


def _fd_order(selectable: Any) -> int:
    try:
        return int(selectable.fileno())
    except Exception:
        return 1 << 30


class LoopControl:
    """Mixed in front of the observing mixin and the platform reactor class."""

    _rr: Engine
    _rr_clock: BaseClock

    def __init__(self, engine: Engine, clock: BaseClock) -> None:
        self._rr = engine
        self._rr_clock = clock
        self.tick = 0
        self.phase = "idle"  # "run" | "poll" | "idle" | "blocked" | "paused"
        self.phase_since = time.monotonic()
        self.dispatches = 0  # dispatches since the driver last saw the loop idle
        self.dispatch_base = 0  # … and before that: all of them, with ``dispatches``
        self.finite_dispatches = 0  # of those, calls of loops with 'times N' (never a runaway)
        self.idle_gen = 0  # bumps each time the virtual loop goes idle
        self.wait_target: float | None = None  # virtual: advance the clock up to here
        # … and the wait is a file's: ended inside a block, its next lines go on meanwhile
        self.wait_turn = False
        # virtual: the instant a file's line ran; a block that begins before the loop next
        # goes idle (a callback of that line's) gives the file's next line its turn in it
        self.line_turn: float | None = None
        self.advance_next = False  # virtual (step): jump to the next deadline, if there is one
        # virtual, a traced program (reactor_repl.program): no wait drives the clock, so
        # it jumps to the next deadline whenever the loop is quiescent
        self.free_running = False
        self.wait_steps_left: int | None = None
        self.thread_ident: int | None = None
        self._io_count = 0
        self._in_flight_stuck = 0  # virtual: bytes on loopback a peer left unread (doIteration)
        self._busy = (-1.0, 0)  # virtual: (the instant, passes with I/O at it)
        # virtual: (the instant, passes at it that polled without waiting and ran nothing:
        # a loop not yet running — before startup — or reactor.iterate()); the dispatches
        # counted at the pass before
        self._spins = (-1.0, 0)
        self._spin_seen = -1
        self.unhandled_unsaid = False  # a warn.unhandled waits for the pass's end (lints)
        self._rr_lock = threading.Condition()
        self.closing = False  # the session is ending: stop between two iterations
        # live: time spent waiting in the poller (loop statistics, io.wait events)
        self.io_wait = 0.0
        self.busy_since = time.monotonic()  # when the loop last came back from the poller
        self._wait_began: float | None = None
        self._virtual = clock.virtual
        # hot path: the clock's own method and the base class's bound methods, looked up once
        self.seconds = clock.seconds  # type: ignore[method-assign]
        super().__init__()  # type: ignore[call-arg]
        self._base_do_iteration = super().doIteration  # type: ignore[misc]

    # -- time
    def seconds(self) -> float:
        return self._rr_clock.seconds()

    # -- thread calls
    def wakeUp(self) -> None:
        """Virtual: no wake-up from the loop's own thread. That loop never waits while
        thread calls are queued (it looks at the queue itself), and runUntilCurrent's
        wake-up for a call queued meanwhile by another thread raced that thread's own:
        one byte or two on the waker, read in one pass or two, from run to run."""
        if self._virtual and threading.get_ident() == self.thread_ident:
            return
        super().wakeUp()  # type: ignore[misc]

    def deliver(self, f: Callable[..., Any], /, *a: Any, **kw: Any) -> None:
        """Hand a typed command to the reactor (not a user-visible thread call)."""
        self.threadCallQueue.append((f, a, kw))  # type: ignore[attr-defined]
        self.wakeUp()

    # -- I/O
    def _doReadOrWrite(self, selectable: Any, fd: int, event: int) -> None:
        self._io_count += 1
        if self._wait_began is not None:
            self._end_wait()
        super()._doReadOrWrite(selectable, fd, event)  # type: ignore[misc]

    # -- the thread pool: Twisted's own; on the virtual clock its jobs' time passes at stop
    def _stopThreadPool(self) -> None:
        eng = self._rr
        if eng.virtual and not eng.clock.shutdown.is_set():
            # Twisted joins the workers here; on the virtual clock their time must pass
            clock = eng.clock
            while True:
                clock.settle()
                nxt = clock.next_deadline()
                if nxt is None:
                    break
                eng.advance_clock(nxt + WAKE_AFTER)
        super()._stopThreadPool()  # type: ignore[misc]

    # -- shutdown: Twisted disconnects what is left in the order of a set of objects (their
    #    identity, which differs from run to run); we give that list in file descriptor order
    def removeAll(self) -> list[Any]:
        removed = super().removeAll()  # type: ignore[misc]
        removed.sort(key=_fd_order)
        return removed

    # -- the loop
    def mainLoop(self) -> None:
        self.thread_ident = threading.get_ident()
        self.busy_since = time.monotonic()
        self._set_phase("run")
        super().mainLoop()  # type: ignore[misc]

    def _set_phase(self, phase: str) -> None:
        self.phase = phase
        self.phase_since = time.monotonic()

    def iterate(self, delay: float = 0.0) -> None:
        """A program (trial, between and after its tests) turns the loop by hand after
        ``run`` returned: the phase it left ("run") made the watchdog call the program's
        own work that followed a blocked loop, sited in the launcher."""
        before = self.phase
        try:
            super().iterate(delay)  # type: ignore[misc]
        finally:
            if before in ("stopped", "idle"):
                self._set_phase(before)

    def doIteration(self, timeout: float | None) -> None:
        if self.unhandled_unsaid:  # a chain failed in the pass before: still no errback?
            self._rr.lints.say_unhandled()
        if self._rr.lints.standing:  # a failure warned about: did a coroutine await it?
            self._rr.lints.awaited(alive_only=True)
        if self._virtual:
            if self._rr_clock.activities and not self._threads_settle():
                # other threads at work (pool jobs, helpers): let each finish what it can at
                # this instant, its callFromThread and waker write included, before polling;
                # else the pass that runs their calls depended on the threads' timing
                if self.closing:
                    self.crash()  # type: ignore[attr-defined]
                return  # (one waited for the loop's I/O: that was this iteration)
            if timeout == 0 and not self._rr.runaway:  # something is due now (the hot path)
                io = self._io_count
                self._base_do_iteration(0)
                if self.dispatches == self._spin_seen and self._io_count == io:
                    self._spun()  # … or not: the pass before ran nothing (see _spun)
                self._spin_seen = self.dispatches
            else:
                self._virtual_iteration(timeout)
            if self.closing:
                self.crash()  # type: ignore[attr-defined]
            return
        self._rr.lints.iteration(timeout == 0)
        self._set_phase("poll")
        self._wait_began = self.phase_since
        try:
            self._base_do_iteration(timeout)
        finally:
            if self._wait_began is not None:
                self._end_wait()
        if self.closing:
            self.crash()  # type: ignore[attr-defined]

    def _end_wait(self) -> None:
        """Live: the poller returned (first I/O dispatch, or the iteration's end)."""
        now = time.monotonic()
        began = self._wait_began
        self._wait_began = None
        self.phase = "run"
        self.phase_since = self.busy_since = now
        if began is not None:
            waited = now - began
            self.io_wait += waited
            if waited >= WAIT_EVENT_MIN:
                self._rr.record_wait(waited, poller_name(self))

    def _virtual_iteration(self, timeout: float | None) -> None:
        clock = self._rr_clock
        assert isinstance(clock, VirtualClock)
        if self._rr.runaway:
            # --max-dispatches reached: work no more than time passes by itself; the loop
            # waits for a command (which resets the count), as if nothing were due
            self._go_idle()
            return
        before = self._io_count
        super().doIteration(0)  # type: ignore[misc]
        if self._io_count != before and timeout and self._started:  # type: ignore[attr-defined]
            at, passes = self._busy
            passes = passes + 1 if at == clock.now else 1
            self._busy = (clock.now, passes)
            if passes >= BUSY_PASSES:
                self._busy = (-1.0, 0)
                self._may_jump(timeout, f"the loop was busy with I/O for {BUSY_PASSES:,} passes "
                                        "at this instant: time moves on, as real time would")
            return
        if self._io_count != before or self.threadCallQueue or timeout == 0:  # type: ignore[attr-defined]
            return
        if not self._started:  # type: ignore[attr-defined]
            if self.free_running and timeout:
                # a program that drives the loop itself, reactor.iterate(delay) without
                # run(): the poller's wait passes, as it would (no I/O came meanwhile)
                self._jump(clock.now + timeout)
            return
        # other threads (pool jobs, helpers) finish what they can at this instant
        if not self._threads_settle():
            return
        if self.threadCallQueue:  # type: ignore[attr-defined]
            # the thread that queued it woke the waker too: read that now, not in a pass of
            # its own after the call ran, which the thread's timing decided (ticks differed
            # from run to run)
            super().doIteration(0)  # type: ignore[misc]
            return
        if self._rr.tcp_active() or (self.free_running and self._foreign_io()):
            # loopback traffic is in the kernel already; give it a moment to surface — as
            # long as bytes are still on their way (Nagle holds a small write until the
            # peer's ACK), not only a couple of milliseconds (engine/inflight.py)
            super().doIteration(0.002)  # type: ignore[misc]
            if self._io_count != before:
                return
            waited = 0.0
            gap = self._gap(timeout)  # (how far the clock would jump: engine/inflight.py)
            n = self._rr.in_flight(gap)
            if n == self._in_flight_stuck:
                n = 0  # the very bytes waited for in vain last time: a peer that does not read
            while waited < IN_FLIGHT_PATIENCE and n:
                super().doIteration(IN_FLIGHT_POLL)  # type: ignore[misc]
                waited += IN_FLIGHT_POLL
                if self._io_count != before or self.threadCallQueue:  # type: ignore[attr-defined]
                    return
                n = self._rr.in_flight(gap)
            if n:
                self._in_flight_stuck = n  # (each later jump would wait a second again)
        # quiescent at this instant: the clock may jump to the next deadline
        self._may_jump(timeout)

    def _spun(self) -> None:
        """A pass that polled without waiting and ran nothing: Twisted's loop does that
        until startup is over (a 'before startup' trigger waiting on a timer: ``timeout``
        is 0 while not ``running``) and under ``reactor.iterate()``; real time moves
        meanwhile, and the timer falls due. Virtual time stood still: the run spun for
        ever. After BUSY_PASSES such passes at one instant the clock moves on."""
        clock = self._rr_clock
        at, passes = self._spins
        passes = passes + 1 if at == clock.now else 1
        if passes < BUSY_PASSES:
            self._spins = (clock.now, passes)
            return
        self._spins = (-1.0, 0)
        # (as far as a wait, a step or a traced program lets the clock move)
        self._may_jump(self.timeout(), f"the loop polled {BUSY_PASSES:,} times at this "  # type: ignore[attr-defined]
                       "instant without waiting (not running yet, or iterate()): time moves "
                       "on, as real time would")

    def _gap(self, timeout: float | None) -> float | None:
        """How far the clock would jump from here: to the next timer, job or the wait's
        end (None: nowhere yet)."""
        clock = self._rr_clock
        gaps = [timeout] if timeout is not None else []
        job = clock.next_deadline()
        if job is not None:
            gaps.append(job - clock.now)
        if self.wait_target is not None:
            gaps.append(self.wait_target - clock.now)
        return min(gaps) if gaps else None

    def _threads_settle(self) -> bool:
        """Wait for the other threads to settle; False when the loop dispatched I/O
        meanwhile (the iteration's work). A job may be a client of this very program
        (urlopen of the program's own web server in a pool thread): waiting for it without
        answering it waited five seconds, until its socket's timeout fired instead of its
        answer. With sockets open the loop looks at its I/O between short waits."""
        clock = self._rr_clock
        if not (self._rr.tcp_active() or (self.free_running and self._foreign_io())):
            clock.settle()
            return True
        deadline = time.monotonic() + SETTLE_PATIENCE
        while not clock.settle(SETTLE_SLICE):
            if time.monotonic() >= deadline:
                return True  # (as before: the loop goes on without it)
            before = self._io_count
            self._base_do_iteration(0)  # its request, if it sent one
            if self._io_count != before or self.threadCallQueue:  # type: ignore[attr-defined]
                return False
        return True

    def _may_jump(self, timeout: float | None, busy: str = "") -> None:
        """The clock jumps to the next deadline, as far as a wait (or a traced program)
        lets it; else the loop goes idle. ``busy``: why, when it jumps though I/O is ready."""
        clock = self._rr_clock
        timer_deadline = None if timeout is None else clock.now + timeout
        job_deadline = clock.next_deadline()
        deadlines = [d for d in (timer_deadline, job_deadline) if d is not None]
        nxt = min(deadlines) if deadlines else None
        target = self.wait_target
        why = (self._cancelled_wake() if nxt is not None and nxt == timer_deadline
               and (job_deadline is None or job_deadline - nxt > WAKE_WINDOW) else "")
        if busy:  # the loop is not idle: time moves as far as it may, and the loop goes on
            if nxt is not None and (target is None or nxt <= target or self.advance_next
                                    or self.free_running):
                if target is not None or self.advance_next or self.free_running:
                    self._jump(self._wake_for(nxt), busy)
            elif target is not None and target > clock.now:
                self._jump(target, busy)
            return
        if ((self.advance_next or self.free_running) and nxt is not None
                and (target is None or nxt > target)):
            self._jump(self._wake_for(nxt), why)
            return
        if self.free_running and nxt is None:
            self._rr.hung()  # a program with nothing left to run: say so (--strict stops it)
        if target is not None:
            if nxt is not None and nxt <= target:
                self._jump(self._wake_for(nxt), why)
                return
            if nxt is None and self._rr.hung():
                # nothing can ever happen: the wait ends here, the clock stays (warn.hang)
                self.wait_target = None
                self._go_idle()
                return
            if target > clock.now:
                self._jump(target)
                return
            self.wait_target = None
        self._go_idle()

    def _wake_for(self, nxt: float) -> float:
        """When the loop wakes for the deadline ``nxt``: just after it, and after every
        timer due within a microsecond of it — a real reactor wakes tens of microseconds
        late at best, and runs those in the same pass. (A timer made in a timer for
        another's instant is due a hair after it, by the first one's lateness: real
        Twisted ran the two in one pass 20 times out of 20; woken 1 ns late, the virtual
        clock ran them in two.)"""
        heap = self._pendingTimedCalls  # type: ignore[attr-defined]
        limit = nxt + WAKE_WINDOW
        latest = nxt
        todo = [0] if heap else []
        while todo:  # the heap's calls due by the limit (a child is never due before its parent)
            i = todo.pop()
            call = heap[i]
            if call.time > limit:
                continue
            if call.time > latest and not call.cancelled:
                latest = call.time
            todo += [j for j in (2 * i + 1, 2 * i + 2) if j < len(heap)]
        return latest + WAKE_AFTER

    def _cancelled_wake(self) -> str:
        """Why the loop wakes at the next deadline, when no timer will run there: Twisted
        leaves a cancelled call in its heap until its time, and its poller's timeout is the
        heap's first deadline (a refused connection's cancelled timeout wakes it 5 s on)."""
        pending = self._pendingTimedCalls  # type: ignore[attr-defined]
        if not pending or not pending[0].cancelled:
            return ""
        at = pending[0].time + WAKE_WINDOW
        if any(not c.cancelled and c.time <= at for c in pending):
            return ""  # a live timer is due there too (one of a new session, after reset)
        return "Twisted wakes for a cancelled call's deadline (still in its heap)"

    def _jump(self, to: float, why: str = "") -> None:
        """The time a real loop would spend in the poller passes; thread work due by then
        hands back, and — as the waker would have woken the poller — its byte is read in
        this same wait, not in a pass of its own after the calls ran (an empty pass)."""
        self._rr.advance_clock(to, why)
        clock = self._rr_clock
        if clock.activities:
            clock.settle()
        if self.threadCallQueue:  # type: ignore[attr-defined]
            super().doIteration(0)  # type: ignore[misc]

    def _foreign_io(self) -> bool:
        """A traced program has sockets of its own (anything besides the waker)."""
        return len(self.getReaders()) + len(self.getWriters()) > 1  # type: ignore[attr-defined]

    def _go_idle(self) -> None:
        self.line_turn = None
        if self._rr.settlers:  # (what this instant wrote on descriptors 1 and 2: before
            self._rr.settle_outside()  # the next line comes)
        with self._rr_lock:
            self.idle_gen += 1
            self._rr.dispatches_reset()
            self._set_phase("idle")
            self._rr_lock.notify_all()
        if self.threadCallQueue or (self.free_running and self._stopped):  # type: ignore[attr-defined]
            # a call queued from this very thread (no waker byte on the virtual clock), or a
            # program's reactor on its way out: nothing to wait for
            self._set_phase("run")
            return
        # block until a command (through the waker) or real I/O arrives
        super().doIteration(None)  # type: ignore[misc]
        self._set_phase("run")
