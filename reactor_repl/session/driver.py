"""The driver: feeds typed lines and scenario lines to the engine.

It is the "prompt" thread of SPEC §1. Commands that belong in the reactor are
delivered with ``callFromThread``; prompt commands (wait, step, load …) run
here; view commands (clear, filter, internals, help) go to the attached view.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from reactor_repl.engine.commands import execute
from reactor_repl.engine.core import Engine
from reactor_repl.language.helptext import help_text
from reactor_repl.language.parser import Options, ParseError, Parsed, parse_line, parse_script


class View(Protocol):
    """What the driver asks of a view (all optional but show_text)."""

    def show_text(self, text: str) -> None: ...


@dataclass
class Location:
    file: str = "<prompt>"
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class DriverState:
    history: list[str] = field(default_factory=list)
    quit: bool = False


class Driver:
    def __init__(self, engine: Engine, view: Any = None, *, allow_python_files: bool = False,
                 interrupted: Callable[[], bool] | None = None) -> None:
        self.engine = engine
        self.view = view
        self.allow_python_files = allow_python_files
        self.state = DriverState()
        self.interrupted = interrupted or (lambda: False)

    # -------------------------------------------------------------- lines
    @property
    def done(self) -> bool:
        return self.state.quit or self.engine.stopped.is_set() or self.engine.ended

    def submit(self, line: str, where: Location | None = None, wait: bool = True,
               allow_python: bool = True) -> bool:
        """One line as typed. Returns False when it was rejected."""
        eng = self.engine
        where = where or Location()
        try:
            parsed = parse_line(line, Options(allow_python=allow_python))
        except ParseError as e:
            self.parse_error(where, e, line)
            return False
        if parsed is None:
            return True
        if self.done and not (parsed.name in ("save", "export", "help") and not self.state.quit):
            # after stop, the session can still be saved, exported, and read about
            eng.record("error", "", f"{where}: the session has ended; '{parsed.text}' not run", {})
            return False
        eng.record("input", "", parsed.text, {"where": str(where)})
        if parsed.name not in ("save", "load", "export", "help", "quit"):
            self.state.history.append(line.strip())
        return self.run(parsed, where, wait)

    def parse_error(self, where: Location, e: ParseError, line: str) -> None:
        loc = f"{where.file}:{where.line}:{e.col}" if where.line else f"col {e.col}"
        self.engine.record("error", "", f"{loc}: {e.message}" + (f" — {e.hint}" if e.hint else ""),
                           {"file": where.file, "line": where.line, "col": e.col,
                            "message": e.message, "hint": e.hint, "source": line})

    def run(self, parsed: Parsed, where: Location, wait: bool = True) -> bool:
        cmd = parsed.command
        if cmd.where == "prompt":
            return self._prompt(parsed, where)
        loc = str(where) if where.line else ""
        if cmd.name == "expect" and wait and not self.engine.virtual \
                and self.engine.paused_at is None:
            # live: check between two callbacks, not in the middle of one (a chain blocked
            # in a step showed half its result); virtual: the loop is idle already
            return self._in_reactor(parsed, wait, loc)
        if cmd.where == "here":
            if cmd.group == "session" or not wait or not self.engine.virtual \
                    or self.engine.paused_at is not None:
                # (paused: the loop cannot take the hold below; it reads after continue)
                return execute(self.engine, parsed, where=loc)
            # write/close from the prompt, virtual clock: hold the loop in a callback while
            # the prompt writes, so the next poll sees the pipe ready whatever the thread
            # timing; then the loop reacts (doRead) before the next line, as to any line
            eng = self.engine
            held, release = threading.Event(), threading.Event()

            def park() -> None:
                held.set()
                release.wait(5)

            gen = eng.idle_gen()
            done = eng.deliver(park)
            held.wait(5)
            try:
                ok = execute(eng, parsed, where=loc)
            finally:
                release.set()
            self._settle(gen, done)
            return ok
        return self._in_reactor(parsed, wait, loc)

    def _in_reactor(self, parsed: Parsed, wait: bool, loc: str = "") -> bool:
        eng = self.engine
        result: list[bool] = []
        gen = eng.idle_gen()

        def run_line() -> None:
            if eng.virtual:
                eng.clock.line_gap()  # type: ignore[attr-defined]
            result.append(execute(eng, parsed, where=loc))

        done = eng.deliver(run_line)
        if not wait:
            return True
        self._settle(gen, done)
        return all(result)

    def _settle(self, gen: int, done: Any) -> None:
        """Wait as a scenario line does: until the command ran (and, virtual, the loop idles)."""
        eng = self.engine
        if eng.virtual:
            eng.wait_idle_after(gen, interrupted=self.interrupted)
        else:
            while not done.wait(0.05):
                # paused at a break or step: the line runs when the loop goes on (waiting
                # for it here held the prompt, so 'continue' could never be typed)
                if self.interrupted() or eng.stopped.is_set() or eng.is_paused():
                    return

    # ------------------------------------------------------- prompt commands
    def _prompt(self, p: Parsed, where: Location) -> bool:
        eng = self.engine
        name = p.name
        if name == "wait":
            return self.wait(p["DURATION"])
        if name in ("step", "continue"):
            return self.resume(step=name == "step")
        if name == "quit":
            self.state.quit = True
            return True
        if name == "help":
            self._show(help_text(p["COMMAND"]))
            return True
        if name == "load":
            if p["fresh"]:
                self.reset()
            elif self._has_objects():
                eng.record("error", "", f"{where}: load {p['FILE']}: this session already has "
                           "objects; its lines would mix with them",
                           {"hint": f"load {p['FILE']} fresh (or reset first)"})
                return False
            return self.load(p["FILE"], where)
        if name == "reset":
            self.reset()
            return True
        if name == "use":
            return self.use(p["MODULE"])
        if name == "save":
            return self.save(p["FILE"])
        if name == "export":
            return self.export(p["FILE"])
        if name in ("clear", "filter", "internals"):
            fn = getattr(self.view, name, None)
            if fn is not None:
                fn(*([p["KINDS"]] if name == "filter" else [p["MODE"] == "on"]
                     if name == "internals" else []))
            return True
        eng.record("error", "", f"{name} cannot run here")  # pragma: no cover
        return False

    def _has_objects(self) -> bool:
        return any(not rec.internal for rec in self.engine.registry.records())

    def _in_loop(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` in the reactor thread and wait for it (as a typed line runs)."""
        eng = self.engine
        gen = eng.idle_gen()
        done = eng.deliver(fn)
        self._settle(gen, done)

    def reset(self) -> None:
        """A fresh session in this explorer (names free, the clock at 0)."""
        self._in_loop(self.engine.reset)
        self.state.history.clear()

    def use(self, spec: str) -> bool:
        from reactor_repl.engine import python

        ok: list[bool] = []

        def run() -> None:
            try:
                module = python.use(self.engine, spec)
            except Exception as e:
                python.import_failed(self.engine, spec, e)
                ok.append(False)
                return
            self.engine.record("note", "", f"use {spec}: {module.__name__} imported "
                               f"({len(python.callables_of(self.engine))} callables in use)",
                               {"module": module.__name__})
            ok.append(True)

        self._in_loop(run)
        return bool(ok and ok[0])

    def _show(self, text: str) -> None:
        fn = getattr(self.view, "show_text", None)
        if fn is not None:
            fn(text)
        else:
            print(text)

    def wait(self, seconds: float) -> bool:
        eng = self.engine
        if eng.virtual:
            gen = eng.idle_gen()
            r = eng.reactor

            def set_target() -> None:
                r.wait_target = eng.clock.seconds() + seconds

            done = eng.deliver(set_target)
            self._settle(gen, done)
            return True
        end = time.monotonic() + seconds
        while not self.done:
            left = end - time.monotonic()
            if left <= 0 or self.interrupted():
                break
            time.sleep(min(left, 0.05))
            self.tick()
        return True

    def resume(self, step: bool) -> bool:
        eng = self.engine
        r = eng.reactor
        gen = eng.idle_gen()
        if eng.virtual and step:
            r.advance_next = True  # set before the loop goes on: it jumps to the next dispatch
        was_paused = eng.resume(step)
        if eng.virtual:
            if was_paused:
                # the loop goes on by itself; a wake-up sent now would race it (the pass
                # that ran the next timer depended on when the waker was read)
                eng.wait_idle_after(gen, interrupted=self.interrupted)
            else:
                # nothing paused: the loop idles, and would never go idle "again" unless
                # woken ('continue' with no break hung the driver for good)
                done = eng.deliver(lambda: None)
                self._settle(gen, done)
            r.advance_next = False
        return True

    def tick(self) -> None:
        """Called while the driver waits; views may flush here."""
        fn = getattr(self.view, "tick", None)
        if fn is not None:
            fn()

    # ------------------------------------------------------------- files
    def load(self, path: str, where: Location | None = None) -> bool:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.engine.record("error", "", f"load {path}: {e.strerror or e}",
                               {"file": path, "message": str(e)})
            return False
        lines, errors = parse_script(text, Options(allow_python=self.allow_python_files))
        if errors:
            for lineno, err in errors:
                self.parse_error(Location(path, lineno), err, "")
            return False
        self.run_lines(path, text)
        return True

    def run_lines(self, path: str, text: str | Iterable[str],
                  on_line: Callable[[int], Any] | None = None) -> None:
        """Run each line in turn: ``text`` is a whole scenario, or lines as they come
        (piped standard input is a live session: a line runs when it arrives)."""
        lines = text.splitlines() if isinstance(text, str) else (ln.rstrip("\r\n") for ln in text)
        for lineno, line in enumerate(lines, 1):
            if self.interrupted():
                break
            if self.done:
                # the rest is not run; but a file's save or export after a stop still is
                # (from a live pipe, reading on could wait for ever: the session ends)
                if not isinstance(text, str) or self.state.quit:
                    break
                if _first_word(line) not in ("save", "export"):
                    continue
            if on_line is not None:
                on_line(lineno)
            self.submit(line, Location(path, lineno), wait=True,
                        allow_python=self.allow_python_files)
            self.tick()
            if self.engine.runaway:
                break

    def save(self, path: str) -> bool:
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write("# saved by reactor-repl\n")
                for line in self.state.history:
                    f.write(line + "\n")
        except OSError as e:
            self.engine.record("error", "", f"save {path}: {e.strerror or e}", {"file": path})
            return False
        self.engine.record("note", "", f"saved {len(self.state.history)} lines to {path}", {})
        return True

    def export(self, path: str) -> bool:
        from reactor_repl.views import exporters

        try:
            what = exporters.export(self.engine, path, self.state.history)
        except (OSError, ValueError) as e:
            self.engine.record("error", "", f"export {path}: {e}", {"file": path})
            return False
        self.engine.record("note", "", f"exported {what} to {path}", {"file": path})
        return True


def _first_word(line: str) -> str:
    words = line.split(None, 1)
    return words[0] if words else ""


def check_files(paths: list[str], allow_python: bool) -> list[str]:
    """Parse only; every error as FILE:LINE:COL: message."""
    problems = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            problems.append(f"{path}:0:0: cannot read: {e.strerror or e}")
            continue
        except UnicodeDecodeError as e:
            problems.append(f"{path}:0:0: not UTF-8 text: {e.reason}")
            continue
        _, errors = parse_script(text, Options(allow_python=allow_python))
        for lineno, err in errors:
            problems.append(f"{path}:{lineno}:{err.col}: {err}")
    return problems


def exists(path: str) -> bool:
    return os.path.exists(path)
