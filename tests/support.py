"""Run scenario text in-process and read the log back, for tests that read like the log."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterable

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver
from reactor_repl.engine.events import Event

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Fuzzing is cheap by default and deep on demand: REACTOR_REPL_FUZZ=deep python -m pytest
# (tests/test_fuzz_driver.py reads the same variable for its Hypothesis profiles)
FUZZ_DEEP = os.environ.get("REACTOR_REPL_FUZZ") == "deep"


def examples(deep: int) -> int:
    """A property test's Hypothesis examples: ``deep`` on demand, a tenth by default."""
    return deep if FUZZ_DEEP else max(20, deep // 10)


def run_scenario(text: str, clock: str = "virtual", allow_python: bool = True,
                 **config: object) -> list[Event]:
    """Replay ``text`` as `reactor-repl run` does and return every event recorded."""
    engine = Engine(Config(clock=clock, **config))  # type: ignore[arg-type]
    driver = Driver(engine, allow_python_files=allow_python)
    engine.start()
    try:
        driver.run_lines("<test>", text)
        driver.end_of_input("<test>")
    finally:
        engine.finish()
    return engine.log.snapshot()


def seen(events: Iterable[Event], kinds: Iterable[str] | None = None,
         internal: bool = False) -> list[tuple[str, str]]:
    """(kind, name) of the events of these kinds, in log order."""
    wanted = set(kinds) if kinds is not None else None
    return [(e.kind, e.name) for e in events
            if (wanted is None or e.kind in wanted) and (internal or not e.internal)]


def seen_ticks(events: Iterable[Event], kinds: Iterable[str]) -> list[tuple[str, str, int]]:
    """(kind, name, tick), with ticks renumbered from 0 at the first one listed."""
    rows = [(e.kind, e.name, e.tick) for e in events if e.kind in set(kinds)]
    if not rows:
        return rows
    base = rows[0][2]
    return [(k, n, t - base) for k, n, t in rows]


def cli(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``python -m reactor_repl ARGS`` and capture its output."""
    env = dict(os.environ, NO_COLOR="1")
    # no input: an empty one, not the terminal pytest was started from (as under CI)
    more = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([sys.executable, "-m", "reactor_repl", *args], **more,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def release(engine: Engine) -> None:
    """Close what a finished engine leaves open: its reactor's epoll and waker pipe (three
    descriptors a session; a test that makes dozens of sessions would run out of them)."""
    r = engine.reactor
    if r is None or not engine.stopped.is_set():
        return
    from reactor_repl.engine.core import _close_reactor

    _close_reactor(r)  # (the engine closes them itself at shutdown; twice is harmless)


def run_program(source: str, where: str) -> list[str]:
    """Write ``source`` (an exported program) to ``where``, run it with this python, and
    return the lines it printed; it must end well, with no traceback but Twisted's logged
    ones ("while handling …")."""
    with open(where, "w", encoding="utf-8") as f:
        f.write(source)
    r = subprocess.run([sys.executable, where], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert r.returncode == 0, r.stderr
    assert all(_logged(r.stderr, at) for at in _tracebacks(r.stderr)), r.stderr
    return [line for line in r.stdout.splitlines() if line.strip()]


def _tracebacks(text: str) -> list[int]:
    out, at = [], text.find("Traceback")
    while at >= 0:
        out.append(at)
        at = text.find("Traceback", at + 1)
    return out


def _logged(text: str, at: int) -> bool:
    """A traceback Twisted logged (a timed call's error, a thread job's nobody took, a
    failed Deferred that went: a loop's start() when its call raised)."""
    before = text[max(0, text.rfind("\n", 0, max(0, at - 1)) - 200):at]
    return ("while handling" in before or "Unhandled Error" in before
            or "Unhandled error in Deferred" in before)
