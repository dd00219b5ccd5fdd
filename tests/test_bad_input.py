"""Bad input never ends a session with a traceback (SPEC §6).

Hypothesis writes sessions from the command table itself — every command with
arguments of the right type, or the wrong one, nested ``do``s, steps and expect
forms, names that exist or not, junk words — and replays them through the driver
as typed lines. Whatever the lines, each one ends as events (an ``error`` with a
message for a rejected one), no exception escapes, no Python bug shows through as
an error message, and the session still answers a last ``note``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import examples

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver
from reactor_repl.language.table import COMMANDS, EXPECTS, KINDS, STEPS, Arg, Command

# files, the network, Python and help (it prints) are out of this game
LEFT_OUT = {"load", "save", "export", "quit", "help", "py", "listen", "connect", "send", "drop",
            "abort"}
NAMES = ["t1", "t2", "d1", "d2", "l1", "j1", "g1", "f1", "r1", "x"]
JUNK = ["", "'", '"', "#", "\\", "é", "-1", "inf", "nan", "1e400", "86401", "do", "/", "now",
        "times", "cpu", "raise", "chunk", ">=", "0x1", "9" * 30, "\t", "'a b'"]
# messages of Python's own exceptions: a rejected command must say what is wrong instead
PYTHON_BUG = re.compile(r"(TypeError|AttributeError|KeyError|IndexError|NameError|"
                        r"UnboundLocalError|AssertionError|RecursionError|ZeroDivisionError)\b")

names = st.sampled_from(NAMES)


def argument(a: Arg, depth: int) -> st.SearchStrategy[str]:
    t = a.type
    if t == "duration":
        return st.sampled_from(["0", "0.01", "0.1", "0.5", "1", "250ms", "1e-3"])
    if t == "int":
        return st.sampled_from(["1", "2", "3", "0"])
    if t == "number":
        return st.sampled_from(["1", "2", "0.5", "-1", "0"])
    if t == "value":
        return st.sampled_from(["1", "0", "none", "true", "ok", "'a b'", "1.5"])
    if t == "word":
        return st.sampled_from(a.choices or ("CancelledError", "TimeoutError", "Exception",
                                             "Nope"))
    if t in ("rest", "data"):
        return st.sampled_from(["hello", "boom", "two words", "'quoted x'"])
    if t == "kind":
        return st.sampled_from(list(KINDS) + ["timer", "deferred"])
    if t == "step":
        return step(depth)
    if t == "steppair":
        return st.tuples(step(depth), step(depth)).map(" / ".join)
    if t == "expect":
        return filled(st.sampled_from(EXPECTS), depth + 1)
    if t == "command_line":
        return command(depth + 1)
    return names  # new, ref, token


@st.composite
def _filled(draw: st.DrawFn, commands: st.SearchStrategy[Command], depth: int) -> str:
    c = draw(commands)
    out = [c.name]
    for a in c.args:
        if a.type == "do":
            if depth < 2 and draw(st.integers(0, 3)) == 0:
                out += ["do", draw(command(depth + 1))]
            continue
        if a.optional and draw(st.booleans()):
            continue
        if a.type == "flag":
            out.append(a.keyword)
            continue
        if a.keyword:
            out.append(a.keyword)
        out += draw(st.lists(argument(a, depth), min_size=1, max_size=3 if a.many else 1))
    return " ".join(out)


def filled(commands: st.SearchStrategy[Command], depth: int) -> st.SearchStrategy[str]:
    return _filled(commands, depth)


def _python(c: Command) -> bool:
    """Runs the person's code (py, use, call FN, spawn): out of this game, as py is."""
    return c.python or c.group == "python" or any(a.type == "pyref" for a in c.args)


def step(depth: int) -> st.SearchStrategy[str]:
    steps = [s for s in STEPS if not _python(s)]
    return filled(st.sampled_from(steps), depth + 1) if depth < 3 else st.just("pass")


def command(depth: int = 0) -> st.SearchStrategy[str]:
    table = [c for c in COMMANDS if c.name not in LEFT_OUT and not _python(c)
             and (depth == 0 or c.where != "prompt")]
    return filled(st.sampled_from(table), depth)


@st.composite
def spoiled(draw: st.DrawFn) -> str:
    """A good line with one word dropped, or a junk word or a stray name put in."""
    words = draw(command()).split(" ")
    i = draw(st.integers(0, len(words) - 1))
    how = draw(st.sampled_from(["drop", "junk", "name"]))
    if how == "drop" and len(words) > 1:
        del words[i]
    else:
        words.insert(i, draw(st.sampled_from(JUNK) if how == "junk" else names))
    return " ".join(words)


lines = st.one_of(command(), command(), command(), spoiled(), st.text(max_size=12))
sessions = st.lists(lines, min_size=1, max_size=20)


# objects for the random lines to find (most names they use exist)
SETUP = ["deferred d1", "deferred d2", "later 0.5 t1", "every 0.3 l1 delayed times 4", "thread j1 0.2",
         "trigger before shutdown g1", "fromthread f1", "reader r1"]


def replay(session: list[str], clock: str) -> list:
    engine = Engine(Config(clock=clock, max_dispatches=2000))
    driver = Driver(engine)
    engine.start()
    paused = None
    try:
        for line in SETUP + session:
            driver.submit(line)  # never raises
            if driver.done:
                break
        quitted = driver.done  # (quit or exit: no line runs after it, not even this note)
        driver.submit("note alive")
        paused = engine.paused_at
    finally:
        engine.finish()
    events = engine.log.snapshot()
    for e in events:
        if e.kind == "error":
            message = (e.data or {}).get("message", e.text)
            assert not PYTHON_BUG.match(message), e.text
        assert "Traceback" not in e.text
    ended_early = quitted or paused is not None or any(
        e.kind in ("reactor.stop", "reactor.crash")
        or (e.kind == "error" and e.text.startswith("runaway"))
        for e in events)
    assert ended_early or ("note", "alive") in [(e.kind, e.text) for e in events]
    assert events[-1].kind == "session.end"
    return events


@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
@given(sessions)
def test_random_sessions_on_the_virtual_clock_end_in_events_never_a_traceback(session):
    replay(session, "virtual")


@pytest.mark.parametrize("seed", range(3))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(sessions)
def test_random_sessions_on_the_live_clock_too(seed, session):
    replay(session, "live")
