"""The observation layer: Twisted's own seams, hooked, calling a narrow observer.

It knows nothing of commands, names or events. ``install()`` patches Twisted's
classes once (``Deferred``, ``DelayedCall`` by subclass swap, ``LoopingCall``,
``ThreadPool``, TCP transports and connectors); the reactor mixin in
``reactor.py`` hooks the reactor's own methods. Every hook asks ``STATE.observer``
and does nothing but Twisted's own work when there is none, so a process that
never attaches an observer runs Twisted unchanged. The observer (the engine's
recorder, trio-instrument style) turns the calls into events.
"""

from __future__ import annotations

from reactor_repl.observe.api import Observer
from reactor_repl.observe.state import STATE

__all__ = ["Observer", "STATE", "attach", "detach", "install"]

_installed = False


def install() -> None:
    """Patch Twisted's classes (idempotent). Nothing is recorded until ``attach``."""
    global _installed
    if _installed:
        return
    from reactor_repl.observe import (
        deferreds,
        failures,
        services,
        stacks,
        tcp,
        threads,
        timers,
    )

    deferreds.install()
    failures.install()
    stacks.install()
    timers.install()
    threads.install()
    tcp.install()
    services.install()
    _installed = True


def attach(observer: Observer, reactor: object) -> None:
    """Send what ``reactor`` and the code on it do to ``observer`` (one at a time)."""
    install()
    STATE.observer = observer
    STATE.reactor = reactor


def detach(observer: Observer) -> None:
    if STATE.observer is observer:
        STATE.observer = None
        STATE.reactor = None
