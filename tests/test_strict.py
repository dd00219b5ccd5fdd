"""--strict on trace and REACTOR_REPL_STRICT for the repl reactor: a warning fails the
run, with one line each on stderr; a hang ends a traced program instead of waiting
for ever (SPEC §8). The programs are tests/programs/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import ROOT

HANG = os.path.join(ROOT, "tests", "programs", "hang.py")
TRIAL_CASE = os.path.join(ROOT, "tests", "programs", "trial_case.py")
UNHANDLED = os.path.join(ROOT, "tests", "programs", "unhandled.py")


def trace(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reactor_repl", "trace", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env=dict(os.environ, NO_COLOR="1", **(env or {})))


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_strict_ends_a_hung_program_and_fails_it(tmp_path, clock):
    events = tmp_path / "e.jsonl"
    r = trace("--strict", "--clock", clock, "--events", str(events), HANG)
    assert r.returncode == 1
    assert r.stdout == "waiting for a reply that never comes\n"
    assert "warn.hang hung: nothing left can run, and 1 Deferred still waits: d1" in r.stderr


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_strict_ends_a_hang_beside_an_idle_thread_pool_of_the_programs_own(tmp_path, clock):
    """Its worker waits for work only the hung loop could give: it cannot wake the loop
    (counted as a thread that could, the hang went unsaid and the run never ended)."""
    r = trace("--strict", "--clock", clock, "--events", str(tmp_path / "e.jsonl"),
              os.path.join(ROOT, "tests", "programs", "idle_pool_hang.py"))
    assert r.returncode == 1
    assert r.stdout == "the pool's job gave 42\n"
    assert "warn.hang hung: nothing left can run" in r.stderr


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_strict_ends_a_shutdown_that_waits_for_ever(tmp_path, clock):
    """A 'before shutdown' trigger's Deferred nothing fires: the watchdog stopped looking
    at reactor.stop(), and --strict could not end it (stop() again does nothing): the loop
    ends as crash() ends it, and the program goes on after reactor.run()."""
    r = trace("--strict", "--clock", clock, "--events", str(tmp_path / "e.jsonl"),
              os.path.join(ROOT, "tests", "programs", "shutdown_hang.py"), "--give-up", "60")
    assert r.returncode == 1
    assert r.stdout == "cleanup: waiting for the connection to close\nexited\n"
    assert "warn.hang hung: nothing left can run, and 1 Deferred still waits: d1" in r.stderr


def test_strict_ends_a_program_whose_child_is_never_reaped(tmp_path):
    r = trace("--strict", "--events", str(tmp_path / "e.jsonl"),
              os.path.join(ROOT, "tests", "traced", "zombie_child.py"))
    assert r.returncode == 1
    assert r.stdout == "finished\n"
    assert "warn.hang hung: nothing left can run, and 1 Deferred still waits: d1" in r.stderr


def test_without_strict_a_warning_changes_nothing(tmp_path):
    r = trace("--events", str(tmp_path / "e.jsonl"), HANG, "--timeout", "0.5")
    assert r.returncode == 0
    assert r.stderr == ""


def test_strict_on_a_clean_program_keeps_its_exit_code(tmp_path):
    r = trace("--strict", "--events", str(tmp_path / "e.jsonl"), HANG, "--timeout", "0.3")
    assert (r.returncode, r.stderr) == (0, "")


def _trial(module: str, tmp_path, strict: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, REACTOR_REPL_EVENTS=str(tmp_path / "t.jsonl"), NO_COLOR="1")
    if strict:
        env["REACTOR_REPL_STRICT"] = "1"
    return subprocess.run([sys.executable, "-m", "twisted.trial", "--reactor=repl", module],
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
                          env=env)


def test_trial_on_the_repl_reactor_fails_on_a_warning_only_when_strict(tmp_path):
    assert _trial(TRIAL_CASE, tmp_path, True).returncode == 0
    assert _trial(UNHANDLED, tmp_path, False).returncode == 0
    strict = _trial(UNHANDLED, tmp_path, True)
    assert strict.returncode == 1
    assert "reactor-repl: warn.unhandled d1 d1 ended on Failure(ValueError" in strict.stderr


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_strict_run_of_a_scenario_says_which_lines_the_hang_left_out(tmp_path, clock):
    """--strict ended a scenario at its hang, exit 1, and nothing said lines 4–5 never
    ran (the line after the wait fires the Deferred: the loop, left alone, hangs). On
    both clocks: live, the hang was looked for only after a second in the poller, so a
    wait of a second or less passed there and failed on the virtual clock."""
    path = tmp_path / "hang.rr"
    path.write_text("deferred d1\naddCallback d1 pass\nwait 1\nfire d1 1\n"
                    "expect result d1 1\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "reactor_repl", "run", "--strict", "--clock",
                        clock, str(path)], capture_output=True, text=True, timeout=60,
                       cwd=ROOT, env=dict(os.environ, NO_COLOR="1"))
    assert r.returncode == 1
    errors = [ln.split("  error    ", 1)[1] for ln in r.stdout.splitlines() if "  error  " in ln]
    assert errors == [f"{path}:3: --strict ends the scenario at the hang: lines 4–5 "
                      "(2 commands) not run"]


def test_a_client_still_connecting_counts_as_what_could_wake_the_loop():
    """``connectTCP(…, timeout=None)`` to a port whose backlog is full: the kernel retries
    its SYN for minutes, and the attempt's outcome will fire the program's Deferred. The
    lint skipped every connection's reader and counted connections once made: warn.hang,
    and --strict ended the program mid-connect."""
    from twisted.internet import tcp

    from reactor_repl.engine import lints

    class Reactor:
        def __init__(self, readers: list, writers: list) -> None:
            self.readers, self.writers = readers, writers

        def getReaders(self) -> list:
            return self.readers

        def getWriters(self) -> list:
            return self.writers

    client = tcp.Client.__new__(tcp.Client)
    client.connected = 0
    assert lints._other_readers(Reactor([], [client]), False)
    assert lints._other_readers(Reactor([client], [client]), False)
    client.connected = 1  # made: the recorder counts it (tcp_active), the reader does not
    assert not lints._other_readers(Reactor([client], [client]), False)
