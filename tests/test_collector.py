"""The explorer's own full collections (ui/collector.py): what is frozen includes a
person's own objects, so everything is scanned again now and then — at a quiet moment —
and their cyclic garbage is freed late, never kept."""

from __future__ import annotations

import gc
import time

from reactor_repl.ui.collector import ShortCollections


class Cycle:
    freed: list[str] = []

    def __init__(self, name: str) -> None:
        self.name = name
        self.me = self  # only the cyclic collector can free it

    def __del__(self) -> None:
        Cycle.freed.append(self.name)


def test_a_frozen_cycle_is_freed_at_the_next_quiet_rescan() -> None:
    Cycle.freed.clear()
    quiet = [False]
    c = ShortCollections(100, rescan_every=0.05, quiet=lambda: quiet[0])
    x = Cycle("program's")
    c.start()  # collected once and frozen: x (alive) is frozen with the rest
    try:
        del x
        gc.collect()  # a full collection does not look at what is frozen
        assert Cycle.freed == []
        time.sleep(0.06)
        c.collect_if_due()  # due, but someone is typing: later
        assert Cycle.freed == []
        quiet[0] = True
        c.collect_if_due()
        assert Cycle.freed == ["program's"]
        assert c.rescans == 1
    finally:
        c.stop()


def test_overdue_it_is_scanned_even_while_keys_are_typed() -> None:
    Cycle.freed.clear()
    c = ShortCollections(100, rescan_every=0.02, quiet=lambda: False)
    x = Cycle("late")
    c.start()
    try:
        del x
        time.sleep(0.07)  # three times rescan_every: no longer waits for a pause
        c.collect_if_due()
        assert Cycle.freed == ["late"]
    finally:
        c.stop()


def test_without_rescans_a_frozen_cycle_waits() -> None:
    Cycle.freed.clear()
    c = ShortCollections(100)
    x = Cycle("kept")
    c.start()
    try:
        del x
        time.sleep(0.02)
        c.collect_if_due()
        gc.collect()
        assert Cycle.freed == []  # a session's explorer: until memory grows
    finally:
        c.stop()
    gc.collect()
    assert Cycle.freed == ["kept"]
