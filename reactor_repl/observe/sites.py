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
import sysconfig
from types import CodeType, FrameType
from typing import Any

_LIBRARY_TOPS = frozenset({"twisted", "zope", "reactor_repl", "incremental", "constantly",
                           "automat", "attr", "attrs", "hyperlink", "typing_extensions",
                           "_pytest", "pytest", "pluggy", "prompt_toolkit", "pygments"})
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) - {"__main__"}

# id of a code object → (the code object, True (library), False (the person's), or
# BOUNDARY (stop walking)). Keyed by id: a code object's hash is computed anew each time
# (its name, bytecode, constants and names hashed: some 3,000 instructions a lookup,
# three lookups in every loop's beat). The code object kept with its verdict keeps its id
# from being reused.
_verdicts: dict[int, tuple[CodeType, object]] = {}
BOUNDARY = object()
MAX_DEPTH = 40  # deeper than this is the loop's own plumbing
# the same verdicts as small ints, for the walk every new Deferred makes (comparing an int
# costs less than taking a tuple apart): id of a code object → one of these
LIBRARY, USER, STOP = 0, 1, 2
walk_kinds: dict[int, int] = {}
_KIND = {True: LIBRARY, False: USER}


def mark_boundary(*codes: CodeType) -> None:
    """Frames of these code objects are where the reactor calls in (trampolines)."""
    for code in codes:
        _verdicts[id(code)] = (code, BOUNDARY)
        walk_kinds[id(code)] = STOP


def _is_library(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__")
    if not isinstance(name, str) or not name:
        return False  # code compiled at the prompt (<py>) has no module
    if name == "__main__":
        # a program's own main module, unless it is a library's (python -m twisted.trial)
        return library_file(frame.f_code.co_filename)
    top = name.split(".", 1)[0]
    return top in _LIBRARY_TOPS or top in _STDLIB


def raised_at(frames: Any) -> str:
    """``file:line`` of the innermost of ``frames`` — (filename, line) pairs, outermost
    first — that is the person's code (not a library's, nor the recorder's), or ""."""
    for filename, line in reversed(list(frames)):
        if filename and not filename.startswith("<") and not library_file(filename):
            return f"{short_path(filename)}:{line}"
    return ""


def raised_at_tb(tb: Any) -> str:
    """``raised_at`` for an exception's traceback."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return raised_at(frames)


def library_file(filename: str) -> bool:
    """Code of a library's (site-packages, the standard library, this tool's, a console
    script), not the person's."""
    norm = filename.replace(os.sep, "/")
    return ("/site-packages/" in norm or "/reactor_repl/" in norm
            or norm.startswith(_STDLIB_DIR) or norm.rsplit("/", 1)[0] in _SCRIPT_DIRS)


_STDLIB_DIR = os.path.dirname(os.__file__).replace(os.sep, "/") + "/"
# console scripts (bin/reactor-repl, bin/twistd, bin/trial): the __main__ below a traced
# program or a launcher's, a library's, not the person's (its objects were sited there)
_SCRIPT_DIRS = frozenset(d.replace(os.sep, "/") for d in (
    os.path.dirname(os.path.abspath(sys.executable)), sysconfig.get_path("scripts")) if d)


def user_frame(frame: FrameType | None) -> FrameType | None:
    """The innermost frame of the person's code from ``frame`` outwards, or None."""
    verdicts = _verdicts
    depth = 0
    while frame is not None and depth < MAX_DEPTH:
        code = frame.f_code
        known = verdicts.get(id(code))
        if known is None:
            v = _is_library(frame)
            verdicts[id(code)] = (code, v)
            walk_kinds[id(code)] = _KIND[v]
        else:
            v = known[1]
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
    """``file:line`` of the person's code making something, or "" (the loop's own) —
    or, made by a service of Twisted's as it starts, where the person made the service."""
    f = user_frame(frame)
    return describe(f) if f is not None else _service_site(frame)


_SERVICES_FILE = os.path.join("twisted", "application", "internet.py")


services_hooked = [False]  # the program imported Twisted's services (services.py)


MADE_AT = "_rr_made_at"  # a service's attribute: where the person made it (services.py)


def service_site(frame: FrameType | None, frames: int = 1) -> str:
    """Where the person made the service whose method ``frame`` runs (services.py): a
    ``TimerService``'s loop is started by the service itself, its direct caller."""
    return _service_site(frame, frames)


def _service_site(frame: FrameType | None, frames: int = MAX_DEPTH) -> str:
    """Where the person made the service whose method is on the stack (services.py)."""
    if not services_hooked[0]:  # (a program without services pays nothing for them)
        return ""
    depth = 0
    while frame is not None and depth < frames:
        if frame.f_code.co_filename.endswith(_SERVICES_FILE):
            made = getattr(frame.f_locals.get("self"), MADE_AT, "")
            if made:
                return str(made)
        frame = frame.f_back
        depth += 1
    return ""


def short_path(filename: str) -> str:
    """Relative to the working directory when inside it; ``<py>`` and the like as is."""
    if not _root:  # no session has read the working directory: read it now
        return _shorten(filename, os.getcwd())
    short = _short.get(filename)
    if short is None:
        short = _short[filename] = _shorten(filename, _root)
    return short


def set_root(cwd: str | None = None) -> None:
    """Read the working directory (the engine does as a session starts and after each
    typed line, which may change it): sites are made relative to it. Not read at each
    site — ``os.getcwd`` is a system call, and a program may make a timer a millisecond."""
    global _root
    cwd = os.getcwd() if cwd is None else cwd
    if cwd != _root:
        _root = cwd
        _short.clear()


_root = ""  # the working directory as last read by set_root ("" not yet)
_short: dict[str, str] = {}  # file name → short_path(file name) under _root


def _shorten(filename: str, cwd: str) -> str:
    if filename.startswith("<"):
        return filename
    if filename.startswith(cwd + os.sep):
        return filename[len(cwd) + 1:]
    norm = filename.replace(os.sep, "/")
    i = norm.rfind("/site-packages/")
    if i >= 0:
        return norm[i + len("/site-packages/"):]
    return filename
