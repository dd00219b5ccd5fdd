"""Where the hooks find the observer: one per process at a time (the session's)."""

from __future__ import annotations

from typing import Any


class _State:
    """Read on every hooked call: plain class attributes, no properties."""

    observer: Any = None  # an api.Observer, or None: Twisted runs unobserved
    reactor: Any = None  # the reactor whose work is observed


STATE = _State()
