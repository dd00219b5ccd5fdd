"""The proof of fidelity: every scenario, run by the explorer and as a plain Twisted program.

Each scenario of the library (and each case in ``tests/differential/``) is replayed
on the virtual clock as ``reactor-repl run FILE --json`` replays it (in this process:
the command itself is run by the other tests here), and that run's events are
exported with ``reactor_repl.views.pyexport.program``, as ``export FILE.py`` does.
The exported program runs on its own, under the venv's python, on the real clock,
and prints ``KIND NAME`` per dispatch. The two sequences must be equal, line for line.

The programs run in parallel (most of their time is spent waiting), so the whole
comparison takes about the sum of their waits over AT_ONCE, and at least the longest
(the seed's closing example: reactor.stop waits for its 10 s thread job).
"""

from __future__ import annotations

import difflib
import glob
import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import ROOT, cli, run_program, run_scenario

from reactor_repl.views.pyexport import PRINTED_KINDS, program

LIBRARY = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.rr")))
CASES = sorted(glob.glob(os.path.join(ROOT, "tests", "differential", "*.rr")))
ALL = LIBRARY + CASES


def events_of(jsonl: str) -> list[dict]:
    return [json.loads(line) for line in jsonl.splitlines() if line.startswith("{")]


def dispatches(events: list[dict]) -> list[str]:
    """``KIND NAME`` of the explorer's dispatches that a plain program can print."""
    return [f"{e['kind']} {e['name']}" for e in events
            if e["kind"] in PRINTED_KINDS and not e.get("internal") and e["name"]]


def explorer(path: str) -> list[dict]:
    """The events of the explorer's run of a scenario, on the virtual clock."""
    r = cli("run", path, "--json", "--clock", "virtual", timeout=120)
    assert r.returncode in (0, 1), r.stderr
    return events_of(r.stdout)


# programs run at once: each runs on the real clock, where jobs 200 ms apart keep their
# order only while the machine is not swamped (forty at once on two cores swapped jobs
# 50 ms apart); most of a program's time is spent waiting on its timers
AT_ONCE = 12


def replayed(path: str) -> list[dict]:
    """The events of a scenario replayed in this process as `run FILE --json` replays it
    (``explorer`` starts the command itself: each start costs a Python and an import)."""
    with open(path, encoding="utf-8") as f:
        events = run_scenario(f.read(), allow_python=False)
    return [json.loads(e.to_json()) for e in events]


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory):
    """{scenario: (explorer's dispatches, the program's)} for every scenario: each replayed
    here in turn, its program started as soon as it is exported, the longest first."""
    tmp = str(tmp_path_factory.mktemp("programs"))
    ours, sources, running = {}, {}, {}
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        for p in sorted(ALL, key=_seconds, reverse=True):
            events = replayed(p)
            ours[p] = dispatches(events)
            sources[p] = (program(events), os.path.join(tmp, os.path.basename(p) + ".py"))
            running[p] = pool.submit(run_program, *sources[p])
        theirs = {p: running[p].result() for p in ALL}
    # A program runs on the real clock: on a machine busy with other tests a thread can wake
    # a few hundred ms late and swap two jobs. One that differs runs once more, alone; a
    # difference that stays is the explorer's.
    for p in ALL:
        if theirs[p] != ours[p]:
            theirs[p] = run_program(*sources[p])
    return {p: (ours[p], theirs[p]) for p in ALL}


def _seconds(path: str) -> float:
    """About how long a scenario's program runs on the real clock: its waits and blocks."""
    total = 0.0
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if len(words) >= 2 and words[0] in ("wait", "block"):
                try:
                    total += float(words[1])
                except ValueError:
                    pass
    return total


def _diff(a: list[str], b: list[str]) -> str:
    return "\n".join(difflib.unified_diff(a, b, "explorer", "program", lineterm="", n=3))


@pytest.mark.parametrize("path", ALL, ids=[os.path.basename(p) for p in ALL])
def test_the_program_dispatches_what_the_explorer_shows(both_ways, path):
    ours, theirs = both_ways[path]
    assert ours, "the scenario dispatches something"
    assert ours == theirs, _diff(ours, theirs)


def test_the_comparison_covers_every_printed_kind(both_ways):
    kinds = {line.split()[0] for ours, _ in both_ways.values() for line in ours}
    assert kinds == set(PRINTED_KINDS)


def test_the_comparison_can_fail(tmp_path):
    """A program that differs from the session is caught: swap two timers' delays."""
    path = tmp_path / "two.rr"
    path.write_text("later 0.2 t1\nlater 0.1 t2\nwait 0.3\n", encoding="utf-8")
    events = explorer(str(path))
    source = program(events)
    assert "reactor.callLater(0.2, t1_fires)" in source
    assert "reactor.callLater(0.1, t2_fires)" in source
    wrong = (source.replace("reactor.callLater(0.2, t1_fires)", "reactor.callLater(0.1, t1_fires)")
             .replace("reactor.callLater(0.1, t2_fires)", "reactor.callLater(0.2, t2_fires)"))
    ours = dispatches(events)
    assert run_program(source, str(tmp_path / "right.py")) == ours == [
        "timer.fire t2", "timer.fire t1"]
    assert run_program(wrong, str(tmp_path / "wrong.py")) == ["timer.fire t1", "timer.fire t2"]


def test_export_command_writes_the_same_program_as_pyexport(tmp_path):
    """`export FILE.py` in a session writes the program ``program`` makes of the events
    so far, and it dispatches as the session did."""
    out = tmp_path / "session.py"
    text = ("later 0.2 t1 do fire d1 ok\ndeferred d1\naddCallback d1 pass\n"
            f"thread j1 0.1\nfromthread f1\nwait 0.5\nexport {out}\n")
    scenario = tmp_path / "s.rr"
    scenario.write_text(text, encoding="utf-8")
    r = cli("run", str(scenario), "--json", "--allow-writes")  # it writes outside the cwd
    assert r.returncode == 0, r.stdout + r.stderr
    events = events_of(r.stdout)
    export = [i for i, e in enumerate(events) if e["kind"] == "input"][-1]
    written = out.read_text(encoding="utf-8")
    assert written == program(events[:export + 1])
    ours = dispatches(events)
    theirs = run_program(written, str(tmp_path / "again.py"))
    assert theirs == ours
    assert ours == ["threadcall.run f1", "thread.result j1", "deferred.result j1",
                    "timer.fire t1", "deferred.step d1", "deferred.result d1"]


def test_the_exported_program_reads_like_plain_twisted():
    source = program(explorer(os.path.join(ROOT, "scenarios", "12-closing-example.rr")))
    compile(source, "closing.py", "exec")
    for plain in ("with naming('sleep'):\n        sleep = threads.deferToThread(job, 10, ",
                  "task.LoopingCall(dots_calls)",
                  "reactor.callLater(3, stopper_fires)", "reactor.stop()",
                  "reactor.addSystemEventTrigger('before', 'shutdown', bye_fires)",
                  "# note: sleep(10) runs in a pool thread: the reactor stays free to print dots"):
        assert plain in source
    assert "reactor_repl" not in source
