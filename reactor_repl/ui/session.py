"""What the full-screen explorer and line mode share: one object holding the
engine, the driver in its prompt worker, history, play and the cached snapshot
(ptpython keeps its UI state in one object the same way)."""

from __future__ import annotations

import errno
import os
import signal
import threading
import time
from typing import Any, Callable

from reactor_repl.engine.core import Engine
from reactor_repl.session.driver import Driver, Location
from reactor_repl.language.parser import ParseError
from reactor_repl.language.words import text_lines
from reactor_repl.ui.play import Player
from reactor_repl.ui.worker import PromptWorker

QUIT_GRACE = 0.5  # seconds queued commands get to run before quit leaves anyway
EXIT_INTERRUPTED = 130  # SIGINT from outside (SPEC §5)
# what reading or writing a terminal that has gone away (its window closed) raises
LOST_TERMINAL = (errno.EIO, errno.EPIPE, errno.EBADF, errno.ENXIO, errno.ENOTTY)
SNAPSHOT_AGE = 0.25  # the engine's state is asked at most 4 times a second while shown
SNAPSHOT_SHARE = 50  # ... and then no sooner than 50 times what the last one took
SNAPSHOT_MAX_AGE = 1.0


class Session:
    """Subclasses are views: the driver calls show_text, clear, filter, internals, tick."""

    driver_class = Driver  # a traced program's explorer refuses what its loop cannot run

    def __init__(self, engine: Engine, *, allow_python_files: bool = False,
                 player: Player | None = None) -> None:
        self.engine = engine
        self.worker = PromptWorker(on_error=self._job_failed)
        self.driver = self.driver_class(engine, self, allow_python_files=allow_python_files,
                                        interrupted=self._interrupted)
        self.driver.files_quit = False  # a file's quit ends that file: the explorer stays
        self.player = player
        self.quit_at: float | None = None  # when quit was asked for
        self.exit_code = 0
        self._snap: dict[str, Any] = {}
        self._snap_at = 0.0
        self._snap_age = SNAPSHOT_AGE  # how old the snapshot may get (see snapshot)
        self._snap_seq = 0  # the log's last seq when the snapshot was taken
        # the live wait running now: (when it began, its seconds, the line) for the status
        self.waiting: tuple[float, float, str] | None = None

    # -- state for the views
    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        if now - self._snap_at > self._snap_age or not self._snap:
            seq = self.engine.log.seq
            t0 = time.perf_counter()
            try:
                self._snap = self.engine.snapshot()
                self._snap_seq = seq
            except Exception:  # another thread changed something mid-read; try again soon
                pass
            # a snapshot of thousands of objects (a busy traced program's) takes a while:
            # asked less often then, so that it stays a small share of the UI's time
            self._snap_age = max(SNAPSHOT_AGE, min(SNAPSHOT_MAX_AGE, SNAPSHOT_SHARE *
                                                   (time.perf_counter() - t0)))
            self._snap_at = now
        return self._snap

    def items(self) -> list[dict[str, Any]]:
        self._snap_at = 0.0  # completion wants the latest names
        return list(self.snapshot().get("items") or [])

    def python_names(self) -> list[str]:
        """``module.attr`` of the callables and classes of the modules in ``use``."""
        from reactor_repl.engine import python

        try:
            return python.callables_of(self.engine)
        except Exception:  # (a module changing meanwhile: nothing to offer this time)
            return []

    def next_name(self, family: str) -> str:
        """The automatic name the engine would give a new object of ``family`` now."""
        return self.engine.registry.peek_name(family)

    @property
    def live(self) -> bool:
        return not self.engine.virtual

    # -- input
    def submit_text(self, text: str) -> None:
        """A line typed at the prompt (Enter); pasted lines run one after another."""
        if "\n" in text.strip():
            for line in text_lines(text):
                if line.strip():
                    self.submit_text(line)
            return
        if not text.strip():
            if self.player is not None and self.player.step and self.player.active:
                self.step_play()
            return
        try:  # parsed once: the driver is given the command (or the error), not the text
            parsed: Any = self.driver.parse(text)
        except ParseError as e:
            parsed = e
        if isinstance(parsed, ParseError):
            self.worker.submit(text, lambda: self.driver.submit(text, parsed=parsed))
            return
        if parsed is not None and parsed.name == "quit":
            self.request_quit()
            return
        if parsed is not None and parsed.name == "help" and parsed["COMMAND"] == "keys":
            self.show_text(self.keys_help())
            return
        if parsed is not None and parsed.name == "wait":
            self.worker.submit(text, lambda: self._wait(text, parsed))
            return
        self.worker.submit(text, lambda: self.driver.submit(text, wait=not self.live,
                                                            parsed=parsed))

    def _wait(self, text: str, parsed: Any) -> None:
        """A ``wait``: the status line counts it, on its clock (prompt thread)."""
        self.waiting = (self._wait_clock(), float(parsed["DURATION"]), text.strip())
        try:
            self.driver.submit(text, wait=not self.live, parsed=parsed)
        finally:
            self.waiting = None

    def _wait_clock(self) -> float:
        """Where a wait is measured: real seconds live, the clock's own virtual."""
        return time.monotonic() if self.live else self.engine.now()

    def wait_progress(self) -> str:
        """``waiting 1.2/3s`` while a wait runs, else ''."""
        w = self.waiting
        if w is None:
            return ""
        return f"waiting {min(self._wait_clock() - w[0], w[1]):.1f}/{w[1]:g}s"

    def request_quit(self) -> None:
        """quit, Ctrl-D, Ctrl-C on an empty line: commands already queued get a moment."""
        if self.quit_at is None:
            self.quit_at = time.monotonic()  # should_leave() stops waiting after QUIT_GRACE

            def quit_job() -> None:
                self.driver.state.quit = True

            self.worker.submit("quit", quit_job)

    def _interrupted(self) -> bool:
        """Asked by the driver between lines and while it waits (prompt thread)."""
        if self.worker.interrupt.is_set():
            return True
        p = self.player
        return p is not None and p.state == "stopped" and self.worker.current == "play"

    def catch_signals(self) -> Callable[[], None]:
        """SIGTERM / SIGHUP leave like quit (the terminal is restored); SIGINT sent from
        outside too, with exit code 130 (a Ctrl-C typed is a key, not a signal: the
        terminal is in raw mode). Returns the undo."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        old: dict[int, Any] = {}

        def leave(signum: int, frame: Any) -> None:
            if signum == signal.SIGINT:
                self.exit_code = EXIT_INTERRUPTED
            self.request_quit()
            self.wake()

        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None), signal.SIGINT):
            if sig is not None:
                old[sig] = signal.signal(sig, leave)

        def undo() -> None:
            for sig, handler in old.items():
                signal.signal(sig, handler)

        return undo

    def wake(self) -> None:
        """Make the UI notice a quit asked from outside (a signal)."""

    def terminal_lost(self, e: BaseException) -> bool:
        """The terminal went away under the UI (its window closed): True if that is what
        ``e`` says. Then the session ends quietly, as on SIGHUP: nothing more is written to
        the dead terminal, and nothing is left for Python to flush into it at exit."""
        if not isinstance(e, EOFError) and getattr(e, "errno", None) not in LOST_TERMINAL:
            return False
        self.request_quit()
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.close(devnull)
        except OSError:
            pass
        return True

    def should_leave(self) -> bool:
        if self.driver.state.quit:
            return True
        return self.quit_at is not None and time.monotonic() - self.quit_at > QUIT_GRACE

    def interrupt(self) -> bool:
        """Ctrl-C: stop a replay, a wait or a load. False when there was nothing to stop."""
        p = self.player
        stopped = False
        if p is not None and p.active and (p.state == "running" or p.step):
            p.state = "stopped"
            stopped = True
            self.engine.no_more_turns()  # (a block waiting for the file's next line)
        if self.worker.current not in (None, "quit"):
            w = self.waiting
            if w is not None:
                self.engine.end_wait()
                self.warn(f"{w[2]}: stopped after {self._wait_clock() - w[0]:.1f}s (Ctrl-C)")
            self.worker.interrupt.set()
            stopped = True
        return stopped

    # -- play
    def start_play(self) -> None:
        p = self.player
        if p is None:
            return
        if p.step:
            # the chapter's opening comments at once (the screen opened almost empty, and
            # they came only with the first Enter)
            nxt = p.next_line()
            for c in nxt[2] if nxt is not None else []:
                self.comment(c)
            p.comments_shown = nxt[0] if nxt is not None else 0
            return
        p.state = "running"

        def on_line(n: int) -> None:
            p.lineno = n

        def job() -> None:
            if p.state != "running":
                return  # stopped before it began
            try:
                self.driver.run_lines(p.path, p.text, on_line=on_line)
            finally:
                if p.state == "running":
                    p.state = "stopped" if self._interrupted() else "done"

        self.worker.submit("play", job)

    def step_play(self) -> None:
        p = self.player
        if p is None:
            return
        nxt = p.next_line()
        if nxt is None:
            p.state = "done"
            return
        lineno, line, comments = nxt
        for c in comments if lineno > p.comments_shown else []:
            self.comment(c)
        lines = [(lineno, line)] + p.paragraph(lineno)  # (a note of several lines: whole)
        p.lineno = lines[-1][0]
        allow = self.driver.allow_python_files

        def job() -> None:
            if p.quit_line:  # (an Enter queued before the file's quit ended its replay)
                return
            for n, text in lines:
                self.driver.submit(text, Location(p.path, n), wait=True, allow_python=allow)
                if self.driver.state.file_quit:  # the file's quit: its replay ends here
                    self.driver.state.file_quit = False
                    p.state, p.quit_line = "done", n
                    return
            if p.next_line() is None and p.state != "stopped":
                p.state = "done"

        self.worker.submit(f"play line {lineno}", job)

    # -- for subclasses
    def comment(self, text: str) -> None:
        """A comment line of a scenario passed in step mode."""

    def keys_help(self) -> str:
        return ""

    def warn(self, text: str) -> None:
        """A line from the UI itself in the log (not an event)."""

    def welcome(self) -> str:
        """The first line of the log: which clock this is, where help is."""
        if self.live:
            return ("live clock: real time passes · help: the commands · F1: help on what you "
                    "type · reactor-repl --clock virtual: time that moves only on wait/step/block")
        return ("virtual clock: time moves only on wait, step and block · help: the commands · "
                "F1: help on what you type")

    def _job_failed(self, e: BaseException) -> None:
        self.engine.record("error", "", f"internal error: {type(e).__name__}: {e}",
                           {"message": str(e)})

    def finish(self, timeout: float = 0.8) -> None:
        """End the engine, but never keep the person waiting longer than ``timeout``."""
        self.worker.stop()
        t = threading.Thread(target=self._finish_engine, name="finish", daemon=True)
        t.start()
        t.join(timeout)

    def _finish_engine(self) -> None:
        try:
            self.engine.finish("quit", collect=True)
        except Exception:
            pass
