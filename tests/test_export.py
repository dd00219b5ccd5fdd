"""The .py export's parts: the stream it reads, the modules it copies, what it escapes.

``test_differential.py`` runs every scenario both ways; these check the pieces on
their own, in-process and fast: ``printing`` names Deferreds as the explorer's
recorder does; a program defines every name it uses and imports nothing of ours;
nothing a person wrote can leave its comment or string (issue 9, item 2).
"""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import symtable
import sys
from contextlib import redirect_stdout
from io import StringIO

import pytest
from twisted.internet import defer

from support import ROOT, run_program, run_scenario

from reactor_repl.export import printing
from reactor_repl.export.pausing import Pausing
from reactor_repl.export.printing import naming
from reactor_repl.language.kinds import PRINTED_KINDS
from reactor_repl.views import pyexport
from reactor_repl.views.pyexport import code, program
from reactor_repl.views.pyexport.copying import Copier, Unresolved, free_names
from reactor_repl.views.pyexport.stream import read

# every code point Python's tokenizer (or str.splitlines) takes for a line break
BREAKS = ("\r", "\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


PROGRAMS = os.path.join(ROOT, "tests", "programs")


def dispatches(events) -> list[str]:
    return [f"{e.kind} {e.name}" for e in events
            if e.kind in PRINTED_KINDS and not e.internal and e.name]


# ------------------------------------------------------------------ escaping
def _hostile_session(marker: str) -> list[str]:
    """Notes, values and refused lines carrying code after each kind of line break (indented
    as a statement of ``session()`` would be)."""
    payload = f"    open({marker!r}, 'w').close()"
    lines = []
    for i, ch in enumerate(BREAKS):
        lines += [f"note n{i}{ch}{payload}",
                  f"deferred d{i}",
                  f'fire d{i} "v{ch}{payload}"',
                  f"later 0 t{i} do note {ch}{payload}",
                  f'addCallback nothing{i} return "x{ch}{payload}"']
    return lines + ["wait 0.1"]


def test_what_a_person_wrote_cannot_leave_its_comment_or_string(tmp_path, monkeypatch):
    marker = tmp_path / "injected"
    events = run_scenario(_hostile_session(str(marker)))  # type: ignore[arg-type]
    notes = [e.text for e in events if e.kind == "note"]
    assert [n[len("n0"):][0] for n in notes if n.startswith("n")] == list(BREAKS)
    assert sum(e.kind == "error" for e in events) == len(BREAKS)  # the refused lines
    source = program(events)
    assert not any(ch in source for ch in BREAKS)
    assert "# note: n0\\r    open(" in source and "# addCallback nothing0 return" in source
    assert run_program(source, str(tmp_path / "safe.py")) == dispatches(events)
    assert not marker.exists()
    # the check can fail: written as it came, a note's \r ends its comment and the rest runs
    monkeypatch.setattr(pyexport, "printable", lambda text: text)
    note = run_scenario([_hostile_session(str(marker))[0], "wait 0.1"])  # type: ignore[arg-type]
    run_program(program(note), str(tmp_path / "unsafe.py"))
    assert marker.exists()


def test_python_a_person_wrote_stays_python_or_runs_from_a_string():
    assert code.python("reactor.callLater(0, print, 1)", "exec") == \
        "reactor.callLater(0, print, 1)"
    assert code.python("result\r+ 1", "eval") == "eval('result\\r+ 1')"
    assert code.python("x = 1\u2028", "exec") == "exec('x = 1\\u2028', globals())"


def test_py_lines_share_the_programs_globals_as_the_sessions_namespace(tmp_path):
    """Each py went into its own function: z set in t1's was a local, and t2's print(z)
    died with NameError (the session's py namespace persists)."""
    events = run_scenario("later 0.1 t1 do py z = 41\nlater 0.2 t2 do py print(z + 1)\n"
                          "wait 0.3\npy import math as m; w = m.floor(z * 2.5)\n"
                          "later 0.1 t3 do py print(w)\nwait 0.2\n")
    assert [e.text for e in events if e.kind == "log"] == ["ok", "42", "ok", "102"]
    where = tmp_path / "export.py"
    where.write_text(program(events), encoding="utf-8")
    r = subprocess.run([sys.executable, str(where)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.split() == ["42", "102"]
    # a py STEP's print goes to stderr too, as a py line's: stdout is the KIND NAME lines
    events = run_scenario("deferred d1\naddCallback d1 py print('step', result) or result + 1\n"
                          "fire d1 1\n")
    where.write_text(program(events), encoding="utf-8")
    r = subprocess.run([sys.executable, str(where)], capture_output=True, text=True, timeout=60)
    assert (r.stdout.splitlines(), r.stderr) == (["deferred.step d1", "deferred.result d1"],
                                                 "step 1\n")
    assert code.assigned_names("import a.b, c as d\nx, (y, z) = 1, (2, 3)\n"
                               "def f(q): r = 1\n[k for k in ()]") == ["a", "d", "f", "x", "y", "z"]


# ------------------------------------------------------------- every name defined
EVERYTHING = """\
threadpool 3
later 0.05 t1 do fire d1 one
deferred d1
addCallbacks d1 add 1 / recover 0
addBoth d1 mul 2
addCallback d1 raise oops
addErrback d1 trap ValueError
addErrback d1 recover fixed
addCallback d1 block 0.01
addCallback d1 do note inside
deferred d2
addCallback d2 await d1
deferred d3
chain d2 d3
gather g d1 d3
race r d2 d3
timeout r 5
every 0.1 l1 times 2 delayed do later 0 do deferred
later 3 tx
reset tx 2
delay tx 1
cancel tx
thread j1 0.1
thread j2 0.1 raise boom
fromthread f1 do trigger before shutdown
reader r1 chunk 2
write r1 hello
close r1
listen s1 0 echo
connect c1 s1
send c1 hi
later 0.2 t3 do drop c1
wait 0.5
block 0.01
note the end
expect count loop.call:l1 2
"""


def _undefined(source: str) -> tuple[set[str], set[str]]:
    """(global names used but never defined, imported names never used)."""
    top = symtable.symtable(source, "program.py", "exec")
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    imported = {s.get_name() for s in top.get_symbols() if s.is_imported()}
    used = {s.get_name() for s in top.get_symbols() if s.is_referenced()} | free_names(source)

    def assigned_globally(t: symtable.SymbolTable) -> set[str]:
        out = {s.get_name() for s in t.get_symbols() if s.is_global() and s.is_assigned()}
        for child in t.get_children():
            out |= assigned_globally(child)
        return out

    defined |= assigned_globally(top)
    named = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    return (used - defined - set(dir(builtins)) - {"__name__"},
            imported - named - {"annotations"})


def test_a_stop_under_way_at_the_end_finishes_its_shutdown_in_the_program_too(tmp_path):
    """The program's end crashed the reactor while a before trigger's Deferred held the
    shutdown: g2 and g3 never ran (the explorer and a plain program run them)."""
    events = run_scenario("trigger before shutdown g1 wait 0.2\ntrigger during shutdown g2\n"
                          "trigger after shutdown g3\nstop\n")
    assert [e.name for e in events if e.kind == "trigger.fire"] == ["g1", "g2", "g3"]
    where = tmp_path / "export.py"
    where.write_text(program(events), encoding="utf-8")
    r = subprocess.run([sys.executable, str(where)], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout.splitlines()) == (
        0, ["trigger.fire g1", "trigger.fire g2", "trigger.fire g3"]), r.stderr


def test_a_failure_nobody_handled_is_logged_at_exit_as_by_a_plain_program(tmp_path):
    """The export ended with ``os._exit(0)``: the interpreter never freed d1, so Twisted
    never logged what a plain program (tests/programs/failed_at_exit.py) logs at exit."""
    source = program(run_scenario("deferred d1\nfail d1 boom\n"))
    where = tmp_path / "export.py"
    where.write_text(source, encoding="utf-8")
    stderr = {}
    for who, path in (("export", str(where)), ("plain", os.path.join(PROGRAMS, "failed_at_exit.py"))):
        r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        stderr[who] = r.stderr
    assert stderr["plain"].startswith("Unhandled error in Deferred:"), stderr["plain"]
    assert stderr["export"] == stderr["plain"]


@pytest.mark.parametrize("pausing", [False, True], ids=["turns", "pausing"])
def test_a_program_defines_what_it_uses_and_imports_nothing_of_ours(pausing):
    text = EVERYTHING + ("break timer.fire t9\nstep\ncontinue\n" if pausing else "")
    events = run_scenario(text)
    assert not [e.text for e in events if e.kind == "error"]
    source = program(events)
    compile(source, "program.py", "exec")
    assert _undefined(source) == (set(), set())
    assert "reactor_repl" not in source
    assert ("pause = Pausing(pace)" in source) is pausing
    # only what it uses: no pause gate, pool jobs or helpers where none are needed
    plain = program(run_scenario("later 0.1 t1\nwait 0.2\n"))
    for part in ("class Pausing", "class PoolJobs", "class Helpers", "class NamedReader",
                 "def naming", "def new_name", "import select"):
        assert part in source or part in ("class Pausing",) and not pausing
        if part != "import select":
            assert part not in plain


# ------------------------------------------------------------------ the stream
def test_the_stream_says_what_each_line_made_and_what_was_refused():
    events = run_scenario("deferred\nfire d1 1\nfire d1 2\nfire nothing 3\nlater 1\n"
                          "break timer.fire t1\nwait 2\nlater 0 late\ncontinue\n")
    lines = read(events).lines
    assert [(ln.text, ln.made, bool(ln.refused), ln.fired_twice) for ln in lines] == [
        ("deferred", "d1", False, False),
        ("fire d1 1", None, False, False),
        ("fire d1 2", None, False, True),
        ("fire nothing 3", None, True, False),
        ("later 1", "t1", False, False),
        ("break timer.fire t1", None, False, False),
        ("wait 2", None, False, False),
        ("later 0 late", "late", False, False),  # typed while paused: it ran after continue
        ("continue", None, False, False)]
    assert "no deferred named nothing" in lines[3].refused


def test_a_log_that_lost_the_session_start_is_refused():
    events = run_scenario("later 0.1 t1\nwait 0.2\n")
    with pytest.raises(ValueError, match="--log-size"):
        program(events[2:])


# ----------------------------------------------------------- naming Deferreds
def test_printing_shows_steps_and_results_as_the_recorder_records_them():
    """The same Deferreds, by hand with ``naming``, print what the explorer logs."""
    scenario = """\
deferred d1
deferred d2
addCallback d1 do fire d2 x
addCallback d2 pass
gather g d1 d2
fire d1 1
deferred d3
deferred d4
gather g2 d3 d4
cancel g2
addErrback g2 recover
deferred d5
deferred d6
addCallback d5 await d6
race r d5 d4
fire d6 y
cancel d2
deferred d7
fire d7 z
"""
    ours = [f"{e.kind} {e.name}" for e in run_scenario(scenario)
            if e.kind in ("deferred.step", "deferred.result")]
    out = StringIO()
    with redirect_stdout(out):
        with naming("d1"):
            d1 = defer.Deferred()
        with naming("d2"):
            d2 = defer.Deferred()
        d1.addCallback(lambda result: d2.callback("x") or result)
        d2.addCallback(lambda result: result)
        with naming("g"):
            defer.gatherResults([d1, d2])
        d1.callback(1)
        with naming("d3"):
            d3 = defer.Deferred()
        with naming("d4"):
            d4 = defer.Deferred()
        with naming("g2"):
            g2 = defer.gatherResults([d3, d4])
        g2.cancel()  # Twisted's canceller cancels d3 and d4
        g2.addErrback(lambda failure: None)
        with naming("d5"):
            d5 = defer.Deferred()
        with naming("d6"):
            d6 = defer.Deferred()
        d5.addCallback(lambda result: d6)
        with naming("r"):
            defer.race([d5, d4])
        d6.callback("y")
        d2.cancel()  # fired already: Twisted does nothing (the recorder counts it as news)
        with naming("d7"):
            d7 = defer.Deferred()
        d7.callback("z")
    assert out.getvalue().splitlines() == ours
    assert printing.Chains.news == []


def test_naming_names_only_the_first_deferred_and_restores_twisted():
    plain = defer.Deferred.__init__
    out = StringIO()
    with redirect_stdout(out), naming("a"):
        a, b = defer.Deferred(), defer.Deferred()
        a.addCallback(lambda r: r)
        b.addCallback(lambda r: r)
        a.callback(1)
        b.callback(2)
    assert defer.Deferred.__init__ is plain
    assert out.getvalue().splitlines() == ["deferred.step a", "deferred.result a"]


# ----------------------------------------------------------------- copying
def test_a_copied_definition_brings_what_it_needs():
    c = Copier(("reactor_repl.runtime",))
    c.need("server_factory")
    assert {d.name for d in c.defs.values()} == {
        "server_factory", "SERVERS", "Echo", "Discard", "Poetry", "POEM", "POEM_CHUNK",
        "POEM_PAUSE", "greeting"}
    source = "\n".join(c.import_lines()) + "\n\n" + c.source()
    ns: dict = {}
    exec(compile(source, "copied.py", "exec"), ns)
    assert ns["server_factory"]("poetry").protocol is ns["Poetry"]
    with pytest.raises(Unresolved):
        c.need("no_such_thing")


def test_copied_from_other_modules_come_first():
    c = Copier(pyexport.MODULES)
    c.need("NamedReader")  # printing's, a PipeReader from runtime
    modules = [m for m, _ in c.ordered()]
    assert modules[-1] == "reactor_repl.export.printing"
    assert set(modules[:-1]) == {"reactor_repl.runtime", "reactor_repl.language.kinds"}
    assert "PRINTED_KINDS = (\n    'timer.fire'," in c.source()  # a table, by its value


# ------------------------------------------------------------------ the gate
class _Pace:
    reactor = None


def test_the_pause_gate_stops_where_the_explorer_would():
    p = Pausing(_Pace())  # type: ignore[arg-type]
    p.breaks.append(("timer", "t2"))
    p.gate("timer.fire", "t1")
    p.gate("deferred.step", "t2")  # not a dispatch of the loop
    assert not p.paused
    p.gate("timer.fire", "t2")
    assert p.paused
    p.paused, p.breaks = False, []
    p.stepping, p.budget = True, 1
    p.gate("loop.call", "l1")
    assert not p.paused and p.budget == 0
    p.gate("reader.read", "r1")
    assert p.paused
