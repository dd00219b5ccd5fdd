"""``AsyncioSelectorReactor``, instrumented: asyncio's loop runs the iterations, so its
seams are hooked here rather than the poll reactors' ``doIteration``/``_doReadOrWrite``.

* I/O: Twisted registers each reader/writer with asyncio's ``add_reader``/``add_writer``,
  and asyncio calls back ``_readOrWrite`` — recorded like the epoll reactor's dispatches.
* Ticks: one pass of asyncio's loop (``_run_once``) is one tick; Twisted's timers run in
  ``runUntilCurrent`` inside such a pass and do not count again.
* Phases (the watchdog): waiting in asyncio's selector is ``poll``, the rest ``run``.
* ``callFromThread`` is asyncio's ``call_soon_threadsafe`` of a ``callLater(0)``: recorded
  once, as the thread call, not again as an anonymous timer.
The timers and the thread pool come from the engine's mixin, unchanged. Live clock only.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from twisted.internet.asyncioreactor import AsyncioSelectorReactor

from reactor_repl.engine.reactor import InstrumentedMixin

_READ, _WRITE = 1, 4  # the poll event bits record_io is handed by the epoll reactor


class InstrumentedAsyncioSelectorReactor(InstrumentedMixin, AsyncioSelectorReactor):
    """The engine's ``InstrumentedMixin`` on ``AsyncioSelectorReactor``, with asyncio's
    seams hooked. (``type(r).__mro__[2]`` is Twisted's class, as the engine expects.)"""

    _asyncioEventloop: Any

    def __init__(self, engine: Any, clock: Any) -> None:
        super().__init__(engine, clock)
        loop = self._asyncioEventloop
        run_once = loop._run_once
        selector = loop._selector
        select = selector.select

        def counted_run_once() -> None:
            self.tick += 1
            run_once()

        def timed_select(timeout: float | None = None) -> Any:
            self._set_phase("poll")  # type: ignore[attr-defined]
            self._wait_began = self.phase_since  # type: ignore[attr-defined]
            try:
                return select(timeout)
            finally:
                if self._wait_began is not None:
                    self._end_wait()  # type: ignore[attr-defined]

        loop._run_once = counted_run_once
        selector.select = timed_select

    def runUntilCurrent(self) -> None:  # noqa: N802 (Twisted's name)
        """Twisted's timers, inside one pass of asyncio's loop: not a tick of its own."""
        self._base_run_until_current()

    def _readOrWrite(self, selectable: Any, read: bool) -> None:  # noqa: N802
        self._io_count += 1
        if self._wait_began is not None:
            self._end_wait()  # type: ignore[attr-defined]
        if not getattr(selectable, "_rr_own", False):
            self._rr.record_io(selectable, _READ if read else _WRITE)
        super()._readOrWrite(selectable, read)  # type: ignore[misc]

    def callFromThread(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:  # noqa: N802
        self._raw_from_thread(self._rr.wrap_thread_call(f), *a, **kw)

    def deliver(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:
        self._raw_from_thread(f, *a, **kw)

    def _raw_from_thread(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:
        """asyncio's own callFromThread, without the mixin recording its callLater(0)."""
        call_later = AsyncioSelectorReactor.callLater
        self._asyncioEventloop.call_soon_threadsafe(lambda: call_later(self, 0, f, *a, **kw))

    def run(self, installSignalHandlers: bool = True) -> None:  # noqa: N803
        self.thread_ident = threading.get_ident()
        self.busy_since = time.monotonic()
        self._set_phase("run")  # type: ignore[attr-defined]
        try:
            super().run(installSignalHandlers)  # type: ignore[misc]
        finally:
            self._set_phase("stopped")  # type: ignore[attr-defined]


def instrumented_asyncio_class() -> type:
    """``(engine, clock) -> reactor``, for ``Engine.install``."""
    return InstrumentedAsyncioSelectorReactor
