"""Teaching tools: predict order, break/step/continue on both clocks, save and load.

Virtual-clock tests compare what the log recorded with explicit lists; the live-clock
ones drive a session line by line and look at the state between lines (the pause is
a real block there: a timer held behind it runs late by the time it was held).
"""

from __future__ import annotations

import gc
import re
import time
from textwrap import dedent

import pytest

from support import run_scenario

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver
from reactor_repl.engine.events import Event


def run(text: str, clock: str = "virtual") -> list[Event]:
    return run_scenario(dedent(text), clock)


def rows(events: list[Event], *kinds: str) -> list[tuple[str, str, int, float]]:
    return [(e.kind, e.name, e.tick, round(e.t, 3)) for e in events
            if e.kind in kinds and not e.internal]


def texts(events: list[Event], kind: str) -> list[str]:
    return [e.text for e in events if e.kind == kind]


# ------------------------------------------------------------------- predict


def test_predict_says_right_or_shows_the_real_order_with_each_tick():
    events = run("""\
        later 1 t1
        later 0.5 t2
        later 0.5 t3
        predict order t2 t3 t1
        predict order t1 t2 t3
        wait 2
    """)
    assert texts(events, "predict") == [
        "you predict: t2 → t3 → t1 (checked when all have dispatched)",
        "you predict: t1 → t2 → t3 (checked when all have dispatched)",
        "✓ right: t2 (tick 6) → t3 (tick 6) → t1 (tick 7)",
        "✗ the real order: t2 (tick 6) → t3 (tick 6) → t1 (tick 7)",
    ]
    verdicts = [e for e in events if e.kind == "predict" and "ok" in (e.data or {})]
    assert [(e.data["ok"], e.data["real"], e.data["ticks"]) for e in verdicts] == [
        (True, ["t2", "t3", "t1"], {"t2": 6, "t3": 6, "t1": 7}),
        (False, ["t2", "t3", "t1"], {"t2": 6, "t3": 6, "t1": 7}),
    ]
    # the verdict comes the moment the last of them dispatches, in that pass
    assert rows(events, "timer.fire", "predict")[-3:] == [
        ("timer.fire", "t1", 7, 1.0), ("predict", "", 7, 1.0), ("predict", "", 7, 1.0)]


def test_predict_with_kind_tokens_and_one_that_is_never_checked():
    events = run("""\
        thread j1 0.3
        later 0.1 slow do block 1
        predict order slow thread.result:j1
        predict order slow nosuch
        predict order slow
        wait 2
    """)
    assert texts(events, "predict")[2:] == [
        "✓ right: slow (tick 5) → thread.result:j1 (tick 6)",
        "not checked: nosuch never dispatched (you predicted slow → nosuch)",
    ]
    assert [e.text for e in events if e.kind == "error"] == [
        "<test>:5:1: predict order slow: predict order needs at least two names "
        "— e.g. predict order t2 t1"]


def test_predict_takes_every_token_expect_order_takes_and_answers_at_once():
    # KIND:NAME of kinds that are recorded, not dispatched (a Deferred fired from the
    # prompt, a timer cancelled): answered when the event happens, not "never dispatched"
    events = run("""\
        deferred d1
        later 1 t1
        later 5 t2
        predict order t1 deferred.fire:d1
        predict order deferred.fire:d1 t1
        predict order timer.fire timer.cancel:t2
        wait 2
        fire d1 x
        note fired
        cancel t2
        note cancelled
        expect order t1 deferred.fire:d1
    """)
    after = [e for e in events if e.kind in ("predict", "note", "deferred.fire", "timer.cancel")]
    assert [(e.kind, e.text) for e in after][3:] == [
        ("deferred.fire", "callback('x')"),
        ("predict", "✓ right: t1 (tick 6) → deferred.fire:d1 (tick 8)"),
        ("predict", "✗ the real order: t1 (tick 6) → deferred.fire:d1 (tick 8)"),
        ("note", "fired"),
        ("timer.cancel", "cancelled"),
        ("predict", "✓ right: timer.fire (tick 6) → timer.cancel:t2 (tick 10)"),
        ("note", "cancelled"),
    ]
    assert not [e for e in events if e.kind == "expect.fail"]


def test_a_prediction_waiting_on_one_name_does_not_hold_back_the_others():
    events = run("""\
        later 1 t1
        later 2 t2
        predict order t1 nosuch
        predict order t1 t2
        wait 3
    """)
    assert texts(events, "predict")[2:] == [
        "✓ right: t1 (tick 5) → t2 (tick 6)",
        "not checked: nosuch never dispatched (you predicted t1 → nosuch)",
    ]


def test_a_prediction_is_graded_on_what_dispatches_after_it_not_before():
    # l1 ran at 0 and 2 before the bet; after it, t1 (3.5) comes before l1's next call (4)
    events = run("""\
        every 2 l1 times 3
        wait 2.5
        later 1 t1
        predict order t1 l1
        wait 2
    """)
    verdict = [e for e in events if e.kind == "predict"][-1]
    fired = {e.name: e.tick for e in events if e.kind in ("timer.fire", "loop.call")}
    assert verdict.data["ok"] is True
    assert verdict.data["real"] == ["t1", "l1"]
    assert verdict.data["ticks"] == {"t1": fired["t1"], "l1": fired["l1"]}  # the last call's
    assert verdict.text == f"✓ right: t1 (tick {fired['t1']}) → l1 (tick {fired['l1']})"


def test_a_name_given_twice_is_its_next_dispatch_in_predict_and_expect_order():
    """predict order l1 t1 l1 was never graded ("not checked:  never dispatched", the name
    blank), and expect order a b a counted a's one event twice."""
    events = run("""\
        every 1 l1 delayed times 3
        later 1.5 t1
        predict order l1 t1 l1
        predict order l1 l1 t1
        wait 4
        expect order loop.call:l1 t1 loop.call:l1
        later 1 a
        later 2 b
        wait 3
        expect order a b a
    """)
    fired = {}
    for e in events:
        if e.kind in ("loop.call", "timer.fire"):
            fired.setdefault(e.name, []).append(e.tick)
    l1, (t1,) = fired["l1"], fired["t1"]
    assert texts(events, "predict")[2:] == [
        f"✓ right: l1 (tick {l1[0]}) → t1 (tick {t1}) → l1 (tick {l1[1]})",
        f"✗ the real order: l1 (tick {l1[0]}) → t1 (tick {t1}) → l1 (tick {l1[1]})"]
    verdict = [e for e in events if e.kind == "predict"][2]
    assert verdict.data["ticks"] == [["l1", l1[0]], ["t1", t1], ["l1", l1[1]]]
    assert [e.kind for e in events if e.kind.startswith("expect.")] == [
        "expect.pass", "expect.fail"]
    assert texts(events, "expect.fail") == ["order a b a: ✗ not dispatched yet: a (a 2nd time)"]


# --------------------------------------------------------- break/step (virtual)


def test_break_on_a_family_pauses_before_every_call_of_it():
    events = run("""\
        break loop
        every 1 l1 delayed times 3
        later 1.5 t1
        wait 10
        expect count loop.call:l1 0
        continue
        expect count loop.call:l1 1
        continue
        continue
        wait 5
        expect count loop.call:l1 3
    """)
    assert rows(events, "loop.call", "timer.fire", "break", "expect.pass", "expect.fail") == [
        ("break", "", 1, 0.0),  # set
        ("break", "l1", 5, 1.0),  # paused before the first call: the wait ends there
        ("expect.pass", "", 5, 1.0),
        ("loop.call", "l1", 5, 1.0),
        ("timer.fire", "t1", 6, 1.5),
        ("break", "l1", 7, 2.0),
        ("expect.pass", "", 7, 2.0),
        ("loop.call", "l1", 7, 2.0),
        ("break", "l1", 8, 3.0),
        ("loop.call", "l1", 8, 3.0),
        ("expect.pass", "", 11, 15.0),  # the first wait went on to 10 s, the last to 15 s
    ]


def test_break_refuses_a_kind_the_loop_never_pauses_before():
    events = run("""\
        break deferred.step d1
        break timer.schedule
        break thread.result j1
    """)
    errors = [e.text for e in events if e.kind == "error"]
    assert [t.split(" — ")[0] for t in errors] == [
        "<test>:1:1: break deferred.step d1: deferred.step is not a dispatch the loop can "
        "pause before",
        "<test>:2:1: break timer.schedule: timer.schedule is not a dispatch the loop can "
        "pause before",
    ]
    assert "timer.fire" in errors[0] and "threadcall.run" in errors[0]
    assert texts(events, "break") == ["will pause before thread.result j1"]


def test_step_walks_through_every_kind_of_dispatch_one_at_a_time():
    events = run("""\
        reader r1
        later 0.5 t1 do write r1 hi
        thread j1 1
        later 1.5 t2 do fromthread f1
        step
        step
        step
        step
        step
        continue
        wait 3
    """)
    assert rows(events, "break", "timer.fire", "reader.read", "thread.result",
                "threadcall.run", "session.end") == [
        ("timer.fire", "t1", 7, 0.5),  # the first step, from a running loop: one dispatch,
        ("break", "r1", 7, 0.5),  # then a pause before the next one
        ("reader.read", "r1", 7, 0.5),
        ("break", "j1", 9, 1.0),  # the clock jumps to the next dispatch, past no wait
        ("thread.result", "j1", 9, 1.0),
        ("break", "t2", 10, 1.5),  # the pass right after the job's hand-back
        ("timer.fire", "t2", 10, 1.5),
        ("break", "f1", 11, 1.5),
        ("threadcall.run", "f1", 11, 1.5),  # the fifth step: nothing comes after it,
        ("break", "", 11, 1.5),  # and the step says it waits for what comes
        ("session.end", "", 14, 4.5),  # continue, then wait 3 from 1.5
    ]
    paused = [e.data["kind"] for e in events if e.kind == "break" and "why" in (e.data or {})]
    assert paused == ["reader.read", "thread.result", "timer.fire", "threadcall.run"]


def test_lines_typed_while_paused_run_after_the_paused_pass():
    """A typed line is a thread call: while the loop is paused it waits in the queue,
    and runs at the start of the pass after the one that was paused."""
    events = run("""\
        break timer.fire t2
        later 1 t1
        later 2 t2
        later 2 t3
        wait 5
        later 0 t4
        continue
        wait 1
    """)
    assert rows(events, "timer.fire", "timer.schedule") == [
        ("timer.schedule", "t1", 2, 0.0),
        ("timer.schedule", "t2", 3, 0.0),
        ("timer.schedule", "t3", 4, 0.0),
        ("timer.fire", "t1", 6, 1.0),
        ("timer.fire", "t2", 7, 2.0),  # paused before it; t3 is in the same pass
        ("timer.fire", "t3", 7, 2.0),
        ("timer.schedule", "t4", 8, 2.0),  # the line typed while paused: the next pass
        ("timer.fire", "t4", 8, 2.0),
    ]
    assert [e.t for e in events if e.kind == "session.end"] == [pytest.approx(6.0)]


def test_continue_and_step_with_nothing_scheduled_do_not_hang():
    t0 = time.monotonic()
    events = run("""\
        continue
        step
        continue
        later 1 t1
        wait 2
    """)
    assert rows(events, "timer.fire") == [("timer.fire", "t1", 7, 1.0)]
    assert time.monotonic() - t0 < 5


# ---------------------------------------------------------- break/step (live)


def live_session() -> tuple[Engine, Driver]:
    eng = Engine(Config(clock="live"))
    eng.start()
    return eng, Driver(eng)


def test_live_break_blocks_the_loop_and_step_goes_one_dispatch_further():
    eng, drv = live_session()
    try:
        for line in ("break timer.fire t2", "later 0.05 t1", "later 0.1 t2", "later 0.15 t3",
                     "wait 0.4"):
            drv.submit(line)
        state = eng.snapshot()
        assert (state["phase"], state["paused_at"]) == ("paused", "timer.fire t2")
        drv.submit("step")
        drv.submit("wait 0.2")
        state = eng.snapshot()
        assert (state["phase"], state["paused_at"]) == ("paused", "timer.fire t3")
        drv.submit("continue")
        drv.submit("wait 0.1")
        assert eng.snapshot()["paused_at"] is None
    finally:
        eng.finish()
    events = eng.log.snapshot()
    assert [(e.kind, e.name) for e in events if e.kind in ("timer.fire", "break")] == [
        ("break", "t2"),  # set
        ("timer.fire", "t1"),
        ("break", "t2"),  # paused: the reactor thread waits, blocked
        ("timer.fire", "t2"),
        ("break", "t3"),
        ("timer.fire", "t3"),
    ]
    fired = {e.name: e for e in events if e.kind == "timer.fire"}
    # t3 was due at 0.15 and held behind the pause until after the step's 0.2 s wait
    assert fired["t3"].data["late"] >= 0.15
    assert fired["t3"].t - fired["t2"].t >= 0.15


def test_a_files_step_waits_for_the_pause_on_the_live_clock_as_on_the_virtual():
    # the line after a file's step was read at once on the live clock: its continue undid
    # the step before the loop reached t2, and the note ran before t2 (after, virtual)
    text = """\
        later 0.1 t1
        later 0.3 t2
        break timer.fire t1
        wait 0.15
        step
        note after-step
        continue
        wait 0.3
        """
    shown = {}
    for clock in ("virtual", "live"):
        shown[clock] = [(e.kind, e.name) for e in run(text, clock)
                        if e.kind in ("timer.fire", "break", "note")]
    assert shown["live"] == shown["virtual"] == [
        ("break", "t1"),  # set
        ("break", "t1"),  # paused
        ("timer.fire", "t1"),
        ("break", "t2"),  # the step's pause, before the next line is read
        ("timer.fire", "t2"),
        ("note", ""),
    ]


def test_live_continue_without_a_pause_lets_the_loop_run():
    eng, drv = live_session()
    try:
        for line in ("later 0.05 t1", "continue", "wait 0.2"):
            drv.submit(line)
    finally:
        eng.finish()
    assert [e.name for e in eng.log.snapshot() if e.kind == "timer.fire"] == ["t1"]


# ------------------------------------------------------------- save and load

SESSION = """\
later 1 t1
every 0.4 l1 delayed times 3 do fire d1 tick
deferred d1
addCallback d1 add 1
addErrback d1 recover 0
thread j1 0.5
fromthread f1 do later 0 t2
predict order t1 l1
wait 2
reader r1 chunk 2
write r1 hello
listen s1 0 echo
connect c1 s1
send c1 ping
drop c1
wait 0.5
close r1
cancel s1
trigger before shutdown g1
break timer.fire t3
later 0.2 t3
wait 1
step
continue
stop
"""


def _normalized(events: list[Event]) -> list[tuple[str, str, int, float, str]]:
    """The log less what differs between two runs on one machine: input lines (the
    load says where each came from), ports, descriptors and addresses."""
    out = []
    for e in events:
        if e.kind == "input" or (e.kind == "note" and e.text.startswith("saved ")):
            continue
        text = re.sub(r"0x[0-9a-f]+", "ADDR", e.text)
        text = re.sub(r"\b\d{4,5}\b", "PORT", text)
        text = re.sub(r"fd \d+", "fd N", text)
        text = re.sub(r"^\S+\.rr:\d+: ", "", text)  # an error's FILE:LINE, loaded
        out.append((e.kind, e.name, e.tick, round(e.t, 6), text))
    return out


def test_a_saved_session_loads_again_to_the_same_log(tmp_path):
    saved = tmp_path / "mine.rr"
    eng = Engine(Config(clock="virtual"))
    drv = Driver(eng)
    eng.start()
    try:
        for line in SESSION.splitlines():
            drv.submit(line)
        assert drv.submit(f"save {saved}")  # after stop: the session can still be saved
    finally:
        eng.finish()
    first = eng.log.snapshot()
    text = saved.read_text(encoding="utf-8")
    assert text.splitlines() == ["# saved by reactor-repl", *SESSION.splitlines()]

    gc.collect()  # the first session's failed Deferreds must not log into the second
    again = Engine(Config(clock="virtual"))
    drv2 = Driver(again)
    again.start()
    try:
        drv2.submit(f"load {saved}")
    finally:
        again.finish()
    second = again.log.snapshot()
    assert _normalized(second) == _normalized(first)
    kinds = {e.kind for e in first}
    assert {"loop.call", "thread.result", "threadcall.run", "reader.read", "tcp.data",
            "trigger.fire", "break", "predict"} <= kinds


def test_a_timer_held_at_a_break_is_as_late_as_it_really_ran():
    """Live: the pause is real time; t1 runs when the person says continue, and its
    lateness says so (it was measured before the pause: +0.000s)."""
    events = run_scenario("break timer.fire t1\nlater 0.05 t1\nwait 0.6\ncontinue\nwait 0.1\n",
                          clock="live")
    fired = [e for e in events if e.kind == "timer.fire" and e.name == "t1"]
    assert len(fired) == 1
    assert fired[0].data["late"] >= 0.45


def test_a_prediction_naming_nothing_there_says_so_at_once():
    events = run_scenario("later 1 t1\npredict order t1 zz1\nwait 2\n")
    said = [e for e in events if e.kind == "predict"][0]
    assert said.text.endswith("; no object is named zz1 yet: it waits for one")
    assert said.data["unknown"] == ["zz1"]
