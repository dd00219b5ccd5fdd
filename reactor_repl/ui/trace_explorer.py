"""The explorer beside a traced program (``reactor-repl trace PROGRAM.py`` on a terminal).

The program keeps the main thread and runs its own reactor there; the explorer runs in
another thread on the same engine. The prompt works on the live program: typed commands
reach its reactor as they do in a session (``callFromThread`` underneath), ``show``,
``waiting`` and ``expect`` read what was recorded, and ``py`` runs in the program's
``__main__`` namespace. The program's life is not the explorer's: before
``reactor.run()`` a typed command waits for the loop; once the loop has stopped, what
would run on it is refused (``py`` then runs at the prompt: nothing else runs); when
the program has ended the explorer stays open on its final state until ``quit``. A
``quit`` (or Ctrl-C on an empty line) while the program runs stops its reactor.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from reactor_repl.engine.commands import execute
from reactor_repl.language.parser import Parsed
from reactor_repl.session.driver import Driver, Location
from reactor_repl.ui.explorer import Explorer
from reactor_repl.ui.waiting_watch import Waits, recorded

STOPPED_HINT = ("show, waiting, expect and py still answer from the final state; quit leaves")
RESET_HINT = "the program's objects are its own; quit, and trace the program again"


class Program(Protocol):
    """What the explorer needs of the program it runs beside (program/beside.py)."""

    label: str

    def loop_state(self) -> str:
        """"not started" (before reactor.run), "running", "stopped" or "ended"."""

    def ended_text(self) -> str:
        """How the program ended (``the program exited 0``), or "" while it runs."""

    def stop(self) -> None:
        """The person quits while the program runs: stop its reactor."""

    def ended_now(self) -> float | None:
        """The engine's clock when the program ended (the status stops there)."""


class TraceDriver(Driver):
    """The driver beside a program: refuses what its loop can no longer run."""

    program: Program | None = None

    def _run(self, parsed: Parsed, where: Location, wait: bool, entry: Any) -> bool:
        cmd = parsed.command
        if cmd.python:
            self._program_namespace()
        if cmd.name == "reset" or (cmd.name == "load" and parsed["fresh"]):
            what = "load … fresh" if cmd.name == "load" else "reset"
            return self._refuse(parsed, f"{what} would stop and close the program's own "
                                        "objects", RESET_HINT)
        state = self.program.loop_state() if self.program is not None else "running"
        if state in ("stopped", "ended"):
            if cmd.where == "here" or cmd.name == "py":
                # nothing runs the loop now: here is as good as the loop (on the virtual
                # clock a look went through a hold of the loop, which never came: every
                # later line was swallowed)
                return execute(self.engine, parsed, where=str(where) if where.line else "")
            if cmd.where == "reactor":
                return self._refuse(parsed, "the program's reactor has stopped: nothing runs "
                                            "on it now", STOPPED_HINT)
        return super()._run(parsed, where, wait, entry)

    def _has_objects(self) -> bool:
        """Beside a program its objects are always there: a scenario loaded runs among
        them (what loading one there is for), not refused with a hint to reset."""
        return False

    def _in_loop(self, fn: Any) -> None:
        state = self.program.loop_state() if self.program is not None else "running"
        if state in ("stopped", "ended"):
            self.engine.record("error", "", "the program's reactor has stopped: nothing runs "
                               f"on it now — {STOPPED_HINT}", {"hint": STOPPED_HINT})
            return
        super()._in_loop(fn)

    def _refuse(self, parsed: Parsed, message: str, hint: str) -> bool:
        self.engine.record("error", "", f"{parsed.text}: {message} — {hint}",
                           {"command": parsed.text, "message": message, "hint": hint})
        return False

    def _program_namespace(self) -> None:
        """``py`` (and the names ``use`` adds) live in the program's ``__main__``."""
        main = sys.modules.get("__main__")
        ns = getattr(main, "__dict__", None)
        if isinstance(ns, dict) and ns is not self.engine.namespace and \
                ns.get("__name__") == "__main__":
            self.engine.namespace = ns


class TraceExplorer(Explorer):
    """The full-screen explorer on a traced program's engine."""

    driver_class = TraceDriver
    capture_output = False  # the runner captures the program's output from its start
    # Python's own collections, as under python: freezing what survives a collection
    # (as a session's explorer does, ui/collector.py) would freeze the program's objects
    # too, and one of its cycles that became garbage — a failed Deferred's, whose
    # collection is when Twisted logs "Unhandled error in Deferred" — would be freed
    # seconds late. Observing must not change when that happens; keys echo slower.
    manage_gc = False
    welcome_first = True

    def __init__(self, engine: Any, program: Program, **kw: Any) -> None:
        super().__init__(engine, **kw)
        self.program = program
        self.driver.program = program  # type: ignore[attr-defined]
        self._final_waits: tuple[Any, Waits] | None = None

    def welcome(self) -> str:
        return (f"tracing {self.program.label} ({self.engine.config.clock} clock): what it "
                "prints is in the log · help: the commands · quit stops it · F1: help on "
                "what you type · the keys are the explorer's: the program's standard input "
                "is empty here (to type to it, trace it with --line)")

    def waiting_now(self) -> Waits:
        """Once its loop has returned: what its Deferreds waited for then (kept while its
        objects lived; after the program ends they are gone)."""
        final = self.engine.final_waiting
        if final is not None and self.program.loop_state() in ("stopped", "ended"):
            if self._final_waits is None or self._final_waits[0] is not final:
                self._final_waits = (final, recorded(final))
            return self._final_waits[1]
        return super().waiting_now()

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap["program"] = {"loop": self.program.loop_state(),
                           "ended": self.program.ended_text()}
        at = self.program.ended_now()
        if at is not None:
            snap["now"] = at
        return snap

    def request_quit(self) -> None:
        """quit, Ctrl-D, Ctrl-C on an empty line: a running program's reactor stops too."""
        if self.quit_at is None and self.program.loop_state() != "ended":
            self.program.stop()
        super().request_quit()

    def program_ended(self, text: str, code: int) -> None:
        """The program has ended (main thread): say so; the final state stays on screen."""
        self.actions.put(lambda: self.pane.message(
            f"{text}: its final state stays here · show, waiting, expect, py still answer · "
            f"quit leaves (exit {code})"))
        self.busy()

    def _finish_engine(self) -> None:
        pass  # the runner ends the recording once the program has ended
