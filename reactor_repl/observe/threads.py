"""Thread-pool jobs: ``ThreadPool.callInThreadWithCallback`` (which ``callInThread``
and ``deferToThread`` use) reports each job queued, run in the worker, and its
result handed back. Pools other than the observed reactor's are observed too: a
person's own ``ThreadPool`` with ``deferToThreadPool`` is as much their code."""

from __future__ import annotations

import sys
from functools import partial
from typing import Any, Callable

from twisted.python import log
from twisted.python.threadpool import ThreadPool

from reactor_repl.observe.state import STATE

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


def _run(token: Any, func: Callable[..., Any], *args: Any, **kw: Any) -> Any:
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


def install() -> None:
    if ThreadPool.callInThreadWithCallback is not _call_in_thread_with_callback:
        ThreadPool.callInThreadWithCallback = _call_in_thread_with_callback  # type: ignore[method-assign]
