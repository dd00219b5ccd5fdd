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

# Real time passes between two typed lines, so two timers typed one after the other
# with the same delay have different deadlines and fire in the order they were typed.
# The virtual clock moves this much (or one float step) as each line is delivered:
# invisible in the log, and Twisted's heap never has to order exact ties, which it
# would do in its own (not first-in) order. The same step passes before every deadline
# the reactor fixes (``nudge``): timers made in one callback, or in one tick, with the
# same delay are due in the order they were made, as on a real clock.
LINE_GAP = 1e-12


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


class BaseClock:
    virtual = False

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.activities: list[Activity] = []
        self.pool_max: Callable[[], int] = lambda: 10
        self.shutdown = threading.Event()

    def seconds(self) -> float:
        raise NotImplementedError

    # -- activity bookkeeping (both clocks; the state pane reads it)
    def add(self, act: Activity) -> None:
        with self.cond:
            self.activities.append(act)
            self.cond.notify_all()

    def set_state(self, act: Activity, state: str) -> None:
        with self.cond:
            act.state = state
            if state == "delivered":
                try:
                    self.activities.remove(act)
                except ValueError:
                    pass
            self.cond.notify_all()

    def running_jobs(self) -> int:
        return sum(1 for a in self.activities
                   if a.kind == "job" and a.state in ("running", "sleeping", "waking", "ended",
                                                      "blocked"))

    def pool_counts(self) -> tuple[int, int]:
        """(busy, queued) jobs of the pool."""
        with self.cond:
            busy = self.running_jobs()
            queued = sum(1 for a in self.activities if a.kind == "job" and a.state == "queued")
        return busy, queued

    def free_slot(self) -> int:
        used = {a.slot for a in self.activities if a.slot}
        n = 1
        while n in used:
            n += 1
        return n

    def sleep(self, act: Activity, duration: float) -> None:
        raise NotImplementedError


class LiveClock(BaseClock):
    """Wall time; a job's sleep really sleeps (and ends early when the session quits)."""

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
        with self.cond:
            act.deadline = self.now + duration
            self._order += 1
            heapq.heappush(self._sleepers, (act.deadline, self._order, act))
            act.state = "sleeping"
            self.cond.notify_all()
            self.cond.wait_for(lambda: act.state == "waking" or self.shutdown.is_set())
            act.state = "running"
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
        self.now = now + max(LINE_GAP, math.ulp(now))

    def set_now(self, t: float) -> None:
        """Move the clock to ``t`` and wake every sleeper due by then (in deadline order)."""
        with self.cond:
            if t > self.now:
                self.now = t
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, act = heapq.heappop(self._sleepers)
                act.state = "waking"
                self.cond.notify_all()
                # one at a time: a woken job finishes before the next wakes
                self._wait_settled_locked(5.0)
            self.cond.notify_all()

    def _settled(self) -> bool:
        pool_max = self.pool_max()
        running = self.running_jobs()
        for a in self.activities:
            if a.state in ("sleeping", "delivered", "blocked"):
                continue
            if a.state == "queued" and a.kind == "job" and running >= pool_max:
                continue
            return False
        return True

    def _wait_settled_locked(self, timeout: float) -> bool:
        return self.cond.wait_for(lambda: self._settled() or self.shutdown.is_set(), timeout)

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until every other thread is asleep on this clock, queued, or done."""
        with self.cond:
            return self._wait_settled_locked(timeout)

    def has_sleepers(self) -> bool:
        with self.cond:
            return bool(self._sleepers)
