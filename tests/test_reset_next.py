"""A fresh start and a look ahead: reset, load … fresh, next, and show at a break
(issue: a learner's first hour, items 4 and 6)."""

from __future__ import annotations

import os

from support import ROOT, run_scenario

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver

FIRST = os.path.join(ROOT, "scenarios", "01-calllater-order.rr")


def test_reset_stops_everything_frees_the_names_and_restarts_the_clock():
    events = run_scenario("""\
later 1 t1
every 0.5 l1
deferred d1
reader r1
listen s1 0 echo
connect c1 s1
wait 0.7
reset
later 0.2 t1
wait 2
expect count timer.fire:t1 1
""")
    resets = [e for e in events if e.kind == "session.reset"]
    assert len(resets) == 1
    after = events[events.index(resets[0]):]
    # the old loop and timer never ran again, the new t1 ran once at 0.2 on the fresh clock
    assert [(e.kind, e.name, round(e.t, 3)) for e in after
            if e.kind in ("timer.fire", "loop.call")] == [("timer.fire", "t1", 0.2)]
    assert [e.kind for e in after if e.kind.startswith("expect.")] == ["expect.pass"]
    assert events[-1].kind == "session.end" and events[-1].text == "nothing pending"


def test_a_typed_load_into_a_session_with_objects_is_refused_unless_fresh():
    engine = Engine(Config(clock="virtual"))
    driver = Driver(engine)
    engine.start()
    try:
        driver.submit("later 1 t2")
        assert not driver.submit(f"load {FIRST}")
        assert driver.submit(f"load {FIRST} fresh")
    finally:
        engine.finish()
    events = engine.log.snapshot()
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 1 and "already has objects" in errors[0].text
    assert "fresh" in errors[0].data["hint"]
    assert [e.kind for e in events if e.kind == "session.reset"] == ["session.reset"]
    assert not [e for e in events if e.kind == "expect.fail"]
    assert [e.text for e in events if e.kind == "predict"][-1].startswith("✓ right")


def test_a_load_that_cannot_run_leaves_the_session_as_it_was(tmp_path):
    """A mistyped name after `load … fresh` reset the session (its server, connection and
    names gone) before saying that the file was not there; without `fresh` the refusal
    spoke of the session's objects, not of the missing file."""
    bad = tmp_path / "bad.rr"
    bad.write_text("latr 1\n", encoding="utf-8")
    engine = Engine(Config(clock="virtual"))
    driver = Driver(engine)
    engine.start()
    try:
        driver.submit("later 1 t2")
        assert not driver.submit("load nope.rr fresh")
        assert not driver.submit("load nope.rr")
        assert not driver.submit(f"load {bad} fresh")
        driver.submit("wait 2")
    finally:
        engine.finish()
    events = engine.log.snapshot()
    assert not [e for e in events if e.kind == "session.reset"]
    assert [e.name for e in events if e.kind == "timer.fire"] == ["t2"]
    assert [e.text for e in events if e.kind == "error"] == [
        "load nope.rr: cannot read: No such file or directory",
        "load nope.rr: cannot read: No such file or directory",
        f"{bad}:1:1: latr 1: unknown command 'latr' — did you mean later?",
        f"load {bad}: not run (1 error(s))"]


def test_a_scenario_file_may_load_another_into_what_it_made(tmp_path):
    """A file that loads another means to build on what it made: no refusal there."""
    events = run_scenario(f"later 5 mine\nload {FIRST}\n")
    assert not [e for e in events if e.kind == "error"]


def test_next_shows_thread_calls_then_due_timers_in_the_heaps_order_at_a_break():
    events = run_scenario("""\
later 0.5 a
later 0.5 b
later 0.5 c
later 2 d
break timer.fire b
wait 1
next
show c
continue
""")
    nxt = [e for e in events if e.kind == "show" and e.text.startswith("next")][0]
    assert nxt.data["lines"] == [
        "next: 0 thread calls, 1 timer due, 0 ready",
        "timers due now: 1 (in the order the heap gives them)",
        "  timer c  due 0.500",
        "timers later: 1",
        "  timer d  in 1.500s",
    ]
    # show answers while the loop is paused before b (it ran a already)
    shows = [e for e in events if e.kind == "show" and e.name == "c"]
    paused = [e for e in events if e.kind == "break" and e.name == "b"][-1]
    assert shows and shows[0].seq > paused.seq
    fired = [e.name for e in events if e.kind == "timer.fire"]
    assert fired.index("a") < fired.index("b") < fired.index("c")
    assert shows[0].seq < [e for e in events if e.kind == "timer.fire" and e.name == "b"][0].seq


def test_py_at_a_break_answers_about_the_state_there():
    """`py` at a break waited for the next step, then answered about the state after it
    (the status line said "1 typed command waits for the loop")."""
    events = run_scenario("py n = 0\nevery 0.1 l1 do py n = n + 1\nbreak loop.call l1\n"
                          "wait 0.35\npy print('at the break', n)\nstep\n"
                          "py print('after a step', n)\ncontinue\n")
    said = [e.text for e in events if e.kind == "log" and e.text.startswith(("at", "after"))]
    assert said == ["at the break 1", "after a step 2"]
    assert not [e for e in events if e.kind == "error"]


def test_unbreak_removes_a_break_and_the_loop_goes_on_by_itself():
    """A break could not be removed: the program paused before every beat until quit."""
    events = run_scenario("every 0.1 l1\nbreak loop.call l1\nwait 0.15\nunbreak loop.call\n"
                          "continue\nwait 0.5\nunbreak\n")
    assert [e.text for e in events if e.kind == "break"] == [
        "will pause before loop.call l1", "paused before loop.call l1 (break); continue or step",
        "no more pauses before loop.call l1"]
    assert len([e for e in events if e.kind == "loop.call"]) == 7
    assert [e.text for e in events if e.kind == "error"] == [
        "<test>:7:1: unbreak: no break set — break KIND [NAME] sets one"]


def test_after_reset_expect_sees_the_fresh_session_only():
    """The log's indexes outlived a reset: t1 of the fresh session was compared by the old
    t1's firing, and counts included the old session's events (the run's exit code still
    counts an error from before the reset)."""
    engine = Engine(Config(clock="virtual"))
    driver = Driver(engine)
    engine.start()
    try:
        for line in ("later 0 t1", "later 5 t9", "wait 1", "fire nosuch", "reset",
                     "later 1 t1", "later 0.5 t2", "wait 2", "expect order t2 t1",
                     "expect count timer.fire 2", "expect count timer.cancel 0",
                     "expect count error 0"):
            driver.submit(line)
    finally:
        engine.finish()
    events = engine.log.snapshot()
    assert [e.text.split(":")[0] for e in events if e.kind == "expect.pass"] == [
        "order t2 t1", "count timer.fire 2", "count timer.cancel 0", "count error 0"]
    assert engine.log.counts["error"] == 1  # what the run's exit code reads


def test_a_job_of_the_session_before_a_reset_ends_unseen():
    """A job still running at ``reset`` ended in the new session's log as the new j1 (it
    seemed to finish twice), and the new t1's wake-up was said to be for a cancelled call."""
    events = run_scenario("thread j1 0.3\nevery 0.1 l1\nlater 0.25 t1\nwait 0.15\nreset\n"
                          "thread j1 0.1\nlater 0.05 t1\nwait 0.5\n")
    after = events[[e.kind for e in events].index("session.reset"):]
    assert [(e.kind, e.name, e.text) for e in after if e.kind in ("thread.end", "timer.fire")
            and not e.internal
            ] == [("timer.fire", "t1", "late +0.000s"),
                  ("thread.end", "j1", "finished after 0.1s")]
    wakes = [e.text for e in after if e.kind == "clock.advance"]
    assert wakes[:2] == ["0.000 → 0.050", "0.050 → 0.100"]
