"""Time sources for the reactor, and the bookkeeping of work in other threads.

``LiveClock`` is wall time. ``VirtualClock`` is a number that moves only when
the engine moves it; threads that "take time" (pool jobs) sleep on it, and the
reactor waits for them to settle before it decides the loop is quiescent. That
settling is what makes a virtual run deterministic while real threads run the
jobs.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable


# A real reactor wakes a little after a deadline, never on it. The virtual one
# wakes 1 ns after: invisible in the log, and it keeps Twisted's float arithmetic
# (LoopingCall's ``runningFor % interval``) off exact interval boundaries, where
# a decimal like 0.1 would otherwise make it reschedule a hair early.
WAKE_AFTER = 1e-9
# ... and the timers due within a microsecond after that deadline run in the same pass
# (reactor.py, _wake_for): a real reactor never wakes that soon after one.
WAKE_WINDOW = 1e-6

# Real time passes between two typed lines, so two timers typed one after the other
# with the same delay have different deadlines and fire in the order they were typed.
# The virtual clock moves this much (or one float step) as each line is delivered:
# invisible in the log, and Twisted's heap never has to order exact ties, which it
# would do in its own (not first-in) order. The same step passes before every deadline
# the reactor fixes (``nudge``): timers made in one callback, or in one tick, with the
# same delay are due in the order they were made, as on a real clock.
LINE_GAP = 1e-12
LINE_GAP_BELOW = 2.0 ** 13  # below this, math.ulp(t) <= 2**-40 < LINE_GAP


@dataclass(eq=False)
class Activity:
    """Work in a thread other than the reactor: a pool job or a helper thread.

    state: queued → running ⇄ sleeping → ended → delivered (waking: being woken;
    blocked: a job waiting for the reactor to run a call, blockingCallFromThread)
    """

    name: str
    kind: str  # "job" | "helper"
    state: str = "queued"
    slot: int = 0
    deadline: float = 0.0
    duration: float = 0.0
    started_at: float | None = None
    meta: dict = field(default_factory=dict)


# a job holding a pool thread
BUSY_STATES = ("running", "sleeping", "waking", "ended", "blocked")
# the thread waits on the clock, or for the reactor (its call is queued already), or is done
SETTLED_STATES = ("sleeping", "delivered", "blocked")


class BaseClock:
    """Both clocks keep the book of other threads' work. Every count is kept as states
    change, so a session with thousands of jobs asks each question in O(1)."""

    virtual = False

    def __init__(self) -> None:
        self.cond = threading.Condition()
        # the activities not yet delivered, in the order they came (a dict: ordered, O(1) remove)
        self.activities: dict[Activity, None] = {}
        self._counts: dict[tuple[str, str], int] = {}  # (kind, state) → activities
        self._free_slots: list[int] = []  # pool slots given back, smallest first
        self._next_slot = 1
        self.pool_max: Callable[[], int] = lambda: 10
        self.pool_backlogged: Callable[[], bool] = lambda: False  # (engine: Twisted's pool)
        self.shutdown = threading.Event()

    def seconds(self) -> float:
        raise NotImplementedError

    # -- activity bookkeeping (both clocks; the state pane reads it). Caller holds cond.
    def _count(self, act: Activity, delta: int) -> None:
        key = (act.kind, act.state)
        self._counts[key] = self._counts.get(key, 0) + delta

    def _set(self, act: Activity, state: str) -> None:
        """Change ``act``'s state (under ``cond``), keeping the counts."""
        if act.state == state:
            return
        self._count(act, -1)
        act.state = state
        if state == "delivered":
            self.activities.pop(act, None)
            if act.slot:
                heapq.heappush(self._free_slots, act.slot)
                act.slot = 0
            return
        self._count(act, +1)

    def add(self, act: Activity) -> None:
        with self.cond:
            self.activities[act] = None
            self._count(act, +1)
            self.cond.notify_all()

    def set_state(self, act: Activity, state: str) -> None:
        with self.cond:
            if act in self.activities:
                self._set(act, state)
            else:
                act.state = state
            self.cond.notify_all()

    def set_state_if(self, act: Activity, state: str, *before: str) -> None:
        """``set_state``, only if ``act`` is in one of the states ``before`` (checked and
        changed under ``cond``: another thread may be changing it at the same moment)."""
        with self.cond:
            if act.state in before:
                self._set(act, state)
                self.cond.notify_all()

    def _n(self, kind: str, *states: str) -> int:
        counts = self._counts
        return sum(counts.get((kind, s), 0) for s in states)

    def running_jobs(self) -> int:
        return self._n("job", *BUSY_STATES)

    def queued_jobs(self) -> int:
        return self._n("job", "queued")

    def pool_counts(self) -> tuple[int, int]:
        """(busy, queued) jobs of the pool."""
        with self.cond:
            return self.running_jobs(), self.queued_jobs()

    def free_slot(self) -> int:
        """The smallest pool slot no running job has (labels pool-1, pool-2 …)."""
        if self._free_slots:
            return heapq.heappop(self._free_slots)
        n = self._next_slot
        self._next_slot += 1
        return n

    def sleep(self, act: Activity, duration: float) -> None:
        raise NotImplementedError

    def wake_all(self) -> None:
        with self.cond:
            self.cond.notify_all()


class LiveClock(BaseClock):
    """Wall time; a job's sleep really sleeps (and ends early when the session quits)."""

    def __init__(self) -> None:
        super().__init__()
        # the reactor's seconds() is this: time.time itself, no Python frame (four reads
        # for every timer a program makes and fires)
        self.seconds = time.time  # type: ignore[method-assign]

    def seconds(self) -> float:
        return time.time()

    def sleep(self, act: Activity, duration: float) -> None:
        self.set_state(act, "sleeping")
        self.shutdown.wait(duration)
        self.set_state(act, "running")


class VirtualClock(BaseClock):
    """Time that moves only on wait, step and block."""

    virtual = True

    def __init__(self, start: float = 0.0) -> None:
        super().__init__()
        self.now = start
        self._sleepers: list[tuple[float, int, Activity]] = []
        self._order = 0

    def seconds(self) -> float:
        return self.now

    def sleep(self, act: Activity, duration: float) -> None:
        # each sleeper waits on an event of its own: waking one job must not wake them all
        # (with a shared condition, 2,000 sleeping jobs made each wake-up cost 2,000 switches)
        wake = act.meta.get("wake")
        if wake is None:
            wake = act.meta["wake"] = threading.Event()
        wake.clear()
        with self.cond:
            act.deadline = self.now + duration
            self._order += 1
            heapq.heappush(self._sleepers, (act.deadline, self._order, act))
            self._set(act, "sleeping")
            self.cond.notify_all()
        while not wake.wait(0.5):
            if self.shutdown.is_set():
                break
        with self.cond:
            self._set(act, "running")
            self.cond.notify_all()

    def wake_all(self) -> None:
        """The session ends: every sleeping job wakes (and ends early)."""
        with self.cond:
            for _, _, act in self._sleepers:
                wake = act.meta.get("wake")
                if wake is not None:
                    wake.set()
            self.cond.notify_all()

    def next_deadline(self) -> float | None:
        with self.cond:
            return self._sleepers[0][0] if self._sleepers else None

    def line_gap(self) -> None:
        """A line is delivered: the moment between two typed lines passes (see LINE_GAP)."""
        self.set_now(self.now + max(LINE_GAP, math.ulp(self.now)))

    def nudge(self) -> None:
        """The reactor is about to fix a deadline (callLater, reset): real time would have
        moved since the last one, so two deadlines made in one tick differ too.
        Reactor thread only; a LINE_GAP step wakes no sleeper (the next set_now does)."""
        now = self.now
        # (below 2**13 one float step is smaller than LINE_GAP: no max() and ulp() to call)
        self.now = now + LINE_GAP if now < LINE_GAP_BELOW else now + max(LINE_GAP, math.ulp(now))

    def set_now(self, t: float) -> None:
        """Move the clock to ``t`` and wake every sleeper due by then (in deadline order)."""
        with self.cond:
            if t > self.now:
                self.now = t
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, act = heapq.heappop(self._sleepers)
                self._set(act, "waking")
                act.meta["wake"].set()
                # one at a time: a woken job finishes before the next wakes
                self._wait_settled_locked(5.0)
            self.cond.notify_all()

    def _settled(self) -> bool:
        """Every other thread asleep on this clock, done, or a job queued for a full pool."""
        unsettled = sum(n for (kind, state), n in self._counts.items()
                        if n and state not in SETTLED_STATES and state != "queued")
        if unsettled:
            return False
        queued = self._counts.get(("job", "queued"), 0)
        return (not queued or self.running_jobs() >= self.pool_max()
                or self.pool_backlogged())

    def _wait_settled_locked(self, timeout: float) -> bool:
        return self.cond.wait_for(lambda: self._settled() or self.shutdown.is_set(), timeout)

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until every other thread is asleep on this clock, queued, or done."""
        with self.cond:
            return self._wait_settled_locked(timeout)

    def has_sleepers(self) -> bool:
        with self.cond:
            return bool(self._sleepers)
