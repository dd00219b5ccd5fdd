"""Loop lag kept in bounded memory: a session may run a million timers.

``Engine.lag`` is a ``LagWindow``: commands ``append`` how late each timer or
loop call ran. Percentiles come from the most recent ``size`` values; count
and max cover the whole session. Nothing here grows with the session.
"""

from __future__ import annotations

from collections import deque
from typing import Iterator


class LagWindow:
    """Recent lateness values plus whole-session count and max."""

    def __init__(self, size: int = 10_000) -> None:
        self.recent: deque[float] = deque(maxlen=size)
        self._push = self.recent.append
        self.count = 0
        self.max = 0.0
        self._sorted: list[float] | None = None
        self._sorted_at = -1

    def append(self, late: float) -> None:
        """Called for every timer and loop call: kept to the bare minimum."""
        self._push(late)
        self.count += 1
        if late > self.max:
            self.max = late

    def __len__(self) -> int:
        return len(self.recent)

    def __iter__(self) -> Iterator[float]:
        return iter(list(self.recent))

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile (q in 0..1) of the recent window; 0.0 when empty."""
        if self._sorted_at != self.count or self._sorted is None:
            self._sorted = sorted(list(self.recent))  # list() first: another thread appends
            self._sorted_at = self.count
        s = self._sorted
        if not s:
            return 0.0
        k = min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))
        return s[k]
