"""Short garbage collections while the full-screen explorer runs.

A full (generation 2) collection of Python's cyclic garbage collector scans every
object it tracks, with the whole program stopped. A full event ring and log pane
are some 250,000 such objects: 0.15 s, every few seconds under an event storm, and
a key typed meanwhile is echoed that much later.

So the explorer runs the full collections itself, between two redraws, and then
freezes what survived (``gc.freeze``): the next full collection scans only the
objects that are newer, a few milliseconds. A frozen object is still freed as
soon as nothing refers to it (events leaving the ring, rows leaving the pane);
only a reference cycle that becomes garbage after it was frozen would stay.
Between two redraws nothing of a redraw is alive (each one leaves cycles behind:
prompt_toolkit's screens), so little can. That it cannot pile up all the same:
once the memory in use (``sys.getallocatedblocks``, cheap to ask) has grown past
twice what it was after the last scan of everything, plus room for a full ring
and pane, everything is unfrozen and the next full collection scans it all.

What is frozen includes a person's own objects (a ``use``d module's), and one of them
that becomes cyclic garbage would wait for that: so everything is scanned again at
least every ``rescan_every`` seconds — at a moment nobody types (``quiet``), at the
latest after three times that. (Beside a traced program none of this runs: its
garbage is collected as under python.)
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Callable

FULL_EVERY = 10  # a full collection per this many generation-1 collections (Python's default)
NEVER = 1 << 30  # Python's own full collections: off while the explorer runs them
BLOCKS_PER_EVENT = 16  # memory blocks an event takes, in the ring and as rows of the pane


class ShortCollections:
    def __init__(self, log_size: int, rescan_every: float | None = None,
                 quiet: Callable[[], bool] | None = None) -> None:
        self.room = BLOCKS_PER_EVENT * log_size  # what a full ring and pane may add
        self.rescan_every = rescan_every  # seconds between two scans of everything, at most
        self.quiet = quiet  # is now a good moment (no key typed lately)?
        self.scanned_at = 0.0  # when everything was last scanned (monotonic)
        self.limit = 0  # blocks in use past which everything is scanned again
        self.rescan = False  # the next full collection scans everything
        self.full = 0  # full collections run
        self.rescans = 0
        self._thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Collect once and freeze what the program has made so far (modules, classes,
        the engine); from now on full collections run only in ``collect_if_due``."""
        gc.collect()
        gc.freeze()
        self.scanned_at = time.monotonic()
        self.limit = 2 * sys.getallocatedblocks() + self.room
        self._thresholds = gc.get_threshold()
        g0, g1, _ = self._thresholds
        gc.set_threshold(g0, g1, NEVER)

    def collect_if_due(self) -> None:
        """Between two redraws (UI thread): a full collection when Python would have run
        one (as many younger collections as its default allows), then freeze."""
        if self._thresholds is None:
            return
        if self._scan_all_now():
            gc.unfreeze()
            self.rescan = True
        elif gc.get_count()[2] < FULL_EVERY:
            return
        gc.collect()
        self.full += 1
        if self.rescan:  # this collection scanned everything: what is left is alive
            self.rescan = False
            self.rescans += 1
            self.scanned_at = time.monotonic()
            self.limit = 2 * sys.getallocatedblocks() + self.room
            gc.freeze()
        elif sys.getallocatedblocks() > self.limit:
            gc.unfreeze()
            self.rescan = True
        else:
            gc.freeze()

    def _scan_all_now(self) -> bool:
        """Time to scan everything (``rescan_every``): at a quiet moment, or overdue."""
        every = self.rescan_every
        if every is None or self.rescan:
            return False
        age = time.monotonic() - self.scanned_at
        return age >= 3 * every or (age >= every and (self.quiet is None or self.quiet()))

    def stop(self) -> None:
        """Back to Python's way: nothing frozen, the thresholds as they were."""
        if self._thresholds is None:
            return
        gc.set_threshold(*self._thresholds)
        self._thresholds = None
        gc.unfreeze()
