"""What the explorer shows is what plain Twisted does (SPEC: the one rule above all).

Each case is a small plain Twisted program, written by hand (``tests/fidelity/<id>.py``),
that prints every dispatch with the pass of ``runUntilCurrent`` it ran in (the reactor's
own method, wrapped to count: ``tests/fidelity/passes.py``), run in a subprocess on the
epoll reactor and the real clock; and the same behaviour as a scenario
(``tests/fidelity/<id>.rr``), replayed by the explorer on both clocks.
Dispatch order and which dispatches share a pass must agree. Pass numbers are
compared after renumbering 0, 1, 2 … over the passes that had a compared event
(the explorer's typed lines take passes of their own, the program's do not).

On the real clock a few groupings are races in Twisted itself (two timers typed
on two lines a millisecond apart may or may not fall in one pass): those cases
compare order only there (``live="order"``), or only some names (five timers typed
on five lines may run apart, each one's callLater(0) between them). One is a race on every clock: a timer
made in a timer for the instant of another one is due a hair after it (the first
timer ran a little late), and whether the reactor, waking a little late for the
other one, finds it due too is luck — on an idle machine it is, 20 times out of 20
(``tests/test_engine_core.py``); with six programs at once here, not always. The
virtual clock runs timers due within a microsecond of a deadline in its pass, as an
unloaded reactor does (``virtual="order"``: the plain side varies).
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from support import run_scenario

from reactor_repl.engine.events import Event

FIDELITY = Path(__file__).with_name("fidelity")


def program(name: str) -> Path:
    """The plain program: defines start() and UNTIL, prints with passes.rec(kind, name, extra)."""
    return FIDELITY / f"{name}.py"


def scenario(name: str) -> str:
    """The same behaviour in the explorer's language."""
    return (FIDELITY / f"{name}.rr").read_text()


Row = tuple  # (kind, name, pass[, extra])


@dataclass
class Case:
    id: str  # program(id) and scenario(id)
    kinds: tuple[str, ...]
    live: str = "passes"  # "passes" | "order": what the real clock must match
    virtual: str = "passes"  # "passes" | "order": what the virtual clock must match
    live_names: tuple[str, ...] = ()  # live: compare only these (the rest is a race there)
    names: tuple[str, ...] = ()  # both clocks: compare only these
    extra: Callable[[Event], Any] | None = None  # the explorer's counterpart of rec's extra
    live_extra: bool = True  # False: live, the extra is a matter of timing (not compared)


def _branch(e: Event) -> Any:
    return e.data["branch"] if e.kind == "deferred.step" else ""


def _fired(e: Event) -> Any:
    """The value a Deferred was fired with (which of two racing fires won)."""
    return str(e.data["value"]) if e.kind == "deferred.fire" else ""


def _count(e: Event) -> Any:
    return str(e.data["missed"] + 1) if e.kind == "loop.call" else ""


def _warning(e: Event) -> Any:
    """A Python warning's category, as Twisted's log says it."""
    return e.text.split(":")[0] if e.kind == "log" else ""


def _beat(e: Event) -> Any:
    """Which beat of a 0.1 s loop a call came at (the scenario's loop starts as it begins)."""
    return str(round(e.t / 0.1)) if e.kind == "loop.call" else ""


def _coroutine(e: Event) -> Any:
    """Where a coroutine waits (the step), what it ended with, what a note says."""
    if e.kind in ("deferred.pause", "deferred.resume"):
        return e.data["at"]
    if e.kind == "deferred.result":
        return str(e.data["value"])
    return e.text if e.kind == "note" else ""


def _loop_count(e: Event) -> Any:
    return str(e.data["count"]) if e.kind == "loop.count" else ""


def _bytes(e: Event) -> Any:
    return str(e.data["bytes"]) if e.kind in ("tcp.data", "reader.read", "writer.write") else ""


CASES = [
    Case("timers-due-during-a-block-in-a-timer", ("timer.fire",)),
    Case("timers-due-during-a-block-in-a-thread-call", ("timer.fire", "block.start")),
    # a file's wait that ends inside a timer's block: its next line comes then, as typed
    Case("a-line-typed-during-a-timers-block-runs-before-the-timers-due-meanwhile",
         ("timer.fire", "timer.cancel")),
    # … and, with no wait, a file's next line comes while its line's timer blocks
    Case("a-files-next-line-comes-while-its-timer-blocks-and-runs-before-the-timers-due-meanwhile",
         ("timer.fire", "timer.cancel")),
    # … and two waits that end in one block: what falls due between them comes first
    Case("two-waits-ending-inside-one-block-let-a-job-due-between-them-come-first",
         ("timer.fire", "deferred.fire", "deferred.error"), names=("t1", "d1"), extra=_fired),
    Case("looping-call-after-a-block", ("loop.call", "timer.fire"), extra=_count),
    Case("a-callback-returning-its-own-deferred-is-warned-about", ("deferred.step", "log"),
         extra=_warning),
    # (live, a busy machine makes a beat come more than half an interval late: the virtual
    # clock's beats are the point; live, the order of the calls is compared)
    Case("a-loop-blocked-whole-intervals-skips-them-all", ("loop.call",), extra=_beat,
         live="order", live_extra=False),
    Case("a-loops-failed-start-deferred-is-logged-in-that-pass",
         ("loop.call", "deferred.unhandled", "timer.fire")),
    Case("deferred-errback-switching-recovery-and-await", ("deferred.step", "timer.fire"),
         extra=_branch),
    Case("a-callback-added-to-a-fired-deferred-runs-at-once", ("deferred.step", "timer.fire"),
         extra=_branch),
    Case("firing-twice-is-already-called-error", ("deferred.error", "timer.fire")),
    Case("callLater0-made-in-timers-runs-next-pass-in-the-order-made", ("timer.fire",),
         live="order", live_names=("x1", "x2", "x3", "x4", "x5")),
    Case("reset-and-delay-order-ties-as-real-time-does", ("timer.fire",), live="order"),
    Case("an-exception-in-a-loops-call-stops-the-loop",
         ("timer.fire", "loop.call", "loop.stop"), live="order"),
    Case("an-exception-in-a-steps-do-turns-the-chain-to-its-errbacks",
         ("timer.fire", "deferred.step"), extra=_branch),
    Case("a-step-is-recorded-before-what-it-causes", ("timer.fire", "deferred.step"),
         extra=_branch),
    Case("small-tcp-writes-arrive-as-written-though-nagle-holds-them-a-moment", ("tcp.data",),
         live="order", virtual="order", names=("c1",),
         extra=lambda e: str(e.data["bytes"]) if e.name == "c1" else ""),
    Case("a-thread-hand-back-then-the-next-timer-in-the-next-pass",
         ("thread.result", "timer.fire")),
    Case("a-timer-made-later-for-the-same-instant-runs-after", ("timer.fire",), live="order",
         virtual="order"),
    # -- what issue 14 added to the language, each against the program it stands for
    Case("coroutines-wait-at-their-steps-and-resume-inside-the-callback-that-fires",
         ("deferred.pause", "deferred.resume", "timer.fire", "note", "deferred.result"),
         live="order", virtual="order", names=("c1", "c2", "t1", "t2", ""), extra=_coroutine),
    Case("a-looping-call-waits-for-the-deferred-its-call-returns-and-counts-skipped-beats",
         ("loop.call", "loop.count", "timer.fire"), extra=_loop_count),
    Case("several-actions-in-a-callback-and-raise-in-a-timer-a-loop-and-a-chain",
         ("timer.fire", "loop.call", "loop.stop", "deferred.step"), extra=_branch),
    # (a scenario's lines are passes of their own: the order is compared)
    Case("a-stop-at-the-end-lets-the-shutdown-finish", ("trigger.fire", "timer.fire"),
         live="order", virtual="order"),
    Case("shutdown-waits-for-a-before-triggers-deferred-and-the-loop-runs-meanwhile",
         ("trigger.fire", "timer.fire", "note"), names=("g1", "g2", "g3", "t1", "t2", ""),
         extra=_coroutine),
    Case("crash-stops-the-loop-at-once-no-shutdown-triggers", ("trigger.fire", "timer.fire")),
    # (typed lines are passes of their own: the order is compared)
    Case("a-paused-client-the-program-holds-gets-its-echo-after-resume", ("tcp.data",),
         live="order", virtual="order", extra=_bytes),
    # (the helper's block.end comes from its own thread: the order is compared)
    Case("a-block-a-helper-thread-runs-itself-leaves-the-loop-free",
         ("timer.fire", "block.end"), live="order", virtual="order"),
    Case("a-reader-still-watched-at-stop-loses-its-connection-in-the-shutdown",
         ("trigger.fire", "reader.lost")),
    Case("a-crash-inside-a-shutdown-trigger-after-stop",
         ("timer.fire", "trigger.fire", "reactor.crash")),
    Case("a-job-hands-the-reactor-calls-partway-through",
         ("threadcall.run", "thread.result", "timer.fire", "deferred.step"), extra=_branch),
    Case("a-writer-on-a-pipe-writes-in-chunks-and-a-reader-reads-them",
         ("reader.read", "writer.write"), live="order", extra=_bytes),
    Case("greet-halfclose-and-producers-on-a-connection", ("tcp.data", "tcp.lost", "timer.fire"),
         live="order", virtual="order", names=("c1", "c2", "s1.1", "t1"), extra=_bytes),
]


def _run_program(case: Case) -> list[Row]:
    r = subprocess.run([sys.executable, program(case.id)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        kind, name, n, *extra = line.split(" ", 3)
        rows.append((kind, "" if name == "-" else name, int(n), (extra or [""])[0].strip()))
    return rows


# programs run at once: they mostly wait, but two dozen Pythons starting together on a
# small machine make each one's own timers late enough to merge passes
PLAIN_AT_ONCE = 6


@pytest.fixture(scope="module")
def plain() -> dict[str, list[Row]]:
    """Every program at once: they mostly wait, so the lot takes as long as the longest."""
    with ThreadPoolExecutor(PLAIN_AT_ONCE) as pool:
        return dict(zip([c.id for c in CASES], pool.map(_run_program, CASES)))


def renumber(rows: list[Row]) -> list[Row]:
    """Passes 0, 1, 2 … in the order they first appear."""
    passes: dict[int, int] = {}
    return [(k, n, passes.setdefault(p, len(passes)), *rest) for k, n, p, *rest in rows]


def explorer_rows(case: Case, clock: str) -> list[Row]:
    events = run_scenario(scenario(case.id), clock)
    extra = case.extra or (lambda e: "")
    return [(e.kind, e.name, e.tick, extra(e)) for e in events
            if e.kind in case.kinds and not e.internal]


@pytest.mark.parametrize("clock", ["virtual", "live"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_explorer_dispatches_as_plain_twisted_does(case, clock, plain):
    expected = renumber(plain[case.id])
    assert expected, "the plain program printed nothing"
    got = renumber(explorer_rows(case, clock))
    keep = case.names or (case.live_names if clock == "live" else ())
    if keep:
        expected = [row for row in expected if row[1] in keep]
        got = [row for row in got if row[1] in keep]
    if clock == "live" and not case.live_extra:
        expected = [(k, n, p, "") for k, n, p, _ in expected]
        got = [(k, n, p, "") for k, n, p, _ in got]
    if (case.live if clock == "live" else case.virtual) == "order":
        assert [(k, n, x) for k, n, _, x in got] == [(k, n, x) for k, n, _, x in expected]
    else:
        assert got == expected


def test_the_programs_show_what_the_cases_are_about(plain):
    """The plain programs' own output, spelled out once: the facts the cases rest on."""
    assert renumber(plain["timers-due-during-a-block-in-a-timer"]) == [
        ("timer.fire", "b", 0, ""), ("timer.fire", "t1", 1, ""), ("timer.fire", "t2", 1, ""),
        ("timer.fire", "t3", 2, "")]
    assert renumber(plain["timers-due-during-a-block-in-a-thread-call"]) == [
        ("block.start", "", 0, ""), ("timer.fire", "t1", 0, ""), ("timer.fire", "t2", 1, "")]
    assert [(k, x) for k, _, _, x in plain["looping-call-after-a-block"]] == [
        ("loop.call", "1"), ("timer.fire", ""), ("loop.call", "2"), ("loop.call", "1"),
        ("loop.call", "1")]
    assert [n for _, n, _, _ in plain["callLater0-made-in-timers-runs-next-pass-in-the-order-made"]
            ] == ["t1", "t2", "t3", "t4", "t5", "t6", "x1", "x2", "x3", "x4", "x5"]
    assert [n for _, n, _, _ in plain["reset-and-delay-order-ties-as-real-time-does"]] == [
        "d", "c", "e", "f"]


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_no_empty_pass_follows_a_thread_hand_back(clock, plain):
    """Renumbering hides empty passes; here the distance itself must be the plain one: the
    timer runs in the pass right after the job's hand-back, not one later."""
    case = [c for c in CASES if c.id == "a-thread-hand-back-then-the-next-timer-in-the-next-pass"][0]
    (_, _, result, _), (_, _, timer, _) = plain[case.id]
    got = explorer_rows(case, clock)
    assert [row[:2] for row in got] == [("thread.result", "j1"), ("timer.fire", "t1")]
    assert got[1][2] - got[0][2] == timer - result == 1


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_a_coroutine_resumes_in_the_pass_of_the_callback_that_fires_what_it_awaits(clock, plain):
    """The coroutines start on typed lines (a pass each; the program starts them in one), so
    the case compares order; from the timer on, the passes too."""
    case = [c for c in CASES if c.id.startswith("coroutines-wait-at-their-steps")][0]
    expected = renumber(plain[case.id][2:])
    got = renumber([row for row in explorer_rows(case, clock) if row[1] in case.names][2:])
    assert [row[:3] for row in expected] == [
        ("timer.fire", "t1", 0), ("deferred.resume", "c1", 0), ("deferred.pause", "c1", 0),
        ("deferred.resume", "c2", 0), ("deferred.pause", "c2", 0), ("note", "", 0),
        ("deferred.resume", "c2", 1), ("deferred.result", "c2", 1), ("timer.fire", "t2", 2),
        ("deferred.resume", "c1", 3), ("deferred.result", "c1", 3)]
    assert got == expected


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_expect_order_sees_a_step_before_the_step_it_caused(clock):
    case = [c for c in CASES if c.id == "a-step-is-recorded-before-what-it-causes"][0]
    events = run_scenario(scenario(case.id), clock)
    assert [(e.kind, e.text.split(":")[0]) for e in events if e.kind.startswith("expect.")] == [
        ("expect.pass", "order deferred.step")]


# ------------------------------------------------------------------ results, not passes

RESULTS = "race-gather-timeout-and-cancel"
LISTS = "deferred-lists-consumed-errors-and-cancellers"


def _explorer_result(events: list[Event], name: str) -> str:
    last = [e for e in events if e.kind == "deferred.result" and e.name == name][-1]
    value = last.data["value"]
    if last.data["how"] == "failure":
        message = last.text
        return value["failure"] + (":" + message.split("#")[1].split(" ")[0]
                                   if value["failure"] == "FirstError" else "")
    return repr(tuple(value) if name == "r" else value)


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_race_gather_timeout_and_cancel_end_as_in_plain_twisted(clock):
    r = subprocess.run([sys.executable, program(RESULTS)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    plain = {line.split(" ", 3)[1]: line.split(" ", 3)[3] for line in r.stdout.splitlines()}
    assert plain == {"r": "(1, 'b')", "d1": "None", "d2": "None", "d3": "TimeoutError",
                     "d4": "CancelledError", "g": "FirstError:1", "g2": "['x', 'y']",
                     "g3": "FirstError:0", "d9": "CancelledError", "d10": "CancelledError",
                     "g4": "FirstError:0"}
    events = run_scenario(scenario(RESULTS), clock)
    assert {name: _explorer_result(events, name) for name in plain} == plain


def _form(value: Any) -> str:
    """A result as the program's form() writes it (from the event's data)."""
    if isinstance(value, dict) and "failure" in value:
        first = value["failure"] == "FirstError"
        return value["failure"] + (":" + value["message"].split("#")[1].split(" ")[0]
                                   if first else "")
    if isinstance(value, list):
        return "[" + ", ".join(_form(v) for v in value) + "]"
    return repr(value)


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_deferred_lists_consumed_errors_and_cancellers_end_as_in_plain_twisted(clock):
    r = subprocess.run([sys.executable, program(LISTS)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    plain = {line.split(" ", 3)[1]: line.split(" ", 3)[3] for line in r.stdout.splitlines()}
    assert plain == {"l1": "['b', 1]", "d2": "'b'", "l2": "FirstError:1", "d4": "None",
                     "l3": "[[True, 1], [False, Exception]]", "d6": "None",
                     "g": "FirstError:1", "d8": "None", "d9": "'gone'",
                     "d10": "CancelledError"}
    events = run_scenario(scenario(LISTS), clock)
    results = {e.name: _form(e.data["value"]) for e in events if e.kind == "deferred.result"}
    assert {name: results[name] for name in plain} == plain
