"""Benchmarks for issue 6: recording overhead, memory, start-up, the idle watchdog, the UI.

    .venv/bin/python tests/bench/bench.py            # everything (about two minutes)
    .venv/bin/python tests/bench/bench.py --quick    # smaller counts, fewer repeats

Not a test (pytest does not collect it): speed goals are measured, not asserted.
Every figure is a whole process, started the way a person starts it, so start-up
and exit count too:

* overhead — ``reactor-repl run --clock virtual --quiet`` (and ``--json`` into a file)
  on ``every 0 times N`` against a plain Twisted program running
  ``LoopingCall(f).start(0)`` for N calls, interleaved in one run: CPU seconds (the
  child's user + system time: on a shared machine the steadier figure) and wall time,
  medians of the repeats, the ratio of the medians and the spread of the pairs' ratios.
* lints — the same and the traced programs with the Twisted lints (issue 13) on and off
  (``tests/bench/nolints.py``), interleaved: what the checks cost.
* trace — ``reactor-repl trace --events FILE`` against plain ``python`` on two programs
  of ``tests/bench/programs``: a Deferred with 100,000 callbacks, 10,000 loopback echo
  round trips; and peak RSS as the echo runs longer (flat: the ring).
* memory — peak RSS (``wait4``'s ru_maxrss, what ``/usr/bin/time`` reports) of
  sessions of growing length: it must stay flat once the 100,000-event ring is full.
* start-up — ``reactor-repl --help``, best of the repeats.
* idle watchdog — CPU seconds a live session spends doing nothing for 3 s, with
  --slow 0.1 (the watchdog wakes 10 times a second) and --slow 1000.

The full-screen UI (pexpect and pyte, the test dependencies, drive it and read its
screen on a 120x40 pseudo-terminal):

* ready — from spawning ``reactor-repl`` to its prompt on the screen, best of the repeats.
* echo — keys typed one at a time (a ``note`` command, at a typist's pace), each timed
  from its write to the pty until the input line on the screen shows it: first with
  nothing happening, then under a storm of about 10,000 events a second (as many
  ``every 0.0001`` loops as make that rate on this machine, read off the log pane).
* redraw — in-process: one redraw of the log pane and of the whole screen (the real
  layout rendered into a VT100 output) with 1,000 and with 1,000,000 events in the log,
  new events drained between frames as under a storm; and a key's redraw.

Issue 15's screen targets (both sides in one run, medians of the repeats):

* uiidle — CPU of the live explorer left alone, from 3 s after start for 10 s, in % of
  one core: the whole process and its main (UI) thread.
* uiload — the live explorer under ``every 0.001`` (~1,000 dispatches a second), from
  3 s after the loop started, for 5 s: the whole process, its main (UI) thread, and the
  same loop headless (``--clock real --quiet``, no screen) measured the same way; the
  UI's cost is the difference.
* uimax — the live explorer under ``every 0`` (as fast as the machine goes): the rate
  (events a second, off the log pane), keystroke to echo, how long ``filter note`` takes
  to show on the screen, and from ``quit`` to the screen restored and to the process gone.

The explorer beside a traced program (issue 12 §4):

* traceecho — ``reactor-repl trace tests/traced/storm.py`` on the pty: keys typed as in
  echo, the program first idle (its 10 ms ``LoopingCall`` only), then making about
  10,000 dispatches a second (its ``--rate`` raised until its own count, printed into
  the log each second, reaches that); both in one run.

The command language, in-process (issue 9: what the UI does at every key):

* language — parse, complete (``completion.context``) and colour (the pygments lexer)
  hostile lines: a pasted 20 KB word, ``help`` + 100 KB, a 600-level nested ``do``,
  and the worst lines within the bounds (370 levels; 2,000 words). Best of the repeats.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

PLAIN = """\
import sys
from twisted.internet import reactor, task

N = int(sys.argv[1])
count = 0


def f():
    global count
    count += 1
    if count >= N:
        loop.stop()
        reactor.stop()


loop = task.LoopingCall(f)
reactor.callWhenRunning(loop.start, 0)
reactor.run()
"""


def tool() -> list[str]:
    """The installed ``reactor-repl`` next to this Python, else ``python -m reactor_repl``
    (``REACTOR_REPL="python -m reactor_repl"`` with a PYTHONPATH benchmarks another copy)."""
    if os.environ.get("REACTOR_REPL"):
        return os.environ["REACTOR_REPL"].split()
    script = os.path.join(os.path.dirname(sys.executable), "reactor-repl")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "reactor_repl"]


def budget(n: int) -> list[str]:
    """A line may cause --max-dispatches dispatches (default 100,000) before it is called
    a runaway; a storm of more must say so."""
    return ["--max-dispatches", str(n)] if n > 100_000 else []


def child_env() -> dict[str, str]:
    """The environment of the measured processes: Python may keep compiled modules (a
    person's install has them; PYTHONDONTWRITEBYTECODE made every run compile ours,
    0.1 s, while Twisted's came compiled with it)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(cmd: list[str], stdin: str | None = None,
        stdout: str | None = None) -> tuple[float, int, float]:
    """Run to completion: (wall seconds, peak RSS in KB, CPU seconds). ``stdout``: a file
    that gets the output (else it is dropped)."""
    out = open(stdout, "w") if stdout is not None else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else None,
                            stdout=out, stderr=subprocess.PIPE, text=True,
                            env=child_env())
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if stdout is not None:
        out.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def interleaved(sides: dict[str, tuple[list[str], str | None]], repeats: int,
                base: str, warm: list[list[str]]) -> dict[str, Any]:
    """Run each side ``repeats`` times, one of each in turn (each sees the same machine),
    after the unmeasured ``warm`` commands (the same, small: compiled modules, a warm
    disk cache). ``sides``: label → (command, file for its stdout or None). Per side:
    median wall and CPU seconds, peak RSS, and against ``base``: the ratio of the medians
    and the lowest and highest ratio of one run to the other side's run of the same turn
    (the spread)."""
    for cmd in warm:
        run(cmd)
    got: dict[str, list[tuple[float, int, float]]] = {label: [] for label in sides}
    for _ in range(repeats):
        for label, (cmd, out) in sides.items():
            got[label].append(run(cmd, stdout=out))
    med = lambda xs: statistics.median(xs)  # noqa: E731
    result: dict[str, Any] = {"repeats": repeats}
    for label, runs in got.items():
        row = {"wall_s": round(med([r[0] for r in runs]), 3),
               "cpu_s": round(med([r[2] for r in runs]), 3),
               "rss_mb": round(max(r[1] for r in runs) / 1024, 1)}
        if label != base:
            for i, key in ((2, "cpu"), (0, "wall")):
                pairs = [r[i] / b[i] for r, b in zip(runs, got[base])]
                row[key + "_ratio"] = round(med([r[i] for r in runs])
                                            / med([b[i] for b in got[base]]), 2)
                row[key + "_spread"] = [round(min(pairs), 2), round(max(pairs), 2)]
        result[label] = row
    return result


def overhead(workdir: str, n: int, repeats: int, lints_off: bool = False) -> dict[str, Any]:
    """``every 0 times N`` headless on the virtual clock, ``--quiet`` and ``--json`` into a
    file, against plain Twisted's LoopingCall(0); ``lints_off``: with the lints on and
    off instead (``--quiet``)."""
    plain = os.path.join(workdir, "plain_loopingcall.py")
    with open(plain, "w") as f:
        f.write(PLAIN)

    def args(count: int, output: str = "--quiet") -> list[str]:
        scenario = os.path.join(workdir, f"every0-{count}.rr")
        with open(scenario, "w") as f:
            f.write(f"every 0 times {count}\n")
        return ["run", scenario, "--clock", "virtual", output] + budget(count)

    sides: dict[str, tuple[list[str], str | None]] = {
        "plain": ([sys.executable, plain, str(n)], None),
        "quiet": (tool() + args(n), None),
    }
    if lints_off:
        sides["quiet_lints_off"] = ([sys.executable, NOLINTS] + args(n), None)
    else:
        sides["json"] = (tool() + args(n, "--json"), os.path.join(workdir, "events.jsonl"))
    warm = [[sys.executable, plain, "1000"], tool() + args(1000),
            [sys.executable, NOLINTS] + args(1000)]
    result = interleaved(sides, repeats, "plain", warm)
    result["dispatches"] = n
    # the figures of the first version of this section (wall time, quiet only)
    result["reactor_repl_s"] = result["quiet"]["wall_s"]
    result["plain_twisted_s"] = result["plain"]["wall_s"]
    result["ratio"] = result["quiet"]["wall_ratio"]
    return result


HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
NOLINTS = os.path.join(HERE, "nolints.py")
# program → its N: a long callback chain, loopback round trips, one-shot timers (a program
# that uses callLater), coroutines waiting at once (many Deferreds pending)
TRACED = {"chain": 100_000, "echo_rounds": 10_000, "timers": 100_000, "waiters": 8_000}


def traced(workdir: str, program: str, n: int, repeats: int,
           lints_off: bool = False) -> dict[str, Any]:
    """``reactor-repl trace --events FILE PROGRAM N`` against ``python PROGRAM N``
    (``lints_off``: also trace with the lints off)."""
    path = os.path.join(PROGRAMS, program + ".py")
    events = os.path.join(workdir, f"{program}.jsonl")
    trace = ["trace", "--events", events, path, str(n)]
    sides: dict[str, tuple[list[str], str | None]] = {
        "plain": ([sys.executable, path, str(n)], None),
        "trace": (tool() + trace, None),
    }
    if lints_off:
        sides["trace_lints_off"] = ([sys.executable, NOLINTS] + trace, None)
    warm = [[sys.executable, path, "1000"], tool() + trace[:-1] + ["1000"]]
    result = interleaved(sides, repeats, "plain", warm)
    result["program"] = program
    result["n"] = n
    return result


RUNAWAYS = {"every 0": "every 0 l1 delayed\nwait 1\n",
            "every 1ms, wait a day": "every 1ms l1 delayed\nwait 86400\n"}


def runaway(workdir: str) -> list[dict[str, Any]]:
    """How long a run takes to call a zero-delay loop a runaway (the default budget,
    100,000 dispatches) and end with exit 1 (a test checks the exit; this, the time)."""
    rows = []
    for label, text in RUNAWAYS.items():
        path = os.path.join(workdir, "runaway.rr")
        with open(path, "w") as f:
            f.write(text)
        t0 = time.perf_counter()
        r = subprocess.run(tool() + ["run", "--quiet", path], capture_output=True, text=True,
                           env=child_env())
        rows.append({"scenario": label, "exit": r.returncode,
                     "wall_s": round(time.perf_counter() - t0, 3)})
    return rows


def traced_memory(workdir: str, rounds: list[int]) -> list[dict[str, Any]]:
    """Peak RSS of the traced echo as it runs longer, and of the timers program making
    ten times as many timers (plain python beside each)."""
    rows = []
    for program, unit, scale in (("echo_rounds", "rounds", 1), ("timers", "timers", 10)):
        path = os.path.join(PROGRAMS, program + ".py")
        for n in rounds:
            plain = run([sys.executable, path, str(scale * n)])
            ours = run(tool() + ["trace", "--events", os.path.join(workdir, "mem.jsonl"),
                                 path, str(scale * n)])
            rows.append({"program": program, unit: scale * n,
                         "rss_mb_plain": round(plain[1] / 1024, 1),
                         "rss_mb_trace": round(ours[1] / 1024, 1)})
    return rows


def memory(workdir: str, counts: list[int]) -> list[dict[str, float]]:
    rows = []
    for n in counts:
        scenario = os.path.join(workdir, f"mem-{n}.rr")
        with open(scenario, "w") as f:
            f.write(f"every 0 times {n}\n")
        quiet = run(tool() + ["run", scenario, "--quiet"] + budget(n))
        jsonl = run(tool() + ["run", scenario, "--json"] + budget(n))
        rows.append({"events": n + 6, "rss_mb_quiet": round(quiet[1] / 1024, 1),
                     "rss_mb_json": round(jsonl[1] / 1024, 1)})
    return rows


def startup(repeats: int) -> dict[str, float]:
    walls = [run(tool() + ["--help"])[0] for _ in range(repeats)]
    return {"help_best_s": round(min(walls), 3), "help_median_s": round(statistics.median(walls), 3)}


def idle_watchdog(seconds: float) -> dict[str, float]:
    line = f"wait {seconds}\n"
    on = run(tool() + ["--clock", "real", "--slow", "0.1"], stdin=line)
    off = run(tool() + ["--clock", "real", "--slow", "1000"], stdin=line)
    return {"idle_s": seconds, "cpu_s_slow_0.1": round(on[2], 3), "cpu_s_slow_1000": round(off[2], 3)}


# ------------------------------------------------------------------ the full-screen UI
ROWS, COLS = 40, 120  # the terminal the UI benchmarks use
TARGET_RATE = 10_000  # events a second in the storm the keystrokes are typed under
PHRASE = "note the quick brown fox jumps over the lazy dog "  # a command, typed key by key


def pct(xs: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


class Pty:
    """``reactor-repl`` as a person starts it, on a pseudo-terminal of ROWS x COLS; what
    its screen shows is read back with pyte (a terminal emulator), as
    tests/test_ui_terminal.py does."""

    def __init__(self, args: list[str], home: str) -> None:
        import pexpect
        import pyte

        env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=home,
                   COLUMNS=str(COLS), LINES=str(ROWS))
        env.pop("NO_COLOR", None)
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        cmd = tool() + args
        self.started = time.perf_counter()
        self.child = pexpect.spawn(cmd[0], cmd[1:], env=env, dimensions=(ROWS, COLS))
        self.child.delaybeforesend = None  # else pexpect sleeps 50 ms before each write
        self.left_screen = False

    def pump(self, wait: float) -> None:
        """Read what the program wrote (waiting at most ``wait`` for it) into the screen."""
        import pexpect

        try:
            while True:
                data = self.child.read_nonblocking(1 << 20, timeout=wait)
                if b"\x1b[?1049l" in data:
                    self.left_screen = True  # back from the alternate screen
                self.stream.feed(data)
                wait = 0
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    def row(self, y: int) -> str:
        line = self.screen.buffer[y]
        return "".join(line[x].data for x in range(COLS))

    def find(self, prefix: str) -> int | None:
        """The screen row that starts with ``prefix``."""
        return next((y for y in range(ROWS) if self.row(y).startswith(prefix)), None)

    def until(self, ok: Callable[[], bool], timeout: float = 10.0, poll: float = 0.001) -> float:
        """Pump until ``ok()``; returns when (perf_counter) it first held."""
        deadline = time.perf_counter() + timeout
        while not ok():
            if time.perf_counter() > deadline:
                raise SystemExit("the screen never showed what was waited for:\n" +
                                 "\n".join(self.screen.display))
            self.pump(poll)
        return time.perf_counter()

    def idle(self, seconds: float) -> None:
        """Keep reading (a program whose output is not read would block) for ``seconds``."""
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.pump(min(0.005, max(0.0, end - time.perf_counter())))

    def last_seq(self) -> int:
        """The newest event's number the log pane shows."""
        return max((int(m) for m in re.findall(r"#(\d{4,})", "\n".join(self.screen.display))),
                   default=0)

    def close(self) -> None:
        self.child.send("\x15\x04")  # clear the line, Ctrl-D: quit
        deadline = time.perf_counter() + 3
        while self.child.isalive() and time.perf_counter() < deadline:
            self.pump(0.02)
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()


def ui_ready(workdir: str, repeats: int) -> dict[str, float]:
    """From spawning ``reactor-repl`` on a pty to its prompt on the screen."""
    walls = []
    for _ in range(repeats):
        term = Pty([], workdir)
        walls.append(term.until(lambda: term.find("rr>") is not None) - term.started)
        term.close()
    return {"ready_best_s": round(min(walls), 3),
            "ready_median_s": round(statistics.median(walls), 3)}


def type_keys(term: Pty, prompt_row: int, count: int, rnd: random.Random) -> list[float]:
    """Type ``count`` keys one at a time, at a typist's pace (20-80 ms between the echo of
    one key and the next); each one's latency is from writing it to the pty to the screen
    showing it on the input line with the cursor after it."""
    latencies: list[float] = []
    typed = ""
    while len(latencies) < count:
        ch = PHRASE[len(typed) % len(PHRASE)]
        typed += ch
        want, cursor = ("rr> " + typed).rstrip(), len("rr> " + typed)
        sent = time.perf_counter()
        term.child.send(ch)
        seen = term.until(lambda: term.row(prompt_row).rstrip() == want and
                          term.screen.cursor.y == prompt_row and term.screen.cursor.x == cursor)
        latencies.append(seen - sent)
        if len(typed) >= 60:  # Ctrl-U: an empty line again (not measured)
            typed = ""
            term.child.send("\x15")
            term.until(lambda: term.row(prompt_row).rstrip() == "rr>")
        term.idle(rnd.uniform(0.02, 0.08))
    return latencies


def storm_rate(term: Pty, seconds: float) -> float:
    """Events a second, from the event numbers the log pane shows."""
    term.idle(0.3)
    s0, t0 = term.last_seq(), time.perf_counter()
    term.idle(seconds)
    return (term.last_seq() - s0) / (time.perf_counter() - t0)


def keystroke_echo(workdir: str, keys: int) -> dict[str, float]:
    """Keystroke to echo in the live full-screen UI, before and under a storm of about
    TARGET_RATE events a second (``every 0.0001`` loops; as many as make that rate here)."""
    rnd = random.Random(6)
    term = Pty([], workdir)
    try:
        term.until(lambda: term.find("rr>") is not None)
        row = term.find("rr>")
        assert row is not None
        quiet = type_keys(term, row, 100, rnd)
        term.child.send("\x15")
        active: list[str] = []  # the storm's loops, l1 l2 … (names are never reused)
        made, want, fewer = 0, 8, 0  # fewer: a number of loops known to fall short
        for _ in range(5):  # the fewest loops that make TARGET_RATE events a second here
            while len(active) < want:
                made += 1
                active.append(f"l{made}")
                term.child.send("every 0.0001\r")
            while len(active) > want:
                term.child.send(f"cancel {active.pop()}\r")
            term.idle(1.0)
            n, rate = len(active), storm_rate(term, 2.0)
            if rate < TARGET_RATE:
                fewer = max(fewer, n)
                want = max(fewer + 1, math.ceil(n * TARGET_RATE / max(rate, 1.0)))
            else:
                want = max(fewer + 1, round(n * TARGET_RATE / rate), 1)
            if want == n:
                break
        loops = len(active)
        s0, t0 = term.last_seq(), time.perf_counter()
        stormy = type_keys(term, row, keys, rnd)
        during = (term.last_seq() - s0) / (time.perf_counter() - t0)
    finally:
        term.close()
    ms = lambda x: round(1000 * x, 1)  # noqa: E731
    return {"keys": len(stormy), "loops": loops, "events_per_s": round(during),
            "p50_ms": ms(pct(stormy, 50)), "p99_ms": ms(pct(stormy, 99)),
            "max_ms": ms(max(stormy)),
            "quiet_keys": len(quiet), "quiet_p50_ms": ms(pct(quiet, 50)),
            "quiet_p99_ms": ms(pct(quiet, 99)), "quiet_max_ms": ms(max(quiet))}


STORM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "traced",
                     "storm.py")
TARGET_DISPATCHES = 10_000  # dispatches a second of the traced program (issue 12 §4)


def storm_calls(term: Pty) -> float:
    """The traced storm's own count of its calls a second: ``filter output`` shows its
    prints still in the log (the ring's last few seconds); the median of them. The filter
    is taken off again."""
    term.child.send("\x15filter output\r")
    term.idle(1.5)
    counts = []
    for y in range(ROWS):
        m = re.match(r"#\d+\s.*storm: (\d+) calls a second", term.row(y))
        if m:
            counts.append(int(m.group(1)))
    term.child.send("filter\r")
    term.idle(1.0)
    return statistics.median(counts[-5:]) if counts else 0.0


def trace_echo(workdir: str, keys: int) -> dict[str, float]:
    """Keystroke to echo in the explorer beside a traced program (``reactor-repl trace
    tests/traced/storm.py``): the program idle (``--rate 0``: its 10 ms loop only), then
    making about TARGET_DISPATCHES dispatches a second (the rate it is given is raised
    until its own count, printed each second into the log, reaches that)."""
    rnd = random.Random(12)
    out: dict[str, float] = {}
    rate, calls = TARGET_DISPATCHES, 0.0
    for side in ("quiet", "storm"):
        for attempt in range(4):
            term = Pty(["trace", STORM, "--rate", str(0 if side == "quiet" else rate)], workdir)
            try:
                term.until(lambda: term.find("rr>") is not None)
                row = term.find("rr>")
                assert row is not None
                term.idle(3.0)
                if side == "storm":
                    calls = storm_calls(term)
                    if calls < 0.97 * TARGET_DISPATCHES and attempt < 3:
                        rate = math.ceil(rate * TARGET_DISPATCHES / max(calls, 1000.0))
                        continue
                s0, t0 = term.last_seq(), time.perf_counter()
                lat = type_keys(term, row, keys, rnd)
                events = (term.last_seq() - s0) / (time.perf_counter() - t0)
                if side == "storm":
                    calls = storm_calls(term) or calls  # while the keys were typed
                break
            finally:
                term.close()
        ms = lambda x: round(1000 * x, 1)  # noqa: E731
        prefix = "" if side == "storm" else "quiet_"
        out.update({f"{prefix}keys": len(lat), f"{prefix}p50_ms": ms(pct(lat, 50)),
                    f"{prefix}p99_ms": ms(pct(lat, 99)), f"{prefix}max_ms": ms(max(lat)),
                    f"{prefix}events_per_s": round(events)})
    out.update({"rate_asked": rate, "dispatches_per_s": round(calls)})
    return out


def redraw_cost(sizes: list[int], frames: int) -> list[dict[str, float]]:
    """One redraw of the log pane, and of the whole screen (the explorer's layout rendered
    into a 120x40 VT100 output, escape sequences and all), with ``size`` events in the log
    (the ring holds that many), each its own pass of the loop (a row and a tick rule each).
    Between two frames a virtual-clock storm adds about 330 events (10,000 a second at 30
    frames a second), drained into the pane as the UI does it; a key's redraw comes with
    nothing new. Medians of ``frames`` frames each."""
    import asyncio

    from prompt_toolkit.application.current import set_app
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from reactor_repl.engine.core import Config, Engine
    from reactor_repl.ui.explorer import Explorer
    from reactor_repl.ui.log_pane import LogControl

    class Sink:  # the terminal: takes what a frame writes, and forgets it
        encoding = "utf-8"

        def write(self, data: str) -> None:
            pass

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    def one(size: int) -> dict[str, float]:
        # the ring holds ``size`` events, however many the storm adds
        engine = Engine(Config(clock="virtual", log_size=size, max_dispatches=size + 1000))
        engine.start()
        sink = Sink()
        output = Vt100_Output(sink, lambda: Size(rows=ROWS, columns=COLS),  # type: ignore[arg-type]
                              term="xterm-256color")

        async def measure() -> dict[str, float]:
            with create_pipe_input() as inp:
                ex = Explorer(engine, input=inp, output=output, history=InMemoryHistory())
                t0 = time.perf_counter()
                ex.driver.submit(f"every 0 times {size}", wait=True)  # fills the ring
                ex.driver.submit("wait 0", wait=True)
                ex.pump()
                fill = time.perf_counter() - t0
                in_log = len(engine.log.events)
                ex.driver.submit("every 0.0001", wait=True)  # the storm between frames
                app = ex.app
                # garbage collections as the running explorer has them (a copy benchmarked
                # from before they were the explorer's own has Python's)
                collections = getattr(ex, "collections", None)
                if collections is not None:
                    collections.start()
                pane, screen, key, drain = [], [], [], []
                try:
                    with set_app(app):
                        app.renderer.render(app, app.layout)
                        log = next(w for w in app.layout.find_all_windows()
                                   if isinstance(w.content, LogControl))
                        control = log.content
                        assert log.render_info is not None
                        width, height = log.render_info.window_width, log.render_info.window_height
                        for i in range(2 * frames):
                            ex.driver.submit("wait 0.0333", wait=True)  # ~333 new events
                            if collections is not None:
                                collections.collect_if_due()
                            t = time.perf_counter()
                            ex.pump()
                            drain.append(time.perf_counter() - t)
                            if i % 2 == 0:  # the log pane alone, then (next frame) the screen
                                t = time.perf_counter()
                                control.create_content(width, height)
                                pane.append(time.perf_counter() - t)
                            else:
                                t = time.perf_counter()
                                app.renderer.render(app, app.layout)
                                screen.append(time.perf_counter() - t)
                                t = time.perf_counter()  # a key typed: nothing new to show
                                ex.buffer.insert_text("n", fire_event=False)
                                app.renderer.render(app, app.layout)
                                key.append(time.perf_counter() - t)
                                ex.buffer.reset()
                finally:
                    if collections is not None:
                        collections.stop()
                ms = lambda x: round(1000 * x, 2)  # noqa: E731
                return {"events": in_log, "fill_s": round(fill, 1),
                        "pane_size": f"{width}x{height}",
                        "pane_ms": ms(statistics.median(pane)), "pane_p90_ms": ms(pct(pane, 90)),
                        "screen_ms": ms(statistics.median(screen)),
                        "screen_p90_ms": ms(pct(screen, 90)),
                        "key_ms": ms(statistics.median(key)),
                        "drain_ms": ms(statistics.median(drain))}

        try:
            return asyncio.run(measure())
        finally:
            engine.shutdown()

    return [one(n) for n in sizes]


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """CPU (user + system) a process, or one of its threads, has used so far."""
    path = f"/proc/{pid}/task/{tid}/stat" if tid is not None else f"/proc/{pid}/stat"
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_share(pid: int, seconds: float, pump: Callable[[float], None],
              tid: int | None = None) -> tuple[float, float]:
    """(% of a core of the process, % of its thread ``tid`` or the main thread) over
    ``seconds`` of wall time, calling ``pump`` meanwhile (a pty must be read)."""
    main = pid if tid is None else tid
    p0, m0, t0 = cpu_seconds(pid), cpu_seconds(pid, main), time.perf_counter()
    pump(seconds)
    p1, m1, t1 = cpu_seconds(pid), cpu_seconds(pid, main), time.perf_counter()
    wall = t1 - t0
    return round(100 * (p1 - p0) / wall, 2), round(100 * (m1 - m0) / wall, 2)


def ui_idle(workdir: str, repeats: int, seconds: float = 10.0) -> dict[str, float]:
    """The live explorer doing nothing: CPU from 3 s after start, for ``seconds``."""
    whole, main = [], []
    for _ in range(repeats):
        term = Pty([], workdir)
        try:
            term.until(lambda: term.find("rr>") is not None)
            term.idle(3.0)
            p, m = cpu_share(term.child.pid, seconds, term.idle)
            whole.append(p)
            main.append(m)
        finally:
            term.close()
    return {"seconds": seconds, "process_pct": statistics.median(whole),
            "main_thread_pct": statistics.median(main), "runs": whole}


def ui_load(workdir: str, repeats: int, seconds: float = 5.0) -> dict[str, float]:
    """The live explorer and the same loop headless under ``every 0.001``, interleaved."""
    whole, main, headless, rates = [], [], [], []
    script = os.path.join(workdir, "every1ms.rr")
    with open(script, "w") as f:
        f.write(f"every 0.001 l1\nwait {seconds + 5}\n")
    for _ in range(repeats):
        proc = subprocess.Popen(tool() + ["run", script, "--clock", "real", "--quiet"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3.0)
            headless.append(cpu_share(proc.pid, seconds, time.sleep)[0])
        finally:
            proc.kill()
            proc.wait()
        term = Pty([], workdir)
        try:
            term.until(lambda: term.find("rr>") is not None)
            term.child.send("every 0.001 l1\r")
            term.idle(3.0)
            s0, t0 = term.last_seq(), time.perf_counter()
            p, m = cpu_share(term.child.pid, seconds, term.idle)
            rates.append((term.last_seq() - s0) / (time.perf_counter() - t0))
            whole.append(p)
            main.append(m)
        finally:
            term.close()
    ui = [w - h for w, h in zip(whole, headless)]
    return {"seconds": seconds, "events_per_s": round(statistics.median(rates)),
            "process_pct": statistics.median(whole), "main_thread_pct": statistics.median(main),
            "headless_pct": statistics.median(headless), "ui_pct": round(statistics.median(ui), 2)}


def ui_max(workdir: str, keys: int) -> dict[str, float]:
    """The live explorer under ``every 0``: the rate, keys, ``filter``, ``quit``."""
    rnd = random.Random(15)
    term = Pty([], workdir)
    try:
        term.until(lambda: term.find("rr>") is not None)
        row = term.find("rr>")
        assert row is not None
        term.child.send("every 0 l1\r")
        rate = storm_rate(term, 3.0)
        lat = type_keys(term, row, keys, rnd)
        term.child.send("\x15")
        term.idle(0.5)
        sent = time.perf_counter()
        term.child.send("filter note\r")
        shown = term.until(lambda: "filter: note" in "\n".join(term.screen.display), timeout=30)
        filter_s = shown - sent
        term.idle(1.0)
        sent = time.perf_counter()
        term.child.send("quit\r")
        restored = term.until(lambda: term.left_screen, timeout=30)
        gone = term.until(lambda: not term.child.isalive(), timeout=30)
    finally:
        term.close()
    ms = lambda x: round(1000 * x, 1)  # noqa: E731
    return {"events_per_s": round(rate), "keys": len(lat), "p50_ms": ms(pct(lat, 50)),
            "p99_ms": ms(pct(lat, 99)), "max_ms": ms(max(lat)), "filter_ms": ms(filter_s),
            "quit_screen_ms": ms(restored - sent), "quit_gone_ms": ms(gone - sent)}
def language_cost(repeats: int) -> list[dict[str, Any]]:
    """Milliseconds to parse, complete and colour each hostile line (best of ``repeats``);
    a line that ends in an exception says which (the language before its bounds)."""
    from reactor_repl.language import completion
    from reactor_repl.language.lexer import ReactorReplLexer
    from reactor_repl.language.parser import ParseError, parse_line

    lexer = ReactorReplLexer()

    def nested(levels: int) -> str:
        return "later 1 " + "do later 1 " * levels + "do note x"

    lines = {
        "a pasted 20 KB word": "x" * 20_000,
        "help + 100 KB": "help " + "x" * 100_000,
        "a 600-level do": nested(600),
        "a 370-level do (4,096 characters)": nested(370)[:4096],
        "2,000 words (4,096 characters)": "send c1 " + "a " * 2044,
    }
    steps: dict[str, Callable[[str], object]] = {
        "parse": parse_line,
        "complete": completion.context,
        "colour": lambda line: list(lexer.get_tokens(line)),
    }
    rows = []
    for label, line in lines.items():
        row: dict[str, Any] = {"line": label, "chars": len(line)}
        for step, fn in steps.items():
            best = math.inf
            for _ in range(repeats):
                t = time.perf_counter()
                try:
                    fn(line)
                except ParseError:
                    pass
                except RecursionError:
                    row[step + "_error"] = "RecursionError"
                best = min(best, time.perf_counter() - t)
            row[step + "_ms"] = round(1000 * best, 2)
        rows.append(row)
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


SECTIONS = ("overhead", "trace", "lints", "memory", "runaway", "startup", "idle", "ready",
            "echo", "redraw", "language", "uiidle", "uiload", "uimax", "traceecho")


def show(section: str, result: object) -> None:
    """One section's figures as text."""
    if section == "overhead":
        print("recording overhead (LoopingCall(0), whole processes; medians, CPU then wall; "
              "[spread of the pairs]):")
        for row in result:  # type: ignore[attr-defined]
            p = row["plain"]
            print(f"  {row['dispatches']:>9,} dispatches  plain Twisted {p['cpu_s']:.3f}s CPU "
                  f"{p['wall_s']:.3f}s wall")
            for label, target in (("quiet", "1.2"), ("json", "1.5")):
                r = row[label]
                print(f"      run --{label:<5} {r['cpu_s']:.3f}s CPU {r['cpu_ratio']:.2f}x "
                      f"{r['cpu_spread']}  {r['wall_s']:.3f}s wall {r['wall_ratio']:.2f}x "
                      f"{r['wall_spread']}  (target <= {target}x)")
    elif section in ("trace", "lints"):
        title = ("traced programs, reactor-repl trace --events vs plain python"
                 if section == "trace" else "the lints on and off (CPU medians)")
        print(f"{title}:")
        for row in result:  # type: ignore[attr-defined]
            what = (f"{row['dispatches']:,} LoopingCall(0) calls" if "dispatches" in row
                    else f"{row['program']} {row['n']:,}")
            p = row["plain"]
            cells = [f"plain {p['cpu_s']:.3f}s CPU {p['wall_s']:.3f}s wall"]
            for label, r in row.items():
                if isinstance(r, dict) and "cpu_ratio" in r:
                    cells.append(f"{label} {r['cpu_s']:.3f}s {r['cpu_ratio']:.2f}x "
                                 f"{r['cpu_spread']} wall {r['wall_ratio']:.2f}x")
            print(f"  {what}: " + "; ".join(cells))
    elif section == "runaway":
        print("a runaway ends the run (default --max-dispatches 100000):")
        for row in result:  # type: ignore[attr-defined]
            print(f"  {row['scenario']}: exit {row['exit']} after {row['wall_s']:.2f}s "
                  "(target: well under 20 s)")
    elif section == "trace_memory":
        print("peak RSS of traced programs as they run longer (the ring keeps 100,000 events):")
        for row in result:  # type: ignore[attr-defined]
            what = (f"echo {row['rounds']:>7,} round trips" if "rounds" in row
                    else f"timers {row['timers']:>9,}")
            print(f"  {what}: peak RSS plain {row['rss_mb_plain']} MB, "
                  f"traced {row['rss_mb_trace']} MB")
    elif section == "memory":
        print("memory (peak RSS; the ring keeps 100,000 events):")
        for row in result:  # type: ignore[attr-defined]
            print(f"  {row['events']:>9,} events  --quiet {row['rss_mb_quiet']:.1f} MB  "
                  f"--json {row['rss_mb_json']:.1f} MB  (target < 150 MB, flat)")
    elif section == "startup":
        print(f"start-up: reactor-repl --help best {result['help_best_s']:.3f}s, "  # type: ignore[index]
              f"median {result['help_median_s']:.3f}s (target < 0.3 s)")  # type: ignore[index]
    elif section == "ready":
        r: Any = result
        print(f"full-screen UI ready (spawned on a {COLS}x{ROWS} pty to its prompt on the screen): "
              f"best {r['ready_best_s']:.3f}s, median {r['ready_median_s']:.3f}s (target < 1 s)")
    elif section == "echo":
        r = result
        print(f"keystroke to echo, live full-screen UI on a {COLS}x{ROWS} pty (read with pyte):")
        print(f"  under a storm of {r['events_per_s']:,} events/s ({r['loops']} x 'every 0.0001'), "
              f"{r['keys']} keys: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
              f"max {r['max_ms']:.1f} ms (target p99 < 50 ms)")
        print(f"  no storm, {r['quiet_keys']} keys: p50 {r['quiet_p50_ms']:.1f} ms, "
              f"p99 {r['quiet_p99_ms']:.1f} ms, max {r['quiet_max_ms']:.1f} ms")
    elif section == "traceecho":
        r = result
        print(f"keystroke to echo in the explorer beside a traced program (trace "
              f"tests/traced/storm.py, {COLS}x{ROWS} pty):")
        print(f"  the program making {r['dispatches_per_s']:,} dispatches/s (asked "
              f"{r['rate_asked']:,}; {r['events_per_s']:,} events/s in the log), {r['keys']} keys: "
              f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
              f"(target p99 < 50 ms)")
        print(f"  the program idle (its 10 ms loop only), {r['quiet_keys']} keys: p50 "
              f"{r['quiet_p50_ms']:.1f} ms, p99 {r['quiet_p99_ms']:.1f} ms, max "
              f"{r['quiet_max_ms']:.1f} ms")
    elif section == "redraw":
        print(f"one redraw ({COLS}x{ROWS}; median, p90) against the number of events in the log:")
        rows: Any = result
        for row in rows:
            print(f"  {row['events']:>9,} events  log pane {row['pane_ms']:.2f} ms "
                  f"({row['pane_p90_ms']:.2f})  whole screen {row['screen_ms']:.2f} ms "
                  f"({row['screen_p90_ms']:.2f})  a key's redraw {row['key_ms']:.2f} ms  "
                  f"draining ~330 new events {row['drain_ms']:.2f} ms")
    elif section == "uiidle":
        r = result
        print(f"live explorer idle {r['seconds']:g}s (from 3 s after start; median): process "
              f"{r['process_pct']:.2f}% of a core, UI thread {r['main_thread_pct']:.2f}% "
              f"(target <= 1%)")
    elif section == "uiload":
        r = result
        print(f"live explorer under 'every 0.001' ({r['events_per_s']:,} events/s on screen; "
              f"{r['seconds']:g}s, median): process {r['process_pct']:.1f}%, UI thread "
              f"{r['main_thread_pct']:.1f}%; headless {r['headless_pct']:.1f}%; the UI's cost "
              f"{r['ui_pct']:.1f}% of a core (target <= 15%)")
    elif section == "uimax":
        r = result
        print(f"live explorer under 'every 0' ({r['events_per_s']:,} events/s): {r['keys']} keys "
              f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
              f"(target p99 < 30 ms); 'filter note' on screen after {r['filter_ms']:.0f} ms; "
              f"quit: screen back after {r['quit_screen_ms']:.0f} ms, process gone after "
              f"{r['quit_gone_ms']:.0f} ms (target < 1 s)")
    elif section == "language":
        print("the command language, in-process, best of the repeats (parse / complete / colour):")
        for row in result:  # type: ignore[attr-defined]
            cells = [f"{row[s + '_ms']:.2f} ms" + (f" ({row[s + '_error']})"
                                                   if s + "_error" in row else "")
                     for s in ("parse", "complete", "colour")]
            print(f"  {row['line']:<36} {' / '.join(cells)}")
    else:
        print(f"idle live session, {result['idle_s']:g}s: CPU {result['cpu_s_slow_0.1']:.3f}s "  # type: ignore[index]
              f"with the watchdog at --slow 0.1, {result['cpu_s_slow_1000']:.3f}s at --slow 1000")  # type: ignore[index]
    sys.stdout.flush()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts, fewer repeats")
    ap.add_argument("--repeats", type=int, default=None,
                    help="interleaved runs of each side (default 5; --quick 3)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    if set(only) - set(SECTIONS):
        ap.error(f"unknown section(s) {','.join(sorted(set(only) - set(SECTIONS)))}; "
                 f"known: {','.join(SECTIONS)}")
    repeats = args.repeats or (3 if args.quick else 5)
    counts = [100_000, 300_000] if args.quick else [100_000, 300_000, 1_000_000]
    results: dict[str, object] = {"machine": machine()}
    if not args.json:
        print(f"machine: {results['machine']}")
    workdir = tempfile.mkdtemp(prefix="rr-bench-")
    try:
        for section in SECTIONS:
            if section not in only:
                continue
            if section == "overhead":
                result: object = [overhead(workdir, n, repeats) for n in (100_000, 300_000)]
            elif section == "trace":
                result = [traced(workdir, prog, n, repeats) for prog, n in TRACED.items()]
                results[section] = result
                if not args.json:
                    show(section, result)
                rounds = [10_000, 30_000] if args.quick else [10_000, 30_000, 100_000]
                section, result = "trace_memory", traced_memory(workdir, rounds)
            elif section == "lints":
                result = [overhead(workdir, 100_000, repeats, lints_off=True)] + [
                    traced(workdir, prog, n, repeats, lints_off=True)
                    for prog, n in TRACED.items()]
            elif section == "memory":
                result = memory(workdir, counts)
            elif section == "runaway":
                result = runaway(workdir)
            elif section == "startup":
                result = startup(5 if args.quick else 10)
            elif section == "ready":
                result = ui_ready(workdir, 5 if args.quick else 10)
            elif section == "echo":
                result = keystroke_echo(workdir, 200 if args.quick else 400)
            elif section == "redraw":
                result = redraw_cost([1_000, 1_000_000], 10 if args.quick else 30)
            elif section == "uiidle":
                result = ui_idle(workdir, repeats)
            elif section == "uiload":
                result = ui_load(workdir, repeats)
            elif section == "uimax":
                result = ui_max(workdir, 200 if args.quick else 400)
            elif section == "language":
                result = language_cost(3 if args.quick else 10)
            elif section == "traceecho":
                result = trace_echo(workdir, 200 if args.quick else 400)
            else:
                result = idle_watchdog(2.0 if args.quick else 3.0)
            results[section] = result
            if not args.json:
                show(section, result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
