"""Python at the prompt is seen like commands (issue 11 item 3): a plain Twisted
program's code (tests/programs/py_parts.py: timers, a Deferred chain, an ``async def``
awaiting two Deferreds, a protocol over loopback) run through ``py`` is recorded with
automatic names and its own ``file:line`` sites, in the order the program itself sees."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from support import ROOT, run_scenario

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver

PROGRAM = os.path.join(ROOT, "tests", "programs", "py_parts.py")
SHORT = os.path.relpath(PROGRAM, ROOT)

# what the program appends to SEEN → the dispatch in the record that did it
DISPATCH = {
    "echo hi": ("tcp.data", "c1"),
    "both 1 2": ("deferred.fire", "d4"),
    "timer 0.5": ("timer.fire", "t1"),
    "chain 42": ("deferred.step", "d1"),
}


def line_of(marker: str) -> str:
    with open(PROGRAM, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            if text.rstrip().endswith(f"# site: {marker}"):
                return f"{SHORT}:{n}"
    raise AssertionError(marker)


@pytest.fixture(scope="module")
def plain() -> list[str]:
    r = subprocess.run([sys.executable, PROGRAM], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_a_plain_programs_code_run_through_py_is_recorded_as_it_runs(plain, clock):
    engine = Engine(Config(clock=clock))
    driver = Driver(engine)
    engine.start()
    cwd = os.getcwd()
    os.chdir(ROOT)  # sites are shown relative to the working directory
    try:
        driver.submit(f"py exec(compile(open({PROGRAM!r}).read(), {PROGRAM!r}, 'exec'))")
        driver.submit("py start()")
        driver.submit("wait 2")
        seen_here = list(engine.namespace["SEEN"])
    finally:
        os.chdir(cwd)
        engine.finish()
        gc.collect()
    events = engine.log.snapshot()
    assert seen_here == plain == ["echo hi", "both 1 2", "timer 0.5", "chain 42"]

    # the dispatches that did what the program saw, in the order it saw them
    wanted = set(DISPATCH.values())
    order = []
    for e in events:
        if (e.kind, e.name) in wanted and (e.kind, e.name) not in order:
            if e.kind == "deferred.step" and "41 → 42" not in e.text:
                continue
            order.append((e.kind, e.name))
    assert order == [DISPATCH[s] for s in plain]

    # where each thing was made: the program's own lines, not reactor_repl's or Twisted's
    def site(kind: str, name: str) -> str:
        return next(e.data["site"] for e in events if e.kind == kind and e.name == name)

    assert site("timer.schedule", "t1") == line_of("timer")
    assert site("deferred.new", "d1") == line_of("chain")
    pauses = [(e.data["on"], e.data["at"]) for e in events if e.kind == "deferred.pause"
              and e.name == "d4"]
    assert pauses == [("d2", line_of("await a")), ("d3", line_of("await b"))]
    listen = next(e for e in events if e.kind == "tcp.listen")
    assert (listen.name, listen.text.endswith("(Echo)")) == ("s1", True)
    assert [e.text for e in events if e.kind == "tcp.write" and e.name == "s1.1"] == [
        "transport.write 2 bytes b'hi'"]


def test_a_persons_own_variable_keeps_its_value_beside_an_object_of_that_name():
    # the second py line put the Deferred d1 over the person's own d1
    events = run_scenario("py d1 = 5\ndeferred d1\npy d1\npy d1\npy objects['d1'].called\n")
    assert [e.text for e in events if e.kind == "log"] == ["ok", "5", "5", "False"]


def test_a_values_memory_address_is_left_out_of_the_log():
    """`<object object at 0x7f3a…>` differed every run: a virtual log is the same every run."""
    events = run_scenario("py d = defer.Deferred(); d.callback(object()); keep = d\n")
    said = [e.text for e in events if e.kind in ("deferred.fire", "deferred.result")]
    assert said == ["callback(<object object at 0x…>)", "value: <object object at 0x…>"]


def test_a_stopped_loop_started_again_is_the_same_loop():
    """``py l1.start(…)`` on a stopped loop was logged as a new loop, l2, its calls
    counted from 1 (``expect count loop.call:l1`` missed them)."""
    from support import run_scenario

    events = run_scenario("every 0.1 l1\nlater 0.15 t1 do cancel l1\nwait 0.3\n"
                          "py l1.start(0.1, now=False)\nwait 0.25\n")
    loops = [(e.kind, e.name, e.text) for e in events if e.kind.startswith("loop.")]
    assert loops == [
        ("loop.start", "l1", "every 0.1s"), ("loop.call", "l1", "call 1, late +0.000s"),
        ("loop.call", "l1", "call 2, late +0.000s"), ("loop.stop", "l1", "stop() after 2 calls"),
        ("loop.start", "l1", "every 0.1s, first call after one interval (started again)"),
        ("loop.call", "l1", "call 3, late +0.000s"), ("loop.call", "l1", "call 4, late +0.000s")]


def test_a_name_the_person_binds_keeps_their_value():
    """``py t1 = 3`` then ``py t1`` gave the timer t1 again: the next line put the named
    object back over the person's own variable (``objects['t1']`` still reaches it)."""
    from support import run_scenario

    events = run_scenario("later 1 t1\npy t1 = 3\npy t1\npy t1 + 1\n"
                          "py objects['t1'].active()\n")
    assert [e.text for e in events if e.kind == "log"] == ["ok", "3", "4", "True"]
