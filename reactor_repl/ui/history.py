"""Input history in the XDG state directory, mode 0600; if it cannot be written,
the explorer warns once and goes on without it.

Only a regular file is history: a device (``/dev/zero`` or ``/dev/full`` put there by
a link) would be read for ever, and a FIFO would hang the start. Its size is capped:
only the newest MAX_BYTES are read, and a file past that is cut to its newest half
when the explorer starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Iterable

from prompt_toolkit.history import FileHistory, History, InMemoryHistory


def history_path(env: dict[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/reactor-repl/history``, else ``~/.local/state/reactor-repl/history``."""
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_STATE_HOME") or ""
    root = Path(base) if base and os.path.isabs(base) else Path(
        env.get("HOME") or os.path.expanduser("~")) / ".local" / "state"
    return root / "reactor-repl" / "history"


class PrivateFileHistory(FileHistory):
    """A ``FileHistory`` that keeps its file 0600 and stops (with one warning) on errors."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        super().__init__(str(path))
        self.path = path
        self.warn = warn
        self.broken = False

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(reversed(parse(read_tail(self.path, MAX_BYTES))))
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as e:
            self._fail(e)
            return []

    def store_string(self, string: str) -> None:
        if self.broken:
            return
        try:
            super().store_string(string)
        except OSError as e:
            self._fail(e)

    def _fail(self, e: Exception) -> None:
        if not self.broken:
            self.broken = True
            self.warn(f"history: cannot use {self.path} ({_why(e)}); going on without history")


MAX_BYTES = 1 << 20  # the newest this many bytes of the file are the history


def read_tail(path: Path, limit: int) -> bytes:
    """The last ``limit`` bytes of a regular file, from the first whole entry on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        if info.st_size <= limit:
            return f.read(limit)
        f.seek(info.st_size - limit)
        data = f.read(limit)
    start = data.find(b"\n#")  # an entry starts with its "# date" line
    return data[start + 1:] if start >= 0 else b""


def parse(data: bytes) -> list[str]:
    """The entries of a prompt_toolkit history file, oldest first (FileHistory's format)."""
    strings: list[str] = []
    lines: list[str] = []
    for raw in data.splitlines(keepends=True):
        line = raw.decode("utf-8", errors="replace")
        if line.startswith("+"):
            lines.append(line[1:])
        elif lines:
            strings.append("".join(lines)[:-1])
            lines = []
    if lines:
        strings.append("".join(lines)[:-1])
    return strings


def _compact(path: Path, fd: int) -> None:
    """Cut a history past MAX_BYTES to its newest half (whole entries), in place of it."""
    if os.fstat(fd).st_size <= MAX_BYTES:
        return
    tail = read_tail(path, MAX_BYTES // 2)
    tmp = path.with_name(path.name + ".new")
    out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(out, tail)
    finally:
        os.close(out)
    os.replace(tmp, path)


def _why(e: Exception) -> str:
    return getattr(e, "strerror", None) or type(e).__name__


def open_history(warn: Callable[[str], None], path: Path | None = None) -> History:
    """The session's history; ``warn`` is called at most once if it cannot be kept."""
    path = path or history_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_NONBLOCK: a FIFO there must not hang the start
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o600)
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise OSError(0, "not a regular file")
            if mode & 0o077:
                os.fchmod(fd, 0o600)
            _compact(path, fd)
        finally:
            os.close(fd)
    except OSError as e:
        warn(f"history: cannot write {path} ({_why(e)}); going on without history")
        return InMemoryHistory()
    return PrivateFileHistory(path, warn)
