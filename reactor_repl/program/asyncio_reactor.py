"""``AsyncioSelectorReactor``, recording: asyncio's loop runs the iterations, so some seams
are asyncio's rather than the poll reactors' ``mainLoop``/``doIteration``.

The observation layer's mixin already hooks ``_readOrWrite``, where asyncio's
``add_reader``/``add_writer`` callbacks dispatch I/O. This class adds what asyncio's
loop does differently:

* Ticks: one pass of asyncio's loop (``_run_once``) is one tick; Twisted's timers run in
  ``runUntilCurrent`` inside such a pass (only when one is due) and do not count again.
* Phases (the watchdog): waiting in asyncio's selector is ``poll``, the rest ``run``;
  the loop's thread is known while ``run`` runs (``mainLoop`` is never called).
* ``callFromThread`` is asyncio's ``call_soon_threadsafe`` of a ``callLater(0)``: recorded
  once, as the thread call, not again as a timer of its own.
Live clock only: the virtual clock drives the poll reactors' ``doIteration``.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from twisted.internet.asyncioreactor import AsyncioSelectorReactor

from reactor_repl.engine.reactor import LoopControl
from reactor_repl.observe.reactor import ObservingMixin
from reactor_repl.observe.state import STATE


class RecordingAsyncioSelectorReactor(LoopControl, ObservingMixin, AsyncioSelectorReactor):
    """The engine's loop control and the observation layer on ``AsyncioSelectorReactor``."""

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
            self._set_phase("poll")
            self._wait_began = self.phase_since
            try:
                return select(timeout)
            finally:
                if self._wait_began is not None:
                    self._end_wait()

        loop._run_once = counted_run_once
        selector.select = timed_select

    def runUntilCurrent(self) -> None:  # noqa: N802 (Twisted's name)
        """Twisted's timers, inside one pass of asyncio's loop: the observing mixin
        counts a tick here; on asyncio the pass itself was counted already."""
        self.tick -= 1
        super().runUntilCurrent()

    def _readOrWrite(self, selectable: Any, read: bool) -> None:  # noqa: N802
        self._io_count += 1
        if self._wait_began is not None:
            self._end_wait()
        super()._readOrWrite(selectable, read)

    def callFromThread(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:  # noqa: N802
        obs = STATE.observer
        if obs is not None:
            f = obs.threadcall(f)
        self._raw_from_thread(f, *a, **kw)

    def deliver(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:
        self._raw_from_thread(f, *a, **kw)

    def _raw_from_thread(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:
        """asyncio's own callFromThread, without the layer seeing its callLater(0)."""
        call_later = AsyncioSelectorReactor.callLater
        self._asyncioEventloop.call_soon_threadsafe(lambda: call_later(self, 0, f, *a, **kw))

    def run(self, installSignalHandlers: bool = True) -> None:  # noqa: N803
        self.thread_ident = STATE.thread = threading.get_ident()
        self.busy_since = time.monotonic()
        self._set_phase("run")
        try:
            super().run(installSignalHandlers)
        finally:
            STATE.thread = None
            self._set_phase("stopped")


def recording_asyncio_class() -> type:
    """``(engine, clock) -> reactor``, for ``Engine.install``."""
    return RecordingAsyncioSelectorReactor
