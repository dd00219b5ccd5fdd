"""A traced program's output beside the explorer: into the log, not onto the screen.

Python-level writes (``print``, ``sys.stderr.write``) are caught by ``ui/capture.py``'s
proxies, one ``output`` event a line with its thread and the line that printed it.
What goes around them — ``sys.__stdout__``, a stream a library took before the proxies
went in (Twisted's own "Unhandled error in Deferred" goes to the ``sys.stderr`` it
saw at import), C code, child processes — writes file descriptors 1 and 2. While the
explorer runs those are pipes read by a thread of their own, each line an ``output``
event too; the explorer draws on a duplicate of the terminal's descriptor.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import IO, Any

from reactor_repl.ui.capture import KIND, MAX_LINE

STREAMS = ((1, "stdout"), (2, "stderr"))


class DescriptorCapture:
    """Descriptors 1 and 2 as pipes into the log, for as long as the explorer runs."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.saved: dict[int, int] = {}  # fd → a duplicate of what it was (the terminal)
        self.readers: list[threading.Thread] = []

    def start(self) -> IO[str]:
        """Put the pipes in; return a text stream on the terminal for the explorer."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        for fd, name in STREAMS:
            self.saved[fd] = os.dup(fd)
            r, w = os.pipe()
            os.dup2(w, fd)
            os.close(w)
            t = threading.Thread(target=self._read, args=(r, name), name="output", daemon=True)
            t.start()
            self.readers.append(t)
        encoding = getattr(sys.__stdout__, "encoding", None) or "utf-8"
        return open(os.dup(self.saved[1]), "w", encoding=encoding, errors="replace",
                    closefd=True)

    def stop(self, wait: float = 0.3) -> None:
        """The terminal back on 1 and 2; what is still in the pipes is recorded first."""
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        for fd, saved in self.saved.items():
            os.dup2(saved, fd)  # the pipe's last writer goes: its reader sees the end
            os.close(saved)
        self.saved.clear()
        for t in self.readers:
            t.join(wait)  # (a child process may hold a write end: then it is left to run)

    def terminal_fd(self) -> int | None:
        """The terminal's descriptor while the pipes are in (for an emergency restore)."""
        return self.saved.get(1)

    def _read(self, fd: int, name: str) -> None:
        rest = b""
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except InterruptedError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                *lines, rest = (rest + chunk).split(b"\n")
                if len(rest) > MAX_LINE:
                    lines.append(rest)
                    rest = b""
                for line in lines:
                    self._record(name, line)
            if rest:
                self._record(name, rest)
        finally:
            os.close(fd)

    def _record(self, name: str, line: bytes) -> None:
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        try:
            if not self.engine.ended:
                self.engine.record(KIND, name, text, {"stream": name, "fd": True})
        except Exception:  # recording must never break the program that wrote
            pass
