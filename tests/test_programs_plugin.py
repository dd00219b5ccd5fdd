"""The ``repl`` reactor plugin: Twisted's own launchers on the recording reactor.

These run the launchers of the venv the tests run in — installed by ``pip install -e``,
as the README and CI install it — so they also check that the editable install put
the plugin's dropin into ``twisted/plugins/``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from support import ROOT

PROGRAMS = os.path.join(ROOT, "tests", "programs")
BIN = os.path.dirname(sys.executable)


def launcher(name: str) -> str:
    return os.path.join(BIN, name)


def run(argv: list[str], cwd, events=None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("REACTOR_REPL_EVENTS", None)
    if events is not None:
        env["REACTOR_REPL_EVENTS"] = str(events)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=env)


def events_of(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_the_plugins_are_found_where_twisted_looks():
    r = subprocess.run([sys.executable, "-c",
                        "from twisted.application.reactors import getReactorTypes\n"
                        "print(sorted(r.shortName for r in getReactorTypes()))"],
                       capture_output=True, text=True, timeout=60)
    names = json.loads(r.stdout.replace("'", '"'))
    assert {"repl", "repl-asyncio"} <= set(names), r.stderr
    # and each one's module imports, as --help-reactors checks (repl-asyncio was listed
    # as unavailable: its module was an attribute of one)
    r = subprocess.run([sys.executable, "-m", "twisted.trial", "--help-reactors"],
                       capture_output=True, text=True, timeout=60)
    listed = {line.split()[0] for line in r.stdout.splitlines() if line.strip()}
    assert {"repl", "repl-asyncio"} <= listed and "!repl-asyncio" not in listed, r.stdout


@pytest.mark.parametrize("reactor, name", [("repl", "EPollReactor"),
                                           ("repl-asyncio", "AsyncioSelectorReactor")])
def test_trial_runs_on_the_recording_reactor_and_writes_the_events_at_exit(
        tmp_path, reactor, name):
    out = tmp_path / "trial.jsonl"
    r = run([launcher("trial"), f"--reactor={reactor}", os.path.join(PROGRAMS, "trial_case.py")],
            tmp_path, out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == "PASSED (successes=3)"
    evs = events_of(out)
    assert (evs[0]["kind"], evs[0]["data"]["reactor"]) == ("session.start", name)
    assert evs[-1]["kind"] == "session.end" and "the process exited" in evs[-1]["text"]
    assert any(e["kind"] == "io.ready" for e in evs)  # test_echo's loopback traffic


def test_twistd_runs_a_tac_on_the_recording_reactor(tmp_path):
    out = tmp_path / "twistd.jsonl"
    r = run([launcher("twistd"), "-n", "--reactor=repl", "--pidfile=",
             "-y", os.path.join(PROGRAMS, "echo_service.tac")], tmp_path, out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "client got ping" in r.stdout
    # named as without us (a program, twistd, sees the class it would see)
    assert "reactor class: twisted.internet.epollreactor.EPollReactor." in r.stdout
    evs = events_of(out)
    assert evs[0]["kind"] == "session.start" and evs[-1]["kind"] == "session.end"
    logs = [e["text"] for e in evs if e["kind"] == "log"]
    assert "Server Shut Down." in logs  # twistd's own log, recorded as it went by
    # the .tac's TCPServer: started by Twisted's startService, where no line of the
    # .tac is on the stack — it was Twisted's port, its traffic not recorded at all
    (listen,) = [e for e in evs if e["kind"] == "tcp.listen"]
    assert listen["name"] == "s1" and listen["data"]["site"].endswith("echo_service.tac:38")
    assert [e["name"] for e in evs if e["kind"] == "tcp.data"] == ["s1.1", "c1"]


def test_twistd_as_a_daemon_records_what_the_daemon_does(tmp_path):
    """Without -n the application runs in a grandchild: nothing was recorded (a forked
    child never writes its parent's files, and the parents ended by os._exit)."""
    out = tmp_path / "daemon.jsonl"
    r = run([launcher("twistd"), "--reactor=repl", f"--pidfile={tmp_path / 'twistd.pid'}",
             f"--logfile={tmp_path / 'twistd.log'}", "-y",
             os.path.join(PROGRAMS, "echo_service.tac")], tmp_path, out)
    assert r.returncode == 0, r.stdout + r.stderr
    evs: list[dict] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (evs and evs[-1]["kind"] == "session.end"):
        time.sleep(0.1)  # the daemon goes on after twistd returned: its record comes later
        evs = events_of(out) if out.exists() else []
    assert evs[0]["kind"] == "session.start" and evs[-1]["kind"] == "session.end"
    logs = [e["text"] for e in evs if e["kind"] == "log"]
    assert "client got ping" in logs and "Server Shut Down." in logs


def test_twist_stopped_by_a_signal_still_leaves_its_events(tmp_path):
    """twist re-raises SIGTERM after the reactor stops (atexit never runs): the
    events are written, complete, before it does."""
    out = tmp_path / "twist.jsonl"
    env = dict(os.environ, REACTOR_REPL_EVENTS=str(out))
    proc = subprocess.Popen([launcher("twist"), "--reactor=repl", "--log-format=text", "web",
                             "--listen", "tcp:0:interface=127.0.0.1", "--path", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path, env=env)
    try:
        seen = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            seen.append(line)
            if "Starting reactor" in line or not line:
                break
        assert "Starting reactor" in seen[-1], "".join(seen)
        port = int(re.search(r"Site starting on (\d+)", "".join(seen)).group(1))
        # a page served means the loop runs, with Twisted's signal handlers in place
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        with direct.open(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.status == 200
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert code == -signal.SIGTERM
    evs = events_of(out)
    assert evs[0]["kind"] == "session.start"
    assert any("Received SIGTERM" in e["text"] for e in evs if e["kind"] == "log")
    # the record is finished before the signal ends the process, not cut in the middle of
    # the shutdown (where the "after shutdown" trigger runs)
    assert evs[-1]["kind"] == "session.end", evs[-3:]


def test_a_file_that_cannot_be_written_makes_the_launcher_refuse_the_reactor(tmp_path):
    r = run([launcher("trial"), "--reactor=repl", os.path.join(PROGRAMS, "trial_case.py")],
            tmp_path, tmp_path / "no" / "such" / "dir.jsonl")
    assert r.returncode != 0
    assert "REACTOR_REPL_EVENTS: cannot write" in r.stdout + r.stderr
    assert "Ran " not in r.stdout  # no test ran


def test_without_a_file_it_says_so_once(tmp_path):
    r = run([launcher("trial"), "--reactor=repl", os.path.join(PROGRAMS, "trial_case.py")],
            tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr.count("neither REACTOR_REPL_EVENTS nor REACTOR_REPL_TRACE") == 1
