"""Timers: every ``DelayedCall`` of the observed reactor, and every ``LoopingCall``.

The reactor mixin hands each new ``DelayedCall`` to ``follow``: its class is
swapped for ``ObservedDelayedCall`` (cancel, reset and delay report themselves)
and its ``func`` becomes a small ``partial`` that reports the firing and calls the
original. A ``LoopingCall``'s own beats are not timers: ``LoopingCall.__call__``
is wrapped (for loops whose clock is the observed reactor) and reports the beat.
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.internet import base, task

from reactor_repl.observe import sites
from reactor_repl.observe.stand_in import StandIn
from reactor_repl.observe.state import STATE, off_thread, put_in_place_of

DelayedCall = base.DelayedCall
LoopingCall = task.LoopingCall
_lc_call = LoopingCall.__call__
_lc_start = LoopingCall.start
_lc_stop = LoopingCall.stop


def _fire(token: Any, func: Callable[..., Any], /, *args: Any, **kw: Any) -> Any:
    obs = STATE.observer
    if obs is None:
        return func(*args, **kw)
    return obs.timer_fire(token, None, func, args, kw)


sites.mark_boundary(_fire.__code__)


class _Fire(StandIn):
    """A timer's ``func`` while it is observed: reports the firing, calls the original."""

    __slots__ = ()
    AT = 1


class ObservedDelayedCall(DelayedCall):
    """A DelayedCall whose changes are reported. ``_rr_func`` is what was scheduled."""

    _rr: Any
    _rr_func: Any

    def cancel(self) -> None:
        obs = STATE.observer
        live = not (self.cancelled or self.called)
        if obs is not None and live:
            if off_thread():  # (the reactor's timer heap, changed from another thread)
                import sys

                obs.wrong_thread("DelayedCall.cancel", sys._getframe(1))
            obs.timer_cancel(self._rr, self)
        if live:
            # Twisted lets go of what it would have called (del func, args, kw): so do we,
            # first, so they are freed in its order (a failed Deferred in its arguments
            # was logged at the exit, not at the cancel)
            self.__dict__.pop("_rr_func", None)
        super().cancel()

    def reset(self, secondsFromNow: float) -> None:
        obs = STATE.observer
        live = not (self.cancelled or self.called)
        if obs is not None and live and off_thread():
            import sys

            obs.wrong_thread("DelayedCall.reset", sys._getframe(1))
        if obs is not None and live and obs.before_deadline is not None:
            obs.before_deadline()
        super().reset(secondsFromNow)
        if obs is not None and live:
            obs.timer_moved(self._rr, self, "reset", secondsFromNow)

    def delay(self, secondsLater: float) -> None:
        live = not (self.cancelled or self.called)
        obs = STATE.observer
        if obs is not None and live and off_thread():
            import sys

            obs.wrong_thread("DelayedCall.delay", sys._getframe(1))
        super().delay(secondsLater)
        obs = STATE.observer
        if obs is not None and live:
            obs.timer_moved(self._rr, self, "delay", secondsLater)

    def __repr__(self) -> str:
        func = self.__dict__.get("func")
        if func is None:
            return super().__repr__()
        # Twisted's repr names the function scheduled (a cancel in debug mode asks for it
        # after ours has let the function go: the stand-in then, which reads the same)
        self.func = self.__dict__.get("_rr_func", func)
        try:
            return super().__repr__()
        finally:
            self.func = func


# the class a program sees is the one it would see without us
ObservedDelayedCall.__name__ = ObservedDelayedCall.__qualname__ = "DelayedCall"
ObservedDelayedCall.__module__ = DelayedCall.__module__
for _method in (ObservedDelayedCall.cancel, ObservedDelayedCall.reset, ObservedDelayedCall.delay):
    # named as Twisted's (`callLater(0, dc.cancel)` read "→ ObservedDelayedCall.cancel()")
    _method.__qualname__ = f"DelayedCall.{_method.__name__}"


def follow(dc: Any, token: Any) -> None:
    """Observe ``dc`` from now on (the reactor's ``callLater`` calls this)."""
    func = dc.func
    dc.__class__ = ObservedDelayedCall
    dc._rr = token
    dc._rr_func = func
    dc.func = _Fire(_fire, token, func)


# -- LoopingCall
def _observed(lc: Any) -> Any:
    obs = STATE.observer
    if obs is None or lc.clock is not STATE.reactor:
        return None
    return obs


def _call(self: Any) -> None:
    obs = STATE.observer  # _observed() written out: every beat of every loop comes here
    if obs is None or self.clock is not STATE.reactor:
        return _lc_call(self)
    dc = self.call
    return obs.loop_call(self, dc.time if dc is not None else self.starttime, _lc_call)


def _start(self: Any, interval: float, now: bool = True) -> Any:
    obs = _observed(self)
    if obs is not None and not self.running and interval >= 0:
        import sys

        if off_thread():
            obs.wrong_thread("LoopingCall.start", sys._getframe(1))
        obs.loop_start(self, interval, now, sys._getframe(1))
        try:
            return _lc_start(self, interval, now)
        finally:
            obs.loop_started(self)
    return _lc_start(self, interval, now)


def _stop(self: Any) -> None:
    obs = _observed(self)
    if obs is not None and self.running:
        obs.loop_stop(self, "stop()")
    return _lc_stop(self)


# what LoopingCall.__call__ makes (maybeDeferred's Deferred, the next beat's DelayedCall) is
# the loop's own machinery, even for the first call that start(now=True) makes from the
# person's code; what the loop's function makes is found before the walk gets here
sites.mark_boundary(_call.__code__, _lc_call.__code__)


def install() -> None:
    if LoopingCall.__call__ is not _call:
        put_in_place_of(LoopingCall, "__call__", _call)
        put_in_place_of(LoopingCall, "start", _start)
        put_in_place_of(LoopingCall, "stop", _stop)
