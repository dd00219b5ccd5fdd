"""Tracebacks Twisted prints show the person's frames, not the observer's.

The observation layer calls into the person's code through small trampolines (a
timer's ``_fire``, a Deferred step's wrapper, the recorder, the engine's timing): their
frames sit between Twisted's and the person's in every traceback. A program traced by
reactor-repl must print what it prints under plain Python, so a ``Failure``'s frames
(what ``printTraceback``/``getTraceback`` and Twisted's log format) leave out frames of
reactor-repl's own files. So does the traceback a ``Failure`` keeps (``tb``) and its
exception's ``__traceback__``: what ``traceback.print_exc()`` shows in a coroutine that
caught it, ``traceback.format_exception(f.value)`` in an errback, ``logging.exception``.
(An exception that leaves one of our hooks without Twisted catching it — a second
``callback()`` — still passes one frame of ours: a Python hook is a frame.)
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from twisted.python.failure import Failure

from reactor_repl.observe.state import put_in_place_of

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_original = Failure.frames
_original_init = Failure.__init__


def _ours(filename: str) -> bool:
    return filename.startswith(_PACKAGE)


def _frames(self: Any) -> list:
    cached = self.__dict__.get("_frames")
    if cached is not None:
        return cached
    frames = _original.fget(self)
    if any(_ours(f[1]) for f in frames):
        frames = self._frames = [f for f in frames if not _ours(f[1])]
    return frames


def _init(self: Any, *args: Any, **kw: Any) -> None:
    _original_init(self, *args, **kw)
    tb = self.__dict__.get("tb")
    if tb is None:
        return
    clean = without_ours(tb)
    if clean is not tb:
        self.tb = clean
        value = self.value
        if getattr(value, "__traceback__", None) is tb:
            value.__traceback__ = clean


def without_ours(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` without the entries of reactor-repl's own frames (``tb`` itself if none)."""
    kept = []
    found = False
    t = tb
    while t is not None:
        if t.__class__ is not TracebackType:  # (Twisted's stand-in of a pickled failure)
            return tb
        if _ours(t.tb_frame.f_code.co_filename):
            found = True
        else:
            kept.append(t)
        t = t.tb_next
    if not found:
        return tb
    out = None
    for t in reversed(kept):
        out = TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out


def install() -> None:
    if Failure.frames is _original:
        Failure.frames = property(_frames, _original.fset)  # type: ignore[assignment]
    if Failure.__init__ is _original_init:
        put_in_place_of(Failure, "__init__", _init)
