"""The live watchdog (issue 6): one warn.blocked per stall, naming where the loop is stuck.

Most of it is driven with an explicit ``now`` against a stand-in reactor; a few
tests block a real live loop for a few tenths of a second (--slow is 0.1 there, so
the warning is due well before the block ends).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from types import SimpleNamespace

from support import run_scenario, seen

from reactor_repl.engine.watchdog import Watchdog, short_path, where_stuck


class Recorder:
    """Stands in for the engine: a reactor to watch, and a record() that keeps events."""

    def __init__(self) -> None:
        self.reactor = SimpleNamespace(phase="poll", busy_since=100.0,
                                       thread_ident=threading.get_ident())
        self.ended = False
        self.waiting_live = False  # no wait letting time pass
        self.current = None
        self.events: list[tuple[str, str, str, dict]] = []
        self.last_warning = None
        self.warned: Counter[str] = Counter()  # as the engine counts its warnings

    def record(self, kind, name="", text="", data=None, internal=False):
        self.events.append((kind, name, text, data))
        return SimpleNamespace(kind=kind, text=text)


def test_sleeps_one_threshold_while_the_loop_waits_and_costs_the_reactor_nothing():
    rec = Recorder()
    dog = Watchdog(rec, 0.1, threading.Event())
    assert dog.check(now=105.0) == 0.1  # polling: look again in one threshold
    rec.reactor.phase = "idle"
    assert dog.check(now=105.0) == 0.1
    rec.reactor.phase = "paused"  # a break the person set: not a stall
    assert dog.check(now=200.0) == 0.1
    assert rec.events == []


def test_wakes_when_a_stretch_would_become_a_stall_and_warns_once_per_stall():
    rec = Recorder()
    dog = Watchdog(rec, 0.1, threading.Event())
    rec.reactor.phase = "run"
    assert round(dog.check(now=100.03), 6) == 0.07  # 0.07 s from now it would be 0.1
    assert rec.events == []
    assert dog.check(now=100.125) == 0.05
    assert [(k, d["seconds"]) for k, _, _, d in rec.events] == [("warn.blocked", 0.125)]
    dog.check(now=100.5)  # the same stall, still going: no second warning
    rec.reactor.phase = "blocked"
    dog.check(now=101.0)
    assert len(rec.events) == 1
    rec.reactor.busy_since = 102.0  # the loop came back, and went away again
    dog.check(now=102.25)
    assert [(k, d["seconds"]) for k, _, _, d in rec.events] == [
        ("warn.blocked", 0.125), ("warn.blocked", 0.25)]
    assert rec.warned == {"warn.blocked": 2}  # what the state pane's stats read


def test_names_the_callers_own_code_on_the_reactor_thread():
    rec = Recorder()
    rec.reactor.phase = "run"
    rec.current = SimpleNamespace(kind="timer.fire", name="t1")
    dog = Watchdog(rec, 0.1, threading.Event())
    dog.check(now=100.2)  # this thread stands in for the reactor: this test is the code
    kind, name, text, data = rec.events[0]
    assert (kind, name, data["function"], data["during"]) == (
        "warn.blocked", "t1", "test_names_the_callers_own_code_on_the_reactor_thread",
        "timer.fire t1")
    assert data["file"].endswith("test_watchdog.py")
    assert text.startswith("loop blocked 0.200s (> --slow 0.1s) in "
                           "test_names_the_callers_own_code_on_the_reactor_thread (")
    assert dog.stuck == data
    rec.reactor.phase = "poll"
    dog.check(now=100.3)
    assert dog.stuck is None


def test_where_stuck_skips_the_engine_plumbing():
    assert short_path("/x/y/site-packages/twisted/internet/base.py") == "twisted/internet/base.py"
    assert short_path("/repo/reactor_repl/engine/core.py") == "reactor_repl/engine/core.py"
    assert short_path("<py>") == "<py>"
    here = where_stuck(sys._getframe())
    assert here["function"] == "test_where_stuck_skips_the_engine_plumbing"
    assert len(here["stack"]) <= 8
    assert where_stuck(None)["function"] == "?"


def blocked(events):
    return [e for e in events if e.kind == "warn.blocked"]


def test_live_block_in_a_callback_warns_once_per_stall_naming_block():
    events = run_scenario("later 0 a do block 0.4\nwait 0.5\nlater 0 b do block 0.35\n"
                          "wait 0.45\n", clock="live", slow=0.1)
    warns = blocked(events)
    assert [(w.name, w.data["function"], w.data["file"]) for w in warns] == [
        ("a", "block", "reactor_repl/engine/commands/time.py"),
        ("b", "block", "reactor_repl/engine/commands/time.py")]
    assert seen(events, ["block.start", "block.end", "warn.blocked"]) == [
        ("block.start", ""), ("warn.blocked", "a"), ("block.end", ""),
        ("block.start", ""), ("warn.blocked", "b"), ("block.end", "")]
    assert all(w.thread == "watchdog" for w in warns)


def test_a_block_the_person_typed_is_no_warning():
    """It is what they asked for (issue 10.11): no warn.blocked, no warn.slow."""
    events = run_scenario("block 0.4\nwait 0.1\n", clock="live", slow=0.1)
    assert seen(events, ["block.start", "block.end", "warn.blocked", "warn.slow"]) == [
        ("block.start", ""), ("block.end", "")]


def test_live_stall_inside_a_timer_names_the_timer_and_a_py_line():
    events = run_scenario("later 0 t1 do block 0.4\nwait 0.5\n"
                          'py __import__("time").sleep(0.4)\n', clock="live", slow=0.1)
    first, second = blocked(events)
    assert (first.name, first.data["function"], first.data["during"]) == (
        "t1", "block", "timer.fire t1")
    assert (second.name, second.data["file"], second.data["line"], second.data["function"]) == (
        "", "<py>", 1, "<module>")


def test_no_watchdog_on_the_virtual_clock_and_none_when_idle():
    events = run_scenario("later 0 t1 do block 1\nwait 1\n", slow=0.1)
    assert seen(events, ["warn.slow", "warn.blocked"]) == [("warn.slow", "t1")]
    events = run_scenario("wait 0.3\n", clock="live", slow=0.1)
    assert blocked(events) == []


def test_the_reactors_own_shutdown_is_not_a_stall():
    rec = Recorder()
    rec.reactor.phase = "run"
    rec.reactor._stopped = True  # reactor.stop() was called: the shutdown joins the pool
    dog = Watchdog(rec, 0.1, threading.Event())
    dog.check(now=105.0)
    assert rec.events == [] and dog.stuck is None


def test_stop_with_a_pool_job_running_warns_nothing():
    # the shutdown waits 0.3 s for the job in the pool: Twisted's own join, not a blocked loop
    events = run_scenario("thread j1 0.3\nstop\n", clock="live")
    assert seen(events, ["reactor.stop", "thread.end", "warn.blocked", "warn.slow"]) == [
        ("reactor.stop", ""), ("thread.end", "j1")]
