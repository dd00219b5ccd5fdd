"""Where ``save`` and ``export`` may write, and how a file is written.

A scenario is shared material: replaying one must not clobber a file or drop a
file where a shell or Python will run it. So:

* nothing is overwritten unless the command says ``force`` (typed at the prompt, or in
  a file run with ``--allow-writes``); an overwrite replaces the file (a symlink there
  is replaced, never written through) and happens at once or not at all;
* a line from a scenario file (``run``, ``play``, ``load``, piped standard input) writes
  only a new, visible file beneath the current directory — no ``..`` or symlink out of
  it, no hidden file or folder, ``save`` only to ``.rr`` — unless the run passes
  ``--allow-writes``;
* logs (``.jsonl``, ``.json``, ``.txt``) are created 0600; scenarios and programs
  (``.rr``, ``.py``) with the user's umask.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Iterator

WRITES_FLAG = "--allow-writes"
PRIVATE_SUFFIXES = (".jsonl", ".json", ".txt")  # event logs can hold anything a session saw


class WriteRefused(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f" — {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class WriteRequest:
    """Who asks to write ``path``: ``verb`` is save or export."""

    path: str
    verb: str
    force: bool = False
    from_file: bool = False  # a scenario line (run/play/load/stdin), not typed at the prompt
    allow_writes: bool = False


def check_target(req: WriteRequest) -> None:
    """Raise WriteRefused unless ``req`` may write its file."""
    path = req.path
    if not path:
        raise WriteRefused(f"{req.verb} needs a file name")
    if "\x00" in path:  # (the file system calls would raise ValueError)
        raise WriteRefused("the file name has a NUL byte", "give a name without one")
    if req.from_file and not req.allow_writes:
        _check_scenario_target(req)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise WriteRefused(f"no folder {parent}") from None
        return
    except OSError as e:
        raise WriteRefused(f"{path}: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise WriteRefused(f"{path} is a folder", f"e.g. {req.verb} {os.path.join(path, 'x')}")
    if not req.force:
        raise WriteRefused(f"{path} exists: not overwritten",
                           f"'{req.verb} {path} force' replaces it")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise WriteRefused(f"{path} is not a regular file: not overwritten")


def _check_scenario_target(req: WriteRequest) -> None:
    path, flag = req.path, WRITES_FLAG
    elsewhere = f"a scenario file writes only beneath the current folder; {flag} lets it"
    if os.path.isabs(path) or any(part == ".." for part in path.split(os.sep)):
        raise WriteRefused(f"{path} is outside the current folder", elsewhere)
    parts = [p for p in os.path.normpath(path).split(os.sep) if p not in ("", ".")]
    if any(p.startswith(".") for p in parts):
        raise WriteRefused(f"{path} is a hidden file or folder",
                           f"a scenario file writes only visible files; {flag} lets it")
    if not parts:  # (., ./: the folder itself read as "leads outside … (a symlink)")
        raise WriteRefused(f"{path} is the current folder, not a file", "name a file: save NAME.rr")
    here = os.path.realpath(os.getcwd())
    parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    if parent != here and not parent.startswith(here.rstrip(os.sep) + os.sep):
        raise WriteRefused(f"{path} leads outside the current folder (a symlink)", elsewhere)
    if req.verb == "save" and not path.endswith(".rr"):
        raise WriteRefused(f"a scenario file saves only to .rr files, not {path}",
                           f"{flag} lets it")
    if os.path.lexists(path):
        raise WriteRefused(f"{path} exists: a scenario file never overwrites",
                           f"run with {flag}, and write '{req.verb} {path} force' to replace it")


def mode_for(path: str) -> int:
    """0600 for logs, else what the umask allows (a new file's permissions)."""
    return 0o600 if path.endswith(PRIVATE_SUFFIXES) else 0o666


@contextmanager
def created(path: str, overwrite: bool = False) -> Iterator[IO[str]]:
    """A text file to write: a new one (never a file or symlink already there), or with
    ``overwrite`` a replacement renamed over the old one when complete."""
    mode = mode_for(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    target = path
    if overwrite:
        head, tail = os.path.split(path)
        target = os.path.join(head, f".{tail}.{os.getpid()}.{id(path):x}.tmp")
    fd = os.open(target, flags, mode)
    ok = False
    try:
        with open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=True) as f:
            yield f
        if overwrite:
            os.replace(target, path)
        ok = True
    finally:
        if not ok:
            try:
                os.unlink(target)
            except OSError:
                pass
