"""Where the hooks find the observer: one per process at a time (the session's)."""

from __future__ import annotations

from typing import Any


class _State:
    """Read on every hooked call: plain class attributes, no properties."""

    observer: Any = None  # an api.Observer, or None: Twisted runs unobserved
    reactor: Any = None  # the reactor whose work is observed
    thread: int | None = None  # the thread running the reactor's loop (while it runs)


STATE = _State()


def off_thread() -> bool:
    """Called from a thread that is not the running reactor's (a lint, not an error)."""
    import threading

    t = STATE.thread
    return t is not None and threading.get_ident() != t
