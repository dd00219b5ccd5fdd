"""The recorder: the observer that turns what the observation layer sees into events.

It names what it follows (a command's claim, else the family's next free name)
with the person's site, keeps typed records in the registry, and writes events
through the engine (which stamps time, tick and thread, and pauses at a break).
It holds no strong reference to a Twisted object it did not make.
"""

from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import defer, error
from twisted.python.failure import Failure

from reactor_repl.engine.clock import Activity
from reactor_repl.engine.describe import (
    bytes_text,
    label_of,
    payload,
    plain_result,
    reason_text,
    show_result,
)
from reactor_repl.engine.registry import (
    ConnRecord,
    DState,
    JobRecord,
    Link,
    LoopRecord,
    PortRecord,
    ReaderRecord,
    Record,
    TimerRecord,
    TriggerRecord,
)
from reactor_repl.observe import sites
from reactor_repl.observe.api import Observer

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

_getframe = sys._getframe
_cancellable = getattr(defer, "_cancellableInlineCallbacks", None)
_CANCELLABLE_CODE = getattr(_cancellable, "__code__", None)


def _is_user(frame: Any) -> bool:
    """The frame is the person's code itself (not Twisted working on its behalf)."""
    return frame is not None and sites.user_frame(frame) is frame


def _twisted_internal(obj: Any) -> bool:
    mod = getattr(type(obj), "__module__", "") or ""
    return mod.startswith(("twisted.", "reactor_repl.engine"))


def suspension_site(gen: Any) -> str:
    """``file:line`` where a coroutine or generator is suspended (the innermost frame)."""
    site = ""
    depth = 0
    while gen is not None and depth < 50:
        frame = getattr(gen, "cr_frame", None) or getattr(gen, "gi_frame", None)
        if frame is not None and sites.user_frame(frame) is frame:
            site = sites.describe(frame)
        gen = getattr(gen, "cr_await", None) or getattr(gen, "gi_yieldfrom", None)
        depth += 1
    return site


class Recorder(Observer):
    def __init__(self, engine: Engine) -> None:
        self.eng = engine
        self.reg = engine.registry
        self.touched: list[DState] = []  # Deferreds with news since the last sweep

    # ------------------------------------------------------------ naming
    def _follow(self, family: str, cls: type[Record], frame: Any, immediate: bool,
                **fields: Any) -> tuple[Record, str | None]:
        """The record for a new object: a command's claim (returns its detail), else a
        new one named after the family, at the person's code that made it; else
        Twisted's own (internal, no name). ``immediate``: only the direct caller counts
        (Twisted making a timer for the person's code is still Twisted's timer).
        The detail is None when no command claimed the object."""
        claim = self.reg.claimed(family)
        if claim is not None:
            rec = claim.record
            assert rec is not None
            for k, v in fields.items():
                setattr(rec, k, v)
            if rec.name not in self.reg.by_name:
                self.reg.add(rec)
            return rec, claim.detail
        if immediate:
            site = sites.describe(frame) if _is_user(frame) else ""
        else:
            site = sites.site_of(frame)
        if not site:
            return cls("", family, "", True, **fields), None
        rec = cls(self.reg.new_name(family), family, site, **fields)
        self.reg.add(rec)
        return rec, None

    def _keep(self, rec: Record, obj: Any) -> None:
        """Follow ``obj`` weakly; a command's own object lives as a program's variable would."""
        _ref(rec, obj)
        if rec.by_command and rec.name:
            self.reg.strong[rec.name] = obj

    def _data(self, rec: Record, data: dict[str, Any]) -> dict[str, Any]:
        """A creation event's data: where it was made, and whether a command made it."""
        if rec.site:
            data["site"] = rec.site
        if rec.by_command:
            data["command"] = True
        return data

    # ------------------------------------------------------------ the loop
    def wrong_thread(self, api: str, frame: Any) -> None:
        self.eng.lints.wrong_thread(api, sites.site_of(frame))

    def before_deadline(self) -> None:
        self.eng.before_deadline()

    # ------------------------------------------------------------ timers
    def timer_new(self, dc: Any, func: Any, frame: Any, delay: float) -> Any:
        eng = self.eng
        rec, detail = self._follow("timer", TimerRecord, frame, True, due=dc.getTime(),
                                   state="scheduled")
        name = rec.name
        if rec.internal:
            return rec
        self._keep(rec, dc)
        due = dc.getTime() - eng.start_time
        what = detail if detail is not None else f" → {label_of(func)}()"
        rec.detail = f"due {due:.3f}"
        eng.record("timer.schedule", name, f"in {delay:g}s, due {due:.3f}{what}",
                   self._data(rec, {"delay": round(delay, 9), "due": round(due, 6),
                                    "func": label_of(func)}))
        return rec

    def timer_fire(self, token: Any, dc: Any, func: Callable[..., Any], args: tuple,
                   kw: dict) -> Any:
        eng = self.eng
        rec: TimerRecord = token
        late = eng.clock.seconds() - rec.due
        if late < 0:
            late = 0.0
        if rec.internal:
            ev = eng.dispatch("timer.fire", "", f"{label_of(func)}()",
                              {"func": label_of(func)}, True)
            return eng.run_dispatch(ev, func, *args, **kw)
        eng.lag.append(late)
        rec.state = "fired"
        rec.late = late
        rec.detail = f"late +{late:.3f}s"
        self.reg.finished(rec)
        return eng.timed("timer.fire", rec.name, f"late +{late:.3f}s", {"late": round(late, 6)},
                         func, *args, **kw)

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
        due = rec.due - self.eng.start_time
        rec.detail = f"due {due:.3f}"
        if how == "reset":
            self.eng.record("timer.reset", rec.name, f"now due in {seconds:g}s, at {due:.3f}",
                            {"delay": seconds, "due": round(due, 6)})
        else:
            self.eng.record("timer.delay", rec.name, f"pushed {seconds:g}s later, due {due:.3f}",
                            {"seconds": seconds, "due": round(due, 6)})

    # ------------------------------------------------------------ LoopingCall
    def loop_start(self, lc: Any, interval: float, now: bool, frame: Any) -> None:
        rec, detail = self._follow("loop", LoopRecord, frame, True, interval=interval,
                                   state="running", last_beat=-1 if now else 0)
        name = rec.name
        lc._rr = rec
        if rec.internal:
            return
        self._keep(rec, lc)
        func = label_of(lc.f)
        text = f"every {interval:g}s" + ("" if now else ", first call after one interval")
        text += detail if detail is not None else f" → {func}()"
        self.eng.record("loop.start", name, text,
                        self._data(rec, {"interval": interval, "now": bool(now), "func": func}))

    def loop_call(self, lc: Any, due: float, run: Callable[[], Any]) -> Any:
        rec: LoopRecord | None = lc.__dict__.get("_rr")
        if rec is None or rec.internal:
            return run()
        eng = self.eng
        rec.calls += 1
        n = rec.calls
        now = eng.clock.seconds()
        late = now - due if now > due else 0.0
        missed = 0
        interval = rec.interval
        if interval > 0 and lc.starttime is not None:
            # the beats that passed while it waited: LoopingCall skips them
            beat = int((now - lc.starttime) / interval + 1e-6)
            missed = max(0, beat - rec.last_beat - 1)
            rec.last_beat = beat
        eng.lag.append(late)
        if missed:
            text = f"call {n}, missed {missed} beat{'s' if missed != 1 else ''}, late +{late:.3f}s"
        elif late:
            text = f"call {n}, late +{late:.3f}s"
        else:
            text = f"call {n}, late +0.000s"
        rec.detail = f"{n} call{'s' if n != 1 else ''}"
        rec.late = late
        started = lc._deferred
        try:
            return eng.timed("loop.call", rec.name, text,
                             {"n": n, "missed": missed, "late": round(late, 6) if late else 0.0},
                             run)
        finally:
            if not lc.running and rec.state == "running":
                # it stopped itself: an error (start()'s Deferred failed) or stop() inside
                res = getattr(started, "result", None) if started is not None else None
                why = ("stopped by an error: " + reason_text(res) if isinstance(res, Failure)
                       else "stopped")
                self._loop_stopped(rec, why, {"error": reason_text(res)}
                                   if isinstance(res, Failure) else {})

    def loop_stop(self, lc: Any, why: str) -> None:
        rec: LoopRecord | None = lc.__dict__.get("_rr")
        if rec is None or rec.internal or rec.state != "running":
            return
        n = rec.calls
        self._loop_stopped(rec, f"stop() after {n} call{'s' if n != 1 else ''}", {"calls": n})

    def _loop_stopped(self, rec: LoopRecord, text: str, data: dict[str, Any]) -> None:
        rec.state = "failed" if "error" in data else "stopped"
        self.reg.finished(rec)
        self.eng.record("loop.stop", rec.name, text, data)

    # ------------------------------------------------------------ Deferreds
    def deferred_new(self, d: Any, frame: Any) -> Any:
        eng = self.eng
        coroutine = ""
        if frame is not None and frame.f_code is _CANCELLABLE_CODE:
            gen = frame.f_locals.get("gen")
            coroutine = getattr(gen, "__qualname__", "") or type(gen).__name__
        claim = self.reg.claimed("deferred")
        if claim is not None:
            rec = claim.record
            assert rec is not None
            if rec.name not in self.reg.by_name:
                self.reg.add(rec)
            self.reg.strong[rec.name] = d  # a command's Deferred lives as a program's variable
            detail = claim.detail
        else:
            site = sites.site_of(frame)
            if not site and not eng.config.internals:
                return None
            rec = Record(self.reg.new_name("deferred") if site else "", "deferred", site,
                         not site)
            if site:
                self.reg.add(rec)
            detail = ""
        ds = DState(rec, weakref.ref(d), coroutine=coroutine, born=eng.clock.seconds())
        rec.dstate = ds
        if rec.internal:
            return ds
        text = f"{coroutine}() started (its Deferred)" if coroutine else (detail or "Deferred()")
        data: dict[str, Any] = {"family": rec.family}
        if coroutine:
            data["coroutine"] = coroutine
        eng.record("deferred.new", rec.name, text, self._data(rec, data))
        return ds

    def deferred_add(self, token: Any, callback: Any, errback: Any, args: tuple) -> Any:
        ds: DState = token
        link = Link(label_of(callback) if callback is not defer.passthru else "",
                    label_of(errback) if errback not in (defer.passthru, _failthru) else "")
        ds.links.append(link)
        rec = ds.rec
        if not rec.internal:
            self.eng.record("deferred.add", rec.name, link.text(),
                            {"callback": link.callback, "errback": link.errback,
                             "index": len(ds.links)})
        return link

    def deferred_step(self, token: Any, link: Any, branch: str, fn: Callable[..., Any],
                      result: Any, args: tuple, kw: dict) -> Any:
        eng = self.eng
        ds: DState = token
        rec = ds.rec
        ds.dirty = True
        self._touch(ds)
        if link is not None:
            link.ran = branch
        if rec.internal:
            return fn(result, *args, **kw)
        label = (link.callback if branch == "callback" else link.errback) if link else label_of(fn)
        index = ds.links.index(link) + 1 if link in ds.links else 0
        inp = show_result(result)
        ev = eng.record("deferred.step", rec.name, f"{branch} {label}: {inp} → …",
                        {"branch": branch, "step": label, "index": index,
                         "input": plain_result(result)})
        outer = eng.current
        eng.current = ev
        warned = eng.slow_warnings
        seconds = eng.clock.seconds
        t0 = seconds()
        try:
            out = fn(result, *args, **kw)
        except BaseException as e:
            ev.text = f"{branch} {label}: {inp} → raised {type(e).__name__}: {e}"
            ev.data["raised"] = f"{type(e).__name__}: {e}"  # type: ignore[index]
            self._step_end(ev, outer, t0, warned, label)
            raise
        ev.text = f"{branch} {label}: {inp} → {show_result(out)}"
        ev.data["output"] = plain_result(out)  # type: ignore[index]
        self._step_end(ev, outer, t0, warned, label)
        return out

    def _step_end(self, ev: Any, outer: Any, t0: float, warned: int, label: str) -> None:
        eng = self.eng
        eng.current = outer
        dur = eng.clock.seconds() - t0
        ev.dur = dur
        ev.end_seq = eng.log.seq
        if dur >= eng.config.slow and warned == eng.slow_warnings:
            eng.warn_slow("deferred.step", ev.name, dur, label)

    def _touch(self, ds: DState) -> None:
        if not ds.dirty or ds not in self.touched:
            self.touched.append(ds)
        ds.dirty = True

    def deferred_fire(self, token: Any, d: Any, how: str, value: Any) -> None:
        ds: DState = token
        self._touch(ds)
        rec = ds.rec
        if rec.internal:
            return
        self.eng.record("deferred.fire", rec.name, f"{how}({show_result(value)})",
                        {"how": how, "value": plain_result(value)})

    def deferred_already(self, token: Any, d: Any, how: str, err: BaseException) -> None:
        rec = token.rec
        self.eng.record("deferred.error", rec.name,
                        f"AlreadyCalledError: {how} on a Deferred that already fired",
                        {"error": "AlreadyCalledError", "how": how, "message": str(err)[:200]})

    def deferred_paused(self, token: Any, d: Any) -> None:
        ds: DState = token
        if ds.rec.internal:
            return
        on = d.__dict__.get("result")
        if isinstance(on, defer.Deferred):
            from reactor_repl.engine.describe import deferred_name

            other = deferred_name(on) or "a Deferred"
            ds.awaiting = weakref.ref(on)
        else:
            other = "pause()"
        ds.paused_on = other
        self._touch(ds)
        self.eng.record("deferred.pause", ds.rec.name,
                        f"waits for {other}" if other != "pause()" else "paused by pause()",
                        {"on": other})

    def deferred_resumed(self, token: Any, d: Any) -> None:
        ds: DState = token
        if ds.rec.internal or ds.paused_on is None:
            return
        on = ds.paused_on
        ds.paused_on = None
        ds.awaiting = None
        self._touch(ds)
        self.eng.record("deferred.resume", ds.rec.name,
                        f"{on} fired: the chain goes on" if on != "pause()" else "unpause()",
                        {"on": on})

    def deferred_cancel(self, token: Any, d: Any) -> None:
        ds: DState = token
        self._touch(ds)
        if ds.rec.internal:
            return
        done = d.called and not d.paused
        self.eng.record("deferred.cancel", ds.rec.name,
                        "cancel()" + (" (already fired: no effect)" if done else ""),
                        {"called": bool(d.called)})

    def deferred_settled(self) -> None:
        """Report chains that ran out (in the order the Deferreds were made)."""
        touched = self.touched
        if not touched:
            return
        if len(touched) > 1:
            touched.sort(key=_made_order)
        keep = []
        for ds in touched:
            d = ds.deferred
            if d is None:
                continue
            if d._runningCallbacks or d.paused or not d.called:
                keep.append(ds)
                continue
            if d._callbacks:
                keep.append(ds)
                continue
            if ds.dirty:
                ds.dirty = False
                self._result(ds, d)
        self.touched = keep

    def _result(self, ds: DState, d: Any) -> None:
        rec = ds.rec
        res = d.__dict__.get("result")
        failed = isinstance(res, Failure)
        how = "failure" if failed else "value"
        if rec.family == "deferred":
            rec.state = "failed" if failed else "fired"
        if rec.internal:
            return
        self.eng.record("deferred.result", rec.name, f"{how}: {show_result(res)}",
                        {"how": how, "value": plain_result(res)})
        self.eng.lints.chain_ended(ds, failed, res)
        if rec.family == "deferred":
            self.reg.finished(rec)

    # -- coroutines
    def coroutine_waits(self, token: Any, awaited: Any, gen: Any, status: Any) -> Any:
        coro_d = getattr(status, "deferred", None)
        coro = coro_d.__dict__.get("_rr") if isinstance(coro_d, defer.Deferred) else None
        return _Wait(coro, token, gen)

    def coroutine_suspended(self, wait: Any) -> None:
        w: _Wait = wait
        coro: DState | None = w.coro
        if coro is None or coro.rec.internal:
            return
        w.suspended = True
        site = suspension_site(w.gen)
        other = w.awaited.rec.name if w.awaited is not None and w.awaited.rec.name \
            else "a Deferred"
        coro.paused_on = other
        coro.waiting_at = site
        d = w.awaited.deferred if w.awaited is not None else None
        coro.awaiting = weakref.ref(d) if d is not None else None
        self.eng.record("deferred.pause", coro.rec.name,
                        f"awaits {other}" + (f" at {site}" if site else ""),
                        {"on": other, "at": site, "coroutine": coro.coroutine})

    def coroutine_resumes(self, wait: Any, fn: Callable[..., Any], result: Any, args: tuple,
                          kw: dict) -> Any:
        w: _Wait = wait
        coro = w.coro
        if w.suspended and coro is not None and not coro.rec.internal:
            on = coro.paused_on
            coro.paused_on = None
            coro.awaiting = None
            at = coro.waiting_at
            coro.waiting_at = ""
            self.eng.record("deferred.resume", coro.rec.name,
                            f"{on} fired: resumes" + (f" at {at}" if at else ""),
                            {"on": on, "at": at, "value": plain_result(result)})
        return fn(result, *args, **kw)

    # ------------------------------------------------------------ threads
    def job_queue(self, pool: Any, func: Any, has_result: bool, frame: Any) -> Any:
        eng = self.eng
        rec, detail = self._follow("thread", JobRecord, frame, False, state="queued")
        job: JobRecord = rec  # type: ignore[assignment]
        job.hands_back = has_result
        clock = eng.clock
        act = Activity(rec.name, "job")
        act.meta["record"] = job
        job.activity = act
        with clock.cond:
            busy = clock.running_jobs()
            queued = sum(1 for a in clock.activities if a.kind == "job" and a.state == "queued")
        clock.add(act)
        if rec.internal:
            return rec
        pool_max = pool.max
        waiting = busy >= pool_max
        what = detail or f"{label_of(func)}()"
        eng.record("thread.queue", rec.name,
                   f"{what} handed to the pool ({busy}/{pool_max} busy"
                   + (f", {queued + 1} waiting" if waiting else "") + ")",
                   self._data(rec, {"busy": busy, "size": pool_max,
                                    "queued": queued + (1 if waiting else 0),
                                    "func": label_of(func)}))
        return rec

    def job_hand_back(self, token: Any, on_result: Callable[..., Any] | None) -> None:
        act = getattr(token, "activity", None)
        if act is not None:
            act.meta["hand_back"] = on_result

    def job_run(self, token: Any, func: Callable[..., Any], args: tuple, kw: dict) -> Any:
        eng = self.eng
        rec: JobRecord = token
        act = rec.activity
        clock = eng.clock
        with clock.cond:
            act.slot = clock.free_slot()
        eng.set_thread_label(f"pool-{act.slot}")
        eng._local.activity = act
        clock.set_state(act, "running")
        rec.state = "running"
        act.started_at = clock.seconds()
        internal = rec.internal
        eng.record("thread.start", rec.name, f"starts in pool thread {act.slot}",
                   {"slot": act.slot}, internal)
        try:
            result = func(*args, **kw)
        except BaseException as e:
            took = clock.seconds() - act.started_at
            rec.state = "done"
            clock.set_state(act, "ended")
            if not clock.shutdown.is_set():
                eng.record("thread.end", rec.name,
                           f"finished after {took:g}s, raising {type(e).__name__}: {e}",
                           {"seconds": round(took, 6), "raised": f"{type(e).__name__}: {e}"},
                           internal)
            rec.ok = False
            rec.result_text = f"raised {type(e).__name__}: {e}"
            raise
        finally:
            eng._local.activity = None
            if not rec.hands_back:  # callInThread: nothing comes back
                eng.set_thread_label(None)
                clock.set_state(act, "delivered")
                self.reg.finished(rec)
        took = clock.seconds() - act.started_at
        rec.state = "done"
        clock.set_state(act, "ended")
        eng.record("thread.end", rec.name, f"finished after {took:g}s",
                   {"seconds": round(took, 6)}, internal)
        rec.result_text = "returned " + show_result(result)
        return result

    def job_result(self, token: Any, ok: bool, result: Any, on_result: Callable[..., Any]) -> None:
        eng = self.eng
        rec: JobRecord = token
        eng._local.handing_back = rec
        try:
            on_result(ok, result)
        finally:
            eng._local.handing_back = None
            eng.set_thread_label(None)
            eng.clock.set_state(rec.activity, "delivered")
            self.reg.finished(rec)

    def threadcall(self, f: Callable[..., Any]) -> Callable[..., Any]:
        eng = self.eng
        local = eng._local
        job: JobRecord | None = local.handing_back
        if job is not None:
            text = job.result_text or ""

            def job_result(*a: Any, **kw: Any) -> Any:
                if job.internal:
                    ev = eng.dispatch("thread.result", "", text, {"ok": job.ok}, True)
                    return eng.run_dispatch(ev, f, *a, **kw)
                return eng.timed("thread.result", job.name, text, {"ok": job.ok}, f, *a, **kw)

            return job_result
        act = local.activity
        if act is not None and act.kind == "helper":
            name = act.name
            eng.record("threadcall.queue", name, "callFromThread from a helper thread")

            def helper_call(*a: Any, **kw: Any) -> Any:
                return eng.timed("threadcall.run", name, "", None, f, *a, **kw)

            return helper_call
        label = label_of(f)
        internal = (getattr(f, "__module__", "") or "").startswith("twisted.")

        def anonymous_call(*a: Any, **kw: Any) -> Any:
            ev = eng.dispatch("threadcall.run", "", f"{label}()", {"func": label}, internal)
            return eng.run_dispatch(ev, f, *a, **kw)

        return anonymous_call

    # ------------------------------------------------------------ descriptors
    def descriptor_added(self, selectable: Any, writer: bool, frame: Any) -> None:
        if _twisted_internal(selectable):
            return
        rec = _record_of(selectable)
        if rec is not None:
            if rec.state == "paused":
                rec.state = "watching"
                self.eng.record("reader.add", rec.name, "addReader: watched again", {})
            return
        rec, detail = self._follow("reader", ReaderRecord, frame, False, state="watching")
        name = rec.name
        rec.detail = "0 bytes read"
        _set_record(selectable, rec)
        if rec.internal:
            return
        self._keep(rec, selectable)
        try:
            fd = selectable.fileno()
        except Exception:
            fd = -1
        what = detail or f"{type(selectable).__name__}, fd {fd}"
        self.eng.record("reader.add", name,
                        f"add{'Writer' if writer else 'Reader'}: {what}",
                        self._data(rec, {"fd": fd, "writer": writer}))

    def descriptor_removed(self, selectable: Any, writer: bool) -> None:
        rec = _record_of(selectable)
        if rec is None or rec.internal or rec.state != "watching":
            return
        rec.state = "paused"
        self.eng.record("reader.remove", rec.name, "removeReader: the loop stops watching it", {})

    def io_dispatch(self, selectable: Any, what: str, run: Callable[[], Any]) -> Any:
        eng = self.eng
        rec = _record_of(selectable)
        if rec is None or not isinstance(rec, ReaderRecord):
            if isinstance(rec, (ConnRecord, PortRecord)) or rec is not None:
                return run()
            label = getattr(selectable, "_rr_label", None) or type(selectable).__name__
            port = getattr(selectable, "port", None)
            if isinstance(port, int) and label == type(selectable).__name__:
                label = f"{label}:{port}"
            eng.record("io.ready", "", f"{label} ready", {"selectable": label}, True)
            return run()
        if rec.internal or what == "hangup":
            return run()
        kind = "reader.read" if what == "read" else "writer.write"
        ev = eng.dispatch(kind, rec.name, "doRead()" if what == "read" else "doWrite()", {})
        if hasattr(selectable, "last_read"):
            selectable.last_read = None
        out = eng.run_dispatch(ev, run)
        last = getattr(selectable, "last_read", None)
        if what == "read" and isinstance(last, (bytes, bytearray)):
            if last:
                rec.total += len(last)
                rec.detail = f"{rec.total} bytes read"
                n = len(last)
                ev.text = f"doRead(): {n} byte{'s' if n != 1 else ''} {bytes_text(bytes(last))}"
                ev.data = payload(bytes(last))
            else:
                ev.text = "doRead(): end of file → CONNECTION_DONE"
                ev.data = {"bytes": 0, "eof": True}
        return out

    def io_lost(self, selectable: Any, why: Any, run: Callable[[], Any]) -> Any:
        rec = _record_of(selectable)
        if not isinstance(rec, ReaderRecord) or rec.internal:
            return run()
        rec.state = "closed"
        self.reg.finished(rec)
        reason = reason_text(Failure(why) if isinstance(why, BaseException) else why)
        if isinstance(why, error.ConnectionDone):
            reason = "ConnectionDone: Connection was closed cleanly."
        return self.eng.timed("reader.lost", rec.name, f"connectionLost({reason})",
                              {"reason": reason}, run)

    # ------------------------------------------------------------ TCP
    def tcp_listen(self, port: Any, factory: Any, frame: Any) -> None:
        number = port.getHost().port
        rec, detail = self._follow("server", PortRecord, frame, False, state="listening",
                                   port=number)
        name = rec.name
        rec.protocol = (detail or "").strip() or _protocol_name(factory)  # type: ignore[attr-defined]
        rec.detail = f"127.0.0.1:{number} {rec.protocol}"  # type: ignore[attr-defined]
        port._rr = rec
        port._rr_label = f"{name} port {number}" if name else None
        if rec.internal:
            return
        self._keep(rec, port)
        self.eng.record("tcp.listen", name, f"listenTCP {port.getHost().host}:{number} "
                        f"({rec.protocol})",
                        self._data(rec, {"port": number, "protocol": rec.protocol}))

    def tcp_port_stop(self, port: Any) -> None:
        rec = getattr(port, "_rr", None)
        if rec is None or rec.internal or rec.state != "listening":
            return
        rec.state = "stopped"
        self.reg.finished(rec)
        self.eng.record("tcp.stop", rec.name, "stopListening()", {})

    def tcp_connect(self, connector: Any, frame: Any) -> None:
        rec, detail = self._follow("client", ConnRecord, frame, False, state="connecting")
        connector._rr = rec
        dest = connector.getDestination()
        rec.detail = f"connectTCP {dest.host}:{dest.port}"
        if rec.internal:
            return
        if rec.ref is None:
            _ref(rec, connector)
        self.eng.record("tcp.connecting", rec.name, f"connectTCP {dest.host}:{dest.port}",
                        self._data(rec, {"port": dest.port, "host": dest.host}))

    def tcp_build(self, owner: Any, addr: Any) -> None:
        rec = getattr(owner, "_rr", None)
        if rec is None or rec.internal:
            return
        peer = f"{getattr(addr, 'host', '?')}:{getattr(addr, 'port', '?')}"
        if isinstance(rec, PortRecord):
            rec.conns += 1
            name = f"{rec.name}.{rec.conns}"
            conn = ConnRecord(name, "conn", rec.site, False, "connecting", peer=peer,
                              protocol=rec.protocol)
            conn.detail = f"{rec.protocol} from :{getattr(addr, 'port', '?')}"
            owner._rr_next = conn
            self.reg.add(conn, None)
            self.eng.dispatch("tcp.build", name, f"buildProtocol({peer}) → {rec.protocol}",
                              {"peer": getattr(addr, "port", None), "server": rec.name})
            return
        self.eng.dispatch("tcp.build", rec.name, f"buildProtocol({peer})",
                          {"peer": getattr(addr, "port", None)})

    def tcp_made(self, transport: Any, owner: Any) -> None:
        orec = getattr(owner, "_rr", None)
        if orec is None or orec.internal:
            return
        if isinstance(orec, PortRecord):
            rec = getattr(owner, "_rr_next", None)
            owner._rr_next = None
            if rec is None:
                return
        else:
            rec = orec
        transport._rr = rec
        if rec.family == "conn":
            rec.ref = weakref.ref(transport)
        rec.state = "open"
        self.eng.tcp_open(+1)
        rec.transport = weakref.ref(transport)
        try:
            peer = transport.getPeer()
            where = f"{peer.host}:{peer.port}"
            port = peer.port
        except Exception:
            where, port = "?", None
        self.eng.dispatch("tcp.made", rec.name, f"makeConnection → connectionMade, peer {where}",
                          {"peer": port, "protocol": type(transport.protocol).__name__})

    def tcp_data(self, transport: Any, data: bytes, run: Callable[[], Any]) -> Any:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return run()
        rec.received += len(data)
        rec.detail = f"{rec.received} bytes in"
        return self.eng.timed("tcp.data", rec.name,
                              f"dataReceived {len(data)} byte{'s' if len(data) != 1 else ''} "
                              f"{bytes_text(data)}", payload(data), run)

    def tcp_write(self, transport: Any, data: Any) -> None:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return
        data = bytes(data)
        self.eng.record("tcp.write", rec.name,
                        f"transport.write {len(data)} byte{'s' if len(data) != 1 else ''} "
                        f"{bytes_text(data)}", {"bytes": len(data)})

    def tcp_close(self, transport: Any, how: str) -> None:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return
        if how == "drop":
            self.eng.record("tcp.drop", rec.name, "loseConnection(): close after pending writes",
                            {})
        elif how == "abort":
            self.eng.record("tcp.abort", rec.name, "abortConnection(): close now", {})
        else:
            self.eng.record("tcp.halfclose", rec.name,
                            "loseWriteConnection(): no more writes, still reading", {})

    def tcp_lost(self, transport: Any, reason: Any, run: Callable[[], Any]) -> Any:
        rec = getattr(transport, "_rr", None)
        if rec is None or rec.internal:
            return run()
        if rec.state == "open":
            self.eng.tcp_open(-1)
        rec.state = "closed"
        self.reg.finished(rec)
        return self.eng.timed("tcp.lost", rec.name, f"connectionLost({reason_text(reason)})",
                              {"reason": reason_text(reason)}, run)

    def tcp_failed(self, connector: Any, reason: Any, run: Callable[[], Any]) -> Any:
        rec = getattr(connector, "_rr", None)
        if rec is None or rec.internal:
            return run()
        rec.state = "failed"
        self.reg.finished(rec)
        return self.eng.timed("tcp.failed", rec.name,
                              f"clientConnectionFailed({reason_text(reason)})",
                              {"reason": reason_text(reason)}, run)

    def tcp_client_lost(self, connector: Any, reason: Any, run: Callable[[], Any]) -> Any:
        rec = getattr(connector, "_rr", None)
        if rec is None or rec.internal:
            return run()
        return self.eng.timed("tcp.clientlost", rec.name,
                              f"clientConnectionLost({reason_text(reason)})",
                              {"reason": reason_text(reason)}, run)

    # ------------------------------------------------------------ triggers, stop
    def trigger_new(self, phase: str, event: str, f: Any, frame: Any) -> Any:
        rec, detail = self._follow("trigger", TriggerRecord, frame, True, phase=phase,
                                   event=event)
        name = rec.name
        rec.detail = f"{phase} {event}"
        if rec.internal:
            return rec
        self.eng.record("trigger.add", name, f"{phase} {event}" + (
                        detail if detail is not None else f" → {label_of(f)}()"),
                        self._data(rec, {"phase": phase, "event": event}))
        return rec

    def trigger_added(self, token: Any, trigger_id: Any) -> None:
        token.trigger_id = trigger_id

    def trigger_fire(self, token: Any, f: Callable[..., Any], args: tuple, kw: dict) -> Any:
        rec: TriggerRecord = token
        if rec.internal:
            return f(*args, **kw)
        rec.state = "fired"
        self.reg.finished(rec)
        return self.eng.timed("trigger.fire", rec.name, f"{rec.phase} {rec.event}",
                              {"phase": rec.phase, "event": rec.event}, f, *args, **kw)

    def trigger_removed(self, trigger_id: Any) -> None:
        for rec in self.reg.records():
            if isinstance(rec, TriggerRecord) and rec.trigger_id == trigger_id \
                    and rec.state == "pending":
                rec.state = "removed"
                self.reg.finished(rec)
                self.eng.record("trigger.remove", rec.name, "removed", {})

    def reactor_stop(self, frame: Any) -> None:
        self.eng.record("reactor.stop", "", "reactor.stop(): shutdown triggers run next", {})


class _Wait:
    __slots__ = ("coro", "awaited", "gen", "suspended")

    def __init__(self, coro: Any, awaited: Any, gen: Any) -> None:
        self.coro = coro
        self.awaited = awaited
        self.gen = gen
        self.suspended = False


def _ref(rec: Record, obj: Any) -> None:
    try:
        rec.ref = weakref.ref(obj)
    except TypeError:
        rec.ref = lambda: obj


def _protocol_name(factory: Any) -> str:
    proto = getattr(factory, "protocol", None)
    name = getattr(proto, "__name__", None)
    return name or type(factory).__name__


def _made_order(ds: DState) -> int:
    return ds.order


_failthru = getattr(defer, "_failthru", None)
_by_id: dict[int, tuple[Any, Record]] = {}


def _record_of(selectable: Any) -> Record | None:
    rec = getattr(selectable, "_rr", None)
    if rec is not None:
        return rec
    pair = _by_id.get(id(selectable))
    if pair is not None and pair[0]() is selectable:
        return pair[1]
    return None


def _set_record(selectable: Any, rec: Record) -> None:
    try:
        selectable._rr = rec
    except (AttributeError, TypeError):
        try:
            _by_id[id(selectable)] = (weakref.ref(selectable), rec)
        except TypeError:
            pass
