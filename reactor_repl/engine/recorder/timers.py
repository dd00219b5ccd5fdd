"""Timers and LoopingCalls: schedule, fire (with lateness), cancel, reset, loop calls."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from twisted.python.failure import Failure

from reactor_repl.engine.describe import (
    label_of,
    reason_text,
)
from reactor_repl.engine.recorder.base import (
    Base,
    made_at,
)
from reactor_repl.engine.registry import (
    LoopRecord,
    TimerRecord,
)
from reactor_repl.observe import sites



class TimersPart(Base):
    # ------------------------------------------------------------ timers
    def timer_new(self, dc: Any, func: Any, frame: Any, delay: float) -> Any:
        eng = self.eng
        when = dc.getTime()
        rec, detail = self._follow("timer", TimerRecord, frame, True, due=when,
                                   state="scheduled")
        name = rec.name
        if rec.internal:
            return rec
        self._keep(rec, dc)
        due = when - eng.start_time
        rec.due_shown = due
        eng.record_lazy("timer.schedule", name, _scheduled,
                        (delay, due, label_of(func), detail, rec.site, rec.by_command))
        return rec

    def timer_fire(self, token: Any, dc: Any, func: Callable[..., Any], args: tuple,
                   kw: dict) -> Any:
        eng = self.eng
        rec: TimerRecord = token
        if rec.internal:
            ev = eng.dispatch("timer.fire", "", f"{label_of(func)}()",
                              {"func": label_of(func)}, True)
            return eng.run_dispatch(ev, func, *args, **kw)
        ref = rec.ref
        dc = ref() if ref is not None else None
        if dc is not None and not dc.called:  # the program calls dc.func itself: not a firing
            return func(*args, **kw)
        if eng.breakpoints or eng.stepping:  # a pause at a break is part of its lateness
            eng.gate("timer.fire", rec.name)
        now = eng.clock.seconds()
        late = now - rec.due
        if late < 0:
            late = 0.0
        eng.lag.append(late)
        rec.state = "fired"
        rec.late = late  # (its detail, "late +…s", is made from it when a view asks)
        self.reg.finished(rec)
        if kw:
            func = partial(func, **kw)
        return eng.timed_lazy("timer.fire", rec.name, _fired, (late,), now, func, *args)

    def timer_cancel(self, token: Any, dc: Any) -> None:
        rec: TimerRecord = token
        rec.state = "cancelled"
        self.reg.finished(rec)
        if not rec.internal:
            self.eng.record("timer.cancel", rec.name, "cancelled", {})

    def timer_moved(self, token: Any, dc: Any, how: str, seconds: float) -> None:
        rec: TimerRecord = token
        rec.due = dc.getTime()
        if rec.internal:
            return
        due = rec.due_shown = rec.due - self.eng.start_time
        if how == "reset":
            self.eng.record("timer.reset", rec.name, f"now due in {seconds:g}s, at {due:.3f}",
                            {"delay": seconds, "due": round(due, 6)})
        else:
            self.eng.record("timer.delay", rec.name, f"pushed {seconds:g}s later, due {due:.3f}",
                            {"seconds": seconds, "due": round(due, 6)})

    # ------------------------------------------------------------ LoopingCall
    def loop_start(self, lc: Any, interval: float, now: bool, frame: Any) -> None:
        rec = lc.__dict__.get("_rr")
        if rec is not None and not rec.internal and self.reg.get(rec.name) is rec:
            # the same LoopingCall started again after a stop: the same loop, its calls
            # counted on (it was taken for a new loop, l2, and its calls counted from 1)
            rec.interval, rec.state, rec.last_beat = interval, "running", -1 if now else 0
            detail = " (started again)"
        else:
            rec, detail = self._follow("loop", LoopRecord, frame, True, interval=interval,
                                       state="running", last_beat=-1 if now else 0)
        name = rec.name
        lc._rr = rec
        if rec.internal:
            return
        self._keep(rec, lc)
        if detail is None and not sites.site_of(frame):
            # started by the reactor itself (callWhenRunning(lc.start, 1)): what start()
            # returns is made by Twisted alone, and is the program's as much as the loop
            self.adopt_next_deferred(rec)
        func = label_of(lc.f)
        text = f"every {interval:g}s" + ("" if now else ", first call after one interval")
        text += detail if detail is not None else f" → {func}()"
        self.eng.record("loop.start", name, text,
                        self._data(rec, {"interval": interval, "now": bool(now), "func": func}))

    def loop_started(self, lc: Any) -> None:
        if self.adopting is not None:  # (start() raised before it made its Deferred)
            self.adopted()

    def loop_call(self, lc: Any, due: float, call: Callable[[Any], Any]) -> Any:
        rec: LoopRecord | None = lc.__dict__.get("_rr")
        if rec is None or rec.internal:
            return call(lc)
        eng = self.eng
        if eng.breakpoints or eng.stepping:  # a pause at a break is part of its lateness
            eng.gate("loop.call", rec.name)
        n = rec.calls = rec.calls + 1  # (its detail, "N calls", is made from it when asked)
        now = eng.clock.seconds()
        late = now - due if now > due else 0.0
        missed = 0
        interval = rec.interval
        if interval > 0 and lc.starttime is not None:
            # the beats that passed while it waited: LoopingCall skips them
            beat = int((now - lc.starttime) / interval + 1e-6)
            missed = max(0, beat - rec.last_beat - 1)
            rec.last_beat = beat
        lag = eng.lag  # LagWindow.append written out
        lag._push(late)
        lag.count += 1
        if late > lag.max:
            lag.max = late
        rec.late = late
        started = lc._deferred
        rec.started = started  # (deferred_fire: start()'s errback stops the loop first)
        outer, self.beating = self.beating, rec
        try:
            return eng.timed_lazy("loop.call", rec.name, _called, (n, missed, late), now,
                                  call, lc)
        finally:
            self.beating = outer
            rec.started = None  # (kept, a failed start() Deferred was never freed: logged late)
            if not lc.running and rec.state == "running":
                # it stopped itself: an error (start()'s Deferred failed) or stop() inside
                res = getattr(started, "result", None) if started is not None else None
                why = ("stopped by an error: " + reason_text(res) if isinstance(res, Failure)
                       else "stopped")
                self._loop_stopped(rec, why, {"error": reason_text(res)}
                                   if isinstance(res, Failure) else {})
            # let start()'s Deferred go as it goes in plain Twisted: Twisted keeps a
            # Failure's traceback, whose frames (this one too) keep their locals; a
            # failed start() Deferred kept here was logged unhandled only much later
            started = res = None

    def loop_stop(self, lc: Any, why: str) -> None:
        rec: LoopRecord | None = lc.__dict__.get("_rr")
        if rec is None or rec.internal or rec.state != "running":
            return
        n = rec.calls
        self._loop_stopped(rec, f"stop() after {n} call{'s' if n != 1 else ''}", {"calls": n})

    def loop_failed(self, d: Any, failure: Any) -> None:
        """start()'s Deferred fails (the loop's call raised): the loop stopped, then its
        errbacks run — said now, before the chain may handle the failure."""
        rec = self.beating
        if rec is not None and rec.started is d and rec.state == "running":
            why = reason_text(failure)
            self._loop_stopped(rec, "stopped by an error: " + why, {"error": why})

    def _loop_stopped(self, rec: LoopRecord, text: str, data: dict[str, Any]) -> None:
        rec.state = "failed" if "error" in data else "stopped"
        self.reg.finished(rec)
        self.eng.record("loop.stop", rec.name, text, data)



def _scheduled(delay: float, due: float, func: str, detail: str | None, site: str,
               by_command: bool) -> tuple[str, dict[str, Any]]:
    """A timer.schedule event's text and data, made when a view reads them (``detail``:
    a command's words for what it runs, None for the person's code's own timer)."""
    what = detail if detail is not None else f" → {func}()"
    return f"in {delay:g}s, due {due:.3f}{what}", made_at(
        {"delay": round(delay, 9), "due": round(due, 6), "func": func}, site, by_command)


def _fired(late: float) -> tuple[str, dict[str, Any]]:
    """A timer.fire event's text and data, made when a view reads them."""
    return f"late +{late:.3f}s", {"late": round(late, 6)}


def _called(n: int, missed: int, late: float) -> tuple[str, dict[str, Any]]:
    """A loop.call event's text and data, made when a view reads them."""
    if missed:
        text = f"call {n}, missed {missed} beat{'s' if missed != 1 else ''}, late +{late:.3f}s"
    elif late:
        text = f"call {n}, late +{late:.3f}s"
    else:
        text = f"call {n}, late +0.000s"
    return text, {"n": n, "missed": missed, "late": round(late, 6) if late else 0.0}
