"""``reactor-repl view FILE.jsonl`` on a terminal: the record in the explorer, read-only
(issue 12 §3): scroll, filter, show and waiting from the record; what would run is
refused. In-process (keys through a pipe, DummyOutput), one end-to-end on a pty."""

from __future__ import annotations

from typing import Any

import pytest
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from support import cli
from test_places import rows
from test_ui_app import run_safely, shown, text_of

from reactor_repl.program.view import read_events
from reactor_repl.ui.record_explorer import RecordExplorer
from reactor_repl.ui.state_pane import loop_status, state_fragments
from reactor_repl.views.record import Recorded

PGUP = "\x1b[5~"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two recordings made by trace: echo.py, and hang.py (a Deferred that never fires)."""
    where = tmp_path_factory.mktemp("records")
    out = {}
    for name, argv in (("echo", ["tests/programs/echo.py"]),
                       ("hang", ["tests/programs/hang.py", "--timeout", "0.2"])):
        path = str(where / f"{name}.jsonl")
        r = cli("trace", "--events", path, *argv)
        assert r.returncode == 0, r.stderr
        out[name] = path
    return out


def explore(path: str, keys: str) -> tuple[RecordExplorer, int]:
    with open(path, encoding="utf-8") as f:
        events = [e for e in read_events(path, f) if not isinstance(e, str)]
    with create_pipe_input() as inp:
        inp.send_text(keys)
        ex = RecordExplorer(Recorded(events, path), source=path, input=inp,
                            output=DummyOutput(), history=InMemoryHistory())
        code = run_safely(ex)
    return ex, code


def answers(ex: RecordExplorer, kind: str) -> list[Any]:
    return [e for e in ex.engine.log.snapshot() if e.kind == kind and e.seq > ex.engine.last_seq]


def test_show_and_waiting_answer_from_the_record(records: dict[str, str]) -> None:
    ex, code = explore(records["hang"], "show d1\rwaiting\rshow nobody\rquit\r")
    assert code == 0
    (show,) = answers(ex, "show")
    assert show.data["lines"][:2] == [
        "d1: deferred, last deferred.add  (made at tests/programs/hang.py:20)",
        "2 events: deferred.new 1, deferred.add 1"]
    assert show.data["lines"][-2:] == [
        "pending at the end: pending (1 callback waiting)",
        "  └ nothing: no timer, connection, reader, thread job or other Deferred can fire it"]
    (waiting,) = answers(ex, "waiting")
    assert waiting.data["lines"][0] == "1 Deferred pending at the end of the record"
    assert [w["name"] for w in waiting.data["waiting"]] == ["d1"]
    assert [e.text for e in answers(ex, "error")] == [
        "show nobody: the record never names nobody"]
    # the state pane: how the record ends, and its waiting section
    snap = ex.snapshot()
    assert loop_status(snap, ex.watch)[1] == "the record ends: the program exited 0"
    pane = text_of(state_fragments(snap, ex.watch, width=60, waits=ex.waiting_now()))
    assert "waiting  1 pending Deferred\n  d1     0.2s tests/programs/hang.py:20\n" \
           "         └ nothing can fire it" in pane


def test_what_would_run_is_refused_with_a_hint(records: dict[str, str]) -> None:
    ex, _ = explore(records["echo"], "later 1 t1\rpy 1\rwait 1\rbreak timer.fire\rquit\r")
    errors = [e.text.split(" — ")[0] for e in answers(ex, "error")]
    assert errors == ["later 1 t1: later would run something", "py 1: py would run something",
                      "wait 1: wait would run something",
                      "break timer.fire: break would run something"]
    assert all("to try it, run the program again with reactor-repl trace" in e.text
               for e in answers(ex, "error"))
    assert ex.engine.log.count("timer.schedule") == 0


def test_filter_and_expect_on_the_record(records: dict[str, str]) -> None:
    ex, _ = explore(records["echo"], "filter from echo\rfilter tcp.listen tcp.lost\r"
                    "expect order s1 c1 s1.1\rquit\r")
    assert rows(shown(ex, 150, 80))[:3] == ["tcp.listen s1", "tcp.lost c1", "tcp.lost s1.1"]
    (check,) = answers(ex, "expect.pass")
    assert check.text.startswith("order s1 c1 s1.1: ✓")


def test_expect_of_an_objects_state_answers_from_the_record(records: dict[str, str]) -> None:
    """It looked for live objects, and said the record's own names did not exist ("no
    object named d1 — nothing has a name yet")."""
    ex, _ = explore(records["hang"], "expect pending d1\rexpect result d1 5\r"
                    "expect late t1 <= 5\rexpect pending t1\rexpect pending nobody\rquit\r")
    assert [(e.kind, e.text) for e in answers(ex, "expect.pass") + answers(ex, "expect.fail")
            ] == [
        ("expect.pass", "pending d1: ✓ d1 is pending at the end of the record"),
        ("expect.pass", "late t1 <= 5: ✓ t1 ran late +" + answers(ex, "expect.pass")[1].text
         .split("+")[1]),
        ("expect.fail", "result d1 5: ✗ d1 has not fired"),
        ("expect.fail", "pending t1: ✗ t1 is not pending at the end of the record"),
        ("expect.fail", "pending nobody: ✗ the record never names nobody")]
    assert not answers(ex, "error")


def test_scrolled_up_waiting_answers_as_of_the_screen(records: dict[str, str]) -> None:
    ex, _ = explore(records["hang"], "waiting\rquit\r")
    at_end = answers(ex, "waiting")[0]
    assert at_end.data["at"] is None and at_end.text.endswith("at the end of the record")
    ex, _ = explore(records["echo"], f"{PGUP * 3}waiting\rquit\r")
    (waiting,) = answers(ex, "waiting")
    # scrolled to the top: as of the newest recorded event then on the screen
    assert waiting.data["at"] is not None and waiting.data["at"] < ex.engine.last_seq
    assert waiting.text == f"no Deferred pending as of #{waiting.data['at']:04d}"


def test_piped_view_prints_lines_and_a_terminal_opens_the_explorer(
        records: dict[str, str], tmp_path, term_factory) -> None:  # type: ignore[no-untyped-def]
    r = cli("view", records["echo"])
    assert r.stdout.splitlines()[0].startswith("#0001  ") and "session.end" in r.stdout
    bad = tmp_path / "bad.jsonl"
    with open(records["echo"], encoding="utf-8") as f:
        bad.write_text(f.read() + "not json\n", encoding="utf-8")
    t = term_factory("view", str(bad))
    t.wait_for("view>")
    # said, and the rest shows (its words may wrap: the file's path is long under xdist)
    screen = t.wait_for("Expecting value")
    assert "not JSON:" in screen
    assert "session.end    the program exited 0" in screen
    assert "the record ends: the program exited 0" in screen
    t.type("show c1")
    t.wait_for("c1: client, last tcp.clientlost")
    t.type("quit")
    assert t.exit_code() == 2  # as piped: a line that is not an event


def test_waiting_at_a_moment_counts_a_fired_deferred_as_done_unless_it_pauses() -> None:
    """A Deferred that fired was listed as pending until its deferred.result, which comes
    when the pass's chains have run out (defer.succeed's, a step later in the same pass)."""
    from reactor_repl.engine.events import Event
    from reactor_repl.views.recorded_waiting import rebuilt

    def ev(seq: int, kind: str, name: str, **data: Any) -> Event:
        return Event(seq, seq / 10, 1, kind, name, "reactor", kind, data, False)

    events = [ev(1, "deferred.new", "d1", site="p.py:3"), ev(2, "deferred.new", "d2"),
              ev(3, "deferred.fire", "d1"), ev(4, "deferred.pause", "d1", on="d2"),
              ev(5, "deferred.fire", "d2"), ev(6, "deferred.resume", "d1"),
              ev(7, "deferred.result", "d2"), ev(8, "deferred.result", "d1")]
    assert [w["name"] for w in rebuilt(events, upto=2)] == ["d1", "d2"]
    assert [w["name"] for w in rebuilt(events, upto=3)] == ["d2"]  # fired: done
    assert [(w["name"], [c["name"] for c in w["chain"]]) for w in rebuilt(events, upto=4)] \
        == [("d1", ["d2"]), ("d2", [])]  # paused on d2 again
    assert [w["name"] for w in rebuilt(events, upto=5)] == ["d1"]  # still paused on d2
    assert rebuilt(events, upto=6) == []  # resumed: its chain goes on


def test_the_state_pane_of_a_record_has_no_pool_line(records: dict[str, str]) -> None:
    """A record has no thread pool: its state pane said "pool 0/0 busy · 0 queued"."""
    ex, _ = explore(records["echo"], "quit\r")
    pane = text_of(state_fragments(ex.snapshot(), ex.watch, width=60, waits=ex.waiting_now()))
    assert "servers and connections" in pane and "pool " not in pane
