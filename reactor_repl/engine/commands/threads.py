"""Threads: ``deferToThread`` jobs on Twisted's own pool, and the pool's size.

A job is the plain ``runtime.job``: it sleeps its duration (on the virtual clock,
the session's clock sleeps for it) and returns its value. The observation layer
records its start and end in the worker and its result handed back.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from twisted.internet import threads as tthreads

from reactor_repl import runtime
from reactor_repl.engine.commands import handles

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed


@handles("thread")
def thread(eng: Engine, p: Parsed) -> None:
    ref = p.args.get("FN")
    if ref:
        from reactor_repl.engine import python

        fn = python.resolve(eng, ref)
        with eng.claim("thread", p["NAME"], "deferred", detail=f"{ref}()"):
            tthreads.deferToThread(fn)
        return
    duration = p["DURATION"]
    message = p["MESSAGE"]
    value = p["VALUE"] if p.args.get("VALUE") is not None else "done"
    detail = f"{duration:g}s job" + (f", raises {message}" if message is not None else
                                      f", returns {value!r}" if value != "done" else "")
    with eng.claim("thread", p["NAME"], "deferred", detail=detail):
        tthreads.deferToThread(partial(runtime.job, duration, value, message,
                                       sleep=eng.job_sleep))


@handles("threadpool")
def threadpool(eng: Engine, p: Parsed) -> None:
    size = p["SIZE"]
    eng.reactor.suggestThreadPoolSize(size)
    eng.record("thread.pool", "", f"pool size now at most {size}", {"size": size})
