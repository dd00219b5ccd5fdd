"""What the person's Python prints goes into the log, not onto the screen.

A ``print`` in a ``py`` STEP, a ``do``, a thread job or a person's module would
write straight onto the full-screen UI (the screen stays corrupted until Ctrl-L),
between line mode's lines, or into ``run --json``'s stream of JSON lines. While a
session runs, ``sys.stdout`` and ``sys.stderr`` are ``LineRecorder`` proxies:
whatever any thread writes is cut into lines, and each line is an ``output`` event
(name ``stdout`` or ``stderr``) in the thread and tick where it was printed — in
every mode. The views' own output still reaches the terminal: prompt_toolkit, line
mode's printer and the headless printer hold the streams they were given before
the proxies went in.
"""

from __future__ import annotations

import io
import sys
import threading
from contextlib import contextmanager
from typing import IO, Any, Iterator

from reactor_repl.observe.sites import site_of

KIND = "output"
MAX_LINE = 4096  # an unfinished line longer than this is recorded as it is


class LineRecorder(io.TextIOBase):
    """A text stream that records each line written to it as an ``output`` event."""

    def __init__(self, name: str, engine: Any, real: IO[str]) -> None:
        super().__init__()
        self.stream_name = name
        self.engine = engine
        self.real = real  # where a write goes once the session has ended
        self._parts: dict[int, tuple[str, str]] = {}  # per thread: (its label, its unfinished line)
        self._lock = threading.Lock()
        self._inside = threading.local()  # recording a line: a write now is a view's own
        self.done = False  # the session is over: writes go straight to ``real``

    # -- the stream
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.real, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.real, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False  # what is printed here is not drawn on a terminal: no colours

    def fileno(self) -> int:
        return self.real.fileno()

    def write(self, text: str) -> int:  # type: ignore[override]
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if getattr(self._inside, "on", False) or self.engine.ended or self.done:
            try:
                return self.real.write(text)
            except (OSError, ValueError):  # the terminal (or a test's capture) is gone
                return len(text)
        ident = threading.get_ident()
        with self._lock:
            label, before = self._parts.pop(ident, ("", ""))
            *lines, rest = (before + text).split("\n")
            if len(rest) > MAX_LINE:
                lines.append(rest)
                rest = ""
            if rest:
                self._parts[ident] = (label or self.engine.thread_label(), rest)
        if lines:
            site = site_of(sys._getframe(1))  # the print in the person's code (filter from)
            for line in lines:
                self._record(line, site=site)
        return len(text)

    def flush(self) -> None:
        """An explicit flush records this thread's unfinished line (``print(…, end='')``)."""
        with self._lock:
            _, rest = self._parts.pop(threading.get_ident(), ("", ""))
        if rest:
            self._record(rest)

    def finish(self) -> None:
        """The session ends: every thread's unfinished line is recorded."""
        with self._lock:
            rests, self._parts = list(self._parts.values()), {}
        for label, rest in rests:
            self._record(rest, label)
        self.done = True  # (code that swapped it out may put it back later: it passes through)

    def _record(self, line: str, label: str | None = None, site: str = "") -> None:
        """One line as an event (``label``: the thread that printed it, if not this one;
        ``site``: the person's line that printed it, if it is theirs)."""
        line = line.rstrip("\r")
        data = {"stream": self.stream_name}
        if site:
            data["site"] = site
        self._inside.on = True
        if label is not None:
            self.engine.set_thread_label(label)
        try:
            if self.engine.ended:
                self.real.write(line + "\n")
            else:
                self.engine.record(KIND, self.stream_name, line, data)
        except Exception:  # recording must never break the code that printed
            pass
        finally:
            self._inside.on = False
            if label is not None:
                self.engine.set_thread_label(None)


@contextmanager
def captured(engine: Any) -> Iterator[tuple[LineRecorder, LineRecorder]]:
    """``sys.stdout``/``sys.stderr`` record into ``engine`` for the block's lifetime."""
    old_out, old_err = sys.stdout, sys.stderr
    out = LineRecorder("stdout", engine, old_out)
    err = LineRecorder("stderr", engine, old_err)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        yield out, err
    finally:
        out.finish()
        err.finish()
        # put back only what is still ours (a program may have swapped them itself)
        if sys.stdout is out:
            sys.stdout = old_out
        if sys.stderr is err:
            sys.stderr = old_err
