"""``filter from MODULE_OR_FILE…``: what code in those files or modules did — in the
explorer, in line mode and in ``view`` (issue 12 §4)."""

from __future__ import annotations

import os


from support import ROOT, cli
from test_ui_app import run_explorer, run_line_session, shown

from reactor_repl.engine.events import Event
from reactor_repl.language.parser import parse_line
from reactor_repl.views.places import PlaceFilter, split_places

SHOP = os.path.join(ROOT, "tests", "mods", "shop.py")


def ev(seq: int, kind: str, name: str = "", **data: object) -> Event:
    return Event(seq, 0.0, seq, kind, name, "reactor", "", dict(data) or None, False)


# a traced echo program (tests/programs/echo.py) beside a module of its own (lib/util.py)
STREAM = [
    ev(1, "session.start"),
    ev(2, "tcp.listen", "s1", site="tests/programs/echo.py:46"),
    ev(3, "tcp.connecting", "c1", site="lib/util.py:9"),
    ev(4, "timer.fire", "", func="_BaseBaseClient.resolveAddress"),
    ev(5, "tcp.build", "s1.1", server="s1"),
    ev(6, "tcp.data", "s1.1", bytes=7),
    ev(7, "tcp.data", "c1", bytes=9),
    ev(8, "output", "stdout", stream="stdout", site="tests/programs/echo.py:22"),
    ev(9, "output", "stdout", stream="stdout"),  # printed by no code of the program's
    ev(10, "deferred.new", "d1", site="/elsewhere/lib/util.py:30"),
    ev(11, "deferred.pause", "d2", on="d1", at="tests/programs/echo.py:60"),
    ev(12, "input", ""),
    ev(13, "error", ""),
]


def kept(*places: str) -> list[tuple[str, str]]:
    f = PlaceFilter(places)
    return [(e.kind, e.name) for e in STREAM if f.keep(e)]


def test_a_module_keeps_its_objects_and_their_later_events() -> None:
    assert kept("echo") == [
        ("tcp.listen", "s1"),
        ("tcp.build", "s1.1"), ("tcp.data", "s1.1"),  # a connection goes with its server
        ("output", "stdout"),  # the print at echo.py:22 (its own site), not the other one
        ("deferred.pause", "d2"),  # a coroutine awaiting at echo.py:60
        ("input", ""), ("error", ""),  # what the person typed, and errors, always show
    ]


def test_a_file_by_its_name_or_path_and_a_module_by_its_dotted_name() -> None:
    util = [("tcp.connecting", "c1"), ("tcp.data", "c1"), ("deferred.new", "d1"),
            ("input", ""), ("error", "")]
    assert kept("util.py") == util
    assert kept("lib/util.py") == util
    assert kept("lib.util") == util
    assert kept("lib") == util  # a package: every file in it
    assert kept("util.py", "echo.py") == [(e.kind, e.name) for e in STREAM if e.seq not in (
        1, 4, 9)]
    assert kept("nowhere") == [("input", ""), ("error", "")]


def test_the_registry_answers_for_objects_whose_first_event_was_dropped() -> None:
    f = PlaceFilter(["echo"], {"s7": "tests/programs/echo.py:12"}.get)
    assert f.keep(ev(1, "tcp.data", "s7.3"))
    assert not f.keep(ev(2, "tcp.data", "c9"))


def test_the_command_takes_kinds_and_places() -> None:
    p = parse_line("filter tcp timer from echo mymod.py")
    assert (p["KINDS"], split_places(p["PLACES"])) == (["tcp", "timer"], ("echo", "mymod.py"))
    p = parse_line("filter from echo")
    assert (p["KINDS"], split_places(p["PLACES"])) == ([], ("echo",))


KEYS = (f"use {SHOP}\rspawn shop.crawl 2 as c\rlater 5 t9\rwait 1\r"
        "filter from shop\rwait 0.1\r")


def rows(lines: list[str]) -> list[str]:
    """The event rows of a log pane (or line mode's output): KIND NAME, in order."""
    out = []
    for line in lines:
        parts = line.split()
        if parts and parts[0].startswith("#") and parts[0][1:].isdigit():
            out.append(" ".join(parts[3:5]))
    return out


def test_the_explorer_shows_only_what_the_module_did() -> None:
    ex, code = run_explorer(KEYS + "filter\rquit\r")
    assert code == 0
    ex2, _ = run_explorer(KEYS + "quit\r")
    assert rows(shown(ex2, 150, 80)) == [
        "input use", "note use",  # typed, and the answer
        "input spawn", "deferred.new d1", "deferred.add d1",
        "deferred.pause c",  # c was made by the command; it awaits in shop.py
        "input later", "input wait",
        "deferred.fire d1", "deferred.step d1", "deferred.resume c",
        "deferred.new d2", "deferred.add d2", "deferred.pause c", "deferred.result d1",
        "deferred.fire d2", "deferred.step d2", "deferred.resume c", "deferred.result d2",
        "input filter", "input wait",
    ]
    # 'filter' alone shows every kind from everywhere again
    assert "timer.schedule t9" in rows(shown(ex, 150, 80))
    assert "deferred.new c" in rows(shown(ex, 150, 80))


def test_line_mode_prints_only_what_the_module_did() -> None:
    _, code, lines = run_line_session(KEYS + "later 0 t10\rwait 0.2\rquit\r")
    assert code == 0
    after = lines[lines.index("filter: every kind from shop (and what you type, with its "
                              "answers) (errors always shown)"):]
    # the typed timer t10 (made at the prompt, not in shop) is left out
    assert rows(after) == ["input wait", "input later", "input wait"]
    assert "timer.schedule t9" in rows(lines)  # before the filter, everything printed


def test_kinds_from_a_place_keep_what_is_typed_and_its_answers_too() -> None:
    """`filter tcp from MOD` hid the typed lines and their answers, though its message
    says it keeps them (`filter from MOD` alone did keep them)."""
    from reactor_repl.ui.log_pane import LogPane

    pane = LogPane()
    stream = STREAM + [ev(14, "show", "c1"), ev(15, "log", "", py="1 + 1"),
                       ev(16, "log", "")]  # (a log line of Twisted's: not an answer)
    pane.set_filter(["tcp"], stream, PlaceFilter(("echo",)))
    assert [(r.kind, r.name) for r in pane.rows if isinstance(r, Event)] == [
        ("tcp.listen", "s1"), ("tcp.build", "s1.1"), ("tcp.data", "s1.1"), ("input", ""),
        ("error", ""), ("show", "c1"), ("log", "")]


def test_view_from_keeps_what_the_program_did(tmp_path) -> None:
    out = tmp_path / "e.jsonl"
    r = cli("trace", "--events", str(out), os.path.join("tests", "programs", "echo.py"))
    assert r.returncode == 0, r.stderr
    r = cli("view", str(out), "--from", "echo")
    assert r.returncode == 0, r.stderr
    names = [ln.split()[3:5] for ln in r.stdout.splitlines()]
    assert names[:3] == [["tcp.listen", "s1"], ["tcp.connecting", "c1"], ["tcp.build", "s1.1"]]
    assert {k for k, _ in names} >= {"tcp.data", "tcp.write", "tcp.lost"}
    # no log lines, no session.*; the program's own reactor.stop() (no name: its site)
    assert all(n in ("s1", "c1", "s1.1") for k, n in names if k != "reactor.stop")
    assert [k for k, _ in names].count("reactor.stop") == 1
    r = cli("view", str(out), "--from", "nowhere.py")
    assert r.stdout == "" and r.returncode == 0


def test_trace_line_from_prints_what_the_program_did_and_its_output_stays_its_own() -> None:
    r = cli("trace", "--line", "--from", "echo", os.path.join("tests", "programs", "echo.py"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "server: listening"  # the program's own stdout
    names = [ln.split()[3:5] for ln in r.stderr.splitlines()]
    assert names[:2] == [["tcp.listen", "s1"], ["tcp.connecting", "c1"]]
    assert all(n in ("s1", "c1", "s1.1") for k, n in names if k != "reactor.stop"), r.stderr


def test_filter_where_nothing_filters_says_so():
    """Printed headless (piped lines, a file) every event is printed: a filter there was
    silently ignored."""
    r = cli("--clock", "virtual", stdin="later 0 t1\nfilter timer\nwait 0.1\n")
    assert "filter: this output is not a view that filters: every event is printed" in r.stdout


def test_a_filter_that_matches_nothing_so_far_says_so() -> None:
    """`filter from nosuch` or `filter deferred` left an empty pane with no word."""
    ex, code = run_explorer("later 0 t1\rwait 0.1\rfilter from nosuch\rfilter timer\rquit\r")
    assert code == 0
    messages = [r.text for r in ex.pane.rows if not isinstance(r, Event) and hasattr(r, "text")]
    assert any(m.startswith("filter: every kind from nosuch") and m.endswith(
        "nothing recorded so far matches (what matches will show as it comes)")
        for m in messages), messages
    assert any(m.startswith("filter: timer") and "nothing recorded" not in m
               for m in messages), messages
