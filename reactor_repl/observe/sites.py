"""Where an object was made: the first frame that is the person's code.

Twisted, zope, the standard library and reactor-repl itself are library code;
``<py>`` lines typed at the prompt, a module a person ``use``s and a traced
program are not. The verdict is cached per code object, so a walk costs a
dictionary lookup a frame. A dispatch trampoline of the observer marks the
reactor's own side of the stack: a walk that reaches one stops there (whatever
made the object did it for the reactor, not for the person's code).
"""

from __future__ import annotations

import os
import sys
from types import CodeType, FrameType

_LIBRARY_TOPS = frozenset({"twisted", "zope", "reactor_repl", "incremental", "constantly",
                           "automat", "attr", "attrs", "hyperlink", "typing_extensions",
                           "_pytest", "pytest", "pluggy", "prompt_toolkit", "pygments"})
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) - {"__main__"}

# code object → True (library), False (the person's), or BOUNDARY (stop walking)
_verdicts: dict[CodeType, object] = {}
BOUNDARY = object()
MAX_DEPTH = 40  # deeper than this is the loop's own plumbing


def mark_boundary(*codes: CodeType) -> None:
    """Frames of these code objects are where the reactor calls in (trampolines)."""
    for code in codes:
        _verdicts[code] = BOUNDARY


def _is_library(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__")
    if not isinstance(name, str) or not name:
        return False  # code compiled at the prompt (<py>) has no module
    if name == "__main__":
        return False
    top = name.split(".", 1)[0]
    return top in _LIBRARY_TOPS or top in _STDLIB


def user_frame(frame: FrameType | None) -> FrameType | None:
    """The innermost frame of the person's code from ``frame`` outwards, or None."""
    verdicts = _verdicts
    depth = 0
    while frame is not None and depth < MAX_DEPTH:
        code = frame.f_code
        v = verdicts.get(code)
        if v is None:
            v = verdicts[code] = _is_library(frame)
        if v is False:
            return frame
        if v is BOUNDARY:
            return None
        frame = frame.f_back
        depth += 1
    return None


def describe(frame: FrameType) -> str:
    """``file:line`` with the file as short as stays unambiguous."""
    return f"{short_path(frame.f_code.co_filename)}:{frame.f_lineno}"


def site_of(frame: FrameType | None) -> str:
    """``file:line`` of the person's code making something, or "" (the loop's own)."""
    f = user_frame(frame)
    return describe(f) if f is not None else ""


_cwd = os.getcwd()


def short_path(filename: str) -> str:
    """Relative to the working directory when inside it; ``<py>`` and the like as is."""
    if filename.startswith("<"):
        return filename
    if filename.startswith(_cwd + os.sep):
        return filename[len(_cwd) + 1:]
    norm = filename.replace(os.sep, "/")
    i = norm.rfind("/site-packages/")
    if i >= 0:
        return norm[i + len("/site-packages/"):]
    return filename
