"""Thread-pool jobs (queued, run in the worker, handed back) and callFromThread."""

from __future__ import annotations

from typing import Any, Callable


from reactor_repl.engine.clock import Activity
from reactor_repl.engine.describe import (
    label_of,
    raised_text,
    show_result,
)
from reactor_repl.engine.recorder.base import (
    Base,
)
from reactor_repl.engine.registry import (
    JobRecord,
)
from reactor_repl.observe import sites



class ThreadsPart(Base):
    # ------------------------------------------------------------ threads
    def job_queue(self, pool: Any, func: Any, has_result: bool, frame: Any) -> Any:
        eng = self.eng
        rec, detail = self._follow("thread", JobRecord, frame, False, state="queued")
        job: JobRecord = rec  # type: ignore[assignment]
        job.hands_back = has_result
        clock = eng.clock
        act = Activity(rec.name, "job")
        act.meta["record"] = job
        act.meta["func"] = func  # (what it may fire: `waiting`; let go when it is over)
        job.activity = act
        with clock.cond:
            busy = clock.running_jobs()
            queued = clock.queued_jobs()
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
            site = sites.raised_at_tb(e.__traceback__)  # where the person's code raised it
            at = f" (at {site})" if site else ""
            if not clock.shutdown.is_set():
                data = {"seconds": round(took, 6), "raised": raised_text(e)}
                if site:
                    data["site"] = site
                eng.record("thread.end", rec.name,
                           f"finished after {_took(took)}, raising {raised_text(e)}{at}",
                           data, internal or rec.internal)
            rec.ok = False
            rec.result_text = f"raised {raised_text(e)}{at}"
            raise
        finally:
            eng._local.activity = None
        took = clock.seconds() - act.started_at
        rec.state = "done"
        clock.set_state(act, "ended")
        # (rec.internal now: a reset meanwhile made the job the old session's, and its end
        # was shown under a name the new session had given again)
        eng.record("thread.end", rec.name, f"finished after {_took(took)}",
                   {"seconds": round(took, 6)}, internal or rec.internal)
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
            # (what takes the result — deferToThread's closure over its Deferred — is let
            # go: the record outlives the job, and kept, it kept a failed Deferred from the
            # collector, so Twisted's "Unhandled error in Deferred" came late or never)
            rec.activity.meta.pop("hand_back", None)
            rec.activity.meta.pop("func", None)
            eng.clock.set_state(rec.activity, "delivered")
            self.reg.finished(rec)

    # -- a job in blockingCallFromThread: on the virtual clock the reactor waits for running
    #    jobs before time moves; one waiting for the reactor's answer is not running
    def job_blocking(self) -> Any:
        act = self.eng._local.activity
        if act is None or act.kind != "job" or not self.eng.clock.virtual:
            return None
        return act

    def job_waits(self, token: Any) -> None:
        # (the answer may be on its way already: then it is "waking", and stays so)
        self.eng.clock.set_state_if(token, "blocked", "running")

    def job_woken(self, token: Any) -> None:
        # the reactor waits for it to go on
        self.eng.clock.set_state_if(token, "waking", "running", "blocked")

    def job_goes_on(self, token: Any) -> None:
        self.eng.clock.set_state_if(token, "running", "blocked", "waking")

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
            eng.record("threadcall.queue", name,
                       act.meta.get("said", "callFromThread from a helper thread"))

            def helper_call(*a: Any, **kw: Any) -> Any:
                return eng.timed("threadcall.run", name, "", None, f, *a, **kw)

            return helper_call
        inner = _blocking_call_of(f)
        label = label_of(inner)
        said = f"{label}()" + (" (blockingCallFromThread)" if inner is not f else "")
        internal = (getattr(inner, "__module__", "") or "").startswith("twisted.")

        def anonymous_call(*a: Any, **kw: Any) -> Any:
            ev = eng.dispatch("threadcall.run", "", said, {"func": label}, internal)
            return eng.run_dispatch(ev, f, *a, **kw)

        return anonymous_call


def _took(seconds: float) -> str:
    """A job's time as a person reads it: ``0.3s``, ``under 1 ms`` (not ``6.36578e-05s``)."""
    return f"{seconds:g}s" if seconds >= 0.001 or seconds == 0 else "under 1 ms"


_BLOCKING_CALL = "blockingCallFromThread.<locals>._callFromThread"


def _blocking_call_of(f: Callable[..., Any]) -> Callable[..., Any]:
    """The function a thread runs in the reactor with ``threads.blockingCallFromThread``:
    Twisted hands over a closure of its own around it (it was recorded as Twisted's
    internal ``_callFromThread()``, and the program's function nowhere); else ``f``."""
    code = getattr(f, "__code__", None)
    if code is None or getattr(f, "__qualname__", "") != _BLOCKING_CALL:
        return f
    try:
        cells = dict(zip(code.co_freevars, f.__closure__ or ()))  # type: ignore[attr-defined]
        inner = cells["f"].cell_contents
    except (KeyError, ValueError, TypeError):
        return f
    return inner if callable(inner) else f
