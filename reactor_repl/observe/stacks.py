"""Stacks a traced program prints leave out the observer's frames, and the launcher's.

``traceback.print_stack()``, ``format_stack()`` and ``extract_stack()`` — and so
``logging``'s ``stack_info`` and Twisted's debug stacks (``defer.setDebugging(True)``,
``DelayedCall.debug``) — walk the frames with ``traceback.walk_stack``. Under
``trace`` the program's stack also holds the hooks' frames (reactor-repl's own files)
and, below its ``<module>``, the frames that launched it: the walk skips both, so the
program sees the stack it has under ``python``. ``inspect.stack()`` and
``inspect.getouterframes()`` leave them out too. (A walk of ``f_back`` by hand still
sees them: they are frames.)
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from types import FrameType
from typing import Iterator

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_original = traceback.walk_stack
_original_outer = inspect.getouterframes
_below: dict[int, FrameType] = {}  # id → the launcher's frames, alive while the program runs


def hide_below(frame: FrameType | None) -> None:
    """``frame`` and the frames under it started the program: its stacks end above them."""
    while frame is not None:
        _below[id(frame)] = frame
        frame = frame.f_back


def shown_again() -> None:
    """The program has ended: the launcher's frames are frames again."""
    _below.clear()


def _shown(f: FrameType) -> bool:
    return id(f) not in _below and not f.f_code.co_filename.startswith(_PACKAGE)


def walk_stack(f: FrameType | None) -> Iterator[tuple[FrameType, int]]:
    """``traceback.walk_stack`` without reactor-repl's frames and the launcher's."""
    if f is None:  # (as the original: the caller of the stack function that called us)
        f = sys._getframe().f_back.f_back.f_back.f_back  # type: ignore[union-attr]
    while f is not None:
        if _shown(f):
            yield f, f.f_lineno
        f = f.f_back


def getouterframes(frame: FrameType, context: int = 1) -> list:
    """``inspect.getouterframes`` (``inspect.stack()``) without them."""
    return [info for info in _original_outer(frame, context) if _shown(info.frame)]


def install() -> None:
    if traceback.walk_stack is _original:
        traceback.walk_stack = walk_stack  # type: ignore[assignment]
        inspect.getouterframes = getouterframes  # type: ignore[assignment]
