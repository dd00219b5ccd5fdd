"""`reactor-repl trace` and `reactor-repl view` at the command line: the contract around
the program (usage errors, another reactor, the virtual clock's loopback rule, the
files it writes) and reading a recording back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support import ROOT, cli

from reactor_repl.program.view import EMPTY, parse_line

PROGRAMS = os.path.join(ROOT, "tests", "programs")


def prog(name: str) -> str:
    return os.path.join(PROGRAMS, name)


def events_of(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_a_program_that_installs_another_reactor_ends_with_exit_2_and_one_line(tmp_path):
    r = cli("trace", "--events", str(tmp_path / "e.jsonl"), prog("other_reactor.py"))
    assert r.returncode == 2
    assert r.stdout == ""  # it did nothing before the install
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("reactor-repl trace: ")
    assert "other_reactor.py:11 installs SelectReactor" in lines[0]
    assert "recording reactor is installed already" in lines[0]
    kinds = [(e["kind"], e["data"].get("reactor")) for e in events_of(tmp_path / "e.jsonl")]
    assert ("error", "SelectReactor") in kinds and kinds[-1][0] == "session.end"


def test_an_asyncio_install_names_the_option_that_records_it(tmp_path):
    r = cli("trace", "--events", str(tmp_path / "e.jsonl"), prog("asyncio_main.py"))
    assert r.returncode == 2
    assert r.stderr.splitlines() == [  # the site is relative to the working directory
        "reactor-repl trace: tests/programs/asyncio_main.py:11 installs AsyncioSelectorReactor, "
        "but the recording reactor is installed already; to record an AsyncioSelectorReactor "
        "program, run trace --reactor asyncio"]


def test_the_asyncio_reactor_records_its_io_through_its_own_hook(tmp_path):
    out = tmp_path / "e.jsonl"
    r = cli("trace", "--reactor", "asyncio", "--events", str(out), prog("asyncio_main.py"))
    assert r.returncode == 0, r.stderr
    evs = events_of(out)
    assert evs[0]["data"]["reactor"] == "AsyncioSelectorReactor"
    tcp = [(e["kind"], e["name"]) for e in evs if e["kind"] in ("tcp.made", "tcp.data")]
    # each side's connection made and its line read: asyncio's add_reader called back
    assert tcp == [("tcp.made", "s1.1"), ("tcp.made", "c1"), ("tcp.data", "s1.1"),
                   ("tcp.data", "c1")]
    ticks = [e["tick"] for e in evs]
    assert ticks == sorted(ticks)
    # asyncio's passes are the ticks: the echo goes out in one pass, comes back in a later
    data = [e["tick"] for e in evs if e["kind"] == "tcp.data"]
    assert data[0] < data[1]


def test_on_the_virtual_clock_a_connection_elsewhere_is_refused_with_an_error(tmp_path):
    out = tmp_path / "e.jsonl"
    r = cli("trace", "--clock", "virtual", "--events", str(out), prog("connect_elsewhere.py"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["attempt 1 failed: ConnectionRefusedError",
                                     "attempt 2 failed: ConnectionRefusedError"]
    errors = [e for e in events_of(out) if e["kind"] == "error"]
    assert [e["data"] for e in errors] == [{"api": "connectTCP", "host": "peer.invalid",
                                            "port": 7}] * 2
    assert "only over loopback" in errors[0]["text"] and "--clock real" in errors[0]["text"]


def test_the_virtual_clock_jumps_over_a_programs_waits(tmp_path):
    out = tmp_path / "e.jsonl"
    r = cli("trace", "--clock", "virtual", "--events", str(out), prog("hang.py"),
            "--timeout", "30", timeout=20)
    assert r.returncode == 0
    assert r.stdout.splitlines()[-1] == "gave up after 30s; reply still pending: True"
    evs = events_of(out)
    assert [(e["kind"], e["data"].get("to")) for e in evs if e["kind"] == "clock.advance"] == [
        ("clock.advance", 30.0)]
    fire = next(e for e in evs if e["kind"] == "timer.fire")
    assert fire["t"] == pytest.approx(30.0, abs=1e-6)


@pytest.mark.parametrize("args, message", [
    ([], "which program? give PROGRAM.py [ARGS…] or -m MODULE [ARGS…]"),
    (["-m"], "-m needs a MODULE"),
    (["no-such-program.py"], "can't open file"),
    (["--events", "/no/such/dir/e.jsonl", "echo.py"], "cannot write /no/such/dir/e.jsonl"),
    (["--clock", "virtual", "--reactor", "asyncio", "echo.py"], "asyncio's loop keeps its own"),
])
def test_usage_errors_exit_2_before_the_program_runs(args, message):
    r = cli("trace", *[prog(a) if a == "echo.py" else a for a in args])
    assert r.returncode == 2
    assert r.stdout == ""  # the program never ran
    assert r.stderr.startswith("reactor-repl trace: ") and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_missing_module_is_pythons_own_error():
    r = cli("trace", "-m", "no_such_module_here")
    assert r.returncode == 1
    assert "No module named no_such_module_here" in r.stderr


def test_line_mode_prints_the_log_on_stderr_and_leaves_stdout_alone():
    r = cli("trace", "--line", prog("hang.py"), "--timeout", "0.05")
    assert r.returncode == 0
    assert r.stdout == ("waiting for a reply that never comes\n"
                        "gave up after 0.05s; reply still pending: True\n")
    kinds = [line.split()[3] for line in r.stderr.splitlines() if line.startswith("#")]
    assert kinds[0] == "session.start" and kinds[-1] == "session.end"
    assert "timer.fire" in kinds


def test_line_mode_prints_a_dispatch_before_what_its_callback_writes(tmp_path):
    """The log lines went out from a flusher thread a moment later: what a timer's
    callback wrote to stderr came before the timer.fire line of that very timer."""
    prog = tmp_path / "says.py"
    prog.write_text("import sys\nfrom twisted.internet import reactor\n"
                    "def say(i):\n    sys.stderr.write(f'said {i}\\n')\n"
                    "    if i == 2:\n        reactor.stop()\n"
                    "for i in range(3):\n    reactor.callLater(0.05 * (i + 1), say, i)\n"
                    "reactor.run()\n", encoding="utf-8")
    r = cli("trace", "--line", str(prog))
    assert r.returncode == 0, r.stderr
    rows = [ln.split()[3] + " " + ln.split()[4] if ln.startswith("#") else ln
            for ln in r.stderr.splitlines() if "timer.fire" in ln or ln.startswith("said")]
    assert rows == ["timer.fire t1", "said 0", "timer.fire t2", "said 1", "timer.fire t3",
                    "said 2"]


def test_trace_writes_a_perfetto_trace(tmp_path):
    out = tmp_path / "t.json"
    r = cli("trace", "--trace", str(out), prog("blocking.py"))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    names = [te.get("name", "") for te in doc["traceEvents"]]
    assert any("block" in n for n in names), names[:40]


def test_view_prints_a_recording_as_run_does_and_json_round_trips(tmp_path):
    out = tmp_path / "e.jsonl"
    assert cli("trace", "--events", str(out), prog("thread_calllater.py")).returncode == 0
    r = cli("view", str(out))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("#0001  0.000  [0]  session.start")
    assert any(" threadcall.run " in ln and "fine()" in ln for ln in lines)
    assert lines[-1].split()[3] == "session.end"
    again = cli("view", "--json", str(out))
    want = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [json.loads(x) for x in again.stdout.splitlines()] == want


def test_view_whose_reader_goes_away_ends_with_0(tmp_path):
    """`view BIG | head -1` ended with 1 (a run's verdict not given; a view has none)."""
    out = tmp_path / "big.jsonl"
    lines = [json.dumps({"seq": n, "t": n / 1000, "tick": n, "kind": "note", "name": "",
                         "thread": "reactor", "text": "x" * 200, "data": {}})
             for n in range(1, 5001)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    view = subprocess.Popen([sys.executable, "-m", "reactor_repl", "view", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert view.stdout is not None
    view.stdout.readline()
    view.stdout.close()  # head -1 leaves
    assert view.wait(timeout=60) == 0
    assert view.stderr is not None and view.stderr.read() == b""


def test_view_reports_a_bad_line_with_its_place_and_prints_the_rest(tmp_path):
    good = ('{"seq": 1, "t": 0.0, "tick": 0, "kind": "session.start", "name": "", '
            '"thread": "reactor", "text": "clock live", "data": {}}')
    path = tmp_path / "cut.jsonl"
    path.write_text(good + "\n" + '{"seq": 2, "t": 0.1, "ki' + "\n", encoding="utf-8")
    r = cli("view", str(path))
    assert r.returncode == 2
    assert r.stdout.splitlines() == ["#0001  0.000  [0]  session.start    clock live"]
    assert r.stderr.startswith(f"{path}:2:") and "not JSON" in r.stderr
    assert cli("view", str(tmp_path / "none.jsonl")).returncode == 2


@pytest.mark.parametrize("text, col, message", [
    ("[1, 2]", 1, "a JSON object per line"),
    ('{"seq": 1}', 1, "no kind"),
    ('{"seq": "x", "kind": "log"}', 1, "not an event"),
    ('{"seq": 1, "kind": "log", "data": [1]}', 1, "data is not an object"),
    ('{"seq": 1, "kind": "log",', 26, "not JSON"),
    ("[" * 5000 + "]" * 5000, 1, "nested too deeply"),  # (json's RecursionError, no traceback)
])
def test_a_line_that_is_not_an_event_says_where(text, col, message):
    with pytest.raises(ValueError) as e:
        parse_line(text)
    assert e.value.args[0] == col and message in e.value.args[1]


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("localhost", True),
    ("LOCALHOST", True), ("10.0.0.1", False), ("192.0.2.1", False), ("example.com", False),
    ("::ffff:192.0.2.1", False), ("", False),
])
def test_what_counts_as_loopback(host, loopback):
    from reactor_repl.program.loopback import is_loopback

    assert is_loopback(host) is loopback


def test_view_waiting_names_what_a_hung_program_still_waits_for(tmp_path):
    out = tmp_path / "e.jsonl"
    r = cli("trace", "--clock", "virtual", "--events", str(out), prog("hang.py"), "--timeout", "5")
    assert r.returncode == 0, r.stderr
    stop = next(e for e in events_of(out) if e["kind"] == "reactor.stop")
    assert stop["data"] == {"site": "tests/programs/hang.py:28"}  # `filter from` keeps it
    kept = cli("view", "--from", "tests/programs/hang.py", str(out)).stdout
    assert "reactor.stop(): shutdown triggers run next" in kept
    last = events_of(out)[-1]  # collected since the loop returned, pending when it did
    assert (last["kind"], last["text"]) == ("session.end",
                                            "the program exited 0; pending: d1 deferred pending")
    end = cli("view", "--waiting", str(out))
    assert end.returncode == 0, end.stderr
    lines = end.stdout.splitlines()
    assert lines[0] == "1 Deferred pending at the end of the record"
    assert lines[1].startswith("d1  pending 5.0s made at ") and "hang.py:20:" in lines[1]
    assert "(1 callback waiting)" in lines[1]
    assert lines[2].strip() == ("└ nothing: no timer, connection, reader, thread job or "
                                "other Deferred can fire it")
    seqs = [e["seq"] for e in events_of(out)]
    made = next(e["seq"] for e in events_of(out) if e["kind"] == "deferred.new")
    before = cli("view", "--waiting", "--at", str(made - 1), str(out)).stdout.splitlines()
    assert before == [f"no Deferred pending at #{made - 1}"]
    then = cli("view", "--waiting", "--at", str(made), str(out)).stdout.splitlines()
    assert then[0] == f"1 Deferred pending at #{made}"
    assert then[1].startswith("d1  pending 0.0s made at ")
    assert seqs[-1] > made
    past = cli("view", "--waiting", "--at", str(seqs[-1] + 90), str(out)).stdout.splitlines()
    assert past[0] == (f"1 Deferred pending at #{seqs[-1] + 90} (the record ends at "
                       f"#{seqs[-1]}: this is its last state)")


def test_a_traced_program_keeps_pythons_own_collector(tmp_path):
    """When a cycle is freed decides when Twisted logs "Unhandled error in Deferred":
    the collector's thresholds beside a traced program are the ones ``python`` gives it."""
    program = prog("gc_thresholds.py")
    plain = subprocess.run([sys.executable, program], capture_output=True, text=True,
                           timeout=60)
    traced = cli("trace", "--events", str(tmp_path / "e.jsonl"), program)
    assert plain.stdout.startswith("(")
    assert (traced.returncode, traced.stdout) == (0, plain.stdout)


def test_the_events_file_is_never_the_program_nor_a_file_that_is_not_a_log(tmp_path):
    """`trace --events victim.py victim.py` emptied the program before it ran."""
    victim = tmp_path / "victim.py"
    victim.write_text("print('hi')\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    for out, why in ((victim, "is the program itself"), (notes, "is not an event log")):
        r = cli("trace", "--events", str(out), str(victim))
        assert r.returncode == 2 and why in r.stderr, r.stderr
    assert victim.read_text(encoding="utf-8") == "print('hi')\n"
    assert notes.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("waiting", [
    [1], [{"age": "old"}], "x", [{"name": "d1", "age": "old"}], [{"name": "d1", "chain": 3}],
    [{"name": "d1", "chain": [{"text": 5}]}], [{"name": "d1", "site": 7}]])
def test_a_session_end_not_as_written_is_a_bad_line_not_a_traceback(tmp_path, waiting):
    """A record edited by hand: view --waiting ended in AttributeError or KeyError."""
    path = tmp_path / "w.jsonl"
    end = {"seq": 1, "t": 0, "tick": 0, "kind": "session.end", "name": "", "thread": "reactor",
           "text": "x", "data": {"waiting": waiting}}
    path.write_text(json.dumps(end) + "\n", encoding="utf-8")
    r = cli("view", "--waiting", str(path))
    assert "Traceback" not in r.stderr, r.stderr
    assert f"{path}:1:1: not an event: " in r.stdout + r.stderr


def test_output_files_are_checked_without_being_touched_and_written_safely(tmp_path):
    """A run refused for its --trace emptied the --events log it was given; --trace
    replaced a project's package.json (only the suffix was looked at); a symlink was
    written through; one file for both lost the events; the logs were world-readable;
    '' and '-' and a trace in a .jsonl were taken."""
    prog = tmp_path / "p.py"
    prog.write_text("from twisted.internet import reactor\n"
                    "reactor.callLater(0, reactor.stop)\nreactor.run()\n", encoding="utf-8")
    old = tmp_path / "old.jsonl"
    old.write_text('{"seq": 1}\n', encoding="utf-8")
    package = tmp_path / "package.json"
    package.write_text('{"name": "mine"}\n', encoding="utf-8")
    precious = tmp_path / "precious.txt"
    precious.write_text("precious\n", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(precious)
    refused = [
        (["--events", str(old), "--trace", str(tmp_path / "none" / "x.json")], "no folder"),
        (["--trace", str(package)], "is not an event log or trace"),
        (["--events", str(tmp_path / "link.jsonl")], "is not an event log or trace"),
        (["--events", str(tmp_path / "same.json"), "--trace", str(tmp_path / "same.json")],
         "give a file ending .jsonl"),
        (["--events", ""], "give a file ending .jsonl"),
        (["--events", "-"], "the program's own output stays its own"),
        (["--trace", str(tmp_path / "t.jsonl")], "give a file ending .json"),
    ]
    for options, why in refused:
        r = cli("trace", *options, str(prog))
        assert r.returncode == 2 and why in r.stderr, (options, r.stderr)
    r = cli("run", "--trace", str(package), os.path.join(ROOT, "scenarios", "06-deferred-basics.rr"))
    assert r.returncode == 2 and "is not an event log or trace" in r.stderr, r.stderr
    assert old.read_text(encoding="utf-8") == '{"seq": 1}\n'
    assert package.read_text(encoding="utf-8") == '{"name": "mine"}\n'
    assert precious.read_text(encoding="utf-8") == "precious\n"
    assert not (tmp_path / "same.json").exists()
    r = cli("trace", "--events", str(old), str(prog))
    assert r.returncode == 0, r.stderr
    assert events_of(old)[-1]["kind"] == "session.end"
    assert oct(os.stat(old).st_mode & 0o777) == oct(0o600)


def test_line_keeps_printing_when_the_program_closes_its_stderr(tmp_path):
    """--line printed the log to the program's fd 2: closed by the program, the log was
    gone (and a dup2 over it sent the log into the program's pipe)."""
    prog = tmp_path / "closes.py"
    prog.write_text("import os\nfrom twisted.internet import reactor\n"
                    "def f():\n    os.close(2)\n    reactor.callLater(0, reactor.stop)\n"
                    "reactor.callLater(0.01, f)\nreactor.run()\nprint('done')\n",
                    encoding="utf-8")
    r = cli("trace", "--line", str(prog))
    assert r.returncode == 0 and r.stdout == "done\n", r.stderr
    assert "reactor.stop    reactor.stop()" in r.stderr
    assert "session.end" in r.stderr


def test_view_says_what_a_file_is_when_it_is_not_an_event_log(tmp_path):
    """A Perfetto trace gave a "not JSON" line for each of its lines and an empty
    explorer; an empty file said nothing; `view -` looked for a file named '-'."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    r = cli("view", str(empty))
    assert r.returncode == 0 and "no events in it" in r.stderr, r.stderr
    trace = tmp_path / "t.json"
    assert cli("run", "--trace", str(trace), os.path.join(
        ROOT, "scenarios", "06-deferred-basics.rr")).returncode == 0
    r = cli("view", str(trace))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "a trace (Chrome/Perfetto JSON), not an event log" in r.stderr
    events = tmp_path / "e.jsonl"
    events.write_text(cli("run", "--json", os.path.join(
        ROOT, "scenarios", "06-deferred-basics.rr")).stdout, encoding="utf-8")
    r = cli("view", "-", stdin=events.read_text(encoding="utf-8"))
    assert r.returncode == 0 and "session.end" in r.stdout, r.stderr
    r = cli("view", "-", stdin="")  # (said nothing)
    assert (r.returncode, r.stdout, r.stderr.strip()) == (0, "", f"-: {EMPTY}")


def test_view_refuses_a_seq_past_the_logs_and_a_line_that_never_ends():
    """A hand-edited seq of 2**63 ended the record explorer in a traceback (islice);
    ``view /dev/zero`` read one line for ever and took all the memory."""
    import io

    from reactor_repl.program.view import lines_of, read_events

    record = '{"seq": 1, "kind": "note"}\n{"seq": 9223372036854775813, "kind": "note"}\n'
    got = list(read_events("r.jsonl", lines_of(io.StringIO(record))))
    assert got[0].seq == 1
    assert got[1:] == ["r.jsonl:2:1: not an event: seq 9223372036854775813 is out of range "
                       "(0 to 2**62)"]
    endless = io.StringIO('{"seq": 1, "kind": "note"}\n' + "0" * 50)
    got = list(read_events("z", lines_of(endless, limit=40)))
    assert got[1:] == ["z:2:1: not an event: a line longer than 64 Mi characters (the rest "
                       "is not read)"]  # (the limit a file is read with)
    r = cli("view", "/dev/zero")
    assert (r.returncode, r.stderr.strip()) == (2, "/dev/zero:1:1: not an event: a line longer "
                                                   "than 64 Mi characters (the rest is not read)")


def test_a_compiled_program_runs_as_python_runs_it(tmp_path):
    """`python prog.pyc` runs it; trace said SyntaxError (null bytes) and exited 1."""
    import py_compile

    source = tmp_path / "hello.py"
    source.write_text("from twisted.internet import reactor\n"
                      "print('compiled:', __file__.endswith('.pyc'))\n"
                      "reactor.callLater(0, reactor.stop)\nreactor.run()\n", encoding="utf-8")
    compiled = py_compile.compile(str(source), cfile=str(tmp_path / "hello.pyc"))
    plain = subprocess.run([sys.executable, compiled], capture_output=True, text=True,
                           timeout=60)
    traced = cli("trace", "--events", str(tmp_path / "e.jsonl"), compiled)
    assert (traced.returncode, traced.stdout, traced.stderr) == (0, "compiled: True\n", "")
    assert (plain.returncode, plain.stdout) == (0, traced.stdout)


def test_a_relative_events_path_stays_where_it_was_given(tmp_path):
    """A program that changes its folder moved the events there (and left an empty file)."""
    mover = tmp_path / "mover.py"
    mover.write_text("import os\nfrom twisted.internet import reactor\n"
                     f"os.chdir({str(tmp_path / 'elsewhere')!r})\n"
                     "reactor.callLater(0, reactor.stop)\nreactor.run()\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    r = subprocess.run([sys.executable, "-m", "reactor_repl", "trace", "--events", "e.jsonl",
                        str(mover)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert events_of(tmp_path / "e.jsonl")[-1]["kind"] == "session.end"
    assert not (tmp_path / "elsewhere" / "e.jsonl").exists()


def test_the_programs_words_are_its_own_a_double_dash_too(tmp_path):
    """argparse took the `--` away from `trace prog.py -- --x`, and refused `-m mod -- x`."""
    for words in (["show_argv.py", "--", "--x"], ["-m", "show_argv", "--", "x"]):
        plain = subprocess.run([sys.executable, *words], cwd=PROGRAMS, capture_output=True,
                               text=True, timeout=60)
        traced = subprocess.run([sys.executable, "-m", "reactor_repl", "trace", "--events",
                                 str(tmp_path / "e.jsonl"), *words], cwd=PROGRAMS,
                                capture_output=True, text=True, timeout=60)
        assert (traced.returncode, traced.stdout) == (plain.returncode, plain.stdout), words


def test_trace_line_whose_reader_goes_away_keeps_the_programs_exit_code():
    """``trace --line … 2>&1 >/dev/null | head -3`` (the README's example): the program
    exited 0, and trace 1, when the log's reader went away."""
    r = subprocess.Popen([sys.executable, "-m", "reactor_repl", "trace", "--line",
                          os.path.join(PROGRAMS, "echo.py")], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT,
                         env=dict(os.environ, NO_COLOR="1"))
    assert r.stderr is not None
    first = r.stderr.readline()
    r.stderr.close()  # as head does after its lines
    assert first.startswith("#0001") and r.wait(timeout=60) == 0


def test_view_reads_a_bom_and_refuses_a_negative_at(tmp_path):
    """An editor's BOM at the head of a record was "not JSON" (run accepts one); `--at -1`
    answered "no Deferred pending at #-1"."""
    record = tmp_path / "bom.jsonl"
    record.write_bytes(b'\xef\xbb\xbf{"seq": 1, "kind": "note", "text": "x"}\n')
    r = cli("view", str(record))
    assert (r.returncode, r.stdout.split()[-2:], r.stderr) == (0, ["note", "x"], "")
    r = cli("view", "--waiting", "--at", "-1", str(record))
    assert r.returncode == 2 and "--at takes a whole number from 0" in r.stderr
