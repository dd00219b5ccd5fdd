"""Why is it stuck: `waiting`, warn.hang, warn.unhandled, warn.thread, warn.spin, --strict
(SPEC §8). The code under test is tests/mods/stuck.py."""

from __future__ import annotations

import os

import pytest

from support import ROOT, cli, run_scenario

STUCK = os.path.join(ROOT, "tests", "mods", "stuck.py")
BEATS = os.path.join(ROOT, "tests", "mods", "beats.py")


def chains(event):
    return {w["name"]: [s["text"] for s in w["chain"]] for w in event.data["waiting"]}


def test_waiting_names_each_chain_down_to_what_could_fire_it():
    events = run_scenario(f"""\
use {STUCK}
py held = stuck.start()
deferred d9
addCallback d9 add 1
later 3 t9 do fire d9 1
wait 2
waiting
""")
    w = [e for e in events if e.kind == "waiting"][0]
    nothing = "nothing: no timer, connection, reader, thread job or other Deferred can fire it"
    assert chains(w) == {
        "d1": [nothing],
        "d2": ["fetch() suspended at tests/mods/stuck.py:9, awaiting d1", nothing],
        "d3": [nothing],
        "d5": ["1 of 2 fired; waiting for d3", nothing],
        "d9": ["timer t9 due in 1.000s fires it"],
    }
    assert [x["age"] for x in w.data["waiting"]] == [2.0] * 5
    assert w.text == "5 Deferreds pending 1s or more"


def test_waiting_finds_timers_jobs_and_chained_deferreds_as_sources():
    events = run_scenario(f"use {STUCK}\npy held = stuck.sources()\nthread j9 2\nwait 1\n"
                          "waiting 0\n")
    w = [e for e in events if e.kind == "waiting"][0]
    got = chains(w)
    nothing = "nothing: no timer, connection, reader, thread job or other Deferred can fire it"
    assert got == {
        "d1": [nothing],  # stuck.never, made when the module was imported
        "d2": ["timer t1 due in 4.000s"],
        "d4": [nothing],
        "d5": ["fired by d4 when it fires", nothing],
        "j9": ["thread job j9 (running 1.0s)"],
    }


def test_waiting_with_nothing_pending_says_so():
    events = run_scenario("later 1 t1\nwaiting\n")
    assert [e.text for e in events if e.kind == "waiting"] == [
        "no Deferred has been pending for 1s or more"]


def test_a_hang_is_said_once_with_the_chains_and_the_virtual_wait_ends_there():
    events = run_scenario(f"use {STUCK}\npy held = stuck.start()\nwait 10\nnote after\n")
    hangs = [e for e in events if e.kind == "warn.hang"]
    assert len(hangs) == 1
    assert hangs[0].t == pytest.approx(0.0, abs=1e-9)  # nothing could happen: no jump to 10
    assert [w["name"] for w in hangs[0].data["waiting"]] == ["d1", "d2", "d3", "d5"]
    note = [e for e in events if e.kind == "note" and e.text == "after"][0]
    assert note.t == pytest.approx(0.0, abs=1e-9)


def test_a_pending_deferred_nobody_waits_on_is_not_a_hang():
    events = run_scenario("deferred d1\nwait 5\n")
    assert not [e for e in events if e.kind == "warn.hang"]
    assert events[-1].t == pytest.approx(5.0)


def test_a_live_hang_is_seen_by_the_watchdog():
    events = run_scenario(f"use {STUCK}\npy held = stuck.start()\nwait 1.6\n", "live")
    assert [e.kind for e in events if e.kind == "warn.hang"] == ["warn.hang"]


def test_an_unhandled_failure_is_said_when_its_chain_ends_and_handled_later():
    events = run_scenario("deferred x\nfail x boom\naddErrback x recover 0\n"
                          f"use {STUCK}\npy stuck.leave_a_failure()\n")
    rows = [(e.kind, e.name) for e in events
            if e.kind in ("warn.unhandled", "deferred.handled", "deferred.unhandled")]
    # (d1 is stuck.never, made when the module was imported)
    assert rows == [("warn.unhandled", "x"), ("deferred.handled", "x"),
                    ("warn.unhandled", "d2"), ("deferred.unhandled", "d2")]
    warn = [e for e in events if e.kind == "warn.unhandled"][1]
    assert warn.data["site"] == "tests/mods/stuck.py:37"
    assert warn.text.startswith("d2 ended on Failure(Exception: nobody listens)")


def test_handled_says_who_took_the_failure_a_coroutine_or_a_chain():
    """A callback that returns a failed Deferred takes its failure into its own chain
    (defer.py _runCallbacks: "Steal it"): no coroutine awaited anything there."""
    events = run_scenario("deferred d2\nfail d2 inner\ndeferred d1\naddCallback d1 await d2\n"
                          "addErrback d1 recover 7\nfire d1 0\n"
                          "deferred d3\nfail d3 inner\nasync c1 await d3\n")
    assert [(e.name, e.text.split(":")[0]) for e in events if e.kind == "deferred.handled"] == [
        ("d2", "passed on"), ("d3", "awaited")]


def test_a_failure_a_coroutine_yields_and_catches_is_not_unhandled():
    """`yield defer.fail(…)` caught: Twisted takes the failure (the Deferred's result is
    None after it) and logs nothing; the record kept the failure, said warn.unhandled at
    the end of the pass, and took it back only when the program ended."""
    events = run_scenario(f"use {STUCK}\npy stuck.catch_a_fired_failure()\nwait 1\n")
    made = [e.name for e in events if e.kind == "deferred.fire" and "caught" in e.text][0]
    assert [e.kind for e in events if e.name == made and e.kind.startswith(("warn", "deferred."))
            ] == ["deferred.new", "deferred.fire", "deferred.result", "deferred.result"]
    assert [e.text for e in events if e.name == made and e.kind == "deferred.result"][-1] == \
        "value: None"


def test_a_deferred_a_used_modules_own_thread_fires_is_not_a_hang():
    """The module's thread will callFromThread: the loop is not hung (live, a wait let
    the watchdog look at once, and it said hung; --strict ended the scenario there)."""
    events = run_scenario(f"use {STUCK}\npy held = stuck.fired_by_its_own_thread()\n"
                          "py held.addCallback(str.upper)\nwait 0.5\n", "live")
    assert not [e for e in events if e.kind == "warn.hang"]
    assert [e.text for e in events if e.kind == "deferred.fire"] == [
        "callback('from its own thread')"]


def test_a_reactor_call_from_another_thread_is_warn_thread_with_its_site():
    events = run_scenario(f"use {STUCK}\npy import threading\n"
                          "py threading.Thread(target=stuck.from_a_thread).start()\nwait 0.5\n",
                          "live")
    warns = [e for e in events if e.kind == "warn.thread"]
    assert [(w.data["api"], w.data["site"]) for w in warns] == [
        ("reactor.callLater", "tests/mods/stuck.py:33")]


def test_one_call_from_another_thread_is_one_warning_though_it_calls_more_apis():
    """LoopingCall.start makes its callLater, transport.write its addWriter: each was a
    second warning at the same line, under another API's name."""
    events = run_scenario(f"use {STUCK}\npy import threading\npy held = []\n"
                          "py threading.Thread(target=lambda: held.append("
                          "stuck.loop_from_a_thread())).start()\nwait 0.5\n"
                          "py held[0].stop()\n", "live")
    warns = [e for e in events if e.kind == "warn.thread"]
    assert [(w.data["api"], w.data["site"]) for w in warns] == [
        ("LoopingCall.start", "tests/mods/stuck.py:69")]


def test_a_timer_cancelled_from_another_thread_is_warn_thread():
    events = run_scenario(f"use {STUCK}\npy stuck.cancel_from_a_thread()\nwait 0.3\n", "live")
    warns = [e for e in events if e.kind == "warn.thread"]
    assert [w.data["api"] for w in warns] == ["DelayedCall.cancel"]
    assert [e.kind for e in events if e.kind.startswith("timer.")] == [
        "timer.schedule", "timer.cancel"]


def test_reactor_stop_from_another_thread_is_warn_thread_too():
    """``reactor.stop()`` from a plain thread: as unsafe as ``callLater`` there (the stop
    waits for the loop's next wake-up); it was recorded with no warning."""
    events = run_scenario("py import threading\npy t = threading.Thread(target=reactor.stop)\n"
                          "py t.start(); t.join()\nwait 0.5\n", "live")
    warns = [e for e in events if e.kind == "warn.thread"]
    assert [w.data["api"] for w in warns] == ["reactor.stop"]
    assert [e.kind for e in events if e.kind in ("warn.thread", "reactor.stop")] == [
        "warn.thread", "reactor.stop"]


def test_the_unhandled_error_twisted_logs_is_not_pinned_on_a_deferred_that_was_handled():
    """A loop's call returns a failed Deferred: the loop handles it (d1), and its own
    start() Deferred, Twisted's, ends on the same failure — the one Twisted logs. The log
    named d1 (the last Deferred seen ending on that failure, though handled since)."""
    events = run_scenario(f"use {BEATS}\nevery 0.1 l1 delayed call beats.failbeat\nwait 0.3\n")
    # (d1 is handled by the loop in the very pass it failed: no warning to take back)
    assert [(e.kind, e.name) for e in events if "handled" in e.kind] == [
        ("deferred.unhandled", "")]


def test_zero_delay_work_that_never_lets_the_clock_move_is_warn_spin():
    events = run_scenario("every 0 l1\nwait 1\n", max_dispatches=20_000)
    spins = [e for e in events if e.kind == "warn.spin"]
    assert [(w.name, w.data["dispatches"]) for w in spins] == [("l1", 1_000)]
    # then, as before, the runaway guard stops it
    assert [e.text.split(":")[0] for e in events if e.kind == "error"] == ["runaway", "<test>"]


@pytest.mark.parametrize("strict", [False, True])
def test_strict_fails_the_run_on_a_warning_and_ends_it_at_a_hang(tmp_path, strict):
    path = tmp_path / "hang.rr"
    path.write_text("deferred d1\naddCallback d1 add 1\nwait 5\nnote reached\n",
                    encoding="utf-8")
    r = cli("run", str(path), *(["--strict"] if strict else []))
    if strict:
        assert r.returncode == 1
        assert "note    reached" not in r.stdout
        assert f"{path}: warn.hang hung: nothing left can run" in r.stderr
    else:
        assert r.returncode == 0
        assert "note    reached" in r.stdout


def test_no_lint_stands_in_the_course(tmp_path):
    """The scenarios of the course raise no warning they do not teach: every hang, thread,
    spin or unhandled warning they show is one an expect line names (or, an unhandled
    failure, one an errback handles later)."""
    import glob

    for path in sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.rr"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        events = run_scenario(text)  # as `run` replays it (in-process: no start-up each)
        handled = {e.name for e in events if e.kind == "deferred.handled"}
        standing = [(e.kind, e.name) for e in events
                    if e.kind in ("warn.hang", "warn.thread", "warn.spin", "warn.unhandled")
                    and not (e.kind == "warn.unhandled" and e.name in handled)
                    and f"expect count {e.kind}" not in text]
        assert standing == [], os.path.basename(path)


def test_a_running_loops_start_deferred_waits_for_the_loop_not_for_nothing():
    events = run_scenario("py from twisted.internet import task\n"
                          "py lc = task.LoopingCall(lambda: None)\n"
                          "py done = lc.start(0.5)\n"
                          "wait 2\nwaiting 0\npy lc.stop()\nwaiting 0\n")
    first, after = [e for e in events if e.kind == "waiting"]
    assert chains(first) == {"d1": ["loop l1 (running): fires it when it stops or its call fails"]}
    assert after.text == "no Deferred has been pending for 0s or more"


def test_a_loops_start_deferred_waits_for_the_loop_also_while_its_call_runs():
    """While the loop's call runs (blocked in it, or waiting on what it returned) the
    loop has no timer: its start() Deferred was "nothing can fire it" (in red), most of
    the time for a program that blocks in its loop."""
    from reactor_repl.engine import waiting
    from reactor_repl.engine.commands.session import py_namespace
    from reactor_repl.engine.core import Config, Engine
    from reactor_repl.session.driver import Driver

    from support import release

    engine = Engine(Config(clock="virtual", allow_python=True))
    driver = Driver(engine)
    engine.start()
    seen: list[list[str]] = []
    try:
        space = py_namespace(engine)

        def call() -> None:  # the loop's call asks what its own start() Deferred waits for
            seen.append([step.text for step in waiting.chain_of(engine, space["done"])])

        space["call"] = call
        driver.submit("py from twisted.internet import task")
        driver.submit("py lc = task.LoopingCall(call)")
        driver.submit("py done = lc.start(0.5, now=False)")
        driver.submit("wait 1.2")
        driver.submit("py lc.stop()")
    finally:
        engine.finish()
        release(engine)
    assert len(seen) == 2 and all(chain == [
        "loop l1 (running): fires it when it stops or its call fails"] for chain in seen), seen


def test_a_timer_the_loop_is_late_for_is_overdue_not_due_in_zero():
    """During a block, `waiting` said of a timer 1.6 s late "due in 0.000s fires it"."""
    events = run_scenario("deferred d1\nlater 0.5 t3 do fire d1 1\n"
                          "later 0.1 b do block 2 ; waiting 0\nwait 3\n")
    (answer,) = [e for e in events if e.kind == "waiting"]
    assert "  └ timer t3 overdue 1.6s fires it" in answer.data["lines"]


def test_a_deferred_another_awaits_is_not_said_to_be_fired_by_it():
    """`addCallback a await b`: waiting said of b "fired by a when it fires" — a's
    callback waits for b, it never fires it."""
    events = run_scenario("deferred a\ndeferred b\naddCallback a await b\nwaiting 0\n")
    (answer,) = [e for e in events if e.kind == "waiting"]
    assert not [ln for ln in answer.data["lines"] if "fired by a" in ln]
    assert answer.data["lines"][-1].endswith("other Deferred can fire it")


OUTSIDE = os.path.join(ROOT, "tests", "mods", "outside.py")


def test_waiting_follows_the_globals_a_source_names_and_threads_ports_and_jobs():
    """A script keeps its Deferreds in globals: `waiting` said "nothing" for a global a
    timer's function fires, a loop's function fires, a thread of the program's own fires,
    a running callInThread job fires, and a server's factory fires when a client comes."""
    # (live: on the virtual clock time stands still while a pool job runs)
    events = run_scenario(f"use {OUTSIDE}\npy held = outside.start()\nwait 0.5\nwaiting 0\n"
                          "py outside.go.set()\npy held[2].stop()\n", "live")
    w = [e for e in events if e.kind == "waiting"][0]
    got = {name: chain[0] for name, chain in chains(w).items()}
    assert got["d1"].startswith("timer t1 due in 2.")  # result, by deliver()
    assert got["d2"].startswith("loop l1")  # polled, by poll()
    assert got["d3"] == "thread helper (running)"  # from_thread
    assert got["d4"].startswith("thread job j1 (running")  # from_job, by slow_work()
    assert got["d5"].startswith("listening port ")  # the factory's first
    assert not any(chain.startswith("nothing") for chain in got.values()), got


def test_warn_spin_names_where_one_shot_timers_are_made_not_one_of_them():
    """``callLater(0, step)`` in ``step``: each timer a name of its own, and warn.spin said
    "mostly t4811", which names nothing a person wrote."""
    events = run_scenario(f"use {BEATS}\npy beats.step_for(1.3)\nwait 1.5\n", "live")
    spins = [e for e in events if e.kind == "warn.spin"]
    assert [(w.name, w.data["busiest"]) for w in spins] == [
        ("", "timers made at tests/mods/beats.py:24")], [w.text for w in spins]


def test_a_coroutine_suspended_inside_one_it_awaits_names_that_one():
    """``await fetch()`` in outer(), fetch suspended at its own line: the chain said
    "outer() suspended at stuck.py:9" — fetch's line under outer's name."""
    events = run_scenario(f"use {STUCK}\nspawn stuck.outer as c1\nwaiting 0\n")
    w = [e for e in events if e.kind == "waiting"][0]
    assert chains(w)["c1"][0] == ("outer() suspended at tests/mods/stuck.py:9 in fetch(), "
                                  "awaiting d1")
