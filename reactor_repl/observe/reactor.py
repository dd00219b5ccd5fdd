"""The reactor's own seams, as a mixin in front of the platform reactor class.

Dispatch stays Twisted's: ``mainLoop``, ``runUntilCurrent``, ``doIteration`` and
the poller are the base class's. The mixin counts passes of ``runUntilCurrent``
(the tick) and tells the observer about timers, thread calls, descriptors, I/O
dispatches, TCP ports and connectors, system event triggers and ``stop``. The
methods that call back into the person's code are marked as boundaries for
``sites`` (what they run was started by the loop, not by the code that called
``reactor.run()``).
"""

from __future__ import annotations

import builtins
import socket
import sys
import threading
from functools import partial
from types import FunctionType
from typing import Any, Callable

from twisted.internet.base import ReactorBase, _ThreePhaseEvent

from reactor_repl.observe import sites, timers
from reactor_repl.observe.state import STATE, off_thread

_getframe = sys._getframe
_get_ident = threading.get_ident
LoopingCall = timers.LoopingCall
_CALL_WHEN_RUNNING = ReactorBase.callWhenRunning.__code__


# what calls the reactor's own "during shutdown" trigger, crash()
_CONTINUE_FIRING = _ThreePhaseEvent._continueFiring.__code__


def _trigger_fire(token: Any, f: Callable[..., Any], /, *args: Any, **kw: Any) -> Any:
    obs = STATE.observer
    if obs is None:
        return f(*args, **kw)
    return obs.trigger_fire(token, f, args, kw)


class ObservingMixin:
    """Mixed in front of the platform reactor class (epoll, poll, select, asyncio)."""

    tick = 0
    # the next class's methods in each reactor class made with this mixin, looked up once:
    # on the hot path a call through super() costs the building of a super object
    _rr_next_run_until_current: Callable[..., None]
    _rr_next_call_later: Callable[..., Any]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        after = super(ObservingMixin, cls)
        cls._rr_next_run_until_current = after.runUntilCurrent  # type: ignore[misc]
        cls._rr_next_call_later = after.callLater  # type: ignore[misc]
        _named_as_twisted(cls)

    # -- the loop
    def run(self, *args: Any, **kw: Any) -> None:
        return super().run(*args, **kw)  # type: ignore[misc]

    def mainLoop(self) -> None:
        import threading

        STATE.thread = threading.get_ident()
        try:
            super().mainLoop()  # type: ignore[misc]
        finally:
            STATE.thread = None

    def runUntilCurrent(self) -> None:
        self.tick += 1
        self._rr_next_run_until_current()

    def stop(self) -> None:
        obs = STATE.observer
        if obs is not None and self.running and not self._stopped:  # type: ignore[attr-defined]
            if off_thread():
                obs.wrong_thread("reactor.stop", _getframe(1))
            obs.reactor_stop(_getframe(1))
        super().stop()  # type: ignore[misc]

    def crash(self) -> None:
        obs = STATE.observer
        # (Twisted's stop() ends with crash() — its own "during shutdown" trigger — and so
        # does a session that ends (``closing``); only a crash() of the person's is news,
        # also one after stop(), while shutdown triggers wait)
        if obs is not None and self._started and not getattr(self, "closing", False) \
                and (not self._stopped  # type: ignore[attr-defined]
                     or _getframe(1).f_code is not _CONTINUE_FIRING):
            obs.reactor_crash(_getframe(1))
        super().crash()  # type: ignore[misc]

    # -- timers
    def callLater(self, delay: float, callable: Callable[..., Any], *args: Any,  # noqa: A002
                  **kw: Any) -> Any:
        # (Twisted's parameter names: callLater(0, f, callable=1) fails as it does there)
        f = callable
        obs = STATE.observer
        if obs is None:
            return super().callLater(delay, f, *args, **kw)  # type: ignore[misc]
        loop = STATE.thread  # off_thread() written out: every loop's beat comes here
        if loop is not None and _get_ident() != loop:
            obs.wrong_thread("reactor.callLater", _getframe(1))
        before = obs.before_deadline
        if before is not None:
            before()
        dc = self._rr_next_call_later(delay, f, *args, **kw)
        if type(f) is LoopingCall:  # a loop's beat: the loop reports its calls itself
            return dc
        token = obs.timer_new(dc, f, _getframe(1), delay)
        if token is not None:
            timers.follow(dc, token)
        return dc

    # -- thread calls
    def callFromThread(self, f: Callable[..., Any], *args: Any, **kw: Any) -> None:
        obs = STATE.observer
        if obs is not None and callable(f):  # (not callable: Twisted's assert says so)
            f = obs.threadcall(f)
        super().callFromThread(f, *args, **kw)  # type: ignore[misc]

    # -- descriptors and I/O
    def addReader(self, reader: Any) -> None:
        obs = STATE.observer
        if obs is not None:
            if off_thread():
                obs.wrong_thread("reactor.addReader", _getframe(1))
            obs.descriptor_added(reader, False, _getframe(1))
        super().addReader(reader)  # type: ignore[misc]

    def addWriter(self, writer: Any) -> None:
        obs = STATE.observer
        if obs is not None:
            if off_thread():
                obs.wrong_thread("reactor.addWriter", _getframe(1))
            obs.descriptor_added(writer, True, _getframe(1))
        super().addWriter(writer)  # type: ignore[misc]

    def removeReader(self, reader: Any) -> None:
        obs = STATE.observer
        if obs is not None:
            obs.descriptor_removed(reader, False)
        super().removeReader(reader)  # type: ignore[misc]

    def removeWriter(self, writer: Any) -> None:
        obs = STATE.observer
        if obs is not None:
            obs.descriptor_removed(writer, True)
        super().removeWriter(writer)  # type: ignore[misc]

    def removeAll(self) -> list[Any]:
        removed = super().removeAll()  # type: ignore[misc]
        obs = STATE.observer
        if obs is not None:
            obs.all_removed(removed)
        return removed  # type: ignore[no-any-return]

    def _doReadOrWrite(self, selectable: Any, fd: int, event: int) -> None:
        """posixbase (epoll, poll): one ready descriptor."""
        obs = STATE.observer
        base = super()._doReadOrWrite  # type: ignore[misc]
        if obs is None:
            return base(selectable, fd, event)
        if event & self._POLL_DISCONNECTED and not (event & self._POLL_IN):  # type: ignore[attr-defined]
            what = "hangup"  # Twisted calls connectionLost without a doRead
        elif event & self._POLL_IN:  # type: ignore[attr-defined]
            what = "read"
        else:
            what = "write"
        return obs.io_dispatch(selectable, what, partial(base, selectable, fd, event))

    def _readOrWrite(self, selectable: Any, read: bool) -> None:
        """asyncio's reactor: one ready descriptor (it polls through asyncio)."""
        obs = STATE.observer
        base = super()._readOrWrite  # type: ignore[misc]
        if obs is None:
            return base(selectable, read)
        return obs.io_dispatch(selectable, "read" if read else "write",
                               partial(base, selectable, read))

    def _disconnectSelectable(self, selectable: Any, why: Any, isRead: bool, *rest: Any) -> None:
        obs = STATE.observer
        base = super()._disconnectSelectable  # type: ignore[misc]
        if obs is None:
            return base(selectable, why, isRead, *rest)
        return obs.io_lost(selectable, why, partial(base, selectable, why, isRead, *rest))

    # -- TCP
    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Any:
        obs = STATE.observer
        if obs is not None and off_thread():
            obs.wrong_thread("reactor.listenTCP", _getframe(1))
        p = super().listenTCP(port, factory, backlog, interface)  # type: ignore[misc]
        obs = STATE.observer
        if obs is not None:
            obs.tcp_listen(p, factory, _getframe(1))
        return p

    def adoptStreamPort(self, fileDescriptor: int, addressFamily: Any, factory: Any) -> Any:
        # a listening socket made elsewhere (systemd's socket activation): a server too
        p = super().adoptStreamPort(fileDescriptor, addressFamily, factory)  # type: ignore[misc]
        obs = STATE.observer
        if obs is not None and addressFamily in (socket.AF_INET, socket.AF_INET6):
            obs.tcp_listen(p, factory, _getframe(1), "adoptStreamPort")
        return p

    # -- system event triggers
    def addSystemEventTrigger(self, phase: str, eventType: str, callable: Callable[..., Any],
                              *args: Any, **kw: Any) -> Any:
        obs = STATE.observer
        token = None
        # (not callable, or no such phase: Twisted refuses it, as without us)
        if (obs is not None and builtins.callable(callable)
                and phase in ("before", "during", "after")):
            frame = _getframe(1)
            if frame.f_code is _CALL_WHEN_RUNNING:  # made for whoever called that
                frame = frame.f_back
            token = obs.trigger_new(phase, eventType, callable, frame)
            if token is not None:
                callable = partial(_trigger_fire, token, callable)
        tid = super().addSystemEventTrigger(phase, eventType, callable, *args, **kw)  # type: ignore[misc]
        if token is not None:
            obs.trigger_added(token, tid)
        return tid

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        super().removeSystemEventTrigger(triggerID)  # type: ignore[misc]
        obs = STATE.observer
        if obs is not None:
            obs.trigger_removed(triggerID)


def _named_as_twisted(cls: type) -> None:
    """The reactor a program sees is named as without us: the class as the platform's
    (``type(reactor)``, its repr, twistd's "reactor class: …" line), and each method we
    wrap as the one it wraps (``repr(reactor.stop)``, a timer ``→ ReactorBase.stop()``).
    The methods are per-class copies (same code): one mixin serves several platforms."""
    mro = cls.__mro__
    platform = next((c for c in mro if (c.__module__ or "").startswith("twisted.")), None)
    if platform is None:
        return
    ours = mro[:mro.index(platform)]
    below = mro[mro.index(platform):]
    for name in {n for c in ours for n, v in vars(c).items() if isinstance(v, FunctionType)}:
        definer = next((c for c in below if name in vars(c)), None)
        if definer is None:
            continue
        fn = next(vars(c)[name] for c in ours if name in vars(c))
        if not isinstance(fn, FunctionType):
            continue
        twin = FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                            fn.__closure__)
        twin.__kwdefaults__ = fn.__kwdefaults__
        twin.__doc__ = fn.__doc__
        twin.__qualname__ = f"{definer.__qualname__}.{name}"
        setattr(cls, name, twin)
    cls.__name__ = platform.__name__
    cls.__qualname__ = platform.__qualname__
    cls.__module__ = platform.__module__


sites.mark_boundary(ObservingMixin.run.__code__, ObservingMixin.runUntilCurrent.__code__,
                    ObservingMixin._doReadOrWrite.__code__, ObservingMixin._readOrWrite.__code__,
                    ObservingMixin._disconnectSelectable.__code__, _trigger_fire.__code__,
                    # a program's own fireSystemEvent("custom"): the DeferredList that
                    # waits for its before-triggers is Twisted's, never handed to it
                    _ThreePhaseEvent.fireEvent.__code__, _CONTINUE_FIRING)
