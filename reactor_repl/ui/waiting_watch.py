"""The state pane's "waiting" section: the oldest pending Deferreds and what each waits for.

``waiting`` (engine/waiting.py) walks from each pending Deferred to what could fire it.
The pane wants only the first link of the oldest few, at most once a second: the
pending set is sorted by age from the registry, and only the ``TOP`` oldest get their
chain worked out (the walk behind a chain looks at every live timer and connection,
which a busy traced program has many of). The answer is read from the UI thread while
the reactor runs: a read that races the reactor keeps the last answer.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

TOP = 4  # Deferreds listed in the pane (the oldest)
EVERY = 1.0  # seconds between two looks (a look costs ~0.1-1 ms, more with many timers)
NOTHING = "nothing can fire it"


@dataclass(frozen=True)
class Waits:
    """What the section shows: how many are pending, and the oldest few."""

    pending: int
    top: tuple[dict[str, Any], ...]  # as Waiter.as_dict(): name, site, age, state, chain
    now: float  # the engine's clock when taken (ages grow from there)
    # the session's time when taken (``Engine.now()``): a frame drawn later adds what has
    # passed since to the ages and takes it off the timers' countdowns (None: a record)
    taken: float | None = field(default=None, compare=False)


EMPTY = Waits(0, (), 0.0)
DUE_IN = re.compile(r"due in (\d+\.\d+)s")


def since_taken(w: dict[str, Any], link: str, later: float) -> tuple[float, str]:
    """A Deferred's age and its first link as of ``later`` seconds after the look."""
    age = float(w.get("age", 0.0)) + later
    if later > 0:
        link = DUE_IN.sub(lambda m: f"due in {max(0.0, float(m.group(1)) - later):.3f}s", link)
    return age, link


def first_link(w: dict[str, Any]) -> str:
    """The first link of a wait chain, short enough for the pane."""
    chain = w.get("chain") or []
    if not chain:
        return str(w.get("state") or "pending")
    step = chain[0]
    if step.get("kind") == "nothing":
        return NOTHING
    return str(step.get("text") or "")


class WaitingWatch:
    """Looks at the engine's pending Deferreds at most every EVERY seconds."""

    def __init__(self, engine: Any, every: float = EVERY) -> None:
        self.engine = engine
        self.every = every
        self.waits = EMPTY
        self.version = 0  # moves each time ``waits`` changes (the pane's cache key)
        self._at = -every
        self.cost = 0.0  # seconds the last look took (for the README's figure)

    def get(self) -> Waits:
        now = time.monotonic()
        if now - self._at >= self.every:
            self._at = now
            t0 = time.perf_counter()
            try:
                waits = look(self.engine)
            except Exception:  # another thread changed what was being read: keep the last
                waits = self.waits
            self.cost = time.perf_counter() - t0
            if waits != self.waits:
                self.waits = waits
                self.version += 1
        return self.waits


def look(engine: Any) -> Waits:
    """The pending Deferreds now, and the chains of the TOP oldest."""
    from reactor_repl.engine import waiting
    from reactor_repl.engine.show import deferred_state

    if engine.reactor is None:
        return EMPTY
    pending = waiting.pending(engine)
    now = engine.clock.seconds()
    top = []
    for rec, d in pending[:TOP]:
        ds = rec.dstate
        age = now - ds.born if ds is not None else 0.0
        chain = waiting.chain_of(engine, d)
        top.append(waiting.Waiter(rec.name, rec.site, age, deferred_state(rec),
                                  chain[:1]).as_dict())
    return Waits(len(pending), tuple(_frozen(w) for w in top), round(now, 1), engine.now())


def _frozen(w: dict[str, Any]) -> dict[str, Any]:
    """Ages at 0.1 s: two looks a second apart compare equal when nothing else moved."""
    return {**w, "age": round(float(w.get("age", 0.0)), 1)}


def recorded(waiting: list[dict[str, Any]] | None) -> Waits:
    """The section for a record: ``session.end``'s chains (oldest first)."""
    items = sorted(waiting or [], key=lambda w: -float(w.get("age", 0.0)))
    return Waits(len(items), tuple(items[:TOP]), 0.0)
