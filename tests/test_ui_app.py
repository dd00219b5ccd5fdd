"""The explorer and line mode, headless: keys through a pipe, screens to DummyOutput.

Time is the virtual clock's wherever the behaviour allows; the tests that need the
live clock (a block the UI must outlive) wait for events, never for a fixed sleep.
"""

from __future__ import annotations

import io
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.data_structures import Size
from prompt_toolkit.output.vt100 import Vt100_Output

from reactor_repl.engine.core import Config, Engine
from reactor_repl.engine.events import Event
from reactor_repl.ui import toolbar
from reactor_repl.ui.app import load_play
from reactor_repl.ui.explorer import Explorer
from reactor_repl.ui.history import history_path, open_history
from reactor_repl.ui.line_mode import LineSession
from reactor_repl.ui.log_pane import LogPane, Rule
from reactor_repl.ui.play import Player
from reactor_repl.ui.state_pane import LoopWatch, loop_status, state_fragments

F2 = "\x1bOQ"
CTRL_C = "\x03"
CTRL_D = "\x04"
SAFETY = 15.0  # seconds: a hung UI quits itself so a failing test does not hang


def started(clock: str = "virtual") -> Engine:
    engine = Engine(Config(clock=clock))
    engine.start()
    return engine


def run_explorer(keys: str, *, clock: str = "virtual", player: Player | None = None,
                 on_event: Callable[[Explorer, Any, Event], None] | None = None,
                 ) -> tuple[Explorer, int]:
    engine = started(clock)
    with create_pipe_input() as inp:
        inp.send_text(keys)
        ex = Explorer(engine, input=inp, output=DummyOutput(), history=InMemoryHistory(),
                      player=player)
        if on_event is not None:
            engine.log.subscribe(lambda ev: on_event(ex, inp, ev))
        code = run_safely(ex)
    ended(engine)
    return ex, code


def ended(engine: Engine, patience: float = 10.0) -> None:
    """Quit leaves the person within a second and lets the engine end behind it: on a
    loaded machine its session.end came after a test had read the log."""
    deadline = time.monotonic() + patience
    while not engine.ended and time.monotonic() < deadline:
        time.sleep(0.01)


def stepping(path: Path, text: str) -> Player:
    """``play --step`` of a scenario of ``text``, written at ``path``."""
    path.write_text(text)
    player, _ = load_play(str(path), allow_python=False)
    assert player is not None
    player.step = True
    return player


def run_safely(app: Any) -> int:
    """``app.run()``, asked to quit after SAFETY seconds if the keys did not end it."""
    safety = threading.Timer(SAFETY, app.request_quit)
    safety.start()
    try:
        return app.run()
    finally:
        safety.cancel()


def run_line_session(keys: str, clock: str = "virtual") -> tuple[LineSession, int, list[str]]:
    """Line mode with ``keys`` typed: the session, its exit code and the lines it printed."""
    engine = started(clock)
    out = io.StringIO()
    with create_pipe_input() as inp:
        inp.send_text(keys)
        session = LineSession(engine, input=inp, output=DummyOutput(), out=out,
                              history=InMemoryHistory())
        code = run_safely(session)
    return session, code, out.getvalue().splitlines()


def shown(ex: Explorer, width: int = 120, height: int = 60) -> list[str]:
    return ["".join(t for _, t, *_ in line) for line in ex.pane.render(width, height)]


def seen(engine: Engine, internal: bool = False) -> list[tuple[str, str]]:
    return [(e.kind, e.name) for e in engine.log.snapshot()
            if (internal or not e.internal) and e.kind != "clock.advance"]


def text_of(fragments: Any) -> str:
    return "".join(t for _, t, *_ in fragments)


# ---------------------------------------------------------------- the explorer
def test_a_timer_fires_and_the_log_pane_shows_it() -> None:
    ex, code = run_explorer("later 1 t1\rwait 2\rquit\r")
    assert code == 0
    assert seen(ex.engine) == [
        ("session.start", ""), ("input", ""), ("timer.schedule", "t1"), ("input", ""),
        ("timer.fire", "t1"), ("session.end", ""),
    ]
    fire = next(e for e in ex.engine.log.snapshot() if e.kind == "timer.fire")
    assert fire.line() == "#0008  1.000  [4]  timer.fire  t1  late +0.000s"
    screen = shown(ex)
    assert fire.line() in screen
    # a thin rule between passes of the loop; internal dispatches (the waker) hidden
    assert screen[screen.index(fire.line()) - 1] == "─" * 120
    assert not any("_UnixWaker" in line for line in screen)


def test_a_bad_command_help_and_f2() -> None:
    ex, code = run_explorer(f"fier d1\rhelp later\r{F2}quit\r")
    assert code == 0
    errors = [e.text for e in ex.engine.log.snapshot() if e.kind == "error"]
    assert errors == ["fier d1: col 1: unknown command 'fier' — did you mean fire?"]
    assert ex.help.lines is not None
    assert ex.help.lines[:1] == ["later DELAY [NAME] [do …]"]
    assert "  Twisted: reactor.callLater" in ex.help.lines
    assert ex.show_state is True  # DummyOutput is 80 columns: hidden at first, F2 showed it


def test_state_pane_counts_down_a_timer_and_shows_deferreds() -> None:
    ex, _ = run_explorer("later 5 t1\rdeferred d1\raddCallback d1 add 1\rdeferred d2\r"
                         "fire d2 7\rwait 1.5\rquit\r")
    pane = text_of(state_fragments(ex.snapshot(), ex.watch, width=43))  # as at 132 columns
    assert "clock  virtual 1.500s · tick" in pane
    assert "t1     in 3.5s (due 5.000)" in pane
    assert "d1     pending (1 callback waiting)" in pane
    assert "d2     fired: 7" in pane


def test_validation_as_you_type_and_the_syntax_toolbar() -> None:
    engine = started()
    try:
        ex = Explorer(engine, output=DummyOutput(), history=InMemoryHistory())
        ex.buffer.set_document(Document("later soon"))
        assert ex.error_column() == 6
        bar = text_of(ex.toolbar_fragments())
        assert "✗ col 7: 'soon' is not a duration" in bar
        ex.buffer.set_document(Document("later 1 t1"))
        assert ex.error_column() is None
        frags = ex.toolbar_fragments()
        assert text_of(frags).startswith("later DELAY [NAME] [do …]  reactor.callLater")
        assert ("class:toolbar.current", "[NAME]") in frags  # the argument being typed
        ex.buffer.set_document(Document("fire "))  # unfinished, not wrong: said softly
        assert "… col 6: missing NAME" in text_of(ex.toolbar_fragments())
    finally:
        engine.finish()


def test_the_virtual_prompt_shows_virtual_time() -> None:
    ex, _ = run_explorer("wait 2.5\rquit\r")
    assert text_of(ex.prompt_fragments()) == "rr 2.500s> "


def test_filter_and_internals_apply_live_and_clear() -> None:
    ex, _ = run_explorer("later 1 t1\rdeferred d1\rfilter timer\rwait 2\rquit\r")
    body = [line for line in shown(ex) if line.startswith("#")]
    assert [line.split("  ")[3] for line in body] == ["timer.schedule", "timer.fire"]
    ex2, _ = run_explorer("internals on\rlater 1 t1\rclear\rwait 2\rquit\r")
    body = [line for line in shown(ex2) if line.startswith("#")]
    assert any("timer.fire  t1" in line for line in body)
    assert not any("timer.schedule" in line for line in body)  # cleared away
    assert any("_UnixWaker ready" in line for line in body)  # internals shown


def test_play_replays_then_stays_interactive(tmp_path: Path) -> None:
    path = tmp_path / "intro.rr"
    path.write_text("note one\nlater 1 t1\nwait 2\nnote two\n")
    player, problems = load_play(str(path), allow_python=False)
    assert problems == [] and player is not None
    ex, _ = run_explorer("note three\rquit\r", player=player)
    notes = [e.text for e in ex.engine.log.snapshot() if e.kind == "note"]
    assert notes == ["one", "two", "three"]
    assert player.state == "done"
    assert ("timer.fire", "t1") in seen(ex.engine)


def test_play_step_runs_one_line_per_enter(tmp_path: Path) -> None:
    player = stepping(tmp_path / "intro.rr",
                      "note one\n# a comment for the reader\nlater 1 t1\nwait 2\nnote two\n")
    ex, _ = run_explorer("\r\rquit\r", player=player)
    assert [k for k, _ in seen(ex.engine)] == [
        "session.start", "input", "note", "input", "timer.schedule", "session.end"]
    assert player.lineno == 3 and player.state == "waiting"
    assert "# a comment for the reader" in shown(ex)


def test_a_block_waiting_for_a_files_next_line_goes_on_when_none_will_come(tmp_path: Path) -> None:
    """A line that sets off a block at its own instant gives the file's next line its
    turn in it; when no line comes — play stopped by Ctrl-C, or a loaded file ended and
    the person typed continue — the block waited for ever (BLOCKED at 0.000s)."""
    player = stepping(tmp_path / "turn.rr", "later 0.1 t1\nlater 0.3 t2\n"
                      "later 0 t0 do block 0.5\ncancel t2\nwait 1\n")

    def stop_after_the_block_began(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "block.start":
            threading.Timer(0.3, inp.send_text, [CTRL_C]).start()
        if ev.kind == "timer.fire" and ev.name == "t2":
            threading.Timer(0.2, inp.send_text, ["quit\r"]).start()

    ex, _ = run_explorer("\r\r\r", player=player, on_event=stop_after_the_block_began)
    assert [(k, n) for k, n in seen(ex.engine) if k in ("block.end", "timer.fire")] == [
        ("timer.fire", "t0"), ("block.end", ""), ("timer.fire", "t1"), ("timer.fire", "t2")]
    (tmp_path / "b.rr").write_text("break timer.fire t0\nlater 0.1 t1\n"
                                   "later 0 t0 do block 0.5\n", encoding="utf-8")

    def quit_once_t1_ran(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "timer.fire" and ev.name == "t1":
            threading.Timer(0.2, inp.send_text, ["quit\r"]).start()

    ex, _ = run_explorer(f"load {tmp_path / 'b.rr'}\rcontinue\r", on_event=quit_once_t1_ran)
    assert [(k, n) for k, n in seen(ex.engine) if k in ("block.end", "timer.fire")] == [
        ("timer.fire", "t0"), ("block.end", ""), ("timer.fire", "t1")]


def test_play_step_runs_a_note_of_several_lines_with_one_enter(tmp_path: Path) -> None:
    """A sentence cut at a line's end took one Enter a line (the course's notes run over
    two or three lines): the note's lines that follow it now run with it."""
    player = stepping(tmp_path / "intro.rr", "note one, going on\nnote on the next line\n"
                      "note and a third\nlater 1 t1\nnote two\n")
    ex, _ = run_explorer("\rquit\r", player=player)
    notes = [e.text for e in ex.engine.log.snapshot() if e.kind == "note"]
    assert notes == ["one, going on", "on the next line", "and a third"]
    assert player.lineno == 3 and player.state == "waiting"
    assert not [e for e in ex.engine.log.snapshot() if e.kind == "timer.schedule"]


def test_a_scenario_with_errors_is_refused_before_the_ui(tmp_path: Path) -> None:
    path = tmp_path / "bad.rr"
    path.write_text("note ok\nlater soon\n")
    player, problems = load_play(str(path), allow_python=False)
    assert player is None
    assert problems == [f"{path}:2:7: 'soon' is not a duration — write seconds (0.5, 2, 1e-3) "
                        "or 250ms / 2s"]


# ----------------------------------------------------- the live clock: blocking
def test_commands_typed_during_a_block_run_after_it() -> None:
    def type_during_the_block(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "block.start":
            inp.send_text("later 0 t1\r")
        if ev.kind == "timer.schedule":
            ex.request_quit()

    ex, _ = run_explorer("block 0.5\r", clock="live", on_event=type_during_the_block)
    events = ex.engine.log.snapshot()
    order = [(e.kind, e.text if e.kind == "input" else e.name) for e in events
             if e.kind in ("input", "block.start", "block.end", "timer.schedule")]
    assert order == [("input", "block 0.5"), ("block.start", ""), ("input", "later 0 t1"),
                     ("block.end", ""), ("timer.schedule", "t1")]


def test_show_typed_after_a_queued_line_answers_after_it_ran() -> None:
    """During a block, `fire a2 1` then `show a2`: show answered at once, "nothing can fire
    it", of a state the fire queued before it then changed. Alone, it still answers at once."""
    def type_during_the_block(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "block.start":
            inp.send_text("show a2\rfire a2 1\rshow a2\r")
        if ev.kind == "show" and "fired" in ev.text:
            ex.request_quit()

    ex, _ = run_explorer("deferred a2\rblock 0.5\r", clock="live", on_event=type_during_the_block)
    events = ex.engine.log.snapshot()
    order = [(e.kind, e.text) for e in events
             if e.kind in ("block.end", "show", "deferred.fire")]
    assert [k for k, _ in order] == ["show", "block.end", "deferred.fire", "show"]
    assert order[0][1].startswith("a2: pending") and order[-1][1].startswith("a2: fired: 1")


def test_quit_while_blocked_leaves_within_a_second() -> None:
    asked: list[float] = []

    def quit_once_blocked(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "block.start":
            asked.append(time.monotonic())
            inp.send_text(CTRL_D)

    ex, code = run_explorer("thread j1 30\rblock 30\r", clock="live", on_event=quit_once_blocked)
    assert code == 0
    assert time.monotonic() - asked[0] < 1.0


def test_ctrl_c_stops_a_replay(tmp_path: Path) -> None:
    path = tmp_path / "long.rr"
    path.write_text("note start\nwait 30\nnote never\n")
    player, _ = load_play(str(path), allow_python=False)
    assert player is not None
    t0 = time.monotonic()

    def stop_it(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "input" and ev.text == "wait 30":
            inp.send_text(CTRL_C)
        if ev.kind == "input" and ev.text == "note after":
            inp.send_text("quit\r")

    def after_stop(ex: Explorer, inp: Any, ev: Event) -> None:
        stop_it(ex, inp, ev)
        if ev.kind == "note" and ev.text == "start":
            threading.Thread(target=lambda: (wait_stopped(player), inp.send_text(
                "note after\r"))).start()

    ex, _ = run_explorer("", clock="live", player=player, on_event=after_stop)
    notes = [e.text for e in ex.engine.log.snapshot() if e.kind == "note"]
    assert notes == ["start", "after"]
    assert player.state == "stopped"
    assert time.monotonic() - t0 < 5


def wait_stopped(player: Player) -> None:
    deadline = time.monotonic() + SAFETY
    while player.state != "stopped" and time.monotonic() < deadline:
        time.sleep(0.01)


# ----------------------------------------------------------- liveness, by design
def test_drawing_cost_does_not_grow_with_the_log() -> None:
    def drawn_rows(n: int) -> int:
        pane = LogPane()
        for i in range(1, n + 1):
            pane.add(Event(i, i / 10, i // 3, "timer.fire", f"t{i}", "reactor", "late +0.000s",
                           None, False))
        calls = 0
        real = pane.fragments

        def counting(row: Any, width: int) -> Any:
            nonlocal calls
            calls += 1
            return real(row, width)

        pane.fragments = counting  # type: ignore[method-assign]
        pane.render(100, 30)
        pane.scroll(50)
        pane.render(100, 30)
        return calls

    assert drawn_rows(100) == drawn_rows(100_000) == 30 + 29  # a screenful each time


def test_a_storm_of_events_is_drawn_at_most_about_30_times_a_second() -> None:
    renders = 0
    ex_box: list[Explorer] = []

    def count(ex: Explorer, inp: Any, ev: Event) -> None:
        if not ex_box:
            ex_box.append(ex)
            real = ex.app.renderer.render

            def counting(*a: Any, **kw: Any) -> Any:
                nonlocal renders
                renders += 1
                return real(*a, **kw)

            ex.app.renderer.render = counting  # type: ignore[method-assign]
        if ev.kind == "loop.stop":
            ex.request_quit()

    t0 = time.monotonic()
    ex, _ = run_explorer("every 0.001 l1 delayed times 20000\rwait 30\r", on_event=count)
    elapsed = time.monotonic() - t0
    calls = sum(1 for e in ex.engine.log.snapshot() if e.kind == "loop.call")
    assert calls == 20000
    assert renders <= 30 * elapsed + 10


# ----------------------------------------------------------------- line mode
def test_line_mode_prints_the_log_above_the_prompt() -> None:
    _, code, lines = run_line_session("later 1 t1\rwait 2\rfier\rhelp later\rquit\r")
    assert code == 0
    assert "#0008  1.000  [4]  timer.fire  t1  late +0.000s" in lines
    assert "#0010  2.000  [5]  error    fier: col 1: unknown command 'fier' — did you mean fire?" \
        in lines
    assert "later DELAY [NAME] [do …]" in lines
    assert lines.index("#0011  2.000  [5]  input    help later") < lines.index(
        "later DELAY [NAME] [do …]")


# ------------------------------------------------------------------ the parts
def test_loop_watch_says_where_the_loop_is_stuck_and_what_waits() -> None:
    watch = LoopWatch()

    def ev(seq: int, tick: int, kind: str, name: str = "", text: str = "",
           thread: str = "reactor") -> Event:
        e = Event(seq, 0.0, tick, kind, name, thread, text, None, False)
        watch.see(e)
        return e

    ev(1, 3, "timer.fire", "t3")
    ev(2, 3, "block.start")
    ev(3, 3, "input", text="later 1 t4", thread="prompt")
    ev(4, 3, "input", text="help", thread="prompt")  # runs at the prompt: does not wait
    snap = {"phase": "blocked", "phase_for": 1.23, "clock": "live"}
    assert loop_status(snap, watch) == ("class:state.blocked", "BLOCKED 1.2s in timer.fire t3")
    assert watch.queued == 1
    ev(5, 3, "block.end")
    assert watch.queued == 0
    ev(6, 4, "input", text="block 2", thread="prompt")
    ev(7, 5, "block.start")
    assert loop_status(snap, watch)[1] == "BLOCKED 1.2s in typed 'block 2'"
    # a callback that runs too long (no block command): the live watchdog says where
    stuck = {"file": "<py>", "line": 1, "function": "<module>", "during": "timer.fire t9"}
    busy = {"phase": "run", "phase_for": 2.5, "clock": "live", "stuck": stuck}
    assert loop_status(busy, watch) == ("class:state.blocked", "BLOCKED 2.5s during timer.fire t9")
    pane = text_of(state_fragments(busy, watch, width=60))
    assert "loop   BLOCKED 2.5s during timer.fire t9\n       at <py>:1 in <module>()" in pane
    assert loop_status({"phase": "run", "phase_for": 2.5}, watch)[1] == "running callbacks"


def test_rules_mark_passes_of_the_loop() -> None:
    pane = LogPane()
    rows = [(1, 1, "reactor", "timer.fire"), (2, 1, "prompt", "input"),
            (3, 2, "reactor", "timer.fire"), (4, 2, "reactor", "deferred.fire")]
    for seq, tick, thread, kind in rows:
        pane.add(Event(seq, 0.0, tick, kind, "x", thread, "", None, False))
    shape = [f"-{r}" if isinstance(r, Rule) else r.seq for r in pane.rows]
    # what was typed between the two passes carries the tick it was typed in: it sits with
    # that pass, so every row between two rules has one tick label
    assert shape == [1, 2, "-2", 3, 4]


def test_history_lives_in_xdg_state_mode_0600(tmp_path: Path) -> None:
    assert history_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "reactor-repl" / "history"
    assert history_path({"HOME": "/home/ann"}) == Path(
        "/home/ann/.local/state/reactor-repl/history")
    warnings: list[str] = []
    path = tmp_path / "reactor-repl" / "history"
    history = open_history(warnings.append, path)
    history.append_string("later 1 t1")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "+later 1 t1" in path.read_text()
    assert warnings == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_history_warns_once(tmp_path: Path) -> None:  # pragma: no cover - as root
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    warnings: list[str] = []
    history = open_history(warnings.append, locked / "reactor-repl" / "history")
    history.append_string("x")
    history.append_string("y")
    assert len(warnings) == 1


def test_history_that_fails_later_warns_once(tmp_path: Path) -> None:
    warnings: list[str] = []
    path = tmp_path / "h" / "history"
    history = open_history(warnings.append, path)
    path.unlink()
    path.mkdir()  # a directory where the file was: every write fails
    history.append_string("x")
    history.append_string("y")
    assert len(warnings) == 1 and "going on without history" in warnings[0]


def test_a_file_in_the_way_of_the_history_warns_once(tmp_path: Path) -> None:
    (tmp_path / "reactor-repl").write_text("not a directory")
    warnings: list[str] = []
    history = open_history(warnings.append, tmp_path / "reactor-repl" / "history")
    history.append_string("x")
    assert len(warnings) == 1
    assert warnings[0].startswith("history: cannot write ")


def test_toolbar_check_reports_the_column() -> None:
    err = toolbar.check("fire d1 41 extra")
    assert err is not None and err.col == 12
    assert toolbar.check("  ") is None
    assert toolbar.check("# only a comment") is None


def test_pasted_lines_run_one_after_another_and_stop_is_shown() -> None:
    ex, _ = run_explorer("\x1b[200~note a\nnote b\nstop\x1b[201~\rquit\r")  # bracketed paste
    typed = [e.text for e in ex.engine.log.snapshot() if e.kind in ("input", "note")]
    assert typed == ["note a", "a", "note b", "b", "stop"]
    snap = {"phase": "run", "phase_for": 0.0, "clock": "virtual"}
    assert loop_status(snap, ex.watch) == ("class:state.dim",
                                           "stopped (reactor.stop): quit leaves")


def test_the_mouse_wheel_scrolls_the_log() -> None:
    from prompt_toolkit.data_structures import Point
    from prompt_toolkit.mouse_events import MouseButton, MouseEvent, MouseEventType

    from reactor_repl.ui.log_pane import LogControl

    pane = LogPane()
    for i in range(1, 101):
        pane.add(Event(i, 0.0, 1, "note", "", "reactor", f"n{i}", None, False))
    control = LogControl(pane)
    wheel = MouseEvent(Point(0, 0), MouseEventType.SCROLL_UP, MouseButton.NONE, frozenset())
    assert control.mouse_handler(wheel) is None
    assert pane.offset == 3
    assert shown_pane(pane, 5)[-2].endswith("n97")
    down = MouseEvent(Point(0, 0), MouseEventType.SCROLL_DOWN, MouseButton.NONE, frozenset())
    control.mouse_handler(down)
    assert pane.offset == 0 and shown_pane(pane, 5)[-1].endswith("n100")


def shown_pane(pane: LogPane, height: int) -> list[str]:
    return ["".join(t for _, t, *_ in line) for line in pane.render(80, height)]


def test_a_device_or_fifo_is_not_history(tmp_path: Path) -> None:
    for make in (lambda p: p.symlink_to("/dev/full"), lambda p: os.mkfifo(p)):
        path = tmp_path / "reactor-repl" / "history"
        if path.parent.exists():
            for f in path.parent.iterdir():
                f.unlink()
        path.parent.mkdir(exist_ok=True)
        make(path)
        warnings: list[str] = []
        t0 = time.monotonic()
        history = open_history(warnings.append, path)
        assert list(history.load_history_strings()) == []
        assert time.monotonic() - t0 < 1  # neither read for ever nor hung on the FIFO
        assert len(warnings) == 1 and "going on without history" in warnings[0], warnings


def test_a_huge_history_is_cut_to_its_newest_entries(tmp_path: Path) -> None:
    path = tmp_path / "reactor-repl" / "history"
    path.parent.mkdir()
    entry = "\n# 2026-01-01 00:00:00\n+note {:07d} " + "x" * 80 + "\n"
    path.write_text("".join(entry.format(i) for i in range(30_000)))  # ~3 MB
    history = open_history(lambda w: None, path)
    assert path.stat().st_size <= 600_000
    loaded = list(history.load_history_strings())
    assert loaded[0].startswith("note 0029999 ")  # newest first, whole entries only
    assert all(s.startswith("note ") and s.endswith("x" * 80) for s in loaded)
    history.append_string("note new")
    assert list(open_history(lambda w: None, path).load_history_strings())[0] == "note new"


class _Screen(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_alternate_screen_is_blanked_before_it_is_left() -> None:
    # tmux keeps the alternate screen's rows below the old height on the person's screen
    # when the terminal grew while the explorer was up, unless that screen is blank
    engine = started()
    screen = _Screen()
    output = Vt100_Output(screen, lambda: Size(rows=24, columns=80))
    with create_pipe_input() as inp:
        inp.send_text("later 1 t1\rquit\r")
        ex = Explorer(engine, input=inp, output=output, history=InMemoryHistory())
        assert run_safely(ex) == 0
    written = screen.getvalue()
    assert "\x1b[?1049h" in written and "t1" in written
    before_leaving = written[:written.index("\x1b[?1049l")]
    assert before_leaving.endswith(("\x1b[H\x1b[2J", "\x1b[0;0H\x1b[2J"))  # home, blank


def test_ctrl_c_with_a_half_typed_line_clears_it_and_the_replay_goes_on(tmp_path: Path) -> None:
    """In play --step, Ctrl-C to clear a half-typed line stopped the lesson for good."""
    player = stepping(tmp_path / "lesson.rr", "note one\nlater 1 t1\nnote two\n")
    ex, _ = run_explorer("\rshow t" + CTRL_C + "\r" + CTRL_C + "quit\r", player=player)
    events = ex.engine.log.snapshot()
    # the second Enter ran the next step (the replay went on), the Ctrl-C on the empty
    # line stopped it before the third
    assert [(e.kind, e.name or e.text) for e in events if e.kind in ("note", "timer.schedule")
            ] == [("note", "one"), ("timer.schedule", "t1")]
    assert player.state == "stopped"
    assert not [e for e in events if e.kind == "input" and "show" in e.text]


def test_play_step_shows_the_opening_comments_before_the_first_enter(tmp_path: Path) -> None:
    """The screen opened almost empty: a chapter's header came only with the first Enter."""
    player = stepping(tmp_path / "chapter.rr",
                      "# 01 — the reactor\n# what this chapter shows\n\nnote one\n")
    ex, _ = run_explorer("quit\r", player=player)
    assert "# 01 — the reactor" in shown(ex) and "# what this chapter shows" in shown(ex)
    assert not [e for e in ex.engine.log.snapshot() if e.kind == "note"]
    player.state, player.comments_shown = "waiting", 0
    ex, _ = run_explorer("\rquit\r", player=player)  # shown once, not again at the Enter
    assert shown(ex).count("# 01 — the reactor") == 1


def test_the_syntax_line_is_cut_at_a_word_on_a_narrow_screen() -> None:
    """At 80 columns the screen cut `show`'s summary mid-word ("… a result, paused-")."""
    from reactor_repl.ui.toolbar import toolbar_fragments

    lines = "".join(t for _, t, *_ in toolbar_fragments("show ", None, 80)).split("\n")
    assert len(lines[0]) <= 80 and lines[0].endswith("…")
    assert lines[0][:-1] == lines[0][:-1].rstrip()  # a whole word before the …
    whole = "".join(t for _, t, *_ in toolbar_fragments("show ", None, 200)).split("\n")[0]
    assert whole.startswith(lines[0][:-1]) and whole[len(lines[0]) - 1] in " ,;:"


def test_a_syntax_line_with_no_room_for_its_api_ends_after_the_syntax() -> None:
    """`trigger before shutdown ` at 80 columns ended "[do …]  reac…": a later part with
    little room was cut without looking for a word."""
    from reactor_repl.ui.toolbar import toolbar_fragments

    first = "".join(t for _, t, *_ in toolbar_fragments("trigger before shutdown ", None, 80))
    first = first.split("\n")[0]
    assert len(first) <= 80 and first.endswith("[do …]…") and "reac" not in first


def test_the_completion_menu_is_not_drawn_over_help() -> None:
    """F1 with the STEP menu open: the menu's rows were printed into the help's text."""
    from prompt_toolkit.layout import ConditionalContainer, FloatContainer
    from prompt_toolkit.layout.menus import CompletionsMenu

    ex, _ = run_explorer("quit\r")
    containers = [c for c in ex.app.layout.walk() if isinstance(c, FloatContainer)]
    menus = [f.content for c in containers for f in c.floats
             if isinstance(f.content, ConditionalContainer)
             and isinstance(f.content.content, CompletionsMenu)]
    assert len(menus) == 1
    assert menus[0].filter()
    ex.help.show("help text")
    assert not menus[0].filter()


def test_a_second_tab_keeps_a_lone_completion_and_more_cycle() -> None:
    """`sh` Tab gave `show`; Tab again went back to `sh` (prompt_toolkit cycles through
    "none of them") and the line was an unknown command."""
    from types import SimpleNamespace

    from prompt_toolkit.buffer import CompletionState
    from prompt_toolkit.completion import Completion
    from prompt_toolkit.document import Document

    ex, _ = run_explorer("quit\r")
    tab = [b.handler for b in ex.key_bindings.bindings if b.handler.__name__ == "_next_completion"][0]
    b = ex.buffer

    def menu(text: str, words: list[str]) -> None:
        b.document = Document(text)
        b.complete_state = CompletionState(b.document, [Completion(w, -len(text)) for w in words])

    menu("sh", ["show"])
    tab(SimpleNamespace(current_buffer=b))
    assert b.text == "show"
    tab(SimpleNamespace(current_buffer=b))
    assert (b.text, b.complete_state) == ("show", None)
    menu("l", ["later", "listen"])
    seen = []
    for _ in range(3):
        tab(SimpleNamespace(current_buffer=b))
        seen.append(b.text)
    assert seen == ["later", "listen", "l"]  # several: the menu cycles, as before


def test_a_timed_redraw_does_not_hold_new_events_back_while_the_person_types(monkeypatch) -> None:
    """During a block the BLOCKED counter redraws 10 times a second; each redraw counted as
    the last frame, so a line typed then reached the screen only once the person had not
    typed for half a second (~0.55 s; at once otherwise)."""
    import asyncio

    from reactor_repl.ui import explorer as explorer_mod

    engine = started("virtual")
    try:
        with create_pipe_input() as inp:
            ex = Explorer(engine, input=inp, output=DummyOutput(), history=InMemoryHistory())
            drained: list[bool] = []

            async def drain() -> bool:
                drained.append(True)
                return True

            class Stop(Exception):
                pass

            async def one_look(_: float) -> None:
                raise Stop

            now = time.monotonic()
            ex._last_frame = now  # a timed redraw (a BLOCKED counter) just now
            ex._last_drain = now - 1.0  # new events last drawn a second ago
            ex._last_key = now  # the person is typing
            monkeypatch.setattr(ex, "_drain", drain)
            monkeypatch.setattr(explorer_mod.asyncio, "sleep", one_look)
            with pytest.raises(Stop):
                asyncio.run(ex._refresh())
            assert drained == [True]
    finally:
        engine.finish()


def test_a_line_typed_during_a_wait_is_said_to_run_after_it() -> None:
    """A line typed during a live `wait` vanished with no word until the wait ended."""
    said: list[str] = []

    def type_during_the_wait(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "input" and ev.text == "wait 0.6":
            inp.send_text("note later\r")
            threading.Timer(0.3, lambda: said.append(text_of(ex.status_fragments()))).start()
        if ev.kind == "note":
            ex.request_quit()

    run_explorer("wait 0.6\r", clock="live", on_event=type_during_the_wait)
    assert said and ("1 typed line runs after the wait" in said[0] or "1 queued" in said[0])


def test_the_keys_stay_on_the_last_row() -> None:
    """With nothing typed the key hints sat a row higher, the last one blank; they moved
    down as soon as a syntax line showed."""
    from reactor_repl.ui.toolbar import keys_hint, toolbar_fragments, check

    def rows(text: str) -> list[str]:
        return "".join(t for _, t, *_ in toolbar_fragments(text, check(text), 80)).split("\n")

    keys = keys_hint(80)
    assert rows("") == ["", keys]
    assert rows("later 1 t1")[1] == keys and rows("later 1 t1")[0].startswith("later DELAY")
    assert rows("fi") == ["✗ col 1: unknown command 'fi' — did you mean fire?", keys]


def test_a_files_quit_ends_that_file_and_the_explorer_stays(tmp_path: Path) -> None:
    """``load`` or ``play`` of a file whose last line is ``quit`` closed the explorer at
    once, exit 0, without a word: what the person had typed was gone."""
    shared = tmp_path / "shared.rr"
    shared.write_text("note from the file\nquit\nnote never\n")
    ex, code = run_explorer(f"note mine\rload {shared}\rnote still here\rquit\r")
    assert code == 0
    notes = [e.text for e in ex.engine.log.snapshot() if e.kind == "note"]
    assert notes == ["mine", "from the file", f"{shared}:2: quit ends {shared} here; the "
                     "session goes on (quit at the prompt leaves)", "still here"]
    player = stepping(tmp_path / "step.rr", "note one\nquit\nnote two\n")
    ex, code = run_explorer("\r\r\rnote typed\rquit\r", player=player)
    notes = [e.text for e in ex.engine.log.snapshot() if e.kind == "note"]
    assert (code, notes[0], notes[2:], player.state) == (0, "one", ["typed"], "done"), [e.line() for e in ex.engine.log.snapshot()]
