"""Hostile files and lines (issue 9) and what save/export write (issue 10).

A scenario is shared material: it must not clobber files, write where a shell or
Python will run what it wrote, copy a private file into the log, drive the terminal,
or crash the run; ``save`` writes what ran, and every parse error says which line.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

import pytest

from reactor_repl import cli
from reactor_repl.engine.core import Config, Engine
from reactor_repl.engine.events import Event
from reactor_repl.session import scenario
from reactor_repl.session.driver import Driver, Location
from reactor_repl.session.history import SessionHistory
from reactor_repl.ui.app import load_play
from reactor_repl.views import pyexport
from reactor_repl.views.text import LinePrinter, format_line
from support import release, run_scenario

# every code point Python's tokenizer (or str.splitlines) takes as a line break
LINE_BREAKS = ["\r", "\n", "\r\n", "\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
               "\u2029"]


@contextmanager
def session(clock: str = "virtual", **kw: object) -> Iterator[Driver]:
    engine = Engine(Config(clock=clock, **kw))  # type: ignore[arg-type]
    driver = Driver(engine)
    engine.start()
    try:
        yield driver
    finally:
        engine.finish()
        release(engine)


def errors(driver: Driver) -> list[str]:
    return [e.text for e in driver.engine.log.snapshot() if e.kind == "error"]


def notes(driver: Driver) -> list[str]:
    return [e.text for e in driver.engine.log.snapshot() if e.kind == "note"]


def run_file(driver: Driver, path: str) -> None:
    """As `run` replays a file: its lines are a scenario's (Location with a line)."""
    with open(path, encoding="utf-8") as f:
        driver.run_lines(path, f.read())


# ------------------------------------------------------------- 9.1 overwriting


def test_save_and_export_typed_at_the_prompt_never_overwrite_unless_forced(tmp_path):
    mine = tmp_path / "mine.rr"
    log = tmp_path / "log.jsonl"
    mine.write_text("precious\n")
    log.write_text("precious\n")
    with session() as drv:
        drv.submit("note hi")
        assert not drv.submit(f"save {mine}")
        assert not drv.submit(f"export {log}")
        assert mine.read_text() == log.read_text() == "precious\n"
        assert errors(drv) == [
            f"save {mine}: {mine} exists: not overwritten — 'save {mine} force' replaces it",
            f"export {log}: {log} exists: not overwritten — 'export {log} force' replaces it"]
        assert drv.submit(f"save {mine} force")
        assert drv.submit(f"export {log} force")
    assert mine.read_text() == "# saved by reactor-repl\nnote hi\n"
    assert json.loads(log.read_text().splitlines()[0])["kind"] == "session.start"


def test_a_typed_save_may_write_anywhere_new(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    with session() as drv:
        drv.submit("note hi")
        assert drv.submit(f"save {elsewhere / 'x.txt'}")  # the person's own: any name
        assert drv.submit("save ../up.rr")
    assert (elsewhere / "x.txt").exists() and (tmp_path / "up.rr").exists()


@pytest.mark.parametrize("line,why", [
    ("save ../out.rr", "is outside the current folder"),
    ("save {outside}/abs.rr", "is outside the current folder"),
    ("save out/../../x.rr", "is outside the current folder"),
    ("save link/x.rr", "leads outside the current folder (a symlink)"),
    ("save .bashrc", "is a hidden file or folder"),
    ("save sub/.x/y.rr", "is a hidden file or folder"),
    ("export .local/lib/sitecustomize.py", "is a hidden file or folder"),
    ("save notes.sh", "a scenario file saves only to .rr files, not notes.sh"),
    ("save old.rr", "old.rr exists: a scenario file never overwrites"),
    ("save old.rr force", "old.rr exists: a scenario file never overwrites"),
    ("save dangling.rr", "dangling.rr exists: a scenario file never overwrites"),
])
def test_a_scenario_file_writes_only_new_files_beneath_the_current_folder(
        tmp_path, monkeypatch, line, why):
    outside = tmp_path / "outside"
    outside.mkdir()
    here = tmp_path / "here"
    (here / "sub" / ".x").mkdir(parents=True)
    (here / ".local" / "lib").mkdir(parents=True)
    (here / "out").mkdir()
    (here / "link").symlink_to(outside)
    (here / "dangling.rr").symlink_to(outside / "target.rr")
    (here / "old.rr").write_text("precious\n")
    monkeypatch.chdir(here)
    line = line.format(outside=outside)
    (here / "s.rr").write_text(f"note hi\n{line}\nnote after\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with session() as drv:
        run_file(drv, "s.rr")
        (error,) = errors(drv)
        col = len(line.split()[0]) + 2  # the file's word
        assert error.startswith(f"s.rr:2:{col}: {line.removesuffix(' force')}: ")  # where it is
        assert why in error
        assert "--allow-writes lets it" in error or "run with --allow-writes, and" in error
        assert notes(drv) == ["hi", "after"]
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # nothing new anywhere
    assert (here / "old.rr").read_text() == "precious\n"


def test_a_scenario_files_save_of_the_folder_itself_says_so(tmp_path, monkeypatch):
    """``save .`` said the path led outside the current folder through a symlink."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.rr").write_text("note hi\nsave .\n")
    with session() as drv:
        run_file(drv, "s.rr")
        assert errors(drv) == ["s.rr:2:6: save .: . is the current folder, not a file — name "
                               "a file: save NAME.rr"]


def test_a_scenario_file_may_write_a_new_file_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "s.rr").write_text("note hi\nsave sub/saved.rr\nexport run.jsonl\n")
    with session() as drv:
        run_file(drv, "s.rr")
        assert errors(drv) == []
    assert (tmp_path / "sub" / "saved.rr").read_text() == "# saved by reactor-repl\nnote hi\n"
    assert (tmp_path / "run.jsonl").exists()


def test_allow_writes_lets_a_file_write_anywhere_and_force_replaces_a_symlink_not_its_target(
        tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "target.rr"
    target.write_text("precious\n")
    here = tmp_path / "here"
    here.mkdir()
    (here / "link.rr").symlink_to(target)
    monkeypatch.chdir(here)
    (here / "s.rr").write_text(f"note hi\nsave {outside / 'new.rr'}\nsave link.rr force\n")
    with session() as drv:
        drv.allow_writes_files = True
        run_file(drv, "s.rr")
        assert errors(drv) == []
    assert (outside / "new.rr").read_text() == "# saved by reactor-repl\nnote hi\n"
    assert target.read_text() == "precious\n"  # written around, not through
    assert not (here / "link.rr").is_symlink()
    assert (here / "link.rr").read_text() == "# saved by reactor-repl\nnote hi\n"


def test_run_takes_allow_writes(tmp_path, capsys):
    out = tmp_path / "x.jsonl"
    path = tmp_path / "s.rr"
    path.write_text(f"note hi\nexport {out}\n")  # absolute: outside the current folder
    assert cli.main(["run", str(path)]) == 1
    assert not out.exists()
    assert "outside the current folder — a scenario file writes only beneath the current " \
           "folder; --allow-writes lets it" in capsys.readouterr().out
    assert cli.main(["run", str(path), "--allow-writes"]) == 0
    assert out.exists()


# ------------------------------------------------------------- 9.2 code injection


def _hostile_lines(marker: str) -> list[str]:
    payload = f"__import__('pathlib').Path({marker!r}).touch(); print('INJECTED')"
    lines = ["later 1 t1", "deferred d1"]
    for br in LINE_BREAKS + ["\x00", "\x1b"]:
        lines += [
            f"note a{br}{payload}",
            f"# a comment{br}{payload}",
            f"fier{br}{payload}",  # a line the explorer rejects: kept as a comment
            f"expect result d1 'x{br}{payload}'",
            f"predict order t1 d1{br}{payload}",
            f"later 0 do note b{br}{payload}",
            f"addCallback d1 return 'v{br}{payload}'",
            f"fire d1 'w{br}{payload}'",
            f"trap{br}{payload}",
        ]
    return lines + ["wait 2"]


def test_an_exported_program_runs_none_of_the_text_a_session_wrote(tmp_path):
    marker = str(tmp_path / "pwned")
    with session() as drv:
        for line in _hostile_lines(marker):  # each line whole, its line breaks inside it
            drv.submit(line)
    source = pyexport.program(drv.engine.log.snapshot(), "virtual")
    compile(source, "exported.py", "exec")  # no NUL, no stray line: it compiles
    for line in source.splitlines():
        if line.lstrip().startswith("#") or "# note:" in line:
            assert line.isprintable(), repr(line)
    path = tmp_path / "exported.py"
    path.write_text(source, encoding="utf-8")
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "INJECTED" not in r.stdout
    assert not os.path.exists(marker)
    assert "timer.fire t1" in r.stdout.splitlines()


def test_a_typed_note_with_a_carriage_return_stays_in_its_comment(tmp_path):
    out = tmp_path / "x.py"
    with session() as drv:
        drv.submit("note hi\rprint('INJECTED')")
        drv.submit(f"export {out}")
    source = out.read_text(encoding="utf-8")
    assert "    # note: hi\\rprint('INJECTED')" in source.splitlines()
    assert "\r" not in source


# ------------------------------------------------------------- 9.3 private files

SECRET = """\
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDkWmmzUeJqSNRNuSKbg4PCNcPJ6p0jLMX8mCY3jAS2mQAAAJgTHt3XEx7d
1xMe3dcTHt3XEx7d1xMe3dcAAAALc3NoLWVkMjU1MTkAAAAg5FppsznaU3Kk0S5IpuDg4
-----END OPENSSH PRIVATE KEY-----
"""


def _leaks(text: str, secret: str, n: int = scenario.QUOTE + 1) -> list[str]:
    """Pieces of ``n`` characters of the secret's lines found in ``text``."""
    found = []
    for line in secret.splitlines():
        for i in range(0, max(1, len(line) - n + 1)):
            if len(line) >= n and line[i:i + n] in text:
                found.append(line[i:i + n])
    return found


def test_load_of_a_file_that_is_no_scenario_quotes_only_short_prefixes_of_it(tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text(SECRET)
    out = tmp_path / "x.jsonl"
    with session() as drv:
        assert not drv.submit(f"load {key}")
        assert drv.submit(f"export {out}")
        errs = errors(drv)
    assert len(errs) == 5  # its first three bad lines, the refusal, 'not run'
    assert "not a scenario: its first 3 command lines are not commands" in errs[3]
    dump = out.read_text(encoding="utf-8")
    assert _leaks(dump, SECRET) == []
    assert "QyNTUxOQAAACDkWmmzUeJqSNRNuSKbg4PCNcPJ6p0jLMX8mCY3jAS2mQAAAJgTHt3XEx7d" not in dump


def test_check_of_a_file_that_is_no_scenario_stops_after_its_first_bad_lines(tmp_path, capsys):
    key = tmp_path / "id_ed25519"
    key.write_text(SECRET * 50)
    assert cli.main(["check", str(key)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4
    assert _leaks("\n".join(err), SECRET) == []


@pytest.mark.parametrize("suffix,mode", [(".jsonl", 0o600), (".json", 0o600), (".txt", 0o600),
                                         (".py", 0o644)])
def test_exports_are_never_more_open_than_needed(tmp_path, suffix, mode):
    old = os.umask(0o022)
    try:
        with session() as drv:
            drv.submit("note hi")
            assert drv.submit(f"export {tmp_path / ('x' + suffix)}")
            assert drv.submit(f"save {tmp_path / 'x.rr'}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / ("x" + suffix)).st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp_path / "x.rr").st_mode) == 0o644


def test_a_forced_log_export_is_private_too(tmp_path):
    out = tmp_path / "x.jsonl"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    with session() as drv:
        assert drv.submit(f"export {out} force")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


# ------------------------------------------------------------- 9.4 terminal escapes

NASTY = "\x1b]0;pwned\x07\x1b[2J\x9b31m fake expect.pass\u202e\rX\nY"


def test_a_printed_line_carries_no_control_character():
    ev = Event(7, 1.0, 2, "note", "", "prompt", NASTY, {}, False)
    line = format_line(ev)
    assert line.isprintable()
    assert line == ("#0007  1.000  [2]  note    \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m fake "
                    "expect.pass\\u202e\\rX⏎Y")
    coloured = format_line(ev, colour=True)
    assert coloured.replace("\x1b[", "").isprintable()  # only the printer's own colours


def test_json_lines_escape_what_a_terminal_would_act_on():
    ev = Event(7, 1.0, 2, "note", "", "prompt", NASTY, {}, False)
    out = io.StringIO()
    printer = LinePrinter(out, json=True)
    printer(ev)
    printer.flush()
    text = out.getvalue()
    assert text.rstrip("\n").isprintable()
    assert json.loads(text)["text"] == NASTY  # the same JSON


def test_run_and_check_print_a_files_words_escaped(tmp_path, capsys):
    path = tmp_path / "s.rr"
    path.write_text("note \x1b]0;pwned\x07 title\n")
    assert cli.main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "note    \\x1b]0;pwned\\x07 title" in out
    bad = tmp_path / "bad.rr"
    bad.write_text("note ok\n\x1b[2Jclear\n")
    assert cli.main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "unknown command '\\x1b[2Jclear'" in err


# ------------------------------------------------------------- 9.6 loading


def test_a_load_cycle_is_an_error_naming_the_chain(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.rr").write_text("note in a\nload b.rr\n")
    (tmp_path / "b.rr").write_text("note in b\nload a.rr\nnote b goes on\n")
    with session() as drv:
        assert drv.submit("load a.rr")
        assert errors(drv) == ["b.rr:2:6: load a.rr: a load cycle: a.rr → b.rr → a.rr"]
        assert notes(drv) == ["in a", "in b", "b goes on"]


def test_run_of_a_file_that_loads_itself_is_a_load_error_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "self.rr"
    path.write_text(f"load {path}\n")
    assert cli.main(["run", str(path)]) == 2  # a load error (SPEC §5), found before the run
    assert f"{path}:1:6: load {path}: a load cycle" in capsys.readouterr().err


def test_check_and_run_find_a_missing_or_bad_file_a_scenario_loads(tmp_path, capsys):
    """check said ok, and run ran the lines before the load, then exited 1."""
    path = tmp_path / "outer.rr"
    (tmp_path / "bad.rr").write_text("note fine\nlatr 1\n", encoding="utf-8")
    path.write_text(f"note a\nload {tmp_path / 'none.rr'}\nload {tmp_path / 'bad.rr'}\n",
                    encoding="utf-8")
    for command in ("check", "run"):
        assert cli.main([command, str(path)]) == 2
        out = capsys.readouterr()
        assert "note" not in out.out  # nothing of it ran
        assert out.err.splitlines()[:2] == [
            f"{path}:2:6: load {tmp_path / 'none.rr'}: cannot read: No such file or directory",
            f"{path}:3:6: load {tmp_path / 'bad.rr'}: {tmp_path / 'bad.rr'}:2:1: unknown "
            "command 'latr' — did you mean later?"], out.err


def test_load_of_a_file_that_is_not_utf8_names_the_file_and_the_byte(tmp_path):
    path = tmp_path / "latin1.rr"
    path.write_bytes(b"note ok\nnote caf\xe9\n")
    with session() as drv:
        assert not drv.submit(f"load {path}")
        assert errors(drv) == [
            f"load {path}:2:9: not UTF-8 text: byte 0xe9 at offset 16 (invalid continuation byte)"]


@pytest.mark.parametrize("make", ["device", "fifo", "folder", "huge", "nul"])
def test_only_a_regular_text_file_of_bounded_size_is_read(tmp_path, make, capsys):
    path = str(tmp_path / "x.rr")
    if make == "device":
        path = "/dev/zero"
        why = "not a regular file (a character device)"
    elif make == "fifo":
        os.mkfifo(path)  # opening it must not wait for a writer
        why = "not a regular file (a FIFO)"
    elif make == "folder":
        os.mkdir(path)
        why = "not a regular file (a folder)"
    elif make == "huge":
        with open(path, "wb") as f:
            f.truncate(scenario.MAX_BYTES + 1)  # sparse: nothing is written, nothing read
        why = f"{scenario.MAX_BYTES + 1} bytes is too long for a scenario (at most 4 MiB)"
    else:
        with open(path, "wb") as f:
            f.write(b"note a\nnote \x00b\n")
        why = "not a text file: a NUL byte at offset 12"
    with session() as drv:
        assert not drv.submit(f"load {path}")
        (error,) = errors(drv)
        assert error.startswith(f"load {path}") and error.endswith(why)
    assert cli.main(["run", path]) == 2
    assert cli.main(["check", path]) == 2
    assert capsys.readouterr().err.count(why) == 2
    player, problems = load_play(path, False)
    assert player is None and len(problems) == 1 and problems[0].endswith(why)


def test_piped_lines_are_bounded_in_length():
    long = "x" * (scenario.MAX_LINE * 3)
    stream = io.StringIO(f"note a\n{long}\nnote b\n")
    got = list(cli.bounded_lines(stream))
    assert got[0] == "note a\n" and got[2] == "note b\n"
    assert len(got) == 3 and len(got[1]) == scenario.MAX_LINE + 1
    with session() as drv:
        assert not drv.submit(got[1])
        assert errors(drv) == [
            f"{'x' * 60}…: col 1: a line longer than {scenario.MAX_LINE} characters — split it"]


# ------------------------------------------------------------- 9.9 options


@pytest.mark.parametrize("args,says", [
    (["--log-size", "99999999999999999999"], "--log-size takes a whole number from 100 to "
                                             "10000000, not '99999999999999999999'"),
    (["--log-size", "5"], "--log-size takes a whole number from 100"),
    (["--slow", "inf"], "--slow takes seconds from 0.001 to 86400, not 'inf'"),
    (["--slow", "nan"], "--slow takes seconds from 0.001 to 86400, not 'nan'"),
    (["--slow", "-1"], "--slow takes seconds"),
    (["--slow", "0"], "--slow takes seconds"),
    (["--max-dispatches", "0"], "--max-dispatches takes a whole number from 1000"),
    (["--max-dispatches", "1e9"], "--max-dispatches takes a whole number"),
    (["--trace", "/nonexistent/x.json"], "--trace /nonexistent/x.json: no folder /nonexistent"),
    (["--trace", "out.txt"], "--trace out.txt: a trace is a .json file"),
    (["--trace", "{tmp}/d.json"], "d.json is a folder"),
])
def test_bad_option_values_are_usage_errors_before_anything_runs(tmp_path, capsys, args, says):
    path = tmp_path / "s.rr"
    path.write_text("note ran\n")
    (tmp_path / "d.json").mkdir()
    args = [a.format(tmp=tmp_path) for a in args]
    assert cli.main(["run", str(path), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and says in err and "Traceback" not in err


def test_the_trace_may_replace_an_old_trace(tmp_path, capsys):
    path = tmp_path / "s.rr"
    path.write_text("later 1 t1\nwait 2\n")
    out = tmp_path / "t.json"
    out.write_text('{"displayTimeUnit": "ms", "traceEvents": []}\n')  # an old one of ours
    assert cli.main(["run", str(path), "--quiet", "--trace", str(out)]) == 0
    assert json.loads(out.read_text())["traceEvents"]
    out.write_text("old")  # not a trace: kept
    assert cli.main(["run", str(path), "--quiet", "--trace", str(out)]) == 2
    assert out.read_text() == "old"


# ------------------------------------------------------------- 9.11 a break left paused


def test_lines_after_a_break_that_was_never_continued_are_named_and_the_run_fails(
        tmp_path, capsys):
    path = tmp_path / "brk.rr"
    path.write_text("later 1 t1\nbreak timer.fire t1\nwait 2\nnote after\nlater 1 t2\nwait 2\n")
    assert cli.main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert (f"error    {path}: the loop is still paused before timer.fire t1: 3 line(s) after "
            "the break never ran (lines 4–6, from 'note after') — add continue (or step) after "
            "the break") in out


def test_a_break_that_is_continued_runs_everything_and_passes(tmp_path, capsys):
    path = tmp_path / "brk.rr"
    path.write_text("later 1 t1\nbreak timer.fire t1\nwait 2\nnote after\ncontinue\nwait 1\n")
    assert cli.main(["run", str(path)]) == 0
    assert "note    after" in capsys.readouterr().out


# ------------------------------------------------------------- 9.12 bounded history


def test_the_history_keeps_the_last_lines_and_save_says_what_it_dropped(tmp_path):
    out = tmp_path / "x.rr"
    with session() as drv:
        drv.state.history = SessionHistory(size=50)
        for i in range(120):
            drv.submit(f"note {i}")
        assert len(drv.state.history) == 50
        assert drv.submit(f"save {out}")
        assert notes(drv)[-1] == (f"saved 50 lines to {out} (the first 70 dropped: only the "
                                  "last 50 are kept)")
    lines = out.read_text().splitlines()
    assert lines[:2] == ["# saved by reactor-repl",
                         "# (the session's first 70 lines are not kept: only the last 50)"]
    assert lines[2:] == [f"note {i}" for i in range(70, 120)]


# ------------------------------------------------------------- 10.8 transcript


def test_export_txt_writes_the_log_as_run_prints_it(tmp_path):
    out = tmp_path / "log.txt"
    with session() as drv:
        for line in ("later 1 t1", "note a\x1b[2Jb", "wait 2"):
            drv.submit(line)
        assert drv.submit(f"export {out}")
    events = drv.engine.log.snapshot()
    upto = next(e.seq for e in events if e.kind == "input" and e.text.startswith("export"))
    printed = io.StringIO()
    printer = LinePrinter(printed, colour=False)
    for ev in events:
        if ev.seq <= upto:
            printer(ev)
    printer.flush()
    text = out.read_text(encoding="utf-8")
    assert text == printed.getvalue()
    assert any(line.endswith("timer.fire  t1  late +0.000s") for line in text.splitlines())
    assert "note    a\\x1b[2Jb" in text and "\x1b" not in text


# ------------------------------------------------------------- 10.18 save what ran


def test_save_writes_only_the_lines_that_ran_so_its_replay_passes(tmp_path, capsys):
    out = tmp_path / "x.rr"
    with session(max_dispatches=2000) as drv:
        for line in ("deferred d1", "deferred d1", "fire nosuch", "fier d1", "every 0 l1",
                     "later 1 t1", "wait 2", "fire d1 5", "expect result d1 5"):
            drv.submit(line)
        assert [e.split(":")[0] for e in errors(drv)][:4] == [
            "deferred d1", "fire nosuch", "fier d1", "runaway"]
        assert drv.submit(f"save {out}")
        assert notes(drv)[-1] == f"saved 5 lines to {out} (3 that did not run left out)"
    # the runaway loop kept the loop busy on the lines after it: they ran, and are kept
    assert out.read_text().splitlines() == [
        "# saved by reactor-repl", "deferred d1", "later 1 t1", "wait 2", "fire d1 5",
        "expect result d1 5"]
    capsys.readouterr()
    assert cli.main(["run", str(out)]) == 0, capsys.readouterr()


def test_a_line_after_a_runaway_returns_once_it_ran():
    """A runaway goes idle twice (its error, then the loop's wait for a command); the next
    line took the second for its own end and returned before it ran. The gaps are widened
    here (before the second idle, and before a command runs); on a busy machine they came
    by themselves (one run in sixty)."""
    with session(max_dispatches=200) as drv:
        eng = drv.engine
        go_idle, reset = eng.reactor._go_idle, eng.dispatches_reset

        def late_idle() -> None:
            time.sleep(0.1)
            go_idle()

        def late_command() -> None:
            if eng.runaway:
                time.sleep(0.1)
            reset()

        eng.reactor._go_idle, eng.dispatches_reset = late_idle, late_command
        drv.submit("every 0 l1")
        assert drv.submit("later 1 t1")
        assert [e.name for e in drv.engine.log.snapshot() if e.kind == "timer.schedule"] \
            == ["t1"]
        drv.submit("cancel l1")


def test_a_typed_line_on_the_live_clock_is_saved_once_it_ran(tmp_path):
    out = tmp_path / "x.rr"
    with session(clock="live") as drv:
        drv.submit("fire nosuch", wait=False)
        drv.submit("note typed", wait=False)
        drv.submit("wait 0.2")
        assert drv.submit(f"save {out}")
    assert out.read_text().splitlines() == ["# saved by reactor-repl", "note typed", "wait 0.2"]


# ------------------------------------------------------------- 10.19 parse errors


def test_a_parse_error_echoes_its_line():
    with session() as drv:
        drv.submit("block")
        drv.submit("later 1 t1 do fier", Location("s.rr", 3))
        assert errors(drv) == [
            "block: col 7: missing DURATION — usage: block DURATION [cpu]",
            "s.rr:3:15: later 1 t1 do fier: unknown command 'fier' — did you mean fire?"]


def test_an_echo_is_short_and_inert():
    with session() as drv:
        drv.submit("\x1b[2J" + "z" * 200)
    # the echoed line is cut short; the parser quotes the word escaped and cut too
    assert errors(drv) == [
        f"\x1b[2J{'z' * 56}…: col 1: unknown command '\\x1b[2J{'z' * 35}…' — type help for "
        "the list of commands"]
    line = format_line(next(e for e in drv.engine.log.snapshot() if e.kind == "error"))
    assert line.isprintable() and "\\x1b[2J" in line


def test_a_line_nested_too_deep_never_reaches_the_export(tmp_path):
    """The parser refuses a do nested past its limit, so no session holds one to export."""
    out = tmp_path / "deep.py"
    with session() as drv:
        assert not drv.submit("later 0 " + "do later 0 " * 300 + "do note deep")
        assert drv.submit(f"export {out}")
    assert "do nested more than 20 deep" in errors(drv)[0]
    assert out.exists()


def test_a_file_name_with_a_nul_byte_is_refused_not_a_traceback():
    """The fuzzer's `save \\x00`: the file system's ValueError ended the session."""
    events = run_scenario("save \x00\nload a\x00b\nexport \x00x.py\nnote still here\n")
    assert [e.text for e in events if e.kind == "error"] == [
        "<test>:1:6: save \x00: the file name has a NUL byte — give a name without one",
        "<test>:2:6: load a\x00b: cannot read: the file name has a NUL byte",
        "<test>:3:8: export \x00x.py: the file name has a NUL byte — give a name without one"]
    assert [e.text for e in events if e.kind == "note"] == ["still here"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="a folder no file can be made in")
def test_an_export_that_cannot_be_written_says_why_in_words():
    """``export /proc/x.jsonl`` said Python's ``[Errno 2] No such file or directory: …``."""
    with session() as drv:
        drv.submit("note hi")
        assert not drv.submit("export /proc/x.jsonl")
        assert errors(drv) == ["export /proc/x.jsonl: No such file or directory"]
