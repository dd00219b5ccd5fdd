"""``reactor-repl trace PROGRAM.py`` on a real pseudo-terminal: the explorer opens beside
the program (issue 12's "done when"), its screen read back with pyte."""

from __future__ import annotations

import re
import termios
import time

from terminal import Terminal

ECHO = "tests/programs/echo.py"


def sane_and_gone(t: Terminal, timeout: float = 3.0) -> tuple[int, float]:
    """Wait for the process to end; return (exit code, when it was gone), and check the
    terminal is as a shell wants it: off the alternate screen, cooked mode, echo on."""
    deadline = time.monotonic() + timeout
    while t.child.isalive() and time.monotonic() < deadline:
        t.pump(0.01)
    gone = time.monotonic()
    t.pump(0.05)
    assert not t.child.isalive(), "still running:\n" + t.text()
    modes = termios.tcgetattr(t.child.child_fd)
    assert modes[3] & termios.ICANON and modes[3] & termios.ECHO, "the tty is left raw"
    assert "\x1b[?1049l" in t.raw  # off the alternate screen
    t.child.close()
    assert t.child.exitstatus is not None, t.child.signalstatus
    return t.child.exitstatus, gone


def log_text(t: Terminal) -> str:
    """The log pane's text, its wrapped rows joined again (the state pane left out)."""
    left = [ln.split("│")[0].rstrip() for ln in t.text().splitlines()]
    return " ".join(" ".join(left).split())


def rows_of(screen: str, pattern: str) -> list[str]:
    return [ln for ln in screen.splitlines() if re.search(pattern, ln)]


def test_the_explorer_beside_echo_shows_it_live_and_commands_reach_its_reactor(
        term_factory) -> None:  # type: ignore[no-untyped-def]
    t = term_factory("trace", ECHO, "--pace", "0.3", "--rounds", "100")
    screen = t.wait_for("tracing tests/programs/echo.py")
    screen = t.wait_for("tcp.made  c1")
    assert "tcp.listen  s1  listenTCP 127.0.0.1:" in screen
    assert rows_of(screen, r"output  stdout  server: connection made")  # its prints
    # its data as it happens: a later exchange shows up while we watch
    first = max(int(n) for n in re.findall(r"#(\d{4})  \S+  \[\d+\]  tcp.data", t.text()) or
                ["0"])
    t.wait_for(f"#{first + 6:04d}")
    assert len(rows_of(t.text(), r"tcp\.data  (c1|s1\.1)  dataReceived")) >= 2
    assert "s1.1   open" in t.text()  # the state pane lists the connections
    t.type("show c1")
    t.wait_for("c1: client open")
    assert re.search(r"show c1 c1: client open \d+ bytes in \(made at "
                     r"tests/programs/echo\.py:\d+\)", log_text(t))
    t.type("block 1")
    t.wait_for("block.start    sleeping 1s")
    assert "BLOCKED" in t.wait_for("BLOCKED")  # the status line: the program's loop
    # read as soon as the block ends (later rows, on a loaded machine, scrolled its start
    # off the screen before it was read)
    lines = t.wait_for("block.end    blocked 1s").splitlines()
    start = next(i for i, ln in enumerate(lines) if "block.start" in ln)
    end = next(i for i, ln in enumerate(lines) if "block.end" in ln)
    # nothing of the program's ran meanwhile: its loop was the one blocked
    assert not [ln for ln in lines[start + 1:end] if ln.startswith("#")], "\n".join(lines)
    t.wait_for("client: sends", 2)  # and it goes on
    sent = time.monotonic()
    t.type("quit")
    code, gone = sane_and_gone(t)
    assert code == 130  # quit while the program ran: it was stopped
    assert gone - sent < 1.0


def test_when_the_program_ends_the_explorer_stays_and_quit_gives_its_code(
        term_factory) -> None:  # type: ignore[no-untyped-def]
    t = term_factory("trace", "tests/programs/react_main.py", "3", "a", "b")
    t.wait_for("the program exited 3: its final state stays here")
    assert "the program exited 3: quit leaves" in t.text()  # the status line
    t.type("later 1")
    t.wait_for("later 1: the program's reactor has stopped")
    t.child.send("\x04")  # Ctrl-D
    code, _ = sane_and_gone(t)
    assert code == 3


def test_quit_while_a_callback_never_returns_leaves_within_a_second(
        term_factory) -> None:  # type: ignore[no-untyped-def]
    t = term_factory("trace", "tests/traced/stuck.py")
    t.wait_for("stuck: sleeping in the reactor thread")
    # what went around the print proxies (a descriptor write) is in the log too
    assert "output  stderr  to sys.__stderr__, around the proxies" in t.text()
    t.wait_for("BLOCKED")
    sent = time.monotonic()
    t.type("quit")
    code, gone = sane_and_gone(t)
    assert code == 130
    assert gone - sent < 1.2  # GRACE (0.6 s) for the program, then the process ends


def test_a_program_that_ends_by_os_exit_leaves_the_terminal_as_it_was(
        term_factory) -> None:  # type: ignore[no-untyped-def]
    """No exit handler runs after ``os._exit``: the shell came back in raw mode, no echo."""
    t = term_factory("trace", "tests/traced/os_exit_later.py")
    t.wait_for("tracing tests/traced/os_exit_later.py")
    code, _ = sane_and_gone(t, timeout=5)
    assert code == 5


def test_a_program_reading_its_input_leaves_the_keys_to_the_explorer(
        term_factory) -> None:  # type: ignore[no-untyped-def]
    """Each key went to the program or the explorer: `quit` arrived as `q` or `ui`,
    Ctrl-C as nothing, and only a kill from another shell ended it."""
    t = term_factory("trace", "tests/traced/reads_stdin.py")
    t.wait_for("its input ended")  # its standard input is empty beside the explorer
    t.type("show nosuch")
    t.wait_for("show nosuch: no object named nosuch")  # the whole line reached the prompt
    t.type("quit")
    code, _ = sane_and_gone(t)
    assert code == 130


def test_line_mode_at_a_keyboard_says_the_keys_are_the_programs(term_factory) -> None:  # type: ignore[no-untyped-def]
    """trace --line on a terminal has no prompt: what a person typed came to nothing, and
    nothing said so."""
    t = term_factory("trace", "--line", ECHO, "--pace", "0.05", "--rounds", "1")
    t.wait_for("session.end")
    said = " ".join(t.raw.split())  # (the screen has scrolled past the first lines)
    assert "--line: the log is printed here as it happens; the keyboard is the program's" in said
    assert said.index("the keyboard is the program's") < said.index("session.start")
