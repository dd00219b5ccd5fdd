"""No input hangs a virtual run, yet a finite storm runs to its end."""

from __future__ import annotations

from support import run_scenario, seen


def test_a_zero_interval_loop_is_a_runaway_after_the_bound():
    events = run_scenario("every 0 l1 delayed\nwait 1\n\n# a comment\nnote after\n",
                          max_dispatches=2000)
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 2 and errors[0].text.startswith("runaway: 2000 dispatches")
    # the rest of the file is not run, and the log says which lines that leaves out
    assert errors[1].text == (
        "<test>:1: a runaway ends the scenario here: lines 2–5 (2 commands) not run")
    assert [e for e in events if e.kind == "note"] == []
    assert 2000 <= sum(1 for e in events if e.kind == "loop.call") <= 2002


def test_a_loop_with_times_is_finite_and_is_not_a_runaway():
    events = run_scenario("every 0 l1 delayed times 5000\nwait 1\n", max_dispatches=2000)
    assert [e for e in events if e.kind == "error"] == []
    assert sum(1 for e in events if e.kind == "loop.call") == 5000
    assert seen(events, ["loop.stop"]) == [("loop.stop", "l1")]
