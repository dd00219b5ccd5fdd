"""A child process on a pseudo-terminal, its screen read back with pyte (a terminal
emulator): reactor-repl as a person starts it. The ``term_factory`` fixture
(conftest.py) makes them and ends them."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pyte

ROWS, COLS = 30, 110


class Terminal:
    """A child process on a pty, and what its screen shows."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=str(tmp_path),
                   COLUMNS=str(COLS), LINES=str(ROWS))
        env.pop("NO_COLOR", None)
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = ""
        self.child = pexpect.spawn(sys.executable, ["-m", "reactor_repl", *args], env=env,
                                   dimensions=(ROWS, COLS), timeout=10)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def pump(self, wait: float = 0.05) -> None:
        try:
            while True:
                data = self.child.read_nonblocking(65536, timeout=wait)
                self.raw += data.decode("utf-8", "replace")
                self.stream.feed(data)
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    def wait_for(self, needle: str, timeout: float = 8.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if needle in self.text():
                return self.text()
        raise AssertionError(f"{needle!r} never appeared on the screen:\n{self.text()}")

    def type(self, line: str) -> None:
        self.child.send(line + "\r")

    def exit_code(self, timeout: float = 3.0) -> int:
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self.pump(0.01)
        self.gone_at = time.monotonic()
        self.child.close()
        assert self.child.exitstatus is not None
        return self.child.exitstatus
