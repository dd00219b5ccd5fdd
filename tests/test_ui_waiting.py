"""The state pane's "waiting" section (issue 13): the oldest pending Deferreds, each with
its age, where it was made and the first link of its wait chain; looked at most once a
second."""

from __future__ import annotations

import pytest

from test_ui_app import run_explorer, text_of

from reactor_repl.ui.state_pane import state_fragments
from reactor_repl.ui.waiting_watch import TOP, WaitingWatch, recorded


def test_the_section_lists_the_oldest_with_their_first_link() -> None:
    ex, _ = run_explorer("deferred d1\rlater 5 t1 do fire d2\rdeferred d2\rwait 2\r"
                         "deferred d3\rquit\r")
    waits = ex.waits.get()
    pane = text_of(state_fragments(ex.snapshot(), ex.watch, width=43, waits=waits))
    section = pane[pane.index("waiting"):pane.index("timers")].splitlines()
    assert section == [
        "waiting  3 pending Deferreds, oldest first",
        "  d1     2.0s <input>",
        "         └ nothing can fire it",
        "  d2     2.0s <input>",
        "         └ timer t1 due in 3.000s fires it",
        "  d3     0.0s <input>",
        "         └ nothing can fire it",
    ]


def test_more_than_top_are_counted_and_none_means_no_section() -> None:
    keys = "".join(f"deferred d{i}\r" for i in range(1, TOP + 3))
    ex, _ = run_explorer(keys + "quit\r")
    pane = text_of(state_fragments(ex.snapshot(), ex.watch, width=43, waits=ex.waits.get()))
    assert f"waiting  {TOP + 2} pending Deferreds, oldest first" in pane
    assert "  … 2 more (waiting 0 lists them)" in pane
    assert [ln.split()[0] for ln in pane.splitlines() if ln.startswith("  d")][:TOP] == [
        f"d{i}" for i in range(1, TOP + 1)]
    ex, _ = run_explorer("later 1 t1\rquit\r")
    pane = text_of(state_fragments(ex.snapshot(), ex.watch, width=43, waits=ex.waits.get()))
    assert "waiting" not in pane


def test_it_looks_at_most_once_a_period() -> None:
    ex, _ = run_explorer("deferred d1\rquit\r")
    watch = WaitingWatch(ex.engine, every=3600.0)
    first = watch.get()
    assert [w["name"] for w in first.top] == ["d1"]
    ex.engine.registry.by_name.pop("d1")  # gone: a second look would not list it
    assert watch.get() is first and watch.version == 1
    watch.every = 0.0
    assert watch.get().pending == 0 and watch.version == 2


def test_a_record_gives_the_chains_session_end_kept() -> None:
    waits = recorded([
        {"name": "d2", "site": "hang.py:20", "age": 1.0, "state": "pending", "chain": []},
        {"name": "d1", "site": "hang.py:9", "age": 3.5, "state": "pending",
         "chain": [{"kind": "nothing", "name": "", "text": "nothing: …"}]},
    ])
    assert [w["name"] for w in waits.top] == ["d1", "d2"]


def test_a_frame_drawn_after_the_look_counts_ages_up_and_timers_down() -> None:
    """The look is up to a second old; the timers section beside it is not: a frame drawn
    0.6 s later shows the ages 0.6 s older and a timer 0.6 s nearer, as the timers do."""
    ex, _ = run_explorer("later 5 t1 do fire d2\rdeferred d2\rwait 2\rquit\r")
    waits = ex.waits.get()
    snap = ex.snapshot()
    assert waits.taken == snap["now"] == pytest.approx(2.0)
    later = dict(snap, now=2.6)
    pane = text_of(state_fragments(later, ex.watch, width=43, waits=waits))
    section = pane[pane.index("waiting"):pane.index("timers")].splitlines()
    assert section == ["waiting  1 pending Deferred",
                       "  d2     2.6s <input>",
                       "         └ timer t1 due in 2.400s fires it"]
    assert "  t1     in 2.4s (due 5.000)" in pane
