"""Twisted's application services — a ``.tac``'s ``TCPServer``, ``TimerService`` … — start
their ports and loops from Twisted's code (``startService``), where no frame of the
person's is on the stack: what they started was Twisted's, unnamed and unrecorded, and a
web application under ``twistd`` left next to nothing in its record. A service now
remembers where the person made it, and what it starts is sited (and named) there."""

from __future__ import annotations

import sys
from typing import Any

from reactor_repl.observe.state import after_import, put_in_place_of

SERVICES = "twisted.application.internet"
_orig: dict[str, Any] = {}


def _remembering(cls: type) -> Any:
    init = cls.__init__

    def __init__(self: Any, *args: Any, **kw: Any) -> None:
        from reactor_repl.observe import sites

        setattr(self, sites.MADE_AT, sites.site_of(sys._getframe(1)))
        init(self, *args, **kw)

    return __init__


def _hook(module: Any) -> None:
    from reactor_repl.observe import sites

    sites.services_hooked[0] = True
    for name in ("_AbstractServer", "_AbstractClient", "TimerService"):
        cls = getattr(module, name, None)
        if cls is None or name in _orig:
            continue
        _orig[name] = cls.__init__
        put_in_place_of(cls, "__init__", _remembering(cls))


def install() -> None:
    after_import(SERVICES, _hook)
