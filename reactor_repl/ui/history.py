"""Input history in the XDG state directory, mode 0600; if it cannot be written,
the explorer warns once and goes on without it."""

from __future__ import annotations

import os
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
            return list(super().load_history_strings())
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


def _why(e: Exception) -> str:
    return getattr(e, "strerror", None) or type(e).__name__


def open_history(warn: Callable[[str], None], path: Path | None = None) -> History:
    """The session's history; ``warn`` is called at most once if it cannot be kept."""
    path = path or history_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as e:
        warn(f"history: cannot write {path} ({_why(e)}); going on without history")
        return InMemoryHistory()
    return PrivateFileHistory(path, warn)
