"""Benchmarks for issue 6: recording overhead, memory, start-up, the idle watchdog.

    .venv/bin/python tests/bench/bench.py            # everything (about two minutes)
    .venv/bin/python tests/bench/bench.py --quick    # smaller counts, fewer repeats

Not a test (pytest does not collect it): speed goals are measured, not asserted.
Every figure is a whole process, started the way a person starts it, so start-up
and exit count too:

* overhead — ``reactor-repl run --clock virtual --quiet`` on ``every 0 times N``
  against a plain Twisted program running ``LoopingCall(f).start(0)`` for N calls,
  interleaved in one run; wall time, median of the repeats, and the ratio.
* memory — peak RSS (``wait4``'s ru_maxrss, what ``/usr/bin/time`` reports) of
  sessions of growing length: it must stay flat once the 100,000-event ring is full.
* start-up — ``reactor-repl --help``, best of the repeats.
* idle watchdog — CPU seconds a live session spends doing nothing for 3 s, with
  --slow 0.1 (the watchdog wakes 10 times a second) and --slow 1000.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

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


def run(cmd: list[str], stdin: str | None = None) -> tuple[float, int, float]:
    """Run to completion: (wall seconds, peak RSS in KB, CPU seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else None,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def overhead(workdir: str, n: int, repeats: int) -> dict[str, float]:
    scenario = os.path.join(workdir, f"every0-{n}.rr")
    with open(scenario, "w") as f:
        f.write(f"every 0 times {n}\n")
    plain = os.path.join(workdir, "plain_loopingcall.py")
    with open(plain, "w") as f:
        f.write(PLAIN)
    ours_cmd = tool() + ["run", scenario, "--clock", "virtual", "--quiet"] + budget(n)
    plain_cmd = [sys.executable, plain, str(n)]
    ours, theirs = [], []
    for _ in range(repeats):  # interleaved: both see the same machine
        theirs.append(run(plain_cmd)[0])
        ours.append(run(ours_cmd)[0])
    o, p = statistics.median(ours), statistics.median(theirs)
    return {"dispatches": n, "reactor_repl_s": round(o, 3), "plain_twisted_s": round(p, 3),
            "ratio": round(o / p, 2), "best_ratio": round(min(ours) / min(theirs), 2)}


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


SECTIONS = ("overhead", "memory", "startup", "idle")


def show(section: str, result: object) -> None:
    """One section's figures as text."""
    if section == "overhead":
        print("recording overhead (LoopingCall(0), whole process, median wall time):")
        for row in result:  # type: ignore[attr-defined]
            print(f"  {row['dispatches']:>9,} dispatches  reactor-repl {row['reactor_repl_s']:.3f}s"
                  f"  plain Twisted {row['plain_twisted_s']:.3f}s  ratio {row['ratio']:.2f}x "
                  f"(best-of {row['best_ratio']:.2f}x; target <= 1.5x)")
    elif section == "memory":
        print("memory (peak RSS; the ring keeps 100,000 events):")
        for row in result:  # type: ignore[attr-defined]
            print(f"  {row['events']:>9,} events  --quiet {row['rss_mb_quiet']:.1f} MB  "
                  f"--json {row['rss_mb_json']:.1f} MB  (target < 150 MB, flat)")
    elif section == "startup":
        print(f"start-up: reactor-repl --help best {result['help_best_s']:.3f}s, "  # type: ignore[index]
              f"median {result['help_median_s']:.3f}s (target < 0.3 s)")  # type: ignore[index]
    else:
        print(f"idle live session, {result['idle_s']:g}s: CPU {result['cpu_s_slow_0.1']:.3f}s "  # type: ignore[index]
              f"with the watchdog at --slow 0.1, {result['cpu_s_slow_1000']:.3f}s at --slow 1000")  # type: ignore[index]
    sys.stdout.flush()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts, fewer repeats")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    repeats = 3 if args.quick else 5
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
            elif section == "memory":
                result = memory(workdir, counts)
            elif section == "startup":
                result = startup(5 if args.quick else 10)
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
