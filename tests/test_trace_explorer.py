"""The explorer beside a traced program, in-process: the program's reactor runs in a
thread of the test (as the program's main thread would run it), the explorer in another,
lines typed through the explorer's own entry (``run_line``), the screen a DummyOutput.
The real thing on a terminal is tests/test_trace_terminal.py."""

from __future__ import annotations

import sys
import threading
import time
import types
from argparse import Namespace
from typing import Any, Callable, Iterator

import pytest
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from reactor_repl.program import launch
from reactor_repl.program.beside import EXIT_INTERRUPTED, Beside
from reactor_repl.program.recording import Options, Recording
from reactor_repl.ui.state_pane import loop_status
from reactor_repl.ui.trace_explorer import TraceExplorer

SAFETY = 15.0


class Traced:
    """A recording, a 'program' (its reactor running in a thread) and the explorer."""

    def __init__(self, clock: str = "live") -> None:
        self.recording = Recording(Options(lines=None, clock=clock))
        self.recording.install()
        self.engine = self.recording.engine
        self.reactor = self.recording.reactor
        self.beside = Beside(self.recording, launch.Target(path="prog.py"),
                             Namespace(internals=False))
        self.program = threading.Thread(target=self.reactor.run, kwargs={
            "installSignalHandlers": False}, name="program", daemon=True)
        self._input = create_pipe_input()
        self.inp = self._input.__enter__()
        self.ex = TraceExplorer(self.engine, self.beside, input=self.inp,
                                output=DummyOutput(), history=InMemoryHistory())
        self.beside.explorer = self.ex
        self.code: int | None = None
        self.ui = threading.Thread(target=self._run_ui, name="explorer", daemon=True)

    def _run_ui(self) -> None:
        self.code = self.ex.run()

    def start(self, program: bool = True) -> None:
        if program:
            self.program.start()
            self.wait_for(lambda: self.beside.loop_state() == "running")
        self.ui.start()

    def type(self, line: str) -> None:
        self.ex.actions.put(lambda: self.ex.run_line(line))  # as Enter does, in the UI thread

    def wait_for(self, ok: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not ok():
            assert time.monotonic() < deadline, "never happened: " + "\n".join(
                e.line() for e in self.engine.log.snapshot())
            time.sleep(0.01)

    def event(self, kind: str, text: str = "") -> Any:
        """Wait for an event of ``kind`` whose text holds ``text``; return it."""
        found: list[Any] = []

        def seen() -> bool:
            found[:] = [e for e in self.engine.log.snapshot() if e.kind == kind and text in e.text]
            return bool(found)

        self.wait_for(seen)
        return found[-1]

    def stop_program(self) -> None:
        self.reactor.callFromThread(self.reactor.stop)
        self.program.join(5)
        assert not self.program.is_alive()

    def close(self) -> None:
        if self.ui.is_alive():
            self.ex.request_quit()
            self.ui.join(SAFETY)
        if self.program.is_alive():
            self.stop_program()
        self.recording.finish("test")
        self._input.__exit__(None, None, None)


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[Traced]:
    main = types.ModuleType("__main__")
    main.answer = 42  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "__main__", main)  # the program's own __main__
    t = Traced()
    yield t
    t.close()


def errors(t: Traced) -> list[str]:
    return [e.text for e in t.engine.log.snapshot() if e.kind == "error"]


def test_the_prompt_works_on_the_running_program(traced: Traced) -> None:
    t = traced
    t.start()
    t.type("later 0 t1")
    fire = t.event("timer.fire")
    assert fire.name == "t1" and fire.thread == "program"  # run by the program's loop
    t.type("py answer + 1")
    assert t.event("log", "43").data == {"py": "answer + 1"}
    t.type("py changed = answer * 2")
    t.event("input", "py changed")
    t.wait_for(lambda: getattr(sys.modules["__main__"], "changed", None) == 84)
    t.type("reset")
    assert "reset: reset would stop and close the program's own objects" in \
        t.event("error", "reset").text
    assert loop_status(t.ex.snapshot(), t.ex.watch)[1].startswith("waiting in epoll")


def test_a_scenario_loads_among_the_programs_objects_never_fresh(traced: Traced,
                                                                tmp_path) -> None:
    """``load X fresh`` reset the program's objects (its loop stopped for good), and a
    plain ``load`` was refused with a hint to do that."""
    t = traced
    t.start()
    t.type("later 0 t1")
    t.event("timer.fire")
    scenario = tmp_path / "n.rr"
    scenario.write_text("note loaded here\n", encoding="utf-8")
    t.type(f"load {scenario} fresh")
    assert "load … fresh would stop and close the program's own objects" in \
        t.event("error", "fresh").text
    t.type(f"load {scenario}")
    t.event("note", "loaded here")
    assert len(errors(t)) == 1
    assert not [e for e in t.engine.log.snapshot() if e.kind == "session.reset"]


def test_virtual_once_its_loop_has_stopped_every_look_is_answered(monkeypatch) -> None:
    """On the virtual clock, a look typed after the program's reactor stopped went through
    a hold of the loop that never came: the first was answered, every later line
    swallowed for good."""
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    t = Traced(clock="virtual")
    try:
        t.start()
        t.type("deferred d9")
        t.event("deferred.new")
        t.stop_program()
        for line in ("show d9", "waiting", "show d9", "py 40 + 2"):
            t.type(line)
        t.event("log", "42")
        assert [e.kind for e in t.engine.log.snapshot() if e.kind in ("show", "waiting")] == [
            "show", "waiting", "show"]
    finally:
        t.close()


def test_once_its_loop_has_stopped_what_would_run_there_is_refused(traced: Traced) -> None:
    t = traced
    t.start()
    t.type("later 0 t1")
    t.type("deferred d9")
    t.event("timer.fire")
    t.event("deferred.new")
    t.stop_program()
    assert t.beside.loop_state() == "stopped"
    # the waiting section: what was pending when its loop returned
    assert [(w["name"], w["chain"][0]["kind"]) for w in t.ex.waiting_now().top] == [
        ("d9", "nothing")]
    t.ex._snap_at = 0.0
    assert loop_status(t.ex.snapshot(), t.ex.watch)[1] == \
        "its reactor stopped; the program goes on"
    t.type("later 1 t2")
    assert t.event("error", "later 1 t2").text == (
        "later 1 t2: the program's reactor has stopped: nothing runs on it now — show, "
        "waiting, expect and py still answer from the final state; quit leaves")
    t.type("py answer")
    t.event("log", "42")  # ran at the prompt: no loop to run it
    t.type("show t1")
    assert t.event("show").name == "t1"
    t.type("expect count timer.fire 1")
    t.event("expect.pass")
    # the program ends: the explorer says how, the clock stops there
    t.beside.outcome = launch.Outcome(3)
    t.beside._ended_now = 1.5
    t.beside.ended.set()
    t.ex._snap_at = 0.0
    snap = t.ex.snapshot()
    assert loop_status(snap, t.ex.watch)[1] == "the program exited 3: quit leaves"
    assert snap["now"] == 1.5
    assert t.beside.exit_code() == 3
    t.ex.request_quit()
    t.ui.join(SAFETY)
    assert not t.ui.is_alive()
    assert t.beside.exit_code() == 3 and not t.beside.quit_running


def test_quit_while_it_runs_stops_its_reactor(traced: Traced) -> None:
    t = traced
    t.start()
    t.type("break timer.fire")
    t.type("later 0 t1")
    t.event("break", "paused before timer.fire t1")  # the program's loop is paused
    t.ex.request_quit()
    t.program.join(5)
    assert not t.program.is_alive()  # let go of the break, and stopped
    t.ui.join(SAFETY)
    assert t.beside.quit_running and t.beside.exit_code() == EXIT_INTERRUPTED
    shown = [(e.kind, e.name) for e in t.engine.log.snapshot() if not e.internal]
    assert shown[-3:] == [("break", "t1"), ("timer.fire", "t1"), ("reactor.stop", "")]


def test_before_reactor_run_a_command_waits_for_the_loop(traced: Traced) -> None:
    t = traced
    t.start(program=False)
    assert t.beside.loop_state() == "not started"
    t.ex._snap_at = 0.0
    assert loop_status(t.ex.snapshot(), t.ex.watch)[1] == \
        "not running: the program has not called reactor.run()"
    t.type("later 0 t1")
    t.event("input", "later 0 t1")
    time.sleep(0.2)
    assert not [e for e in t.engine.log.snapshot() if e.kind == "timer.schedule"]
    t.program.start()  # the program calls reactor.run(): the typed line runs first
    assert t.event("timer.fire").name == "t1"
    assert errors(t) == []


def test_a_loop_turned_by_hand_after_run_is_not_away():
    """trial turns the loop by hand after run() returned (reactor.iterate): the phase it
    left, "run", made the watchdog warn warn.blocked at the launcher's <module>."""
    from reactor_repl.engine.watchdog import AWAY_PHASES

    recording = Recording(Options(lines=None))
    recording.install()
    reactor = recording.reactor
    try:
        reactor.callLater(0.01, reactor.stop)
        reactor.run(installSignalHandlers=False)
        assert reactor.phase == "stopped"
        reactor.iterate(0)
        assert reactor.phase == "stopped" and reactor.phase not in AWAY_PHASES
    finally:
        recording.finish()
