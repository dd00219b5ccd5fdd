"""Where the hooks find the observer: one per process at a time (the session's)."""

from __future__ import annotations

import sys
from threading import get_ident as _get_ident
from typing import Any, Callable


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


class _AfterImport:
    """A finder first on ``sys.meta_path`` that lets the others find the modules it waits
    for, and hooks each once it has run: importing Twisted's endpoints or services
    ourselves would change what every program loads, so they are hooked when the program
    imports them. One finder for all of them; it leaves once none is left."""

    def __init__(self) -> None:
        self.hooks: dict[str, Callable[[Any], None]] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        then = self.hooks.pop(fullname, None)
        if then is None:
            return None
        if not self.hooks and self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        loader = getattr(spec, "loader", None)
        run = getattr(loader, "exec_module", None)
        if run is None:
            return spec

        def exec_module(module: Any) -> None:
            run(module)
            then(module)

        loader.exec_module = exec_module  # (this module's own loader)
        return spec


def after_import(name: str, hook: Callable[[Any], None]) -> None:
    """``hook(module)`` now if the program has imported ``name``, else as soon as it does."""
    module = sys.modules.get(name)
    if module is not None:
        hook(module)
        return
    finder = next((f for f in sys.meta_path if isinstance(f, _AfterImport)), None)
    if finder is None:
        finder = _AfterImport()
        sys.meta_path.insert(0, finder)
    finder.hooks.setdefault(name, hook)
