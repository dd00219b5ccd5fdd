"""Readers, TCP, threads, thread calls, triggers, stop and Python (issue: I/O, threads, network).

Expected lists come from plain Twisted programs run on the epoll reactor (see the
docstrings); the explorer must show the same dispatches in the same loop passes.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from support import ROOT, cli, run_scenario, seen, seen_ticks

BOTH = pytest.mark.parametrize("clock", ["virtual", "live"])


@BOTH
def test_chunked_reader_reads_in_separate_passes_and_hangup_skips_doRead(clock):
    """Plain Twisted: doRead(4) 'hell' in pass 1, 'o wo' in 2, 'rld' in 3; after the
    writer closes, epoll reports a hang-up without input, so Twisted calls
    connectionLost(ConnectionDone) without one more doRead."""
    events = run_scenario(
        'reader r1 chunk 4\nwrite r1 "hello world"\nwait 0.1\nclose r1\nwait 0.1\n', clock)
    reads = [e for e in events if e.kind == "reader.read"]
    assert [e.data["data"] for e in reads] == ["hell", "o wo", "rld"]
    assert seen_ticks(events, ["reader.read"]) == [
        ("reader.read", "r1", 0), ("reader.read", "r1", 1), ("reader.read", "r1", 2)]
    assert seen(events, ["reader.read", "reader.close", "reader.lost"])[-2:] == [
        ("reader.close", "r1"), ("reader.lost", "r1")]
    lost = [e for e in events if e.kind == "reader.lost"][0]
    assert "ConnectionDone" in lost.text


@BOTH
def test_calllater0_from_a_timer_runs_next_pass_but_from_a_thread_call_same_pass(clock):
    """Plain Twisted: a callLater(0) made in a timer runs in the next runUntilCurrent pass;
    one made in a callFromThread call runs in the same pass (thread calls run first,
    then new timers are inserted, then due timers run)."""
    events = run_scenario("later 0 t1 do later 0 t2\nwait 0.1\n"
                          "fromthread f1 do later 0 t3\nwait 0.1\n", clock)
    ticks = {(e.kind, e.name): e.tick for e in events}
    assert ticks[("timer.fire", "t2")] == ticks[("timer.fire", "t1")] + 1
    assert ticks[("timer.fire", "t3")] == ticks[("threadcall.run", "f1")]
    assert seen(events, ["threadcall.queue", "threadcall.run", "timer.fire"])[-3:] == [
        ("threadcall.queue", "f1"), ("threadcall.run", "f1"), ("timer.fire", "t3")]


TCP_KINDS = ["tcp.listen", "tcp.connecting", "tcp.build", "tcp.made", "tcp.data", "tcp.write",
             "tcp.drop", "tcp.abort", "tcp.lost", "tcp.clientlost", "tcp.failed"]


@BOTH
def test_tcp_echo_round_trip_and_close(clock):
    events = run_scenario("listen s1 echo\nconnect c1 s1\nwait 0.1\nsend c1 ping\nwait 0.1\n"
                          "drop c1\nwait 0.1\nexpect result c1 ping\n", clock)
    got = seen(events, TCP_KINDS)
    assert got[:2] == [("tcp.listen", "s1"), ("tcp.connecting", "c1")]
    # accept and connect complete in one poll; both sides build, then make the connection
    assert sorted(got[2:6]) == sorted([("tcp.build", "s1.1"), ("tcp.made", "s1.1"),
                                       ("tcp.build", "c1"), ("tcp.made", "c1")])
    assert got.index(("tcp.build", "s1.1")) < got.index(("tcp.made", "s1.1"))
    assert got[6:] == [
        ("tcp.write", "c1"), ("tcp.data", "s1.1"), ("tcp.write", "s1.1"), ("tcp.data", "c1"),
        ("tcp.drop", "c1"), ("tcp.lost", "c1"), ("tcp.clientlost", "c1"), ("tcp.lost", "s1.1")]
    assert seen(events, ["expect.pass", "expect.fail"]) == [("expect.pass", "")]
    fired = [e for e in events if e.kind == "deferred.fire" and e.name == "c1"]
    assert fired[0].data["value"] == "ping"


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_a_timer_that_writes_to_a_lost_server_connection_does_nothing(clock):
    """As Twisted's transport does after connectionLost: the explorer freed it (nothing
    else kept it), and the timer's send raised a CommandError inside Twisted."""
    events = run_scenario("listen s1 0 echo\nconnect c1 s1\nwait 0.1\ndrop s1.1\nwait 0.1\n"
                          "later 0 t1 do send s1.1 x ; abort s1.1\nwait 0.1\n", clock)
    assert [e.text for e in events if e.kind == "error"
            or e.kind == "log" and "while handling" in e.text] == []
    assert seen(events, ["timer.fire"]) == [("timer.fire", "t1")]


def test_tcp_build_order_is_the_same_on_every_virtual_run():
    runs = [seen(run_scenario("listen s1 echo\nconnect c1 s1\nwait 0.1\n"), TCP_KINDS)
            for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_connect_to_a_closed_port_fails_the_client_deferred():
    events = run_scenario("connect c1 1\nwait 0.1\nexpect failure c1 refused\n")
    assert seen(events, ["tcp.connecting", "tcp.failed", "deferred.fire", "deferred.result"]) == [
        ("tcp.connecting", "c1"), ("tcp.failed", "c1"), ("deferred.fire", "c1"),
        ("deferred.result", "c1")]
    assert seen(events, ["expect.pass", "expect.fail"]) == [("expect.pass", "")]


def test_poetry_server_sends_in_chunks_with_pauses_then_closes():
    events = run_scenario("listen s1 poetry\nconnect c1 s1\nwait 3\n")
    data = [e for e in events if e.kind == "tcp.data" and e.name == "c1"]
    assert len(data) >= 5
    times = [round(e.t, 1) for e in data]
    assert times == sorted(times) and times[-1] - times[0] >= 0.4
    assert seen(events, ["tcp.lost"]) == [("tcp.lost", "s1.1"), ("tcp.lost", "c1")]
    result = [e for e in events if e.kind == "deferred.result" and e.name == "c1"][0]
    assert "reactor turns" in result.text


def test_thread_pool_of_one_queues_the_second_job_virtual():
    events = run_scenario("threadpool 1\nthread j1 1\nthread j2 1 raise bad\n"
                          "addErrback j2 recover fixed\nwait 3\n")
    assert seen(events, ["thread.queue", "thread.start", "thread.end", "thread.result"]) == [
        ("thread.queue", "j1"), ("thread.start", "j1"), ("thread.queue", "j2"),
        ("thread.end", "j1"), ("thread.start", "j2"), ("thread.result", "j1"),
        ("thread.end", "j2"), ("thread.result", "j2")]
    queued = [e for e in events if e.kind == "thread.queue"]
    assert [q.data["busy"] for q in queued] == [0, 1] and queued[1].data["queued"] == 1
    starts = {e.name: e for e in events if e.kind == "thread.start"}
    assert (starts["j1"].t, starts["j2"].t) == (pytest.approx(0.0, abs=1e-6), pytest.approx(1.0, abs=1e-6))
    assert starts["j1"].thread == starts["j2"].thread == "pool-1"
    assert [e.text for e in events if e.kind == "deferred.result" and e.name == "j2"] == [
        "value: 'fixed'"]


def test_thread_job_live_start_end_in_the_worker_result_in_the_reactor():
    events = run_scenario("thread j1 0.05\nwait 0.3\n", "live")
    by_kind = {e.kind: e for e in events if e.name == "j1"}
    assert by_kind["thread.start"].thread.startswith("pool-")
    assert by_kind["thread.end"].thread == by_kind["thread.start"].thread
    assert by_kind["thread.result"].thread == "reactor"
    assert by_kind["thread.end"].seq < by_kind["thread.result"].seq


def test_seed_closing_example_stops_at_3s_while_a_10s_job_runs():
    """Plain Twisted (the seed): dots every 0.1 s; reactor.stop at 3 s; shutdown joins the
    pool, so the 10 s job ends, but its result is never delivered: the loop has stopped."""
    events = run_scenario(
        "thread j1 10\naddBoth j1 pass\nevery 0.1 dots delayed\nlater 3 do stop\n"
        "trigger before shutdown g1\ntrigger during shutdown g2\ntrigger after shutdown g3\n"
        "wait 20\n")
    dots = [e for e in events if e.kind == "loop.call"]
    assert 29 <= len(dots) <= 31
    assert seen(events, ["reactor.stop", "trigger.fire", "thread.end", "thread.result",
                         "session.end"]) == [
        ("reactor.stop", ""), ("trigger.fire", "g1"), ("thread.end", "j1"),
        ("trigger.fire", "g2"), ("trigger.fire", "g3"), ("session.end", "")]
    end = [e for e in events if e.kind == "thread.end"][0]
    assert end.t == pytest.approx(10.0, abs=1e-3)


def test_py_statement_and_step_see_named_objects():
    events = run_scenario("deferred d1\naddCallback d1 py result * 10\nfire d1 4\n"
                          "py print(d1.result + 2)\n")
    assert [e.text for e in events if e.kind == "deferred.step"] == [
        "callback py result * 10: 4 → 40"]
    assert [e.text for e in events if e.kind == "log" and e.data.get("py")] == ["42"]


def test_a_readers_command_given_a_connection_names_the_connections_own():
    events = run_scenario("listen s1 0 echo\nconnect c1 s1\nwrite c1 hi\nclose s1.1\n")
    assert [e.text.split(" — ")[1] for e in events if e.kind == "error"] == [
        "send c1 DATA writes to a connection", "drop s1.1 closes a connection"]


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_a_block_a_helper_thread_runs_itself_is_that_threads_sleep_not_the_loops(clock):
    """fromthread … unsafe: the helper runs `block` itself, so it sleeps and the loop goes
    on (as in a plain program: t2 on time); the virtual clock blocked the loop (t2 0.2 s
    late), and live the watchdog said the loop was blocked."""
    events = run_scenario("later 0.1 t2\nfromthread f unsafe do block 0.3\nwait 0.5\n"
                          "expect late t2 <= 0.01\n", clock)
    assert [e.kind for e in events if e.kind.startswith(("expect.", "warn."))] == ["expect.pass"]
    assert [e.text for e in events if e.kind == "block.start"] == [
        "sleeping 0.3s in this thread: the loop goes on"]


def test_a_paused_client_connection_lives_as_a_programs_variable_would():
    """Paused, a client is in none of the reactor's sets: the session held it weakly, and
    the next collection closed its socket under the peer (resumeProducing then said
    'c1 is open, not open', and the echo never came)."""
    events = run_scenario("listen s1 0 echo\nconnect c1 s1\nwait 0.1\npauseProducing c1\n"
                          "send c1 ping\nwait 0.1\npy import gc; gc.collect()\n"
                          "resumeProducing c1\nwait 0.1\nexpect count tcp.data:c1 1\n")
    assert not [e.text for e in events if e.kind == "error"]
    assert not [e for e in events if e.kind == "tcp.lost"]
    assert [e.kind for e in events if e.kind.startswith("expect.")] == ["expect.pass"]


def test_connect_given_a_dotted_protocol_says_to_write_it_with_a_colon():
    """A dotted word there is a name (s1.1): connect said only 'takes [NAME] TARGET'."""
    events = run_scenario("listen s1 0 echo\nconnect c1 s1 mymod.Client\n")
    assert [e.text for e in events if e.kind == "error"] == [
        "<test>:2:15: connect c1 s1 mymod.Client: connect takes [NAME] TARGET [PROTOCOL] — "
        "a protocol of your code goes with a colon: mymod:Client"]


def test_a_py_lines_echo_leaves_out_a_default_reprs_address():
    """As every value recorded: the virtual log is the same run after run (it was not)."""
    events = run_scenario("py object()\npy print(d1 := object())\n")
    echoed = [e.text for e in events if e.kind == "log" and e.data.get("py")]
    assert echoed[0] == "<object object at 0x…>"
    assert echoed[1].startswith("<object object at 0x") and "…" not in echoed[1]  # printed


def test_a_py_line_that_exits_is_an_error_and_the_session_goes_on():
    """SystemExit from a py line was only Twisted's log line: the run passed."""
    events = run_scenario("py raise SystemExit(3)\npy raise KeyboardInterrupt\nnote after\n")
    assert [e.text for e in events if e.kind == "error"] == [
        "<test>:1:1: py raise SystemExit(3): SystemExit: 3 — py does not end the session: "
        "quit (or stop) does",
        "<test>:2:1: py raise KeyboardInterrupt: KeyboardInterrupt — py does not end the "
        "session: quit (or stop) does"]
    assert [e.text for e in events if e.kind == "note"] == ["after"]


def test_a_py_line_takes_its_own_prints_not_another_threads(capsys):
    """While a py line runs, what another thread prints (a pool job, a traced program's
    thread) goes where it goes without the explorer, not into the line's output."""
    events = run_scenario(
        "py import threading\n"
        "py t = threading.Thread(target=print, args=('from a thread',))\n"
        "py print('from the line') ; t.start() ; t.join()\n")
    assert [e.text for e in events if e.kind == "log" and e.data.get("py")] == [
        "ok", "ok", "from the line"]
    assert capsys.readouterr().out == "from a thread\n"


def test_python_is_off_in_scenario_files_without_the_flag(tmp_path):
    f = tmp_path / "p.rr"
    f.write_text("note one\nlater 1 t1\npy print('hi')\n")
    for verb in ("check", "run"):
        r = cli(verb, str(f))
        assert r.returncode == 2, r
        assert f"{f}:3:1: py is off in scenario files" in r.stderr
        assert "--allow-python" in r.stderr
        assert "note" not in r.stdout  # nothing of the file ran
    r = cli("run", str(f), "--allow-python")
    assert r.returncode == 0 and "log    hi" in r.stdout


def test_internal_dispatches_hidden_unless_internals(tmp_path):
    f = tmp_path / "i.rr"
    f.write_text("later 0.1 t1\nwait 1\n")
    plain = cli("run", str(f))
    shown = cli("run", str(f), "--internals")
    assert "io.ready" not in plain.stdout
    assert "io.ready" in shown.stdout
    assert plain.stdout.count("timer.fire") == shown.stdout.count("timer.fire") == 1


WORDS = ("later every cancel reset delay fromthread trigger deferred defer addCallback then "
         "addErrback addBoth addCallbacks fire fail chain gather race timeout show thread "
         "threadpool reader write close removeReader addReader listen connect send drop abort "
         "note expect predict break filter internals help do py d1 d2 t1 l1 j1 r1 s1 c1 s1.1 add "
         "mul return raise recover trap await pass / now times chunk cpu order same-tick result "
         "failure pending count late >= echo poetry 0 1 0.01 2 -1 1e309 nan 250ms ' \" \"x y\" "
         "# \\ é timer.fire before shutdown").split()


def _random_lines(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        if rng.random() < 0.1:
            lines.append("".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 20))))
        else:
            lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 8))))
    return "\n".join(lines + ["note the last line"]) + "\n"


@BOTH
def test_300_random_lines_on_stdin_end_in_errors_never_a_traceback(clock):
    text = _random_lines(7)
    r = cli("--clock", "real" if clock == "live" else "virtual", stdin=text, timeout=120)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode in (0, 1)
    assert "note  the last line" in r.stdout.replace("note    the last line", "note  the last line")
    assert r.stdout.count("  error  ") > 50


def test_the_clock_says_why_it_stops_where_no_timer_runs():
    """A refused connection cancels its connector's 5 s timeout, which stays in Twisted's
    heap: the reactor's poller still wakes then (tests/programs/refused_wake.py, with a
    0.5 s timeout: it polls 0.5, wakes for nothing, polls the 0.2 left to its stop), so the
    virtual clock stops there too, and says why."""
    plain = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "programs",
                                                         "refused_wake.py")],
                           capture_output=True, text=True, timeout=30)
    assert plain.stdout.splitlines() == [
        "poll at 0.0 for 0.5", "refused", "poll at 0.0 for 0.5", "poll at 0.5 for 0.2"]
    events = run_scenario("connect c1 1\nwait 10\n")
    assert [(e.text, e.data) for e in events if e.kind == "clock.advance"] == [
        ("0.000 → 5.000: Twisted wakes for a cancelled call's deadline (still in its heap)",
         {"from": 0.0, "to": 5.0, "why": "Twisted wakes for a cancelled call's deadline "
                                          "(still in its heap)"}),
        ("5.000 → 10.000", {"from": 5.0, "to": 10.0})]


def test_a_crash_of_the_persons_after_stop_is_recorded():
    """crash() inside a before-shutdown trigger (after stop): plain Twisted runs g1, then
    g2 and g3 in the same pass (p9 of the probes: t1, g1, g2, g3 all in pass 2). The crash
    was not recorded — Twisted's own crash() ends every stop(), and only that one is not
    news (it is called as the reactor's "during shutdown" trigger)."""
    events = run_scenario("trigger before shutdown g1 do crash\n"
                          "trigger before shutdown g2 do note g2\n"
                          "trigger after shutdown g3 do note g3\n"
                          "later 0.1 t1 do stop\nwait 1\n")
    assert seen(events, ["reactor.stop", "reactor.crash", "trigger.fire"]) == [
        ("reactor.stop", ""), ("trigger.fire", "g1"), ("reactor.crash", ""),
        ("trigger.fire", "g2"), ("trigger.fire", "g3")]
    plain_stop = run_scenario("later 0.1 t1 do stop\nwait 1\n")
    assert seen(plain_stop, ["reactor.stop", "reactor.crash"]) == [("reactor.stop", "")]


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_a_larger_pool_does_not_start_a_job_already_waiting(clock):
    """Twisted's pool starts a waiting job when a worker comes free, not when it grows:
    the virtual clock waited for j2 to start and hung the run."""
    events = run_scenario("threadpool 1\nthread j1 1\nthread j2 1\nthreadpool 5\nwait 2.5\n",
                          clock)
    ends = {e.name: e.t for e in events if e.kind == "thread.end"}
    assert set(ends) == {"j1", "j2"}
    assert 0.9 < ends["j1"] < 1.5 and 1.9 < ends["j2"] < 2.5, ends


def test_bytes_to_a_peer_that_does_not_read_are_not_waited_for():
    """Virtual clock: before a jump the loop waits for loopback bytes still on their way —
    not for bytes to a client that paused reading: they never land, and each beat of a
    loop cost a whole second of waiting (a scenario of 400 sends ran for six minutes).
    Once the client reads again, every byte arrives."""
    from reactor_repl.engine.core import Config, Engine
    from reactor_repl.session.driver import Driver

    from support import release

    engine = Engine(Config(clock="virtual"))
    driver = Driver(engine)
    engine.start()
    try:
        for line in ("listen s1 0 echo", "connect c1 s1", "wait 0.1", "pauseProducing c1",
                     f"every 0 l1 times 250 do send c1 {'x' * 4000}", "wait 0.1"):
            assert driver.submit(line), line
        assert engine.in_flight() == 0
        driver.submit("resumeProducing c1")
        driver.submit("wait 0.1")
        got = [e for e in engine.log.snapshot() if e.kind == "tcp.data" and e.name == "c1"]
        assert sum(e.data["bytes"] for e in got) == 250 * 4000
    finally:
        engine.finish()
        release(engine)


def test_a_quick_job_says_how_long_it_took_in_words():
    """A live job of 64 µs said `finished after 6.36578e-05s`."""
    from reactor_repl.engine.recorder.threads import _took

    assert [_took(s) for s in (0.0, 6.36578e-05, 0.3, 2.0)] == [
        "0s", "under 1 ms", "0.3s", "2s"]


def test_before_a_short_jump_bytes_waiting_for_their_ack_are_not_waited_for():
    """A byte sent on loopback is in its peer's queue; what a jump must wait for is the
    acknowledgements real time would bring meanwhile: all of them before a jump as long
    as a delayed ACK (40 ms: then Nagle holds no later write, as in a real run — a chat
    server's broadcast came in another order without it), none before a shorter one (a
    2 ms ticker talking to an echo server waited 40 ms a jump: 9 times as long as under
    python). Only what the kernel has not sent is on its way then."""
    import socket

    from reactor_repl.engine import inflight

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname())
    peer, _ = server.accept()
    try:
        asked: list[int] = []
        real_ioctl = inflight.fcntl.ioctl

        def ioctl(fd, request, *rest):  # type: ignore[no-untyped-def]
            asked.append(request)
            return real_ioctl(fd, request, *rest)

        inflight.fcntl.ioctl = ioctl  # type: ignore[assignment]
        try:
            client.send(b"x")
            assert inflight.queued(client, unsent_only=True) == 0
            inflight.queued(client)
        finally:
            inflight.fcntl.ioctl = real_ioctl  # type: ignore[assignment]
        assert asked == [0x894B, 0x5411]  # SIOCOUTQNSD (not sent), SIOCOUTQ (not acked)
        assert peer.recv(1) == b"x"
    finally:
        for s in (client, peer, server):
            s.close()


def test_a_name_a_person_gave_is_never_given_again_to_what_twisted_makes():
    """``later 1 s1.1`` then a connection to s1: the accepted one was named s1.1 too (the
    timer could no longer be cancelled); a coroutine's sleep as a1.1 beside a Deferred
    named a1.1 failed the coroutine with an unhandled CommandError."""
    events = run_scenario("later 1 s1.1\nlisten s1\nconnect c1 s1\nwait 0.1\ncancel s1.1\n"
                          "deferred a1.1\nasync a1 sleep 1 ; return 2\nwait 2\n")
    named = [(e.kind, e.name) for e in events
             if e.kind in ("timer.schedule", "timer.cancel", "timer.fire", "tcp.made",
                           "deferred.new", "deferred.result", "error") and not e.internal]
    assert named == [("timer.schedule", "s1.1"), ("deferred.new", "c1"), ("tcp.made", "s1.2"),
                     ("tcp.made", "c1"), ("timer.cancel", "s1.1"), ("deferred.new", "a1.1"),
                     ("deferred.new", "a1"), ("deferred.new", "d1"), ("deferred.result", "a1"),
                     ("deferred.result", "d1")]


def test_a_child_process_with_no_pipes_is_reaped_and_its_end_reported_in_a_session():
    """A session's reactor runs in a thread and installs no signal handlers: a child of
    spawnProcess with its descriptors inherited was never reaped (a zombie), and its
    processEnded never came — a plain program gets it at once (Twisted's SIGCHLD handler,
    twisted/internet/_signals.py, calls process.reapAllProcesses)."""
    events = run_scenario(
        "py from twisted.internet import protocol\npy ended = []\n"
        "py class P(protocol.ProcessProtocol): processEnded = lambda self, reason: "
        "ended.append(reason.value.exitCode)\n"
        "py reactor.spawnProcess(P(), '/bin/sh', ['sh', '-c', 'exit 4'], "
        "childFDs={0: 0, 1: 1, 2: 2})\nwait 0.5\npy ended\n", "live")
    assert [e.text for e in events if e.kind == "log"][-1] == "[4]"
