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
from typing import Any, Callable, Iterable, Protocol, Sequence

from reactor_repl.engine.commands import execute, record_error
from reactor_repl.engine.core import CommandError, Delivered, Engine
from reactor_repl.engine.describe import plural
from reactor_repl.language.helptext import help_text
from reactor_repl.language.parser import Options, ParseError, Parsed, parse_line
from reactor_repl.language.words import text_lines
from reactor_repl.session import files, scenario
from reactor_repl.session.history import Entry, SessionHistory

MAX_LOAD_DEPTH = 8  # load inside load inside load …: a chain this deep is a mistake
ECHO = 60  # characters of a typed line its parse error repeats (a file's: scenario.QUOTE)
LOAD_ERRORS = 10  # a loaded file's parse errors shown in the log; the rest are counted


UNPARSED = object()  # submit(parsed=…) not given: the driver parses the line itself
PromptHandler = Callable[["Driver", Parsed, "Location"], bool]
PROMPT: dict[str, PromptHandler] = {}  # a prompt command's name → what runs it


def prompt(*names: str) -> Callable[[PromptHandler], PromptHandler]:
    """Register a Driver method as the handler of the prompt commands ``names``."""

    def register(fn: PromptHandler) -> PromptHandler:
        for name in names:
            PROMPT[name] = fn
        return fn

    return register


class View(Protocol):
    """What the driver asks of a view (all optional but show_text)."""

    def show_text(self, text: str) -> None: ...


@dataclass
class Location:
    file: str = "<prompt>"
    line: int = 0
    col: int = 0  # a word's column, where an error names one (FILE:LINE:COL)

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"

    def at(self, p: Parsed, word: str) -> Location:
        """This line, at ``word`` of command ``p`` (its first column if not found)."""
        from reactor_repl.engine.commands import word_at

        return Location(self.file, self.line, p.col + word_at(p.text, word))


@dataclass
class DriverState:
    history: SessionHistory = field(default_factory=SessionHistory)
    quit: bool = False
    file_quit: bool = False  # a file's quit in the explorer: that file ends, not the session
    unrun: bool = False  # the last line was handed to the loop as the session ended


@dataclass
class Held:
    """A line handed to the loop while it was paused at a break: it runs on continue."""

    where: Location
    text: str
    done: threading.Event


STEP_QUIET = 0.5  # live: a file's step gives up on a loop asleep this long with nothing due


def _span(numbers: list[int]) -> str:
    """``line 5`` or ``lines 5–7``: which lines of a file an error is about."""
    return f"line {numbers[0]}" if len(numbers) == 1 else f"lines {numbers[0]}–{numbers[-1]}"


class Driver:
    def __init__(self, engine: Engine, view: Any = None, *, allow_python_files: bool = False,
                 interrupted: Callable[[], bool | str] | None = None,
                 allow_writes_files: bool = False) -> None:
        self.engine = engine
        self.view = view
        self.allow_python_files = allow_python_files
        # --allow-writes: a scenario file may write anywhere and overwrite with force
        self.allow_writes_files = allow_writes_files
        self.state = DriverState()
        self.interrupted = interrupted or (lambda: False)
        self.loading: list[tuple[str, str]] = []  # (as named, real path) of files running now
        self.held: list[Held] = []
        self._line: tuple[Location, str] | None = None  # the line being submitted
        self._delegated = False  # that line went to the reactor, which records if it ran

    # -------------------------------------------------------------- lines
    @property
    def done(self) -> bool:
        return self.state.quit or self.engine.stopped.is_set() or self.engine.ended

    def parse(self, line: str, allow_python: bool = True) -> Parsed | None:
        """A line's command (None for a blank or comment line); raises ParseError."""
        if len(line) > scenario.MAX_LINE:
            raise ParseError(f"a line longer than {scenario.MAX_LINE} characters", 1, "split it")
        try:
            return parse_line(line, Options(allow_python=allow_python))
        except RecursionError:  # the parser's own limit should come first; never a traceback
            raise ParseError("nested too deeply", 1) from None

    def submit(self, line: str, where: Location | None = None, wait: bool = True,
               allow_python: bool = True, parsed: Any = UNPARSED) -> bool:
        """One line as typed. Returns False when it was rejected. ``parsed``: the line's
        command, None or its ParseError, when the caller has parsed it already."""
        eng = self.engine
        where = where or Location()
        if parsed is UNPARSED:
            try:
                parsed = self.parse(line, allow_python)
            except ParseError as e:
                parsed = e
        if isinstance(parsed, ParseError):
            self.parse_error(where, parsed, line)
            return False
        if parsed is None:
            return True
        if self.done and parsed.name == "note" and not self.state.quit:
            # words, not work: a file's notes after its stop still read (nothing runs them)
            eng.record("input", "", parsed.text, {"where": str(where)})
            return execute(eng, parsed, where=str(where) if where.line else "")
        if self.done and not (parsed.name in ("save", "export", "help") and not self.state.quit):
            # after stop, the session can still be saved, exported, and read about
            eng.record("error", "", f"{where}: the session has ended; '{parsed.text}' not run", {})
            return False
        eng.record("input", "", parsed.text, {"where": str(where)})
        entry = None
        inherited = eng.runaway  # a loop that ran away on an earlier line is still busy
        if parsed.name not in ("save", "load", "export", "help", "quit"):
            entry = self.state.history.add(line.strip())
        outer, self._line = self._line, (where, parsed.text)
        try:
            ok = self.run(parsed, where, wait, entry)
        finally:
            self._line = outer
        if entry is not None and eng.runaway and eng.virtual and not inherited:
            entry.ran = False  # it made the runaway: save leaves it out
        return ok

    def parse_error(self, where: Location, e: ParseError, line: str) -> None:
        """The error, and the line it is about (once the input is gone, ``col 7`` alone
        cannot be placed); a file's line only by a short prefix (it may not be a scenario)."""
        if where.line:
            loc = f"{where.file}:{where.line}:{e.col}"
            echo = scenario.prefix(line)
            message = scenario.shorten(e.message)
            text = f"{loc}: {echo}: {message}" if echo else f"{loc}: {message}"
        else:
            echo = scenario.prefix(line, ECHO)
            message = scenario.shorten(e.message, ECHO)
            text = f"{echo}: col {e.col}: {message}" if echo else f"col {e.col}: {message}"
        self.engine.record("error", "", text + (f" — {e.hint}" if e.hint else ""),
                           {"file": where.file, "line": where.line, "col": e.col,
                            "message": message, "hint": e.hint, "source": echo})

    def run(self, parsed: Parsed, where: Location, wait: bool = True,
            entry: Entry | None = None) -> bool:
        self._delegated = False
        ok = self._run(parsed, where, wait, entry)
        if entry is not None and not self._delegated:
            entry.ran = ok  # (a line handed to the reactor says so itself when it has run)
        return ok

    def _run(self, parsed: Parsed, where: Location, wait: bool, entry: Entry | None) -> bool:
        cmd = parsed.command
        if cmd.where == "prompt":
            return PROMPT[cmd.name](self, parsed, where)
        loc = str(where) if where.line else ""
        in_turn = self.engine.prompt_time is not None  # virtual: a file's turn in a block
        if cmd.name == "expect" and wait and (not self.engine.virtual or in_turn) \
                and self.engine.paused_at is None:
            # live: check between two callbacks, not in the middle of one (a chain blocked
            # in a step showed half its result); virtual: the loop is idle already — but
            # not in a file's turn inside a block: there as live, after the block
            return self._in_reactor(parsed, wait, loc, entry)
        if cmd.where == "here":
            if self.engine.commands_waiting and self.engine.paused_at is None:
                # lines typed before it wait for the loop (a block): `show` answers after
                # them, in the order typed (it answered first, of a state they then changed)
                return self._in_reactor(parsed, wait, loc, entry)
            if cmd.group == "session" or not wait or not self.engine.virtual \
                    or self.engine.paused_at is not None or in_turn:
                # (paused: the loop cannot take the hold below; it reads after continue; in
                # a file's turn inside a block the loop is held already, by the block)
                return execute(self.engine, parsed, where=loc)
            # write/close from the prompt, virtual clock: hold the loop in a callback while
            # the prompt writes, so the next poll sees the pipe ready whatever the thread
            # timing; then the loop reacts (doRead) before the next line, as to any line
            eng = self.engine
            held, release = threading.Event(), threading.Event()

            def park() -> None:
                held.set()
                release.wait(5)

            done = eng.deliver(park)
            held.wait(5)
            try:
                ok = execute(eng, parsed, where=loc)
            finally:
                release.set()
            self._settle(done)
            return ok
        return self._in_reactor(parsed, wait, loc, entry)

    def _in_reactor(self, parsed: Parsed, wait: bool, loc: str = "",
                    entry: Entry | None = None) -> bool:
        eng = self.engine
        if parsed.name == "py" and eng.paused_at is not None:
            # a look around at a break: the paused loop runs it now, in its thread (it
            # waited for the next step, then answered about the state after it)
            result: list[bool] = []
            done = eng.run_at_pause(lambda: result.append(execute(eng, parsed, where=loc)))
            if done is not None:
                self._await(done, lambda: eng.paused_at is None)
                ok = all(result)
                if entry is not None:
                    entry.ran = ok
                return ok

        result: list[bool] = []
        self._delegated = True

        def run_line() -> None:
            if eng.virtual:
                eng.clock.line_gap()  # type: ignore[attr-defined]
            ok = execute(eng, parsed, where=loc)
            if eng.virtual and loc and wait:
                # a file's next line comes at once: a block this line sets off before the
                # loop goes idle gives it its turn there (engine _wait_ends_within)
                eng.reactor.line_turn = eng.clock.seconds()
            if entry is not None:
                entry.ran = ok  # known only here: a typed line may run long after Enter
            result.append(ok)

        done = eng.deliver(run_line, line="" if loc else parsed.text)  # (a file says its own)
        if not wait:
            return True
        self._settle(done)
        if not done.is_set() and self.done:
            self.state.unrun = True  # handed to the loop as the session ended: never ran
        return all(result)

    def _settle(self, done: Delivered) -> None:
        """Wait as a scenario line does: until the command ran and, virtual, the loop then
        went idle — not an idle that came before it ran: a runaway goes idle twice (its
        error, then the loop's own wait), and a line that took the second for its own
        returned before it ran (and was saved as the cause of the runaway after it)."""
        eng = self.engine
        # paused at a break or step: the line runs when the loop goes on (waiting for it
        # here held the prompt, so 'continue' could never be typed)
        self._await(done, eng.is_paused)
        if eng.virtual and done.is_set():
            eng.wait_idle_after(done.gen, interrupted=self.interrupted)
        if self._line is not None and not done.is_set() and eng.is_paused():
            self.held = [h for h in self.held if not h.done.is_set()]
            self.held.append(Held(*self._line, done))

    def _await(self, done: Delivered, given_up: Callable[[], bool]) -> None:
        """Wait for a delivered call to have run; not when the person interrupts, the
        loop has ended, or ``given_up()``."""
        while not done.wait(0.05):
            if self.interrupted() or self.engine.stopped.is_set() or given_up():
                return

    def skipped(self) -> list[Held]:
        """Lines given while the loop was paused that have not run (no continue came)."""
        return [h for h in self.held if not h.done.is_set()]

    def end_of_input(self, path: str) -> None:
        """The scenario is over: a shutdown under way finishes (``reactor.run()`` returns
        only once its triggers are done); if a break still holds lines that never ran, say
        which (the session would end with them dropped, and 'nothing pending')."""
        self._shutdown_finishes()
        held = self.skipped()
        if not held or not self.engine.is_paused():
            return
        numbers = [h.where.line for h in held if h.where.line]
        span = _span(numbers) if numbers else f"{len(held)} lines"
        first = scenario.prefix(held[0].text, ECHO)
        self.engine.record(
            "error", "", f"{path}: the loop is still paused before {self.engine.paused_at}: "
            f"{len(held)} line(s) after the break never ran ({span}, from '{first}') — "
            "add continue (or step) after the break",
            {"file": path, "skipped": len(held), "lines": numbers})

    def _shutdown_finishes(self) -> None:
        """After ``stop``, the loop goes on until the shutdown is over (a before-shutdown
        trigger's Deferred holds it), as a plain program's ``reactor.run()`` does: a file
        that ended on ``stop`` cut it short. Not while paused, nor when nothing could ever
        end it (nothing left to run: a plain program would hang there)."""
        eng = self.engine
        r = eng.reactor
        while (r is not None and getattr(r, "_stopped", False) and not eng.stopped.is_set()
               and not self.done and not self.interrupted() and not eng.is_paused()):
            if eng.lints.nothing_can_run():
                return
            self.wait(86400.0 if eng.virtual else 0.1)

    # ------------------------------------------------------- prompt commands
    #  (each found by its name in PROMPT, as the engine's commands are in HANDLERS)
    @prompt("wait")
    def _wait(self, p: Parsed, where: Location) -> bool:
        return self.wait(p["DURATION"], from_file=bool(where.line))

    @prompt("step", "continue")
    def _resume(self, p: Parsed, where: Location) -> bool:
        step = p.name == "step"
        eng = self.engine
        if not where.line:
            eng.no_more_turns()  # typed: the person goes on, not a file's next line
        ok = self.resume(step=step)
        if step and where.line and not eng.virtual:
            self._until_paused()
        if step and eng.stepping and not eng.is_paused() and not eng.stopped.is_set() and (
                eng.virtual or where.line or eng.lints.nothing_due()):
            # nothing to step to yet: the step waits for dispatches to come (it stayed
            # armed, and nothing said so until it paused, commands later)
            first = ("when dispatches come, the loop runs the first and pauses before the next"
                     if eng.step_budget else "the loop pauses before its next dispatch")
            eng.record("break", "", f"step: nothing is due yet; {first} (continue cancels)",
                       {"stepping": True})
        return ok

    files_quit = True  # a file's quit ends the session (run); the explorer's stays open

    @prompt("quit")
    def _quit(self, p: Parsed, where: Location) -> bool:
        if where.line and not self.files_quit:
            # a file loaded or played in the explorer: the person's session is theirs to
            # end (a shared file's last line closed it, and what they had typed was gone)
            self.state.file_quit = True
            self.engine.record("note", "", f"{where}: quit ends {where.file} here; the "
                               "session goes on (quit at the prompt leaves)",
                               {"where": str(where)})
            return True
        self.state.quit = True
        return True

    @prompt("help")
    def _help(self, p: Parsed, where: Location) -> bool:
        self._show(help_text(p["COMMAND"]))
        return True

    @prompt("load")
    def _load(self, p: Parsed, where: Location) -> bool:
        return self.load(p["FILE"], where.at(p, p["FILE"]), fresh=bool(p["fresh"]))

    @prompt("reset")
    def _reset(self, p: Parsed, where: Location) -> bool:
        self.reset()
        return True

    @prompt("use")
    def _use(self, p: Parsed, where: Location) -> bool:
        return self.use(p["MODULE"], where.at(p, p["MODULE"]))

    @prompt("save", "export")
    def _write(self, p: Parsed, where: Location) -> bool:
        req = files.WriteRequest(p["FILE"] or "", p.name, bool(p["force"]),
                                 from_file=bool(where.line),
                                 allow_writes=self.allow_writes_files)
        loc = f"{where.at(p, p['FILE'] or '')}: " if where.line else ""
        return self.save(req, loc) if p.name == "save" else self.export(req, loc)

    @prompt("clear", "filter", "internals")
    def _view(self, p: Parsed, where: Location) -> bool:
        fn = getattr(self.view, p.name, None)
        if fn is None:  # printed headless (a file, piped lines): every event is printed
            if p.name == "filter":
                self.engine.record("note", "", "filter: this output is not a view that "
                                   "filters: every event is printed (the explorer's screen "
                                   "and --line on a terminal filter what they show)", {})
        elif p.name == "filter" and p["PLACES"]:
            from reactor_repl.views.places import split_places

            fn(p["KINDS"], split_places(p["PLACES"]))  # filter … from MODULE_OR_FILE…
        else:
            fn(*([p["KINDS"]] if p.name == "filter" else [p["MODE"] == "on"]
                 if p.name == "internals" else []))
        return True

    def _has_objects(self) -> bool:
        return any(not rec.internal for rec in self.engine.registry.records())

    def _in_loop(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` in the reactor thread and wait for it (as a typed line runs)."""
        eng = self.engine
        done = eng.deliver(fn)
        self._settle(done)

    def reset(self) -> None:
        """A fresh session in this explorer (names free, the clock at 0)."""
        self._in_loop(self.engine.reset)
        self.state.history.clear()

    def use(self, spec: str, where: Location | None = None) -> bool:
        from reactor_repl.engine import python

        ok: list[bool] = []

        def run() -> None:
            try:
                module, how = python.use(self.engine, spec)
            except CommandError as e:  # no such file: the line's error, not a traceback
                record_error(self.engine, f"use {spec}", e,
                             f"{where.file}:{where.line}" if where is not None and where.line
                             else "")
                ok.append(False)
                return
            except (Exception, SystemExit) as e:  # (a module that exits: its error too)
                python.import_failed(self.engine, spec, e,
                                     str(where) if where is not None and where.line else "")
                ok.append(False)
                return
            every = python.callables_of(self.engine)
            own = [n for n in every if n.rpartition(".")[0] in (spec, module.__name__)]
            said = how if how != "taken as it is" else \
                "imported already, taken as it is (not your file: not reloaded)"
            self.engine.record("note", "", f"use {spec}: {module.__name__} {said} "
                               f"({plural(len(own), 'callable')}; {len(every)} in use)",
                               {"module": module.__name__, "how": how})
            ok.append(True)

        self._in_loop(run)
        return bool(ok and ok[0])

    def _show(self, text: str) -> None:
        fn = getattr(self.view, "show_text", None)
        if fn is not None:
            fn(text)
        else:
            print(text)

    def wait(self, seconds: float, from_file: bool = False) -> bool:
        """Let time pass. Virtual: the clock moves to the wait's end (and a file's wait
        that ends inside a callback's block gives its next lines their turn there, as a
        person's lines typed during the block come: engine ``_prompt_turn``)."""
        eng = self.engine
        if eng.virtual:
            r = eng.reactor
            began = eng.prompt_time  # the turn's instant, inside a block (else None)
            until = eng.blocked_until
            if began is not None and until is not None and began + seconds <= until:
                # over inside the same block: the block moves its clock there (what falls
                # due on the way — a job's end — comes first), then gives the next turn
                gen = eng.idle_gen()
                r.wait_target, r.wait_turn = began + seconds, True
                self.engine.park_prompt()
                eng.wait_idle_after(gen, interrupted=self.interrupted)
                if self.interrupted():
                    r.wait_target, r.wait_turn = None, False
                return True

            def set_target() -> None:
                r.wait_target = (eng.clock.seconds() if began is None else began) + seconds
                r.wait_turn = from_file

            done = eng.deliver(set_target)
            self._settle(done)
            if self.interrupted():
                # Ctrl-C: the wait ends here (the loop went on jumping to its end)
                r.wait_target, r.wait_turn = None, False
            return True
        end = time.monotonic() + seconds
        eng.waiting_live = True
        try:
            while not self.done:
                left = end - time.monotonic()
                if left <= 0 or self.interrupted():
                    break
                time.sleep(min(left, 0.05))
                self.tick()
        finally:
            eng.waiting_live = False
        return True

    def resume(self, step: bool) -> bool:
        eng = self.engine
        r = eng.reactor
        gen = eng.idle_gen()
        if eng.virtual and step:
            r.advance_next = True  # set before the loop goes on: it jumps to the next dispatch
        self.engine.park_prompt()
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
                self._settle(done)
            r.advance_next = False
        return True

    def _until_paused(self) -> None:
        """Live, a file's ``step``: its next line waits for the pause at the next dispatch,
        as on the virtual clock (read at once, a ``continue`` undid the step before the
        loop got there) — unless the loop stops, or nothing is left that could dispatch:
        no timer, no thread work, and the loop asleep in its poller STEP_QUIET on end
        with only readers or connections open (only the file's next lines could feed
        them: waiting for them hung the run)."""
        eng = self.engine
        quiet_since: float | None = None
        while not (eng.is_paused() or self.done or eng.stopped.is_set() or self.interrupted()):
            if eng.lints.nothing_can_run():
                break
            if eng.lints.nothing_due() and eng.reactor.phase == "poll":
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= STEP_QUIET:
                    break
            else:
                quiet_since = None
            time.sleep(0.005)
            self.tick()

    def tick(self) -> None:
        """Called while the driver waits; views may flush here."""
        fn = getattr(self.view, "tick", None)
        if fn is not None:
            fn()

    # ------------------------------------------------------------- files
    def load(self, path: str, where: Location | None = None, fresh: bool = False) -> bool:
        """Replay a scenario file into this session, once it is known to be one that can
        run: ``fresh`` resets the session first — not before (a mistyped name wiped it)."""
        text = self._loadable(path, where)
        if text is None:
            return False
        if fresh:
            self.reset()
        elif self._has_objects() and not (where is not None and where.line):
            # typed: a scenario's lines would mix with what the session has (a file
            # that loads another one means to build on what it made)
            hint = f"load {path} fresh (or reset first)"
            self.engine.record("error", "", f"{where}: load {path}: this session already "
                               f"has objects; its lines would mix with them — {hint}",
                               {"hint": hint})
            return False
        self.run_lines(path, text)
        return True

    def _loadable(self, path: str, where: Location | None) -> str | None:
        """The text of a scenario ``load`` can run, or None (each problem an error)."""
        eng = self.engine
        loc = f"{where}: " if where is not None and where.line else ""  # the loading line's
        refused = load_refused(path, self.loading)
        if refused:
            chain = [shown for shown, _ in self.loading] + [path]
            eng.record("error", "", f"{loc}load {path}: {refused}",
                       {"file": path, "chain": chain})
            return None
        try:
            text = scenario.read(path)
        except scenario.Unreadable as e:
            pr = e.problem
            at = f"{path}:{pr.line}:{pr.col}" if pr.line else path
            eng.record("error", "", f"{loc}load {at}: {pr.message}",
                       {"file": path, "line": pr.line, "col": pr.col, "message": pr.message})
            return None
        problems = scenario.check(text, self.allow_python_files)
        if problems:
            for pr in problems[:LOAD_ERRORS]:
                text = f"{path}:{pr.line}:{pr.col}: " + (f"{pr.source}: " if pr.source else "")
                eng.record("error", "", text + pr.message,
                           {"file": path, "line": pr.line, "col": pr.col,
                            "message": pr.message, "source": pr.source})
            if len(problems) > LOAD_ERRORS:
                eng.record("error", "", f"{path}: {len(problems) - LOAD_ERRORS} more error(s)",
                           {"file": path, "more": len(problems) - LOAD_ERRORS})
            eng.record("error", "", f"{loc}load {path}: not run ({len(problems)} error(s))",
                       {"file": path})
            return None
        return text

    def run_lines(self, path: str, text: str | Iterable[str],
                  on_line: Callable[[int], Any] | None = None) -> None:
        """Run each line in turn: ``text`` is a whole scenario, or lines as they come
        (piped standard input is a live session: a line runs when it arrives)."""
        whole = isinstance(text, str)
        if whole:
            self.loading.append((path, os.path.realpath(path)))
        try:
            self._run_lines(path, text, on_line)
        finally:
            if whole:
                self.loading.pop()
            if not self.files_quit and not self.loading:
                # the explorer: the person may type on (or not) — a block that gave the
                # file its turn goes on; a run's end cuts it short instead, as live
                self.engine.no_more_turns()

    def _run_lines(self, path: str, text: str | Iterable[str],
                   on_line: Callable[[int], Any] | None) -> None:
        whole = isinstance(text, str)  # (else lines as they come)
        lines = text_lines(text) if whole else (ln.rstrip("\r\n") for ln in text)
        ended_at, not_run = 0, []  # the line the session ended on; the commands after it
        for lineno, line in enumerate(lines, 1):
            why = self.interrupted()
            if why:
                if isinstance(why, str):  # (a reason: --strict at a hang, not a Ctrl-C)
                    self._rest_not_run(path, lineno - 1, lines if isinstance(text, str) else None,
                                       why)
                break
            if self.done:
                # the rest is not run; but a file's save, export or note after a stop is
                # (from a live pipe, only the lines there already: reading on could wait
                # for ever)
                if self.state.quit or not (whole or self._stop_waiting(text)):
                    break
                whole = True
                ended_at = ended_at or lineno - 1  # (it ended between two lines)
                if _first_word(line) not in ("save", "export", "note"):
                    if line.strip() and not line.lstrip().startswith("#"):
                        not_run.append(lineno)
                    continue
            if on_line is not None:
                on_line(lineno)
            self.submit(line, Location(path, lineno), wait=True,
                        allow_python=self.allow_python_files)
            self.tick()
            if self.state.file_quit:
                self.state.file_quit = False
                break
            if self.engine.runaway:
                self._rest_not_run(path, lineno, lines if isinstance(text, str) else None)
                break
            if self.done and not whole:
                # lines as they come: only those there already (waiting for the next hung
                # quit); they are said not to run, as a file's
                if not self._stop_waiting(text):
                    break
                whole = True
            if self.done and not ended_at:
                ended_at = lineno
                if self.state.unrun:  # (e.g. given during a shutdown trigger's block)
                    not_run.append(lineno)
            self.state.unrun = False
        if not_run and not self.state.quit:
            self._after_the_end(path, ended_at, not_run)

    @staticmethod
    def _stop_waiting(text: Any) -> bool:
        """Lines as they come (a pipe) stop at those there already: False if they cannot."""
        stop = getattr(text, "stop_waiting", None)
        if stop is None:
            return False
        stop()
        return True

    def _after_the_end(self, path: str, ended_at: int, not_run: list[int]) -> None:
        """A file's commands after its session ended (``stop``) are not run: say which
        (an ``expect`` after ``stop`` was skipped without a word, and the run passed)."""
        hint = "put the checks in a shutdown trigger (trigger after shutdown do expect …)"
        self.engine.record("error", "", f"{path}:{ended_at}: the session ended here: "
                           f"{_span(not_run)} ({plural(len(not_run), 'command')}) not run "
                           f"— {hint}",
                           {"where": f"{path}:{ended_at}", "not_run": not_run, "hint": hint})

    def _rest_not_run(self, path: str, lineno: int, lines: list[str] | None,
                      why: str = "a runaway ends the scenario here") -> None:
        """A runaway ends a file (each later line would run the busy loop again), and so
        does --strict at a hang: say which lines that leaves out, rather than end as if
        there were none."""
        if lines is None:  # lines as they come: what follows is not known yet
            rest = "the lines after it are not run"
        else:
            left = [n for n, ln in enumerate(lines[lineno:], lineno + 1)
                    if ln.strip() and not ln.lstrip().startswith("#")]
            if not left:
                return
            rest = f"{_span(left)} ({plural(len(left), 'command')}) not run"
        self.engine.record("error", "", f"{path}:{lineno}: {why}: {rest}",
                           {"where": f"{path}:{lineno}"})

    def save(self, req: files.WriteRequest, loc: str = "") -> bool:
        """``loc``: ``FILE:LINE: `` of a scenario's line, to begin its errors with."""
        hist = self.state.history
        lines = hist.lines()
        try:
            files.check_target(req)
            with files.created(req.path, overwrite=req.force) as f:
                f.write("# saved by reactor-repl\n")
                if hist.dropped:
                    f.write(f"# (the session's first {hist.dropped} lines are not kept: "
                            f"only the last {hist.entries.maxlen})\n")
                for line in lines:
                    f.write(line + "\n")
        except files.WriteRefused as e:
            self._refused(f"{loc}save", req.path, e)
            return False
        except OSError as e:
            self.engine.record("error", "", f"{loc}save {req.path}: {e.strerror or e}",
                               {"file": req.path})
            return False
        left = len(hist) - len(lines)
        extra = []
        if left:
            extra.append(f"{left} that did not run left out")
        if hist.dropped:
            extra.append(f"the first {hist.dropped} dropped: only the last "
                         f"{hist.entries.maxlen} are kept")
        n = len(lines)
        self.engine.record("note", "", f"saved {n} line{'s' if n != 1 else ''} to {req.path}"
                           + (f" ({'; '.join(extra)})" if extra else ""),
                           {"file": req.path, "lines": n, "left_out": left,
                            "dropped": hist.dropped})
        return True

    def export(self, req: files.WriteRequest, loc: str = "") -> bool:
        from reactor_repl.views import exporters

        try:
            exporters.kind_of(req.path)
            files.check_target(req)
            what = exporters.export(self.engine, req.path, self.state.history.lines(),
                                    lambda p: files.created(p, overwrite=req.force))
        except files.WriteRefused as e:
            self._refused(f"{loc}export", req.path, e)
            return False
        except (OSError, ValueError) as e:
            why = (e.strerror if isinstance(e, OSError) else None) or e  # (as save says it)
            self.engine.record("error", "", f"{loc}export {req.path}: {why}", {"file": req.path})
            return False
        except RecursionError:  # a do nested hundreds deep: the parser should refuse it first
            self.engine.record("error", "", f"{loc}export {req.path}: the session nests too deeply "
                               "to export", {"file": req.path})
            return False
        self.engine.record("note", "", f"exported {what} to {req.path}", {"file": req.path})
        return True

    def _refused(self, verb: str, path: str, e: files.WriteRefused) -> None:
        self.engine.record("error", "", f"{verb} {path}: {e}",
                           {"file": path, "message": e.message, "hint": e.hint})


def _first_word(line: str) -> str:
    words = line.split(None, 1)
    return words[0] if words else ""


def check_files(paths: list[str], allow_python: bool) -> list[str]:
    """Parse only; every error as FILE:LINE:COL: message."""
    problems = []
    for path in paths:
        _, found = read_checked(path, allow_python)
        problems += [p.located(path) for p in found]
    return problems


def load_refused(path: str, loading: Sequence[tuple[str, str]]) -> str:
    """Why ``path`` cannot be loaded inside the files ``loading`` now ((as named, real
    path), outermost first), or "": one of them already, or a chain too deep."""
    shown = " → ".join([named for named, _ in loading] + [path])
    if "\x00" in path:
        return ""  # (no such file: reading it says so)
    if any(real == os.path.realpath(path) for _, real in loading):
        return f"a load cycle: {shown}"
    if len(loading) >= MAX_LOAD_DEPTH:
        return f"files load each other more than {MAX_LOAD_DEPTH} deep: {shown}"
    return ""


def read_checked(path: str, allow_python: bool, loading: tuple[tuple[str, str], ...] = ()
                 ) -> tuple[str | None, list[scenario.Problem]]:
    """A scenario's text and its problems (the text is None when it cannot be read): the
    files it loads are checked too, a load error is its ``load`` line's (exit 2)."""
    try:
        text = scenario.read(path)
    except scenario.Unreadable as e:
        return None, [e.problem]
    problems = scenario.check(text, allow_python)
    if not problems:
        problems = _loads_checked(text, allow_python,
                                  (*loading, (path, os.path.realpath(path))))
    return text, problems


def _loads_checked(text: str, allow_python: bool, loading: tuple[tuple[str, str], ...]
                   ) -> list[scenario.Problem]:
    """Each file a scenario loads must be there and a scenario itself, not one that is
    loading it already, at most MAX_LOAD_DEPTH deep (as ``Driver.load`` requires)."""
    out = []
    for lineno, raw in enumerate(text_lines(text), 1):
        if raw.split(None, 1)[:1] != ["load"]:
            continue
        try:
            parsed = parse_line(raw, Options(allow_python=allow_python))
        except ParseError:
            continue
        if parsed is None:
            continue
        target = parsed["FILE"]
        col = raw.find(target) + 1 or 1
        refused = load_refused(target, loading)
        if refused:
            out.append(scenario.Problem(lineno, col, f"load {target}: {refused}"))
        else:
            _, found = read_checked(target, allow_python, loading)
            if found:
                first = found[0]
                where = f"{target}:{first.line}:{first.col}: " if first.line else ""
                out.append(scenario.Problem(lineno, col, f"load {target}: {where}{first.message}"))
    return out
