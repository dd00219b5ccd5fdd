"""The terminal as the person had it: its modes saved, and put back when the process ends
without the screen's own goodbye (a program's ``os._exit``, a fatal signal, a hard exit)."""

from __future__ import annotations

import os
import termios
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from reactor_repl.exits import before_os_exit

LEAVE_SCREEN = "\x1b[?1049l\x1b[?25h\x1b[0m"  # off the alternate screen, cursor shown


def clear_before_leaving(output: Any) -> None:
    """Blank the alternate screen just before leaving it. tmux, once the terminal has grown
    while the screen was up, keeps the rows below the old height on the person's own
    screen afterwards (any program on the alternate screen does this there; a blank
    alternate screen leaves nothing)."""
    leave = output.quit_alternate_screen

    def quit_alternate_screen() -> None:
        output.cursor_goto(0, 0)
        output.erase_screen()
        leave()

    output.quit_alternate_screen = quit_alternate_screen


def modes(fd: int) -> list[Any] | None:
    try:
        return termios.tcgetattr(fd)
    except (termios.error, OSError):
        return None


def restore(saved: list[Any] | None, fd: int = 0) -> None:
    """Cooked mode, the main screen, the cursor: what the explorer changed, put back."""
    if saved is not None:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        except (termios.error, OSError):
            pass
    try:
        os.write(1, LEAVE_SCREEN.encode())
    except OSError:
        pass


@contextmanager
def restored_on_os_exit(first: Callable[[], None] | None = None) -> Iterator[None]:
    """While the screen runs, ``os._exit`` (``py os._exit(5)`` typed in a session) puts
    the terminal back first: no exit handler runs after it, and the shell came back raw.
    ``first``: what must be undone before (descriptor 1 put back on the terminal)."""
    saved = modes(0)

    def leave(status: int) -> None:
        if first is not None:
            try:
                first()
            except Exception:
                pass
        restore(saved)

    undo = before_os_exit(leave)
    try:
        yield
    finally:
        undo()


def keys_for_the_screen() -> tuple[int, Any] | None:
    """Beside a traced program, the keyboard is the explorer's: the terminal moves to a
    descriptor of its own (returned, with a text stream on it for prompt_toolkit) and
    the program's standard input becomes empty (/dev/null). A program that read its
    input (``StandardIO``) took every other key — ``quit`` and Ctrl-C among them — and,
    the terminal being raw, got no line it could use. None: stdin is not a terminal."""
    try:
        if not os.isatty(0):
            return None
        keys = os.dup(0)
        null = os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None
    os.dup2(null, 0)
    os.close(null)
    return keys, open(keys, "r", encoding="utf-8", errors="replace", closefd=False)


def give_back(keys: int) -> None:
    """Standard input is the terminal again (the program has ended)."""
    try:
        os.dup2(keys, 0)
        os.close(keys)
    except OSError:
        pass
