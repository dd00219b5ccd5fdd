"""Time and the loop: later, every, cancel, reset, delay, block, fromthread, trigger, stop.

Each command is the Twisted call it stands for, made under a claim so that the
observer names what it makes; what happens next (the timer firing, a loop's
calls) is recorded by the observation layer like anybody's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet import error, task

from reactor_repl import runtime
from reactor_repl.engine.clock import Activity
from reactor_repl.engine.commands import fired_by, handles, run_do, twisted_call
from reactor_repl.engine.core import CommandError

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.engine.registry import Record
    from reactor_repl.language.parser import Parsed


def _do_text(p: Parsed) -> str:
    return f" do {p.do.text}" if p.do else ""


def _code(eng: Engine, p: Parsed) -> tuple[Any, str] | None:
    """``call FN``: the person's callable, and how the log shows it."""
    ref = p.args.get("FN")
    if not ref:
        return None
    from reactor_repl.engine import python

    return python.resolve_callable(eng, ref), f" → {ref}()"


@handles("later")
def later(eng: Engine, p: Parsed) -> None:
    code = _code(eng, p)
    if code is not None:
        with eng.claim("timer", p["NAME"], detail=code[1]):
            eng.reactor.callLater(p["DELAY"], code[0])
        return
    do = p.do
    site = eng.command_site

    def fires() -> None:
        run_do(eng, do, site)

    fires._rr_label = do.text if do else "nothing"  # type: ignore[attr-defined]
    fires._rr_fires = fired_by(do)  # type: ignore[attr-defined]
    with eng.claim("timer", p["NAME"], detail=_do_text(p)):
        eng.reactor.callLater(p["DELAY"], fires)


@handles("every")
def every(eng: Engine, p: Parsed) -> None:
    code = _code(eng, p)
    if code is not None and p["N"] is None:
        lc = task.LoopingCall(code[0])
        with eng.claim("loop", p["NAME"], detail=code[1]) as claim:
            lc.start(p["INTERVAL"], now=_now(p))
        eng.registry.strong[claim.name] = lc
        return
    times = p["N"]
    do = p.do
    site = eng.command_site
    wait = p["SECONDS"]
    counting = bool(p["count"])
    calls = 0
    name = ""

    def call(*count: int) -> Any:
        nonlocal calls
        calls += 1
        if times is not None:
            # 'times N' makes it finite: its calls are not counted as a runaway
            # (--max-dispatches), so a storm of 300,000 calls runs to its end
            eng.reactor.finite_dispatches += 1
        if count:
            _counted(eng, name, count[0])
        out = None
        if code is not None:
            out = code[0]()
        elif do is not None:
            run_do(eng, do, site)
        if wait is not None:
            out = task.deferLater(eng.reactor, wait)  # the loop waits for it
        if times is not None and calls >= times and lc.running:
            lc.stop()
        return out

    call._rr_label = do.text if do else "nothing"  # type: ignore[attr-defined]
    call._rr_fires = fired_by(do)  # type: ignore[attr-defined]
    lc = task.LoopingCall.withCount(call) if counting else task.LoopingCall(call)
    detail = ((f", times {times}" if times else "") + (", withCount" if counting else "")
              + (f", each call waits {wait:g}s" if wait is not None else "")
              + (code[1] if code else _do_text(p)))
    with eng.claim("loop", p["NAME"], detail=detail) as claim:
        name = claim.name
        lc.start(p["INTERVAL"], now=_now(p))
    rec = eng.objects.get(claim.name)
    if rec is not None:
        eng.registry.strong[claim.name] = lc


def _counted(eng: Engine, name: str, count: int) -> None:
    """What LoopingCall.withCount passed: the beats since the last call (skipped ones too)."""
    skipped = count - 1
    eng.record("loop.count", name, f"withCount: {count} beat{'s' if count != 1 else ''}"
               + (f" ({skipped} skipped)" if skipped else ""), {"count": count})


def _now(p: Parsed) -> bool:
    """LoopingCall.start's ``now``: Twisted's default, True; ``delayed`` asks for False
    (``now`` is still accepted: it is the default now)."""
    return not p["delayed"]


def _timer(eng: Engine, name: str) -> tuple[Record, Any]:
    rec = eng.get(name, "timer")
    return rec, rec.obj


@handles("cancel")
def cancel(eng: Engine, p: Parsed) -> None:
    name = p["NAME"]
    rec = eng.get(name, "timer", "loop", "deferred", "reader", "server", "trigger")
    if rec.family == "timer":
        dc = rec.obj
        twisted_call(eng, dc.cancel, _already(rec), "only a pending timer can change")
    elif rec.family == "loop":
        lc = rec.obj
        if lc is None or not lc.running:
            if eng.in_callback():
                lc.stop()  # Twisted's own AssertionError, as in a plain program
            raise CommandError(f"{name} is not running", "only a running loop can be cancelled")
        lc.stop()
    elif rec.family == "trigger":
        if rec.state != "pending":
            raise CommandError(f"{name} was already {rec.state}")
        eng.reactor.removeSystemEventTrigger(rec.trigger_id)  # type: ignore[attr-defined]
    elif rec.dstate is not None:
        rec.deferred.cancel()
    else:
        from reactor_repl.engine.commands import io_tcp

        io_tcp.cancel(eng, rec)


def _already(rec: Record) -> str:
    return f"{rec.name} was already {rec.state}"


@handles("reset")
def reset(eng: Engine, p: Parsed) -> None:
    rec, dc = _timer(eng, p["NAME"])
    twisted_call(eng, lambda: dc.reset(p["DELAY"]), _already(rec),
                 "only a pending timer can change")


@handles("delay")
def delay(eng: Engine, p: Parsed) -> None:
    rec, dc = _timer(eng, p["NAME"])
    twisted_call(eng, lambda: dc.delay(p["SECONDS"]), _already(rec),
                 "only a pending timer can change")


def block(eng: Engine, seconds: float, cpu: bool) -> None:
    """Block the calling thread (the reactor, usually) for ``seconds``."""
    how = "spinning" if cpu else "sleeping"
    if not eng.in_reactor():
        # a thread's own (fromthread … unsafe: the helper runs the action itself): that
        # thread sleeps, on the session's clock, and the loop goes on — it was taken for the
        # loop's block (virtual: the timers due meanwhile ran late; live: warn.blocked)
        eng.record("block.start", "", f"{how} {seconds:g}s in this thread: the loop goes on",
                   {"seconds": seconds, "cpu": cpu, "thread": True})
        if cpu and not eng.virtual:
            eng.pass_time(seconds, cpu)
        else:
            eng.job_sleep(seconds)
        eng.record("block.end", "", f"this thread slept {seconds:g}s", {"seconds": seconds,
                                                                       "thread": True})
        return
    eng.record("block.start", "", f"{how} {seconds:g}s: the loop can do nothing else",
               {"seconds": seconds, "cpu": cpu})
    r = eng.reactor
    old = r.phase
    # typed at the prompt, the block is what the person asked for: no warning says so (in a
    # callback it is the lesson: warn.slow and warn.blocked name it)
    typed = not eng.in_callback()
    r._set_phase("blocked")
    eng.expected_block = typed
    t0 = eng.clock.seconds()
    try:
        eng.pass_time(seconds, cpu)
    finally:
        eng.expected_block = False
        r._set_phase(old)
        if typed:
            eng.slow_warnings += 1  # the typed command it is in does not warn.slow either
    if eng.clock.shutdown.is_set():
        took = eng.clock.seconds() - t0
        eng.record("block.end", "", f"cut short after {took:.3f}s: the session is ending",
                   {"seconds": round(took, 6), "cut": True})
        return
    eng.record("block.end", "", f"blocked {seconds:g}s", {"seconds": seconds})


@handles("block")
def block_cmd(eng: Engine, p: Parsed) -> None:
    block(eng, p["DURATION"], bool(p["cpu"]))


@handles("fromthread")
def fromthread(eng: Engine, p: Parsed) -> None:
    from reactor_repl.engine.registry import Record

    name = eng.new_name("threadcall", p["NAME"])
    rec = eng.add(Record(name, "threadcall", eng.command_site, state="queued",
                         chosen=bool(p["NAME"])))
    act = Activity(name, "helper", state="running")
    eng.clock.add(act)
    do = p.do
    site = eng.command_site

    def in_reactor() -> None:
        rec.state = "ran"
        eng.registry.finished(rec)
        run_do(eng, do, site)

    unsafe = bool(p["unsafe"])
    if unsafe:
        eng.record("threadcall.queue", name, "a helper thread runs it itself, not through "
                   "callFromThread (not thread-safe)",
                   {"unsafe": True, "command": True, "site": site})

    def helper() -> None:
        eng._local.activity = act
        eng.set_thread_label(f"helper-{name}")
        try:
            if unsafe:  # the thread runs it itself, off the reactor's thread (the bug)
                rec.state = "ran"
                eng.registry.finished(rec)
                try:
                    run_do(eng, do, site)
                except Exception as e:
                    eng.record("error", name, f"{type(e).__name__}: {e} (in thread "
                               f"helper-{name})", {"thread": f"helper-{name}"})
            else:
                eng.reactor.callFromThread(in_reactor)
        finally:
            eng._local.activity = None
            eng.clock.set_state(act, "delivered")

    import threading

    threading.Thread(target=helper, name=f"helper-{name}", daemon=True).start()


@handles("trigger")
def trigger(eng: Engine, p: Parsed) -> None:
    do = p.do
    site = eng.command_site
    wait = p["SECONDS"]

    def fires() -> Any:
        run_do(eng, do, site)
        if wait is not None:
            return task.deferLater(eng.reactor, wait)  # a 'before' phase waits for it
        return None

    fires._rr_label = do.text if do else "nothing"  # type: ignore[attr-defined]
    with eng.claim("trigger", p["NAME"], detail=_do_text(p)):
        eng.reactor.addSystemEventTrigger(p["PHASE"], p["EVENT"], fires)


@handles("callWhenRunning")
def call_when_running(eng: Engine, p: Parsed) -> None:
    do = p.do
    site = eng.command_site

    def runs() -> None:
        run_do(eng, do, site)

    try:
        eng.reactor.callWhenRunning(runs)  # the reactor runs: Twisted calls it at once
    except CommandError:
        pass  # the do said so already (an error event)


@handles("crash")
def crash(eng: Engine, p: Parsed) -> None:
    r = eng.reactor
    if not r._started:
        if eng.in_callback():
            r.crash()
        raise CommandError("the reactor is not running")
    r.crash()


@handles("stop")
def stop(eng: Engine, p: Parsed) -> None:
    r = eng.reactor
    if not r.running or r._stopped:
        if eng.in_callback():
            r.stop()  # Twisted's own ReactorNotRunning, as in a plain program
        raise CommandError("the reactor is already stopping")
    r.stop()


_ = (error, runtime)
