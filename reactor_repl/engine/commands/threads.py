"""Threads: ``deferToThread`` jobs on Twisted's own pool, and the pool's size.

A job is the plain ``runtime.job``: it sleeps its duration (on the virtual clock,
the session's clock sleeps for it) and returns its value. The observation layer
records its start and end in the worker and its result handed back.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import threads as tthreads

from reactor_repl import runtime
from reactor_repl.engine.clock import Activity
from reactor_repl.engine.commands import handles, run_do
from reactor_repl.engine.registry import Record

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed, Step


@handles("thread", "callInThread")
def thread(eng: Engine, p: Parsed) -> None:
    ref = p.args.get("FN")
    if ref:
        from reactor_repl.engine import python

        fn = python.resolve_callable(eng, ref)
        with eng.claim("thread", p["NAME"], "deferred", detail=f"{ref}()"):
            tthreads.deferToThread(fn)
        return
    if p.args.get("STEPS") is not None:
        steps = p["STEPS"]
        work: Callable[[], Any] = partial(runtime.job_steps, [_job_step(eng, s) for s in steps])
        detail = "job: " + " ; ".join(s.text for s in steps)
    else:
        duration = p["DURATION"]
        message = p["MESSAGE"]
        value = p["VALUE"] if p.args.get("VALUE") is not None else "done"
        detail = f"{duration:g}s job" + (f", raises {message}" if message is not None else
                                          f", returns {value!r}" if value != "done" else "")
        work = partial(runtime.job, duration, value, message, sleep=eng.job_sleep)
    if p.name == "callInThread":  # nothing comes back: no Deferred
        with eng.claim("thread", p["NAME"], detail=detail):
            eng.reactor.callInThread(work)
        return
    with eng.claim("thread", p["NAME"], "deferred", detail=detail):
        tthreads.deferToThread(work)


def _job_step(eng: Engine, step: Step) -> Callable[[], Any]:
    """What one STEP of a job does, in its pool thread."""
    a = step.args
    if step.name == "sleep":
        return partial(eng.job_sleep, a["SECONDS"])
    if step.name == "return":
        return partial(runtime.Done, a["VALUE"])
    if step.name == "raise":
        return partial(_raise, a["MESSAGE"] or "")
    return partial(_hand_over, eng, step, eng.command_site)


def _raise(message: str) -> None:
    raise Exception(message)


def _hand_over(eng: Engine, step: Step, site: str) -> None:
    """``fromthread`` / ``blocking`` in a job: callFromThread (the job goes on) or
    blockingCallFromThread (it waits until the reactor has run the call). The call is
    named as fromthread's: the recorder names a thread call by the helper it comes from."""
    name = eng.new_name("threadcall", step.args["NAME"])
    rec = eng.add(Record(name, "threadcall", site, state="queued",
                         chosen=bool(step.args["NAME"])))
    do = step.do
    job = eng._local.activity

    def in_reactor() -> None:
        rec.state = "ran"
        eng.registry.finished(rec)
        try:
            run_do(eng, do, site)
        finally:
            if step.name == "blocking" and job is not None:
                eng.clock.set_state(job, "running")  # its answer is on the way back

    helper = Activity(name, "helper", state="running")
    api = "callFromThread" if step.name == "fromthread" else "blockingCallFromThread"
    helper.meta["said"] = f"{api} from a pool thread's job" + (
        f" ({job.name})" if job is not None else "")
    eng._local.activity = helper
    try:
        if step.name == "fromthread":
            eng.reactor.callFromThread(in_reactor)
        else:
            tthreads.blockingCallFromThread(_Waiting(eng, job), in_reactor)
    finally:
        eng._local.activity = job


class _Waiting:
    """The reactor as ``blockingCallFromThread`` sees it: handing the call over also marks
    the job as waiting for the reactor, in one step under the clock's lock (the virtual
    clock counts a waiting job as settled: else it waited for it for ever)."""

    def __init__(self, eng: Engine, job: Activity | None) -> None:
        self.eng = eng
        self.job = job

    def callFromThread(self, f: Callable[..., Any], *args: Any, **kw: Any) -> None:
        clock = self.eng.clock
        with clock.cond:
            self.eng.reactor.callFromThread(f, *args, **kw)
            if self.job is not None and self.job in clock.activities:
                clock._set(self.job, "blocked")  # (the lock is held: the counts stay right)
                clock.cond.notify_all()


@handles("threadpool")
def threadpool(eng: Engine, p: Parsed) -> None:
    size = p["SIZE"]
    eng.reactor.suggestThreadPoolSize(size)
    eng.record("thread.pool", "", f"pool size now at most {size}", {"size": size})
