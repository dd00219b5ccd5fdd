"""Where the hooks find the observer: one per process at a time (the session's)."""

from __future__ import annotations

from threading import get_ident as _get_ident
from typing import Any


class _State:
    """Read on every hooked call: plain class attributes, no properties."""

    observer: Any = None  # an api.Observer, or None: Twisted runs unobserved
    reactor: Any = None  # the reactor whose work is observed
    thread: int | None = None  # the thread running the reactor's loop (while it runs)


STATE = _State()


def off_thread() -> bool:
    """Called from a thread that is not the running reactor's (a lint, not an error):
    one ``get_ident`` compare."""
    t = STATE.thread
    return t is not None and _get_ident() != t


def put_in_place_of(owner: Any, name: str, fn: Any) -> None:
    """``owner.name = fn``, named as what it replaces: a TypeError about a program's
    arguments names Twisted's method (``Deferred.__init__() got …``), and a DelayedCall's
    repr (trial's list of those a test left) its function, as without us."""
    original = getattr(owner, name)
    fn.__name__ = getattr(original, "__name__", fn.__name__)
    fn.__qualname__ = getattr(original, "__qualname__", fn.__qualname__)
    setattr(owner, name, fn)
