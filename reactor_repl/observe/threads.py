"""Thread-pool jobs: ``ThreadPool.callInThreadWithCallback`` (which ``callInThread``
and ``deferToThread`` use) reports each job queued, run in the worker, and its
result handed back. Pools other than the observed reactor's are observed too: a
person's own ``ThreadPool`` with ``deferToThreadPool`` is as much their code."""

from __future__ import annotations

import sys
from functools import partial
from typing import Any, Callable

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
    done = partial(_result, token, onResult) if onResult is not None else None
    obs.job_hand_back(token, onResult)
    return _orig(self, done, work, *args, **kw)


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
