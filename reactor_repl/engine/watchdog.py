"""The live watchdog: notices a loop that has not come back, and says where it is stuck.

A daemon thread, started by ``Engine.start()`` on the live clock only (on the
virtual clock time never passes on its own, so nothing can stall). It reads two
attributes the reactor keeps anyway — ``phase`` and ``busy_since``, the moment
the loop last came back from the poller — and sleeps in between: at most one
wake-up per ``--slow`` seconds while the loop is idle, and nothing on the
reactor's side. Only when the loop has been away for ``--slow`` does it look at
the reactor thread's stack (``sys._current_frames()``) and record one
``warn.blocked`` for that stall, naming the file, line and function.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any

from reactor_repl.engine.unlisted import Unlisted

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

# the loop is away (running callbacks, or blocked) in these phases; "poll" and
# "idle" are the loop waiting, "paused" is a break the person asked for
AWAY_PHASES = frozenset({"run", "blocked"})
MIN_SLEEP = 0.005  # with a tiny --slow, do not spin
HANG_AFTER = 1.0  # live: seconds of waiting in the poller before looking for a hang
STACK_SHOWN = 8  # frames kept in the event's data

# where the engine itself waits: never "where it is stuck" if anything else is on the stack
_PLUMBING = ("reactor_repl.engine.core", "reactor_repl.engine.clock",
             "reactor_repl.engine.commands.__init__", "reactor_repl.engine.recorder",
             "reactor_repl.engine.reactor", "reactor_repl.observe.deferreds",
             "reactor_repl.observe.timers", "reactor_repl.observe.reactor",
             "reactor_repl.observe.tcp", "reactor_repl.observe.threads")


def _module(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__") or "")


def _is_library(module: str) -> bool:
    """Python's standard library, Twisted and the explorer itself: not the person's code."""
    top = module.split(".", 1)[0]
    return (top in ("reactor_repl", "twisted", "zope", "threading")
            or top in getattr(sys, "stdlib_module_names", ()))


def short_path(filename: str) -> str:
    """``reactor_repl/engine/commands/time.py`` rather than an absolute path."""
    norm = filename.replace(os.sep, "/")
    for marker in ("/site-packages/", "/reactor_repl/"):
        i = norm.rfind(marker)
        if i >= 0:
            return norm[i + 1:] if marker == "/reactor_repl/" else norm[i + len(marker):]
    from reactor_repl.observe.sites import short_path as relative

    return relative(filename)


def where_stuck(frame: FrameType | None) -> dict[str, Any]:
    """The frame to name for a stall, innermost first: the person's own code (a ``py``
    line, a program's callback); else the explorer's command doing it (``block``);
    else whatever is innermost. Plus a short stack for the data."""
    frames: list[FrameType] = []
    f = frame
    while f is not None:
        frames.append(f)
        f = f.f_back
    if not frames:
        return {"file": "?", "line": 0, "function": "?", "stack": []}
    chosen = next((f for f in frames if not _is_library(_module(f))), None)
    if chosen is None:
        chosen = next((f for f in frames if _module(f).startswith("reactor_repl.")
                       and not _module(f).startswith(_PLUMBING)), None)
    if chosen is None:
        chosen = next((f for f in frames if _module(f).startswith("reactor_repl.")), frames[0])
    stack = [f"{short_path(f.f_code.co_filename)}:{f.f_lineno} {f.f_code.co_name}"
             for f in frames[:STACK_SHOWN]]
    return {"file": short_path(chosen.f_code.co_filename), "line": chosen.f_lineno,
            "function": chosen.f_code.co_name, "stack": stack}


def shutting_down(engine: Engine, reactor: Any) -> bool:
    """reactor.stop() was called (or the loop has ended): the shutdown's own waits, such as
    joining the thread pool, are not a stall of the person's program."""
    stopped = getattr(engine, "stopped", None)
    return getattr(reactor, "_stopped", False) is True or (
        stopped is not None and stopped.is_set())


class Watchdog:
    """One per live engine; ``stop`` (the clock's shutdown event) ends it."""

    def __init__(self, engine: Engine, threshold: float, stop: threading.Event) -> None:
        self.engine = engine
        self.threshold = threshold
        self.stop = stop
        self.stuck: dict[str, Any] | None = None  # the stall going on now, for the state pane
        self._warned_for: float | None = None  # busy_since of the stall already reported
        self._thread: Unlisted | None = None

    def start(self) -> None:
        # (not a threading.Thread: a traced program listing its threads would see it)
        self._thread = Unlisted(self._run)
        self._thread.start()

    def _run(self) -> None:
        self.engine.label_thread("watchdog")
        try:
            while not self.stop.is_set():
                self.stop.wait(self.check())
        except Exception as e:  # observation never breaks the observed
            try:
                self.engine.record("error", "", f"the watchdog stopped: {type(e).__name__}: {e}")
            except Exception:
                pass

    def check(self, now: float | None = None) -> float:
        """Look once; warn if the loop has been away too long. Returns how long to sleep."""
        r = self.engine.reactor
        threshold = self.threshold
        if r is None or self.engine.ended:
            self.stuck = None
            return threshold
        phase = r.phase
        since = r.busy_since
        now = time.monotonic() if now is None else now
        if shutting_down(self.engine, r):
            # the shutdown's own waits (joining the pool) are no stall of the program's; a
            # shutdown that waits in the poller for a Deferred nothing can fire (a 'before'
            # trigger's) is a hang, the program's "why does it not exit"
            self.stuck = None
            if phase == "poll" and r.running and now - getattr(r, "phase_since", now) >= HANG_AFTER:
                self._hang()
            return max(min(threshold, HANG_AFTER), MIN_SLEEP)
        if phase not in AWAY_PHASES:
            self.stuck = None
            if phase == "poll" and (self.engine.waiting_live
                                    or now - getattr(r, "phase_since", now) >= HANG_AFTER):
                self._hang()
            return max(min(threshold, HANG_AFTER), MIN_SLEEP)
        away = now - since
        if away < threshold:
            self.stuck = None
            # wake exactly when this stretch would become a stall
            return max(threshold - away, MIN_SLEEP)
        if self._warned_for != since:
            self._warned_for = since
            self._warn(away)
        return max(threshold / 2, MIN_SLEEP)

    def _hang(self) -> None:
        """The loop has waited in the poller a while: hung, if nothing could ever wake it."""
        eng = self.engine
        r = eng.reactor
        if any(dc.active() for dc in list(r.getDelayedCalls())):
            return  # a timer will wake it: not hung (and the cheap check first)
        eng.hung()

    def _warn(self, away: float) -> None:
        eng = self.engine
        r = eng.reactor
        frame = sys._current_frames().get(r.thread_ident) if r.thread_ident else None
        where = where_stuck(frame)
        del frame
        current = eng.current
        during = f"{current.kind} {current.name}".strip() if current is not None else ""
        inner = eng.program_part(current) if current is not None and not current.name else None
        if inner is not None:  # (Twisted's own dispatch: what of the program's it ran)
            during += f" (Twisted's own, running {inner.kind} {inner.name})"
        where["seconds"] = round(away, 6)
        where["during"] = during
        self.stuck = where
        text = (f"loop blocked {away:.3f}s (> --slow {self.threshold:g}s) in "
                f"{where['function']} ({where['file']}:{where['line']})"
                + (f" during {during}" if during else ""))
        if getattr(eng, "expected_block", False):
            return  # a block the person typed: the state pane shows it, no warning
        eng.warned["warn.blocked"] += 1
        name = inner.name if inner is not None else current.name if current is not None else ""
        ev = eng.record("warn.blocked", name, text, where)
        eng.last_warning = ev
