"""The lines a session ran, for ``save`` and ``export FILE.py``: bounded, in order.

A line gets its place when it is submitted and learns later whether it ran (on the
live clock a typed line runs when the loop is free); ``save`` writes the ones that
ran, so a saved session replays without the errors of the lines that were rejected.
The oldest lines go once ``size`` is reached, and ``dropped`` says how many.
"""

from __future__ import annotations

from collections import deque

HISTORY_LINES = 10_000  # a scenario is a page or two; a pipe can send lines for ever


class Entry:
    __slots__ = ("text", "ran")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ran: bool | None = None  # None: not run yet (queued, or held at a break)


class SessionHistory:
    def __init__(self, size: int = HISTORY_LINES) -> None:
        self.entries: deque[Entry] = deque(maxlen=size)
        self.dropped = 0  # lines that fell off the front

    def add(self, text: str) -> Entry:
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        entry = Entry(text)
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        """``reset``: a fresh session saves only what runs from now on."""
        self.entries.clear()
        self.dropped = 0

    def lines(self) -> list[str]:
        """The lines that ran, in the order they were given."""
        return [e.text for e in list(self.entries) if e.ran]

    def __len__(self) -> int:
        return len(self.entries)
