"""``next``: what the loop will run next, read from the reactor's own queues."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from reactor_repl.engine.describe import label_of

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

SHOWN = 12  # items of each queue


def _timer_name(dc: Any) -> str:
    rec = dc.__dict__.get("_rr")
    name = getattr(rec, "name", "") or ""
    func = dc.__dict__.get("_rr_func", getattr(dc, "func", None))
    if not name:
        from twisted.internet import task

        if isinstance(func, task.LoopingCall):
            lrec = func.__dict__.get("_rr")
            return f"loop {getattr(lrec, 'name', '') or label_of(func.f)}"
        return f"{label_of(func)}() (Twisted's own)" if func is not None else "a timer"
    return f"timer {name}"


def lines(eng: Engine) -> list[str]:
    r = eng.reactor
    now = eng.clock.seconds()
    out: list[str] = []
    queued = list(r.threadCallQueue)
    if queued:
        out.append(f"thread calls queued: {len(queued)} (they run first in the next pass)")
        for f, _a, _kw in queued[:SHOWN]:
            out.append(f"  {label_of(f)}()")
    # the reactor's own heap, copied: calls made since the last pass are pushed first (as
    # _insertNewDelayedCalls does), then popped as runUntilCurrent pops them, ties included
    heap = list(r._pendingTimedCalls)
    for dc in list(r._newTimedCalls):
        heapq.heappush(heap, dc)
    popped = [dc for dc in (heapq.heappop(heap) for _ in range(len(heap)))
              if not dc.cancelled and not dc.called]
    due = [dc for dc in popped if dc.getTime() <= now]
    later = [dc for dc in popped if dc.getTime() > now]
    if due:
        out.append(f"timers due now: {len(due)} (in the order the heap gives them)")
        out += [f"  {_timer_name(dc)}  due {dc.getTime() - eng.start_time:.3f}"
                for dc in due[:SHOWN]]
    if later:
        out.append(f"timers later: {len(later)}")
        out += [f"  {_timer_name(dc)}  in {dc.getTime() - now:.3f}s"
                for dc in later[:SHOWN]]
    ready = _ready(r)
    if ready:
        out.append("descriptors ready now: " + ", ".join(ready))
    head = (f"next: {len(queued)} thread call{'s' if len(queued) != 1 else ''}, "
            f"{len(due)} timer{'s' if len(due) != 1 else ''} due, {len(ready)} ready")
    return [head, *out] if out else [head + " — nothing is due"]


def _ready(r: Any) -> list[str]:
    """Descriptors the poller reports ready (level-triggered: looking consumes nothing)."""
    poller = getattr(r, "_poller", None)
    selectables = getattr(r, "_selectables", None)
    if poller is None or selectables is None:
        return []
    try:
        events = poller.poll(0)
    except Exception:
        return []
    out = []
    for fd, _ev in events:
        sel = selectables.get(fd)
        if sel is None:
            continue
        rec = getattr(sel, "_rr", None)
        name = getattr(rec, "name", "") or ""
        if not name:
            if type(sel).__name__ == "_UnixWaker":
                name = "the waker (a thread call)"
            else:
                name = type(sel).__name__
        out.append(name)
    return out
