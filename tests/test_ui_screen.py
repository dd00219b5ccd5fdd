"""The explorer's panes and lines, one behaviour each (issue 10's screen items).

Pane tests feed events straight into the pane models and read back the rows and the
screen lines they draw; whole-explorer tests drive keys through a pipe into a
DummyOutput, on the virtual clock.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from reactor_repl.engine.events import Event
from reactor_repl.ui.line_mode import LineSession
from reactor_repl.ui.log_pane import LogPane, Message, Rule
from support import cli
from test_ui_app import run_explorer, shown, started


def ev(seq: int, tick: int, kind: str, name: str = "", text: str = "",
       thread: str = "reactor", t: float = 0.0) -> Event:
    return Event(seq, t, tick, kind, name, thread, text, None, False)


def lines(pane: LogPane, width: int = 150, height: int = 24) -> list[str]:
    return ["".join(t for _, t, *_ in line) for line in pane.render(width, height)]


def shape(pane: LogPane) -> list[Any]:
    """Rows as seq numbers, ``'-N'`` for the rule before tick N, ``'msg'`` for a message."""
    return [f"-{r.tick}" if isinstance(r, Rule) else "msg" if isinstance(r, Message) else r.seq
            for r in pane.rows]


# ------------------------------------------------------------- 10.9 scrolling to the top
def test_page_up_to_the_top_fills_the_pane() -> None:
    pane = LogPane()
    for i in range(1, 61):
        pane.add(ev(i, 1, "note", text=f"n{i}"))
    lines(pane)
    for _ in range(10):  # PageUp until the top, at 150x24
        pane.scroll(pane.page)
    screen = lines(pane)
    assert len(screen) == 24
    assert screen[0].startswith("#0001") and screen[22].startswith("#0023")
    assert screen[23].startswith(" ↓ 0 new · 37 rows below")
    pane.scroll(-pane.page)  # PageDown goes on from there
    assert lines(pane)[0].startswith("#0024")


def test_home_after_clear_shows_what_is_left_from_the_top() -> None:
    pane = LogPane()
    for i in range(1, 41):
        pane.add(ev(i, 1, "note", text=f"n{i}"))
    pane.clear(35)
    pane.top()
    assert lines(pane) == [f"#00{i}  0.000  [1]  note    n{i}" for i in range(36, 41)]
    assert pane.offset == 0  # everything fits: the pane follows the log again


# ------------------------------------------------------------------ 10.10 tick rules
def test_every_row_between_two_rules_has_one_tick() -> None:
    pane = LogPane()
    pane.add(ev(240, 58, "timer.fire", "t1"))
    pane.add(ev(241, 59, "thread.queue", "j1"))
    pane.add(ev(242, 59, "thread.start", "j1", thread="pool-1"))
    pane.add(ev(243, 59, "input", text="deferred d2", thread="prompt"))
    pane.add(ev(246, 60, "deferred.new", "d2"))
    assert shape(pane) == [240, "-59", 241, 242, 243, "-60", 246]


def test_a_row_that_read_an_older_tick_sits_with_its_pass() -> None:
    pane = LogPane()
    pane.add(ev(1, 5, "timer.fire", "t1"))
    pane.add(ev(2, 6, "timer.fire", "t2"))
    pane.add(ev(3, 5, "thread.end", "j1", thread="pool-1"))  # read tick 5 just before 6 began
    pane.add(ev(4, 6, "timer.fire", "t3"))
    pane.add(ev(5, 4, "thread.end", "j2", thread="pool-2"))  # no row of tick 4 shown: its own
    assert shape(pane) == [5, "-5", 1, 3, "-6", 2, 4]


# ------------------------------------------------------------------- 10.11 less noise
def test_a_note_shows_once() -> None:
    pane = LogPane()
    pane.add(ev(1, 1, "input", text="note timers run in order", thread="prompt"))
    pane.add(ev(2, 2, "note", text="timers run in order"))
    pane.add(ev(3, 2, "input", text="later 1 t1", thread="prompt"))
    assert shape(pane) == [2, 3]


def test_clock_advances_between_dispatches_are_folded() -> None:
    def fill(pane: LogPane) -> None:
        seq = 0
        for tick in range(3, 6):
            seq += 1
            pane.add(ev(seq, tick, "loop.call", "l1"))
            seq += 1
            pane.add(ev(seq, tick, "clock.advance", text="…"))

    pane = LogPane()
    fill(pane)
    # each advance only moved time to the next call: gone; the last one says where time is
    assert shape(pane) == [1, "-4", 3, "-5", 5, 6]
    shown = LogPane(internals=True)
    fill(shown)
    assert shape(shown) == [1, 2, "-4", 3, 4, "-5", 5, 6]
    filtered = LogPane()
    filtered.kinds = ("loop", "clock")
    fill(filtered)
    assert shape(filtered) == [1, 2, "-4", 3, 4, "-5", 5, 6]


def test_a_folded_advance_that_opened_a_pass_takes_its_rule_along() -> None:
    pane = LogPane()
    pane.add(ev(1, 3, "loop.call", "l1"))
    pane.add(ev(2, 4, "clock.advance", text="…"))
    pane.add(ev(3, 5, "loop.call", "l1"))
    assert shape(pane) == [1, "-5", 3]


# ------------------------------------------ 10.7 what the person's Python prints is logged
PRINTS = ("deferred d1\raddCallback d1 py print(result)\rfire d1 5\r"
          "py reactor.callInThread(print, 'from a thread')\rwait 1\r"
          "py __import__('sys').stderr.write('half a line')\rquit\r")


def outputs(engine: Any) -> list[tuple[str, str, str]]:
    return [(e.name, e.thread, e.text) for e in engine.log.snapshot() if e.kind == "output"]


def test_what_python_prints_in_the_explorer_is_an_event_not_screen_noise(capsys: Any) -> None:
    ex, code = run_explorer(PRINTS)
    assert code == 0
    got = outputs(ex.engine)
    assert ("stdout", "reactor", "5") in got
    # from a pool thread: recorded in that thread
    assert [(n, t in ("reactor", "prompt"), x) for n, t, x in got if x == "from a thread"] == [
        ("stdout", False, "from a thread")]
    assert ("stderr", "reactor", "half a line") in got  # an unfinished line, at the end
    assert any("output  stdout  5" in line for line in shown(ex))
    assert capsys.readouterr().out == ""  # nothing went to the terminal behind the UI's back
    assert sys.stdout is not None and type(sys.stdout).__name__ != "LineRecorder"  # put back


def test_what_python_prints_in_line_mode_is_a_log_line() -> None:
    engine = started()
    out = io.StringIO()
    with create_pipe_input() as inp:
        inp.send_text("deferred d1\raddCallback d1 py print(result)\rfire d1 5\rquit\r")
        session = LineSession(engine, input=inp, output=DummyOutput(), out=out,
                              history=InMemoryHistory())
        assert session.run() == 0
    printed = out.getvalue().splitlines()
    assert [line.split("  ", 3)[3] for line in printed if "  output  " in line] == [
        "output  stdout  5"]
    assert "5" not in printed


def test_headless_run_prints_it_as_an_event_line(tmp_path: Path) -> None:
    f = tmp_path / "p.rr"
    f.write_text("deferred d1\naddCallback d1 py print(result)\nfire d1 5\nhelp fire\n")
    r = cli("run", str(f), "--allow-python")
    assert r.returncode == 0, r
    assert [line[line.index("]") + 3:] for line in r.stdout.splitlines() if "output" in line] == [
        "output  stdout  5"]
    assert "fire NAME [VALUE]" in r.stdout  # help still reaches the person
    r = cli("run", str(f), "--allow-python", "--json")
    events = [json.loads(line) for line in r.stdout.splitlines()]  # JSON lines only
    assert [(e["kind"], e["name"], e["text"]) for e in events if e["kind"] == "output"] == [
        ("output", "stdout", "5")]
