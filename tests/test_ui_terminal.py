"""End to end through a real pseudo-terminal: reactor-repl as a person starts it,
its screen read back with pyte (a terminal emulator)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pexpect

from support import ROOT


def test_timer_bad_command_help_quit(term_factory) -> None:  # type: ignore[no-untyped-def]
    t = term_factory("--clock", "virtual")
    t.wait_for("rr 0.000s>")
    t.type("later 1 t1")
    t.type("wait 2")
    screen = t.wait_for("timer.fire  t1  late +0.000s")
    assert "timer.schedule  t1  in 1s, due 1.000" in screen
    assert "rr 2.000s>" in t.wait_for("rr 2.000s>")
    t.child.send("fier d1")
    # validation as you type: the error is on the screen before Enter
    t.wait_for("✗ col 1: unknown command 'fier' — did you mean fire?")
    t.type("")
    t.wait_for("error    fier d1: col 1: unknown command 'fier'")
    t.type("help")
    screen = t.wait_for("Time and the loop")
    assert "later DELAY [NAME] [do …]" in screen
    t.type("quit")
    assert t.exit_code() == 0


def test_py_os_exit_leaves_the_terminal_as_it_was(term_factory) -> None:  # type: ignore[no-untyped-def]
    """``py os._exit(5)``: no exit handler runs after it; the shell came back raw."""
    import termios

    t = term_factory("--clock", "virtual", "--allow-python")
    t.wait_for("rr 0.000s>")
    t.type("py import os; os._exit(5)")
    deadline = time.monotonic() + 5
    while t.child.isalive() and time.monotonic() < deadline:
        t.pump(0.01)
    assert not t.child.isalive()
    modes = termios.tcgetattr(t.child.child_fd)
    assert modes[3] & termios.ICANON and modes[3] & termios.ECHO, "the tty is left raw"
    t.child.close()
    assert t.child.exitstatus == 5


def test_blocked_live_then_queued_command_runs(term_factory) -> None:  # type: ignore[no-untyped-def]
    t = term_factory()
    t.wait_for("rr>")
    t.type("block 1.5")
    t.wait_for("BLOCKED")
    t.type("later 0 t1")
    t.wait_for("1 typed command waits for the loop")  # on Enter, before it is logged
    t.wait_for("input    later 0 t1")  # logged in the next frame, the loop still blocked
    assert "BLOCKED" in t.text()
    screen = t.wait_for("timer.schedule  t1")
    lines = screen.splitlines()
    end = next(i for i, s in enumerate(lines) if "block.end" in s)
    schedule = next(i for i, s in enumerate(lines) if "timer.schedule  t1" in s)
    assert end < schedule
    t.type("block 30")
    t.wait_for("BLOCKED")
    t0 = time.monotonic()
    t.child.send("\x04")  # Ctrl-D while the loop is blocked
    assert t.exit_code() == 0
    assert t.gone_at - t0 < 1.0  # back at the shell within a second, though the loop is blocked
    assert "\x1b[?1049l" in t.raw  # and off the alternate screen: the terminal is as it was


def spawn_logged(tmp_path: Path, *args: str) -> tuple[pexpect.spawn, Path]:
    """reactor-repl on a pty with its standard error kept in a file (a traceback would show)."""
    err = tmp_path / "stderr.txt"
    env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=str(tmp_path))
    command = " ".join([sys.executable, "-m", "reactor_repl", *args, "2>" + str(err)])
    child = pexpect.spawn("sh", ["-c", "exec " + command], env=env, dimensions=(24, 80),
                          timeout=10)
    child.expect("rr>")
    return child, err


def test_a_closed_terminal_ends_the_session_quietly(tmp_path: Path) -> None:
    child, err = spawn_logged(tmp_path)
    child.send("later 1 t1\r")
    child.expect("timer.schedule")
    os.close(child.child_fd)  # the terminal window goes away (as tmux kill-session does)
    child.child_fd = -1
    _, status = os.waitpid(child.pid, 0)
    child.terminated = True
    assert os.waitstatus_to_exitcode(status) == 0
    assert err.read_text() == ""  # no traceback


def test_sigint_from_outside_ends_the_explorer_with_130(tmp_path: Path) -> None:
    child, err = spawn_logged(tmp_path)
    child.send("later 1")  # a half-typed line does not hold it
    time.sleep(0.2)
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF, timeout=3)
    child.close()
    assert child.exitstatus == 130
    assert err.read_text() == ""


def test_what_a_module_writes_around_sys_stdout_is_logged_not_drawn_over_the_screen(
        term_factory) -> None:  # type: ignore[no-untyped-def]
    """``os.write(1, …)``, a child process and ``sys.__stderr__`` wrote over the screen
    (the toolbar and the prompt, until Ctrl-L): each line is an output event in the log."""
    noisy = os.path.join(ROOT, "tests", "mods", "noisy.py")
    t = term_factory("--clock", "virtual")
    t.wait_for("rr 0.000s>")
    t.type(f"use {noisy}")
    t.wait_for("imported (1 callable")
    t.type("later 0.1 t1 call noisy.shout")
    t.type("wait 0.2")
    screen = t.wait_for("output  stderr  four: sys.__stderr__")
    rows = screen.splitlines()
    for line in ("stdout  one: print", "stdout  two: os.write", "stdout  three: a child"):
        assert any(f"output  {line}" in row for row in rows), screen
    assert not any(row.startswith(("two:", "three:", "four:")) for row in rows), screen
    t.type("quit")
    assert t.exit_code() == 0
