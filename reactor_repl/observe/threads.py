"""Thread-pool jobs: ``ThreadPool.callInThreadWithCallback`` (which ``callInThread``
and ``deferToThread`` use) reports each job queued, run in the worker, and its
result handed back. Pools other than the observed reactor's are observed too: a
person's own ``ThreadPool`` with ``deferToThreadPool`` is as much their code.

A job that calls ``blockingCallFromThread`` waits on a queue for the reactor's answer:
that queue (``twisted.internet.threads`` makes one per call) reports the wait, and the
answer handed back from the reactor thread before the job can run again."""

from __future__ import annotations

import queue
import sys
import types
from functools import partial
from typing import Any, Callable

from twisted.internet import threads as twisted_threads
from twisted.python import log
from twisted.python.threadpool import ThreadPool

from reactor_repl.observe.state import STATE, put_in_place_of

_orig = ThreadPool.callInThreadWithCallback


def _call_in_thread_with_callback(self: Any, onResult: Callable[..., Any] | None,
                                  func: Callable[..., Any], *args: Any, **kw: Any) -> None:
    obs = STATE.observer
    if obs is None or self.joined:
        return _orig(self, onResult, func, *args, **kw)
    token = obs.job_queue(self, func, onResult is not None, sys._getframe(1))
    if token is None:
        return _orig(self, onResult, func, *args, **kw)
    work = partial(_run, token, func)
    done = partial(_result, token, onResult if onResult is not None else _no_taker)
    obs.job_hand_back(token, onResult)
    return _orig(self, done, work, *args, **kw)


def _no_taker(ok: bool, result: Any) -> None:
    """``callInThread``: nobody takes the result, and Twisted's worker logs a failure
    (``log.err``) — here, as the job's result, so the recorder sees the job over only
    once that is logged (on the virtual clock the log no longer comes at a time the
    threads' timing decided)."""
    if not ok:
        log.err(result)


def _run(token: Any, func: Callable[..., Any], /, *args: Any, **kw: Any) -> Any:
    obs = STATE.observer
    if obs is None:
        return func(*args, **kw)
    return obs.job_run(token, func, args, kw)


def _result(token: Any, on_result: Callable[..., Any], ok: bool, result: Any) -> None:
    obs = STATE.observer
    if obs is None:
        on_result(ok, result)
        return
    obs.job_result(token, ok, result, on_result)


class _Queue(queue.Queue):  # type: ignore[type-arg]
    """``blockingCallFromThread``'s queue, made in the job's thread."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        obs = STATE.observer
        self._rr_job = obs.job_blocking() if obs is not None else None

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        job = self._rr_job
        obs = STATE.observer
        if job is None or obs is None:
            return super().get(block, timeout)
        obs.job_waits(job)
        try:
            return super().get(block, timeout)
        finally:
            obs.job_goes_on(job)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        job = self._rr_job
        obs = STATE.observer
        if job is not None and obs is not None:
            obs.job_woken(job)
        super().put(item, block, timeout)


# named as the queue it is (a program's Deferred lists ``Queue.put`` as its callback)
_Queue.__name__ = _Queue.__qualname__ = "Queue"
_Queue.__module__ = "queue"
_Queue.get.__qualname__ = "Queue.get"
_Queue.put.__qualname__ = "Queue.put"
# what twisted.internet.threads calls ``Queue`` (the queue module): one with our Queue
_QUEUE_MODULE = types.SimpleNamespace(Queue=_Queue)


def install() -> None:
    if ThreadPool.callInThreadWithCallback is not _call_in_thread_with_callback:
        put_in_place_of(ThreadPool, "callInThreadWithCallback", _call_in_thread_with_callback)
    twisted_threads.Queue = _QUEUE_MODULE  # type: ignore[attr-defined]
