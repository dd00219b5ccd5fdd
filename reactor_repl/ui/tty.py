"""The terminal as the person had it: its modes saved, and put back when the process ends
without the screen's own goodbye (a program's ``os._exit``, a fatal signal, a hard exit)."""

from __future__ import annotations

import os
import termios
from contextlib import contextmanager
from typing import Any, Iterator

LEAVE_SCREEN = "\x1b[?1049l\x1b[?25h\x1b[0m"  # off the alternate screen, cursor shown


def modes(fd: int) -> list[Any] | None:
    try:
        return termios.tcgetattr(fd)
    except (termios.error, OSError):
        return None


def restore(saved: list[Any] | None) -> None:
    """Cooked mode, the main screen, the cursor: what the explorer changed, put back."""
    if saved is not None:
        try:
            termios.tcsetattr(0, termios.TCSANOW, saved)
        except (termios.error, OSError):
            pass
    try:
        os.write(1, LEAVE_SCREEN.encode())
    except OSError:
        pass


@contextmanager
def restored_on_os_exit() -> Iterator[None]:
    """While the screen runs, ``os._exit`` (``py os._exit(5)`` typed in a session) puts
    the terminal back first: no exit handler runs after it, and the shell came back raw."""
    saved = modes(0)
    real = os._exit

    def _exit(status: int, /) -> None:
        restore(saved)
        real(status)

    _exit.__name__, _exit.__qualname__, _exit.__doc__ = (
        real.__name__, real.__qualname__, real.__doc__)
    os._exit = _exit  # type: ignore[assignment]
    try:
        yield
    finally:
        if os._exit is _exit:
            os._exit = real
