"""The explorer's panes and lines, one behaviour each (issue 10's screen items).

Pane tests feed events straight into the pane models and read back the rows and the
screen lines they draw; whole-explorer tests drive keys through a pipe into a
DummyOutput, on the virtual clock.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

from prompt_toolkit.history import InMemoryHistory

from reactor_repl.engine.events import Event
from reactor_repl.ui.explorer import Explorer
from reactor_repl.ui.log_pane import LogPane, Message, Rule
from support import cli
from reactor_repl.ui.state_pane import LoopWatch, loop_status, state_fragments
from test_ui_app import CTRL_C, run_explorer, run_line_session, shown, started, text_of

F3 = "\x1bOR"


def ev(seq: int, tick: int, kind: str, name: str = "", text: str = "",
       thread: str = "reactor", t: float = 0.0) -> Event:
    return Event(seq, t, tick, kind, name, thread, text, None, False)


def lines(pane: LogPane, width: int = 150, height: int = 24) -> list[str]:
    return ["".join(t for _, t, *_ in line) for line in pane.render(width, height)]


def shape(pane: LogPane) -> list[Any]:
    """Rows as seq numbers, ``'-N'`` for the rule before tick N, ``'msg'`` for a message."""
    return [f"-{r}" if isinstance(r, Rule) else "msg" if isinstance(r, Message) else r.seq
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


def test_pages_through_wrapped_rows_skip_none() -> None:
    """At 80 columns every other note wraps: PageDown moved by a page of screen lines
    counted as rows, and N06, N07 were never on screen (nor N16)."""
    pane = LogPane()
    for i in range(1, 31):
        pane.add(ev(i, 1, "note", text=f"N{i:02d} " + ("long words " * 10 if i % 2 else "")))

    def seen() -> set[str]:
        return set(re.findall(r"N\d\d", " ".join(lines(pane, 80, 12))))

    lines(pane, 80, 12)
    pane.top()
    down = seen()
    while pane.offset:
        pane.page_down()
        down |= seen()
    assert down == {f"N{i:02d}" for i in range(1, 31)}
    up = seen()
    while shape(pane)[0] != 1 or "N01" not in seen():
        before = pane.offset
        pane.page_up()
        up |= seen()
        if pane.offset == before:
            break
    assert up == {f"N{i:02d}" for i in range(1, 31)}


def test_the_top_says_when_older_events_are_no_longer_kept() -> None:
    """After a storm, Home showed #237530 as if the session began there."""
    small = LogPane(size=10)  # keeps 2 × 10 + 100 rows
    for i in range(1, 301):
        small.add(ev(i, 1, "note", text=f"n{i}"))
    small.top()
    screen = lines(small)
    assert screen[0] == "… the events up to #0180 are no longer kept (--log-size sets how many are)"
    assert screen[1].startswith("#0181")
    pane = LogPane()  # rebuilt (a filter) from a ring that has dropped #1 to #49
    pane.set_filter(["note"], [ev(i, 1, "note", text=f"n{i}") for i in range(50, 61)])
    pane.top()
    assert lines(pane)[0].startswith("… the events up to #0049 are no longer kept")
    whole = LogPane()  # nothing dropped: no such line
    whole.set_filter(["note"], [ev(i, 1, "note", text=f"n{i}") for i in range(1, 11)])
    assert lines(whole)[0].startswith("#0001")


def test_a_message_stays_where_it_was_said_when_the_log_is_rebuilt() -> None:
    """filter and internals rebuild the pane: every message (the welcome, each filter's
    note) jumped below the newest row."""
    pane = LogPane()
    pane.message("welcome")
    for i in range(1, 4):
        pane.add(ev(i, 1, "note", text=f"n{i}"))
    pane.message("said after n3")
    events = [ev(i, 1, "note", text=f"n{i}") for i in range(1, 7)]
    for e in events[3:]:
        pane.add(e)
    pane.set_filter(["note"], events)
    assert shape(pane) == ["msg", 1, 2, 3, "msg", 4, 5, 6]
    assert [r.text for r in pane.rows if isinstance(r, Message)] == ["welcome", "said after n3"]


def test_home_after_clear_shows_what_is_left_from_the_top() -> None:
    pane = LogPane()
    for i in range(1, 41):
        pane.add(ev(i, 1, "note", text=f"n{i}"))
    pane.clear(35)
    pane.top()
    assert lines(pane) == [f"#00{i}  0.000  [1]  note    n{i}" for i in range(36, 41)]
    assert pane.offset == 0  # everything fits: the pane follows the log again


# ------------------------------------------------------------------ 10.10 tick rules
def test_an_answer_the_log_moved_off_the_top_is_pinned_at_the_bottom() -> None:
    # beside a busy program the answer to `show l1` left the screen within a second
    pane = LogPane()
    pane.add(ev(1, 1, "loop.call", "l1", "call 1"))
    pane.add(ev(2, 1, "input", text="show l1", thread="prompt"))
    pane.add(ev(3, 1, "show", "l1", "l1: loop every 0.05s", thread="prompt"))
    assert lines(pane, 80, 10)[-2:] == ["#0002  0.000  [1]  input    show l1",
                                        "#0003  0.000  [1]  show  l1  l1: loop every 0.05s"]
    assert not pane.pinned()  # still in its place
    for seq in range(4, 30):
        pane.add(ev(seq, 1, "loop.call", "l1", f"call {seq}"))
    screen = lines(pane, 80, 10)
    assert screen == [f"#{seq:04d}  0.000  [1]  loop.call  l1  call {seq}" for seq in range(23, 30)] + [
        "── your last command, #0002 · Esc lets it go ",
        "#0002  0.000  [1]  input    show l1",
        "#0003  0.000  [1]  show  l1  l1: loop every 0.05s"]
    assert pane.pinned()
    pane.let_answer_go()  # Esc
    assert lines(pane, 80, 10)[-1] == "#0029  0.000  [1]  loop.call  l1  call 29"
    assert not pane.pinned()
    # scrolled up, the log shows where it was said: no pin
    pane.add(ev(30, 1, "input", text="waiting", thread="prompt"))
    pane.add(ev(31, 1, "waiting", "", "nothing pending", thread="prompt"))
    for seq in range(32, 50):
        pane.add(ev(seq, 1, "loop.call", "l1", f"call {seq}"))
    assert lines(pane, 80, 10)[-2] == "#0030  0.000  [1]  input    waiting"
    pane.scroll(5)
    assert "your last command" not in " ".join(lines(pane, 80, 10))
    # a line with nothing but itself to show (later 1 t1) is not pinned
    pane.bottom()
    pane.add(ev(50, 1, "input", text="later 1 t1", thread="prompt"))
    for seq in range(51, 70):
        pane.add(ev(seq, 1, "loop.call", "l1", f"call {seq}"))
    assert lines(pane, 80, 10)[-1] == "#0069  0.000  [1]  loop.call  l1  call 69"


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
    _, code, printed = run_line_session("deferred d1\raddCallback d1 py print(result)\r"
                                        "fire d1 5\rquit\r")
    assert code == 0
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


# ------------------------------------------------------------- drawing the whole screen
class Sink:
    """A terminal that takes what a frame writes and forgets it (the screen is read back
    from the renderer's own copy)."""

    encoding = "utf-8"

    def write(self, data: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def explorer_on(columns: int, rows: int, clock: str = "virtual") -> Explorer:
    """An explorer whose screen is ``columns`` x ``rows`` (not running: drawn on demand)."""
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    engine = started(clock)
    output = Vt100_Output(Sink(), lambda: Size(rows=rows, columns=columns),  # type: ignore[arg-type]
                          term="xterm")
    ex = Explorer(engine, output=output, history=InMemoryHistory())
    ex.pump()
    return ex


def draw(ex: Explorer) -> list[str]:
    """Render the explorer once; the screen's rows as text."""
    import asyncio

    from prompt_toolkit.application.current import set_app

    async def frame() -> list[str]:
        app = ex.app
        with set_app(app):
            app.renderer.render(app, app.layout)
        screen = app.renderer._last_screen
        assert screen is not None
        size = app.output.get_size()
        return ["".join(screen.data_buffer[y][x].char for x in range(size.columns)).rstrip()
                for y in range(size.rows)]

    return asyncio.run(frame())


def in_app(ex: Explorer, fn: Any) -> None:
    """Run ``fn`` as a key handler does: in the app's event loop (completion runs there)."""
    import asyncio

    from prompt_toolkit.application.current import set_app

    async def go() -> None:
        with set_app(ex.app):
            fn()

    asyncio.run(go())


def finish(ex: Explorer) -> None:
    ex.engine.finish()


# -------------------------------------------------------------- 10.3 a first screen
def test_the_first_screen_says_which_clock_and_where_help_is() -> None:
    ex, _ = run_explorer("quit\r")
    assert ("virtual clock: time moves only on wait, step and block · help: the commands · "
            "F1: help on what you type") in shown(ex)
    ex, _ = run_explorer("quit\r", clock="live")
    welcome = next(line for line in shown(ex, width=200) if line.startswith("live clock"))
    assert "help" in welcome and "F1" in welcome and "--clock virtual" in welcome


def test_the_status_line_names_the_clock_at_any_width() -> None:
    for clock, columns in (("virtual", 120), ("virtual", 40), ("live", 80), ("live", 30)):
        ex = explorer_on(columns, 12, clock)
        try:
            status = text_of(ex.status_fragments())
            assert f" {clock} " in status and len(status) == columns, (clock, columns, status)
        finally:
            finish(ex)


# --------------------------------------------------------------------- 10.5 a live wait
def test_a_live_wait_counts_in_the_status_line_and_ctrl_c_says_it_stopped() -> None:
    seen_status: list[str] = []

    def interrupt_the_wait(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "input" and ev.text == "wait 3":
            def later() -> None:
                while ex.waiting is None:
                    time.sleep(0.01)
                time.sleep(0.3)
                seen_status.append(text_of(ex.status_fragments()))
                inp.send_text(CTRL_C)
                time.sleep(0.2)
                inp.send_text("quit\r")
            threading.Thread(target=later, daemon=True).start()

    t0 = time.monotonic()
    ex, _ = run_explorer("wait 3\r", clock="live", on_event=interrupt_the_wait)
    assert time.monotonic() - t0 < 2.5  # the wait did stop
    assert re.search(r"waiting 0\.[2-9]/3s · Ctrl-C stops", seen_status[0]), seen_status
    assert any(re.fullmatch(r"wait 3: stopped after 0\.\ds \(Ctrl-C\)", line) for line in shown(ex))


def test_ctrl_c_stops_a_virtual_wait_and_the_clock_stays_where_it_stopped() -> None:
    """The loop went on jumping to the wait's end (a day of a 1 s loop) after Ctrl-C, and
    the next line ran only after it; the status line did not count the wait either."""
    seen_status: list[str] = []

    def interrupt_the_wait(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "input" and ev.text == "wait 86400":
            def later() -> None:
                while ex.waiting is None or ex.engine.now() < 50:
                    time.sleep(0.01)
                seen_status.append(text_of(ex.status_fragments()))
                inp.send_text(CTRL_C)
                time.sleep(0.3)
                inp.send_text("note here\r")
                time.sleep(0.3)
                inp.send_text("quit\r")
            threading.Thread(target=later, daemon=True).start()

    ex, _ = run_explorer("every 1 l1\rwait 86400\r", clock="virtual",
                         on_event=interrupt_the_wait)
    events = ex.engine.log.snapshot()
    assert re.search(r"waiting \d+\.\d/86400s · Ctrl-C stops", seen_status[0]), seen_status
    assert any(re.fullmatch(r"wait 86400: stopped after \d+\.\ds \(Ctrl-C\)", line)
               for line in shown(ex))
    note = [e for e in events if e.kind == "note"][0]
    assert 50 <= note.t < 86400
    assert ex.engine.now() < 86400


def test_a_line_typed_while_the_shutdown_joins_a_job_is_said_not_to_run() -> None:
    """reactor.stop's shutdown joins the pool's job in the loop's thread; a line typed
    meanwhile is handed to a reactor that never takes it (as in plain Twisted): it was
    echoed, and then nothing, ever."""

    def type_during_the_shutdown(ex: Explorer, inp: Any, ev: Event) -> None:
        if ev.kind == "reactor.stop":
            def later() -> None:
                time.sleep(0.2)
                inp.send_text("later 1 t2\r")
                while not ex.engine.stopped.is_set():
                    time.sleep(0.02)
                time.sleep(0.2)
                inp.send_text("quit\r")
            threading.Thread(target=later, daemon=True).start()

    ex, _ = run_explorer("thread j1 1\rstop\r", clock="live", on_event=type_during_the_shutdown)
    events = ex.engine.log.snapshot()
    assert [e.text for e in events if e.kind == "error"] == [
        "'later 1 t2' not run: the loop stopped before it came to it"]


def test_the_status_says_stopping_while_the_shutdown_runs_and_stopped_after() -> None:
    """It said 'stopped: quit leaves' while the shutdown still joined a job."""
    watch = LoopWatch()
    watch.see(ev(1, 1, "reactor.stop", ""))
    assert loop_status({"loop_stopped": False}, watch)[1].startswith("stopping (reactor.stop)")
    # a before trigger's Deferred holds the shutdown: the loop runs on (typed lines too)
    assert loop_status({"loop_stopped": False, "shutdown": "BEFORE"}, watch)[1] == (
        "stopping (reactor.stop): a before trigger holds it; the loop runs on")
    assert loop_status({"loop_stopped": True}, watch)[1] == "stopped (reactor.stop): quit leaves"


def test_the_status_says_a_step_waits_to_land() -> None:
    assert loop_status({"stepping": True, "clock": "virtual"}, LoopWatch())[1] == (
        "idle: time moves on wait/step/block · a step waits for the next dispatches "
        "(continue cancels)")


# ------------------------------------------------------------------ 10.13 the state pane
def item(name: str, family: str, state: str, pending: bool) -> dict[str, Any]:
    return {"name": name, "family": family, "state": state, "detail": "", "pending": pending,
            "due": None, "deferred": None, "fired": False}


def test_state_pane_after_stop_the_warnings_age_and_the_latest_done() -> None:
    watch = LoopWatch()
    names = ["t1", "t2", "t3", "t4", "t5"]
    finished = ["t4", "t1", "t5", "t2"]  # the order they fired in
    for seq, name in enumerate(finished, 1):
        watch.see(ev(seq, seq, "timer.fire", name))
    watch.see(ev(9, 9, "warn.slow", "t2", text="timer.fire t2 ran 0.300s"))
    seen_at = watch.warning_at
    items = [item(n, "timer", "fired", False) for n in names if n in finished] + [
        item("t3", "timer", "pending", True), item("l1", "loop", "running", True)]
    snap = {"clock": "live", "now": 5.0, "items": items, "phase": "idle"}
    pane = text_of(state_fragments(snap, watch, width=60, wall=seen_at + 3.2))
    assert "warn   timer.fire t2 ran 0.300s (3s ago)" in pane
    assert "timers  1 pending, 4 done\n  t3     pending\n  t5     fired\n  t2     fired\n" \
        "  … 2 more done" in pane
    assert "l1     running" in pane
    watch.see(ev(10, 10, "reactor.stop"))
    pane = text_of(state_fragments(snap, watch, width=60, wall=seen_at + 10.5))
    assert "warn" not in pane  # gone after ten seconds
    assert "l1     ended with the reactor" in pane
    assert "t3     never fires: the reactor stopped" in pane


# -------------------------------------------------------------------- 10.14 help pages
def test_help_pages_down_through_wrapped_lines_without_skipping() -> None:
    from reactor_repl.ui.help_pane import HelpPane

    help = HelpPane()
    words = [f"w{i}" for i in range(400)]
    help.show("\n".join(" ".join(words[i:i + 20]) for i in range(0, 400, 20)))
    help.render(40, 10)
    read: list[str] = []
    for _ in range(30):
        page = ["".join(t for _, t, *_ in line) for line in help.render(40, 10)][1:]
        read += [w for line in page for w in line.split()]
        if help.offset == help.last_offset:
            break
        help.scroll(help.page)
    # every word, in order: nothing skipped (the last page ends at the bottom of the pane,
    # so it may show again the end of the page before it)
    assert list(dict.fromkeys(read)) == words
    assert len(read) < len(words) + 9 * 4


# ----------------------------------------------------------- 10.15 the completion menu
def test_a_completion_menu_never_covers_the_status_line_or_the_keys() -> None:
    from prompt_toolkit.buffer import CompletionState
    from prompt_toolkit.completion import Completion
    from prompt_toolkit.document import Document

    for columns, rows, count in ((80, 24, 1), (80, 24, 2), (120, 40, 30), (80, 10, 9)):
        ex = explorer_on(columns, rows)
        try:
            doc = Document("fi")
            ex.buffer.set_document(doc)
            ex.buffer.complete_state = CompletionState(
                doc, [Completion(f"fire{i}", -2, display_meta="fire") for i in range(count)])
            screen = draw(ex)
            assert "virtual 0.000s" in screen[rows - 4], screen
            assert screen[rows - 3].startswith("rr 0.000s> fi")
            assert "^D quit" in screen[rows - 2] + screen[rows - 1], screen
            assert any("fire0" in line for line in screen[:rows - 4]), screen
        finally:
            finish(ex)


# ------------------------------------------------------------- 10.16 narrow terminals
def test_narrow_terminals_keep_what_matters() -> None:
    wide = explorer_on(120, 40)
    try:
        assert wide.show_state is True
    finally:
        finish(wide)
    wider = explorer_on(200, 50)  # the state pane grows with a wide screen (it stayed 44)
    try:
        assert wider.state_width() == 60
    finally:
        finish(wider)
    for columns, rows in ((80, 24), (70, 24), (40, 10)):
        ex = explorer_on(columns, rows, "live")
        try:
            assert ex.show_state is False  # below ~100 columns the log has the width
            screen = draw(ex)
            keys = screen[-2] + screen[-1]
            assert "^D quit" in keys and "F1 help" in keys, screen
            assert " live " in screen[rows - 4]
            ex.show_state = True  # F2: shown, but the log keeps at least half the width
            assert columns - ex.state_width() - 1 >= columns // 2 - 1
        finally:
            finish(ex)


def test_status_parts_shorten_before_they_are_cut() -> None:
    from reactor_repl.ui.explorer import fit_status

    left = [("class:status.play", ["play scenarios/03-blocking-the-loop.rr line 3/12 · Ctrl-C "
                                   "stops the replay", "play 3/12"])]
    right = [("class:status", ["live 3.285s · tick 7", "live"]),
             ("class:status", ["BLOCKED 1.2s in typed 'block 2'", "BLOCKED 1.2s"])]
    for width in (140, 100, 80, 60, 40, 30):
        parts = [t.strip() for _, t, *_ in fit_status(left, right, width) if t.strip()]
        assert sum(len(t) for _, t, *_ in fit_status(left, right, width)) == width
        assert all(p in left[0][1] + right[0][1] + right[1][1] for p in parts), (width, parts)
        assert "live" in " ".join(parts) and "BLOCKED 1.2s" in " ".join(parts)
    # the others short, the clock's time comes back when it fits (it was left out during a
    # wait, a block or a replay, with twenty columns to spare)
    parts = [t.strip() for _, t, *_ in fit_status(left, right, 60) if t.strip()]
    assert parts == ["play 3/12", "live 3.285s · tick 7", "BLOCKED 1.2s"]


# ------------------------------------------------------------------------ 10.8 the mouse
def test_the_mouse_is_the_terminals_until_f3() -> None:
    ex, _ = run_explorer("quit\r")
    assert ex.app.mouse_support() is False  # selecting text works
    ex, _ = run_explorer(f"{F3}quit\r")
    assert ex.app.mouse_support() is True
    keys = ex.keys_help()
    assert "F3" in keys and "selects and copies text" in keys


def test_ctrl_z_suspends_to_the_shell_as_a_job() -> None:
    """Ctrl-Z typed a raw \\x1a into the line (then: unknown command)."""
    from types import SimpleNamespace

    ex, _ = run_explorer("quit\r")
    assert "Ctrl-Z" in ex.keys_help() and "fg brings it back" in ex.keys_help()
    (binding,) = [b for b in ex.app.key_bindings.bindings
                  if [str(getattr(k, "value", k)) for k in b.keys] == ["c-z"]]
    asked = []
    binding.handler(SimpleNamespace(app=SimpleNamespace(
        suspend_to_background=lambda: asked.append(True))))
    assert asked == [True]


# ------------------------------------------------------------------------- 10.17 paste
def test_a_paste_runs_its_whole_lines_at_once_without_a_false_error() -> None:
    ex = explorer_on(80, 24)
    try:
        in_app(ex, lambda: (ex.buffer.insert_text("no"),
                            ex.paste("te a\r\nlater 1 t1\nnote b\nfire d")))
        # nothing of the paste hides in the one-line input: what remains is the last line
        assert (ex.buffer.text, ex.buffer.cursor_position) == ("fire d", 6)
        assert ex.error_column() is None or "unexpected" not in ex._error().message
        queued = [label for label, _ in list(ex.worker.jobs.queue)]
        assert queued == ["note a", "later 1 t1", "note b"]  # in order, each as typed
        assert list(ex.buffer.history.get_strings())[-3:] == ["note a", "later 1 t1", "note b"]
    finally:
        finish(ex)


def test_pasted_lines_show_in_the_log_and_run_in_order() -> None:
    ex, _ = run_explorer("\x1b[200~note a\nlater 1 t1\nwait 2\n\x1b[201~quit\r")
    rows = [line.split("  ", 3)[-1] for line in shown(ex) if line.startswith("#")]
    assert rows[1:6] == ["note    a", "input    later 1 t1", "timer.schedule  t1  in 1s, due 1.000",
                         "input    wait 2", "timer.fire  t1  late +0.000s"]
    assert not [e for e in ex.engine.log.snapshot() if e.kind == "error"]


def test_line_mode_welcomes_names_the_clock_shows_a_note_once_and_folds_advances() -> None:
    session, code, printed = run_line_session("every 0.5 l1 times 3\rwait 2\rnote hi\rquit\r")
    assert code == 0
    assert text_of(session.bottom_toolbar()).startswith(" virtual ")
    assert printed[1].startswith("virtual clock: time moves only on wait")  # after session.start
    body = [line.split("  ", 3)[3] for line in printed if line.startswith("#")]
    assert [b for b in body if "hi" in b] == ["note    hi"]
    assert [b.split()[0] for b in body if not b.startswith(("input", "session"))] == [
        "loop.start", "loop.call", "loop.call", "loop.call", "loop.stop", "note"]


def test_the_log_hands_the_ui_what_is_new_in_order() -> None:
    from reactor_repl.engine.events import EventLog

    log = EventLog(size=100)
    for i in range(250):
        log.append(0.0, i, "note", "", f"n{i}", "reactor", None, False)
    assert [e.seq for e in log.since(200)] == list(range(201, 251))
    assert [e.seq for e in log.since(0)] == list(range(151, 251))  # what the ring still has
    assert log.since(250) == []


def test_after_reset_the_state_pane_starts_afresh() -> None:
    watch = LoopWatch()
    watch.see(ev(1, 1, "timer.fire", "t1"))
    watch.see(ev(2, 1, "warn.slow", "t1", text="slow"))
    watch.see(ev(3, 2, "reactor.stop"))
    watch.see(ev(4, 3, "session.reset"))
    assert (watch.stopped, watch.warning, watch.latest) == (False, None, {})


def test_a_many_line_event_shows_its_kind_then_its_lines() -> None:
    """waiting (and show) draw their own kind and first line, then the rest below it."""
    pane = LogPane()
    head = "1 Deferred pending 0s or more"
    rows = [head, "d1  pending 0.0s made at <input>: pending", "  └ nothing: no timer …"]
    pane.add(Event(1, 0.0, 2, "waiting", "", "prompt", head, {"lines": rows}, False))
    screen = [s.rstrip() for s in lines(pane) if s.strip()]
    assert screen[0] == f"#0001  0.000  [2]  waiting    {head}"
    assert [s.strip() for s in screen[1:3]] == [rows[1], rows[2].strip()]


def test_a_wrapped_row_of_a_tree_stays_under_its_own_text() -> None:
    """waiting's `└ …` rows wrapped back to column 6, left of their └, at 80 columns."""
    pane = LogPane(colour=False)
    pane.add(Event(1, 0.0, 1, "waiting", "", "prompt", "1 Deferred pending 1s or more",
                   {"lines": ["1 Deferred pending 1s or more", "d1  pending 6.8s",
                              "  └ loop l1 (running): fires it when it stops or its call "
                              "fails, and more words to wrap"]}, False))
    assert lines(pane, 60, 10) == [
        "#0001  0.000  [1]  waiting    1 Deferred pending 1s or more",
        "      d1  pending 6.8s",
        "        └ loop l1 (running): fires it when it stops or its ",
        "          call fails, and more words to wrap"]


def test_a_long_path_is_wrapped_at_a_space_or_after_a_slash_not_in_a_name() -> None:
    """The state pane cut `scenarios/13-why-is-it-stuck.` / `rr:8` (20 columns looked back)."""
    from reactor_repl.ui.log_pane import wrap

    def rows(text: str, width: int) -> list[str]:
        return ["".join(t for _, t, *_ in row) for row in wrap([("", text)], width, " " * 4)]

    assert rows("  d1  pending made at scenarios/13-why-is-it-stuck.rr:8", 40) == [
        "  d1  pending made at ", "    scenarios/13-why-is-it-stuck.rr:8"]
    assert rows("made/at/a/very/long/path/without/any/space/in/it/at/all/x.py:12", 40) == [
        "made/at/a/very/long/path/without/any/", "    space/in/it/at/all/x.py:12"]


def test_a_replayed_line_is_not_pinned_nor_an_answer_still_in_sight() -> None:
    """In play, the file's own `wait 11` was pinned as "your last command"; and an answer
    whose rows were still on the screen was shown twice, there and pinned."""
    pane = LogPane()
    pane.add(Event(1, 0.0, 1, "input", "", "prompt", "waiting", {"where": "f.rr:3"}, False))
    pane.add(ev(2, 1, "waiting", "", "nothing pending", thread="prompt"))
    for seq in range(3, 30):
        pane.add(ev(seq, 1, "loop.call", "l1", f"call {seq}"))
    assert "your last command" not in " ".join(lines(pane, 80, 10))
    pane.add(Event(30, 0.0, 1, "input", "", "prompt", "show l1", {"where": "<prompt>"}, False))
    pane.add(ev(31, 1, "show", "l1", "l1: loop", thread="prompt"))
    for seq in range(32, 39):  # the input row off the top, its answer still in sight
        pane.add(ev(seq, 1, "loop.call", "l1", f"call {seq}"))
    screen = lines(pane, 80, 10)
    assert "your last command" not in " ".join(screen)
    assert screen.count("#0031  0.000  [1]  show  l1  l1: loop") == 1
