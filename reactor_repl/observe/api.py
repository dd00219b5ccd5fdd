"""The observer interface: what the observation layer tells, trio-instrument style.

Every method is a no-op here; the engine's recorder overrides them. Methods that
are handed a callable (``*_fire``, ``*_run``, ``*_call``, ``*_step``) must call it
and return its result: the observer decides what to record around the call, and
may hold the loop before it (a break). An observer that raises breaks the
observed program, so implementations keep their own errors to themselves.

``frame`` arguments are the caller's frame where an object is made, for
``sites.site_of``; ``token`` is whatever the observer returned when it first saw
the object (None: it chose not to follow that object).
"""

from __future__ import annotations

from typing import Any, Callable

Run = Callable[[], Any]


class Observer:
    # -- the loop
    def wrong_thread(self, api: str, frame: Any) -> None:
        """``api`` (not thread-safe) was called off the reactor's thread, from ``frame``."""

    # The reactor is about to fix a deadline from now (callLater, reset): called with no
    # arguments first. None: nothing to do (an attribute, not a method: it runs on every
    # callLater, and a no-op method would still cost a call).
    before_deadline: Callable[[], None] | None = None

    # Whether Deferreds made by no code of the person's (Twisted's own, made for the loop
    # or for a library) are told to ``deferred_new``: any true value (read on every new
    # Deferred; an observer may give a list that is non-empty while it wants them).
    unsited_deferreds: Any = True

    # -- timers (DelayedCall)
    def timer_new(self, dc: Any, func: Any, frame: Any, delay: float) -> Any:
        return None

    def timer_fire(self, token: Any, dc: Any, func: Callable[..., Any], args: tuple,
                   kw: dict) -> Any:
        return func(*args, **kw)

    def timer_cancel(self, token: Any, dc: Any) -> None: ...

    def timer_moved(self, token: Any, dc: Any, how: str, seconds: float) -> None:
        """``reset`` or ``delay``: the call is now due at ``dc.getTime()``."""

    # -- LoopingCall
    def loop_start(self, lc: Any, interval: float, now: bool, frame: Any) -> None: ...

    def loop_started(self, lc: Any) -> None:
        """``lc.start()`` has returned (or raised)."""

    def loop_call(self, lc: Any, due: float, call: Callable[[Any], Any]) -> Any:
        """A beat of ``lc`` (due at ``due``): ``call(lc)`` runs it (no partial per beat)."""
        return call(lc)

    def loop_stop(self, lc: Any, why: str) -> None: ...

    # -- Deferreds
    def deferred_new(self, d: Any, frame: Any) -> Any:
        return None

    def deferred_add(self, token: Any, callback: Any, errback: Any, args: tuple) -> Any:
        """A link added; returns a token for the link (given back to ``deferred_step``)."""
        return None

    def deferred_step(self, token: Any, link: Any, branch: str, fn: Callable[..., Any],
                      result: Any, args: tuple, kw: dict) -> Any:
        return fn(result, *args, **kw)

    def deferred_fire(self, token: Any, d: Any, how: str, value: Any) -> None: ...

    def deferred_already(self, token: Any, d: Any, how: str, error: BaseException) -> None: ...

    def deferred_paused(self, token: Any, d: Any) -> None: ...

    def deferred_resumed(self, token: Any, d: Any) -> None: ...

    def deferred_cancel(self, token: Any, d: Any) -> None: ...

    def deferred_settled(self) -> None:
        """The outermost run of callbacks is over: chains may have ended."""

    def coroutine_waits(self, token: Any, awaited: Any, gen: Any, status: Any) -> Any:
        """A coroutine or inlineCallbacks function awaits Deferred ``awaited`` (``token``);
        returns a token for this wait. It may have fired already: see ``suspended``."""
        return None

    def coroutine_suspended(self, wait: Any) -> None:
        """The Deferred awaited had no result: the coroutine is suspended."""

    def coroutine_resumes(self, wait: Any, fn: Callable[..., Any], result: Any, args: tuple,
                          kw: dict) -> Any:
        """The awaited Deferred fired: ``fn`` (Twisted's) sends the result in."""
        return fn(result, *args, **kw)

    # -- threads
    def job_queue(self, pool: Any, func: Any, has_result: bool, frame: Any) -> Any:
        return None

    def job_hand_back(self, token: Any, on_result: Callable[..., Any] | None) -> None:
        """What the job's result is handed to (``deferToThread``'s: it fires a Deferred)."""

    def job_run(self, token: Any, func: Callable[..., Any], args: tuple, kw: dict) -> Any:
        return func(*args, **kw)

    def job_result(self, token: Any, ok: bool, result: Any, on_result: Callable[..., Any]) -> None:
        on_result(ok, result)

    def job_blocking(self) -> Any:
        """A ``blockingCallFromThread`` starts in this thread: a token for the job it runs
        in, if its waits matter (the virtual clock waits for running jobs), else None."""
        return None

    def job_waits(self, token: Any) -> None:
        """The job waits for the reactor to hand its call's result back."""

    def job_woken(self, token: Any) -> None:
        """The reactor hands the result back (reactor thread, before the job can run)."""

    def job_goes_on(self, token: Any) -> None:
        """The job has its result and runs again."""

    def threadcall(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """``callFromThread(f)``: returns what is queued instead (it must call ``f``)."""
        return f

    # -- descriptors (addReader / addWriter)
    def descriptor_added(self, selectable: Any, writer: bool, frame: Any) -> None: ...

    def descriptor_removed(self, selectable: Any, writer: bool) -> None: ...

    def io_dispatch(self, selectable: Any, what: str, run: Run) -> Any:
        """A ready descriptor: ``what`` is "read" (doRead next), "write" (doWrite) or
        "hangup" (the peer went: connectionLost, no doRead)."""
        return run()

    def io_lost(self, selectable: Any, why: Any, run: Run) -> Any:
        return run()

    def all_removed(self, selectables: list[Any]) -> None:
        """``removeAll()`` (the shutdown's ``disconnectAll``): Twisted calls each one's
        ``connectionLost`` itself next, not through ``_disconnectSelectable``."""

    # -- TCP
    def tcp_listen(self, port: Any, factory: Any, frame: Any, how: str = "listenTCP") -> None: ...

    def tcp_port_stop(self, port: Any, how: str = "stopListening()") -> None: ...

    def tcp_connect(self, connector: Any, frame: Any) -> None: ...

    def tcp_endpoint(self, factory: Any, frame: Any) -> None:
        """An endpoint (``HostnameEndpoint``) will connect later with ``factory`` (wrapped
        by Twisted's factories), from Twisted's code: ``frame`` is where it was asked."""

    def tcp_build(self, owner: Any, addr: Any) -> None:
        """``owner`` (a port or a connector) is about to call ``buildProtocol(addr)``."""

    def tcp_made(self, transport: Any, owner: Any, protocol: Any) -> None:
        """``protocol.makeConnection(transport)`` comes next (connectionMade)."""

    def tcp_data(self, transport: Any, data: bytes, run: Run) -> Any:
        return run()

    def tcp_write(self, transport: Any, data: Any) -> None: ...

    def tcp_close(self, transport: Any, how: str) -> None: ...

    def tcp_producing(self, transport: Any, paused: bool) -> None:
        """``pauseProducing`` (paused) or ``resumeProducing`` on a transport."""

    def tcp_lost(self, transport: Any, reason: Any, run: Run) -> Any:
        return run()

    def tcp_read_lost(self, transport: Any, run: Run) -> Any:
        """The peer half-closed: ``run`` calls the protocol's ``readConnectionLost``."""
        return run()

    def tcp_failed(self, connector: Any, reason: Any, run: Run) -> Any:
        return run()

    def tcp_client_lost(self, connector: Any, reason: Any, run: Run) -> Any:
        return run()

    # -- triggers and the reactor
    def trigger_new(self, phase: str, event: str, f: Any, frame: Any) -> Any:
        return None

    def trigger_added(self, token: Any, trigger_id: Any) -> None:
        """What ``addSystemEventTrigger`` returned for it (``removeSystemEventTrigger`` takes it)."""

    def trigger_fire(self, token: Any, f: Callable[..., Any], args: tuple, kw: dict) -> Any:
        return f(*args, **kw)

    def trigger_removed(self, trigger_id: Any) -> None: ...

    def reactor_stop(self, frame: Any) -> None: ...

    def reactor_crash(self, frame: Any) -> None:
        """``reactor.crash()``: the loop stops at once (no shutdown triggers)."""
