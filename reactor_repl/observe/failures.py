"""Tracebacks Twisted prints show the person's frames, not the observer's.

The observation layer calls into the person's code through small trampolines (a
timer's ``_fire``, a Deferred step's wrapper, the recorder, the engine's timing): their
frames sit between Twisted's and the person's in every traceback. A program traced by
reactor-repl must print what it prints under plain Python, so a ``Failure``'s frames
(what ``printTraceback``/``getTraceback`` and Twisted's log format) leave out frames of
reactor-repl's own files.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.python.failure import Failure

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_original = Failure.frames


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


def install() -> None:
    if Failure.frames is _original:
        Failure.frames = property(_frames, _original.fset)  # type: ignore[assignment]
