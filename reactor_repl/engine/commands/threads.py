"""Threads: deferToThread jobs on Twisted's own pool, and the pool's size.

The pool is Twisted's ``ThreadPool``; the subclass only labels work so that the
job's start and end are recorded in the worker, and its hand-back (the
``callFromThread`` Twisted makes) is recorded as ``thread.result``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import threads as tthreads
from twisted.python.threadpool import ThreadPool

from reactor_repl.engine.clock import WAKE_AFTER, Activity
from reactor_repl.engine.commands import handles
from reactor_repl.engine.commands.deferreds import new_deferred
from reactor_repl.engine.core import CommandError

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed


class TracedThreadPool(ThreadPool):
    """Twisted's ThreadPool; work carrying an ``Activity`` is tracked for the clock."""

    rr_engine: Engine | None = None

    def callInThreadWithCallback(self, onResult: Any, func: Callable[..., Any], *args: Any,
                                 **kw: Any) -> None:
        eng = self.rr_engine
        act: Activity | None = getattr(func, "_rr_activity", None)
        if eng is None or act is None or onResult is None:
            return super().callInThreadWithCallback(onResult, func, *args, **kw)

        def on_result(ok: bool, result: Any) -> None:
            eng._local.activity = act
            act.meta["ok"] = ok
            act.meta["result_text"] = ("returned " if ok else "raised ") + _short(result)
            try:
                onResult(ok, result)
            finally:
                eng._local.activity = None
                eng.set_thread_label(None)
                eng.clock.set_state(act, "delivered")

        super().callInThreadWithCallback(on_result, func, *args, **kw)

    def stop(self) -> None:
        eng = self.rr_engine
        if eng is not None and eng.virtual and not eng.clock.shutdown.is_set():
            # Twisted joins the workers here; on the virtual clock their time must pass
            clock = eng.clock
            while True:
                clock.settle()
                nxt = clock.next_deadline()  # type: ignore[attr-defined]
                if nxt is None:
                    break
                eng.advance_clock(nxt + WAKE_AFTER)
        super().stop()


def _short(value: Any) -> str:
    from reactor_repl.engine.deferreds import show_result

    return show_result(value)


def make_pool(eng: Engine) -> TracedThreadPool:
    pool = TracedThreadPool(0, 10, "twisted.internet.reactor")
    pool.rr_engine = eng
    return pool


@handles("thread")
def thread(eng: Engine, p: Parsed) -> None:
    duration = p["DURATION"]
    message = p["MESSAGE"]
    obj, d = new_deferred(eng, "thread", p["NAME"], "queued",
                          f"deferToThread: {duration:g}s job" + (f", raises {message}" if message
                                                                   else ""))
    name = obj.name
    act = Activity(name, "job", duration=duration)
    clock = eng.clock
    pool = eng.reactor.getThreadPool()

    def work() -> str:
        with clock.cond:
            act.slot = clock.free_slot()
        eng.set_thread_label(f"pool-{act.slot}")
        clock.set_state(act, "running")
        obj.state = "running"
        act.started_at = clock.seconds()
        eng.record("thread.start", name, f"starts in pool thread {act.slot}",
                   {"slot": act.slot, "seconds": duration})
        clock.sleep(act, duration)
        if clock.shutdown.is_set():  # cut short: the session ends with it still running
            raise CommandError("the session ended")
        obj.state = "done"
        clock.set_state(act, "ended")
        eng.record("thread.end", name, f"finished after {duration:g}s" +
                   (f", raising {message}" if message else ""), {"seconds": duration})
        if message is not None:
            raise Exception(message)
        return "done"

    work._rr_activity = act  # type: ignore[attr-defined]
    with clock.cond:
        busy = clock.running_jobs()
        queued = sum(1 for a in clock.activities if a.kind == "job" and a.state == "queued")
    clock.add(act)
    waiting = busy >= pool.max
    eng.record("thread.queue", name,
               f"{duration:g}s job handed to the pool ({busy}/{pool.max} busy"
               + (f", {queued + 1} waiting" if waiting else "") + ")",
               {"busy": busy, "size": pool.max, "queued": queued + (1 if waiting else 0)})
    real = tthreads.deferToThreadPool(eng.reactor, pool, work)
    real.chainDeferred(d)


@handles("threadpool")
def threadpool(eng: Engine, p: Parsed) -> None:
    size = p["SIZE"]
    eng.reactor.suggestThreadPoolSize(size)
    eng.record("thread.pool", "", f"pool size now at most {size}", {"size": size})
