"""Time and the loop: later, every, cancel, reset, delay, block, fromthread, trigger, stop."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from twisted.internet import task

from reactor_repl.engine.clock import Activity
from reactor_repl.engine.commands import handles, run_do
from reactor_repl.engine.core import CommandError, Obj

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed


class RawClock:
    """What a LoopingCall sees as its clock: the reactor, minus timer recording
    (the loop records ``loop.call`` itself)."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.due: float | None = None  # when the loop's next call was scheduled for
        # hot path (a zero-interval loop): the reactor's methods, looked up once
        self.seconds = reactor.seconds  # type: ignore[method-assign]
        self._call_later = reactor.raw_call_later

    def seconds(self) -> float:
        return self.reactor.seconds()

    def callLater(self, delay: float, f: Any, *a: Any, **kw: Any) -> Any:
        dc = self._call_later(delay, f, *a, **kw)
        self.due = dc.time
        return dc


@handles("later")
def later(eng: Engine, p: Parsed) -> None:
    delay = p["DELAY"]
    name = eng.new_name("timer", p["NAME"])
    obj = eng.add(Obj(name, "timer"))
    r = eng.reactor

    def fire() -> None:
        late = max(0.0, r.seconds() - dc.time)
        eng.lag.append(late)

        def body() -> None:  # after a break/step pause: only now has it fired
            obj.state = "fired"
            obj.detail = f"late +{late:.3f}s"
            obj.data["late"] = late
            run_do(eng, p.do)

        eng.timed("timer.fire", name, f"late +{late:.3f}s", {"late": round(late, 6)}, body)

    dc = r.raw_call_later(delay, fire)
    obj.data["dc"] = dc
    due = eng.now() + delay
    obj.detail = f"due {due:.3f}"
    eng.record("timer.schedule", name, f"in {delay:g}s, due {due:.3f}" +
               (f" do {p.do.text}" if p.do else ""), {"delay": delay, "due": round(due, 6)})


@handles("every")
def every(eng: Engine, p: Parsed) -> None:
    interval = p["INTERVAL"]
    times = p["N"]
    name = eng.new_name("loop", p["NAME"])
    obj = eng.add(Obj(name, "loop", "running"))
    calls = 0
    last_beat = -1 if p["now"] else 0
    do = p.do
    push_lag = eng.lag.append
    timed = eng.timed
    obj_data = obj.data
    reactor = eng.reactor

    def call() -> None:
        # the hot path of a zero-interval loop: keep lookups out of it
        nonlocal calls, last_beat
        calls += 1
        n = calls
        missed = 0
        now = seconds()
        due = clock.due
        if due is None:
            due = lc.starttime
        late = now - due if now > due else 0.0
        if interval > 0:
            # the beats that passed while it waited: LoopingCall skips them
            beat = int((now - lc.starttime) / interval + 1e-6)
            missed = max(0, beat - last_beat - 1)
            last_beat = beat
        push_lag(late)
        if missed:
            text = f"call {n}, missed {missed} beat{'s' if missed != 1 else ''}, late +{late:.3f}s"
        elif late:
            text = f"call {n}, late +{late:.3f}s"
        else:  # on time: the common case of a busy loop, without formatting a float
            text = f"call {n}, late +0.000s"
        obj.detail = f"{n} calls"
        obj_data["late"] = late
        data = {"n": n, "missed": missed, "late": round(late, 6) if late else 0.0}
        if times is not None:
            # 'times N' makes it finite: its calls are not counted as a runaway
            # (--max-dispatches), so a storm of 300,000 calls runs to its end
            reactor.dispatches -= 1
        if do is None:  # nothing runs past the recording: no time to measure
            timed("loop.call", name, text, data, None)
        else:
            timed("loop.call", name, text, data, run_do, eng, do)
        if times is not None and n >= times and lc.running:
            stop_loop(eng, obj, f"after {n} calls")

    lc = task.LoopingCall(call)
    clock = RawClock(eng.reactor)
    seconds = clock.seconds
    lc.clock = clock
    obj.data["lc"] = lc
    eng.record("loop.start", name, f"every {interval:g}s" + (" now" if p["now"] else "") +
               (f" times {times}" if times else "") + (f" do {p.do.text}" if p.do else ""),
               {"interval": interval, "now": bool(p["now"]), "times": times})
    d = lc.start(interval, now=bool(p["now"]))

    def failed(f: Any) -> None:
        obj.state = "failed"
        error = f"{f.type.__name__}: {f.getErrorMessage()}".rstrip(": ")
        eng.record("loop.stop", name, f"stopped by an error: {error}", {"error": error})

    d.addErrback(failed)


def stop_loop(eng: Engine, obj: Obj, why: str) -> None:
    lc = obj.data["lc"]
    obj.state = "stopped"
    eng.record("loop.stop", obj.name, why, {})
    lc.stop()


def _timer(eng: Engine, name: str) -> tuple[Obj, Any]:
    obj = eng.get(name, "timer")
    dc = obj.data["dc"]
    if not dc.active():
        raise CommandError(f"{name} was already {obj.state}", "only a pending timer can change")
    return obj, dc


@handles("cancel")
def cancel(eng: Engine, p: Parsed) -> None:
    name = p["NAME"]
    obj = eng.get(name, "timer", "loop", "deferred", "reader", "server", "trigger")
    if obj.family == "timer":
        obj, dc = _timer(eng, name)
        dc.cancel()
        obj.state = "cancelled"
        eng.record("timer.cancel", name, "cancelled", {})
    elif obj.family == "loop":
        if not obj.data["lc"].running:
            raise CommandError(f"{name} is not running")
        stop_loop(eng, obj, "cancelled")
    elif obj.family == "trigger":
        if obj.state != "pending":
            raise CommandError(f"{name} was already {obj.state}")
        eng.reactor.removeSystemEventTrigger(obj.data["id"])
        obj.state = "removed"
        eng.record("trigger.remove", name, "removed", {})
    elif obj.deferred is not None:
        obj.deferred.cancel()
    else:
        from reactor_repl.engine.commands import io_tcp

        io_tcp.cancel(eng, obj)


@handles("reset")
def reset(eng: Engine, p: Parsed) -> None:
    obj, dc = _timer(eng, p["NAME"])
    if eng.virtual:
        eng.clock.nudge()  # type: ignore[attr-defined]  # reset fixes a deadline from now
    dc.reset(p["DELAY"])
    due = eng.now() + p["DELAY"]
    obj.detail = f"due {due:.3f}"
    eng.record("timer.reset", obj.name, f"now due in {p['DELAY']:g}s, at {due:.3f}",
               {"delay": p["DELAY"], "due": round(due, 6)})


@handles("delay")
def delay(eng: Engine, p: Parsed) -> None:
    obj, dc = _timer(eng, p["NAME"])
    dc.delay(p["SECONDS"])
    due = dc.getTime() - eng.start_time
    obj.detail = f"due {due:.3f}"
    eng.record("timer.delay", obj.name, f"pushed {p['SECONDS']:g}s later, due {due:.3f}",
               {"seconds": p["SECONDS"], "due": round(due, 6)})


def block(eng: Engine, seconds: float, cpu: bool) -> None:
    """Block the calling thread (the reactor, usually) for ``seconds``."""
    how = "spinning" if cpu else "sleeping"
    eng.record("block.start", "", f"{how} {seconds:g}s: the loop can do nothing else",
               {"seconds": seconds, "cpu": cpu})
    r = eng.reactor
    old = r.phase
    r._set_phase("blocked")
    t0 = eng.clock.seconds()
    try:
        eng.pass_time(seconds, cpu)
    finally:
        r._set_phase(old)
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
    name = eng.new_name("threadcall", p["NAME"])
    obj = eng.add(Obj(name, "threadcall", "queued"))
    act = Activity(name, "helper", state="running")
    eng.clock.add(act)

    def in_reactor() -> None:
        obj.state = "ran"
        run_do(eng, p.do)

    def helper() -> None:
        eng._local.activity = act
        eng.set_thread_label(f"helper-{name}")
        try:
            eng.reactor.callFromThread(in_reactor)
        finally:
            eng._local.activity = None
            eng.clock.set_state(act, "delivered")

    threading.Thread(target=helper, name=f"helper-{name}", daemon=True).start()


@handles("trigger")
def trigger(eng: Engine, p: Parsed) -> None:
    name = eng.new_name("trigger", p["NAME"])
    obj = eng.add(Obj(name, "trigger", detail=f"{p['PHASE']} {p['EVENT']}"))
    phase, event = p["PHASE"], p["EVENT"]

    def body() -> None:
        obj.state = "fired"
        run_do(eng, p.do)

    def fire() -> None:
        eng.timed("trigger.fire", name, f"{phase} {event}", {"phase": phase, "event": event},
                  body)

    obj.data["id"] = eng.reactor.addSystemEventTrigger(phase, event, fire)
    eng.record("trigger.add", name, f"{phase} {event}" + (f" do {p.do.text}" if p.do else ""),
               {"phase": phase, "event": event})


@handles("stop")
def stop(eng: Engine, p: Parsed) -> None:
    r = eng.reactor
    if not r.running or r._stopped:
        raise CommandError("the reactor is already stopping")
    eng.record("reactor.stop", "", "reactor.stop(): shutdown triggers run next", {})
    r.stop()
