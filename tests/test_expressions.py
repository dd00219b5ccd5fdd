"""What issue 14 added to the language, read back from the log (the fidelity of each to a
plain program is in test_fidelity; its export in test_differential)."""

from __future__ import annotations

import re

from support import run_scenario, seen

from reactor_repl.engine.clock import Activity, VirtualClock


def rows(events, kinds):
    return [(e.kind, e.name, e.data.get("at", "")) for e in events
            if e.kind in kinds and not e.internal]


def test_a_coroutine_says_at_which_step_it_waits_and_resumes():
    events = run_scenario("deferred d1\n"
                          "async c1 do note starts ; await d1 ; sleep 0.5 ; return 3\n"
                          "later 1 t1 do fire d1 x\nwait 2\n")
    assert rows(events, ("deferred.pause", "deferred.resume", "deferred.result", "note")) == [
        ("note", "", ""),
        ("deferred.pause", "c1", "step 2 (await d1)"),
        ("deferred.resume", "c1", "step 2 (await d1)"),
        ("deferred.pause", "c1", "step 3 (sleep 0.5)"),
        ("deferred.result", "d1", ""),
        ("deferred.resume", "c1", "step 3 (sleep 0.5)"),
        ("deferred.result", "c1", ""),
        ("deferred.result", "c1.3", "")]
    result = [e for e in events if e.kind == "deferred.result" and e.name == "c1"][0]
    assert result.data["value"] == 3 and round(result.t, 6) == 1.5


def test_an_inline_callbacks_generator_waits_as_an_async_def_does():
    events = run_scenario("deferred d1\ninlineCallbacks c1 await d1 ; raise boom\n"
                          "addErrback c1 recover caught\nlater 1 t1 do fire d1 x\nwait 2\n")
    assert rows(events, ("deferred.pause", "deferred.resume")) == [
        ("deferred.pause", "c1", "step 1 (await d1)"),
        ("deferred.resume", "c1", "step 1 (await d1)")]
    assert [e.text for e in events if e.kind == "deferred.step" and e.name == "c1"] == [
        "errback recover caught: Failure(Exception: boom) → 'caught'"]


def test_several_actions_run_in_order_and_a_raise_ends_them():
    events = run_scenario("deferred d1\ndeferred d2\n"
                          "later 0.1 t1 do fire d1 1 ; raise boom ; fire d2 2\nwait 0.2\n")
    assert seen(events, ("timer.fire", "deferred.fire", "log")) == [
        ("timer.fire", "t1"), ("deferred.fire", "d1"), ("log", "")]
    assert [e.text for e in events if e.kind == "log"] == [
        "while handling timed call: Exception: boom"]


def test_a_loop_that_raises_stops_with_its_error():
    events = run_scenario("every 0.1 l1 do note beat ; raise enough\nwait 0.3\n")
    assert [(e.kind, e.name, e.text) for e in events
            if e.kind in ("loop.call", "loop.stop")] == [
        ("loop.call", "l1", "call 1, late +0.000s"),
        ("loop.stop", "l1", "stopped by an error: Exception: enough")]


def test_a_job_that_nobody_takes_the_result_of_is_logged_when_it_ends():
    """callInThread: Twisted logs what the job raised from the worker; the job is over only
    then, so the log is at the job's end on the virtual clock (it came at a time the threads'
    timing decided)."""
    events = run_scenario("callInThread j1 sleep 0.1 ; raise boom\nlater 0.5 t1\nwait 1\n")
    end = [e for e in events if e.kind == "thread.end"][0]
    logged = [e for e in events if e.kind == "log" and e.text.startswith("Unhandled Error")][0]
    assert logged.text == "Unhandled Error: Exception: boom"  # (not Twisted's whole traceback)
    assert (logged.t, logged.tick) == (end.t, end.tick)
    assert round(end.t, 6) == 0.1
    assert seen(events, ("thread.result",)) == []


def test_a_job_waiting_for_the_reactor_counts_as_settled():
    clock = VirtualClock()
    job = Activity("j1", "job", state="running")
    clock.add(job)
    assert not clock.settle(timeout=0.01)
    clock.set_state(job, "blocked")  # in blockingCallFromThread: the reactor has its call
    assert clock.settle(timeout=0.01)
    assert clock.running_jobs() == 1  # (it still holds its pool thread)


def test_a_job_hands_calls_back_partway_and_waits_for_a_blocking_one():
    events = run_scenario("deferred d1\n"
                          "thread j1 sleep 0.1 ; blocking ask do fire d1 ok ; sleep 0.1 ; "
                          "fromthread told ; return 2\nwait 0.5\n")
    assert [(e.kind, e.name, e.thread if e.kind.endswith("queue") else "", round(e.t, 3))
            for e in events if e.kind in ("threadcall.queue", "threadcall.run",
                                          "thread.result", "deferred.fire")] == [
        ("threadcall.queue", "ask", "pool-1", 0.1), ("threadcall.run", "ask", "", 0.1),
        ("deferred.fire", "d1", "", 0.1),
        ("threadcall.queue", "told", "pool-1", 0.2), ("threadcall.run", "told", "", 0.2),
        ("thread.result", "j1", "", 0.2), ("deferred.fire", "j1", "", 0.2)]


def test_a_writer_writes_in_chunks_and_stops_asking_when_it_has_nothing_left():
    events = run_scenario("reader r1 chunk 4\nwriter w1 r1 chunk 3\nsend w1 hello\nwait 0.1\n")
    assert [(e.kind, e.name, re.sub(r"fd \d+", "fd N", e.text)) for e in events
            if e.kind in ("reader.add", "reader.remove", "writer.write", "reader.read")
            and e.name in ("w1", "r1")][1:] == [
        ("reader.add", "w1", "addWriter: into r1's pipe (fd N), doWrite writes ≤ 3 bytes"),
        ("writer.write", "w1", "doWrite(): 0 bytes into the pipe"),
        ("reader.remove", "w1", "removeWriter: the loop stops watching it"),
        ("reader.add", "w1", "addWriter: watched again"),
        ("writer.write", "w1", "doWrite(): 3 bytes into the pipe"),
        ("writer.write", "w1", "doWrite(): 2 bytes into the pipe"),
        ("reader.remove", "w1", "removeWriter: the loop stops watching it"),
        ("reader.read", "r1", "doRead(): 4 bytes b'hell'"),
        ("reader.read", "r1", "doRead(): 1 byte b'o'")]


def test_crash_is_recorded_and_stop_is_not_a_crash():
    crashed = run_scenario("trigger before shutdown g1\nlater 0.1 t1 do crash\nwait 0.5\n")
    assert seen(crashed, ("reactor.crash", "reactor.stop", "trigger.fire")) == [
        ("reactor.crash", "")]
    stopped = run_scenario("trigger before shutdown g1\nlater 0.1 t1 do stop\nwait 0.5\n")
    assert seen(stopped, ("reactor.crash", "reactor.stop", "trigger.fire")) == [
        ("reactor.stop", ""), ("trigger.fire", "g1")]


def test_raise_typed_alone_is_refused_with_a_hint():
    events = run_scenario("raise boom\n")
    assert [e.text for e in events if e.kind == "error"] == [
        "<test>:1:1: raise boom: raise runs only inside a callback — after do: e.g. "
        "later 1 t1 do raise boom"]
