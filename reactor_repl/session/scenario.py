"""Reading a scenario file (``run``, ``check``, ``play``, ``load``) without trusting it.

Only a regular file of at most ``MAX_BYTES`` of UTF-8 text is read (``/dev/zero``, a
FIFO or a folder is refused before a byte is read); a file whose first command lines
are all bad is not a scenario and is refused after ``REFUSE_AFTER`` of them, and no
error quotes more than a short prefix of a line (``load ~/.ssh/id_rsa`` must not copy
the key into the log, where ``export`` could write it out).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from reactor_repl.language.parser import Options, ParseError, parse_line
from reactor_repl.language.words import text_lines

MAX_BYTES = 4 << 20  # 4 MiB: a long scenario is a few hundred KB
MAX_LINE = 64 << 10  # characters in one line
REFUSE_AFTER = 3  # bad lines before any good one: not a scenario
QUOTE = 20  # characters of a file's line an error may repeat


@dataclass(frozen=True)
class Problem:
    line: int
    col: int
    message: str
    source: str = ""  # a short prefix of the line

    def located(self, path: str) -> str:
        """``FILE:LINE:COL: message`` (SPEC §5)."""
        return f"{path}:{self.line}:{self.col}: {self.message}"


class Unreadable(Exception):
    """The file cannot be a scenario: ``problem`` says why, with a location."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read(path: str) -> str:
    """The file's text, or Unreadable with why (never a traceback, never a hang)."""
    if "\x00" in path:  # (os.open would raise ValueError)
        raise Unreadable(Problem(0, 0, "cannot read: the file name has a NUL byte"))
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait for one
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise Unreadable(Problem(0, 0, f"cannot read: {e.strerror or e}")) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(Problem(0, 0, f"cannot read: not a regular file ({_what(st.st_mode)})"))
        if st.st_size > MAX_BYTES:
            raise Unreadable(Problem(0, 0, f"cannot read: {st.st_size} bytes is too long for a "
                                           f"scenario (at most {MAX_BYTES >> 20} MiB)"))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as e:
        raise Unreadable(Problem(0, 0, f"cannot read: {e.strerror or e}")) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise Unreadable(Problem(0, 0, f"cannot read: longer than {MAX_BYTES >> 20} MiB, too "
                                       "long for a scenario"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        at = e.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line, col = _place(data, at)
        raise Unreadable(Problem(line, col, f"not UTF-8 text: byte 0x{data[at]:02x} at offset "
                                            f"{at} ({e.reason})")) from None
    nul = text.find("\x00")
    if nul >= 0:
        at = len(text[:nul].encode("utf-8"))
        line, col = _place(data, at)
        raise Unreadable(Problem(line, col, f"not a text file: a NUL byte at offset {at}"))
    return text


def _place(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _what(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"


def check(text: str, allow_python: bool) -> list[Problem]:
    """Every problem of the text as a scenario (parse errors, over-long lines), or the
    first few and a refusal when it does not look like a scenario at all."""
    problems: list[Problem] = []
    good = 0
    options = Options(allow_python=allow_python)
    for lineno, raw in enumerate(text_lines(text), 1):
        problem = check_line(raw, lineno, options)
        if problem is None:
            if raw.strip() and not raw.lstrip().startswith("#"):
                good += 1
            continue
        problems.append(problem)
        if not allow_python and check_line(raw, lineno, Options(allow_python=True)) is None:
            good += 1  # a command, refused only for its Python (a file that `use`s a module
            continue  # first was taken for not a scenario at all, and the rest not read)
        if not good and len(problems) >= REFUSE_AFTER:
            problems.append(Problem(lineno, 1, f"not a scenario: its first {REFUSE_AFTER} "
                                               "command lines are not commands; nothing of it "
                                               "is run, the rest is not read"))
            break
    return problems


def check_line(raw: str, lineno: int, options: Options) -> Problem | None:
    if len(raw) > MAX_LINE:
        return Problem(lineno, 1, f"line of {len(raw)} characters (at most {MAX_LINE})",
                       prefix(raw))
    try:
        parse_line(raw, options)
    except ParseError as e:
        return Problem(lineno, e.col, shorten(str(e)), prefix(raw))
    except RecursionError:
        return Problem(lineno, 1, "nested too deeply", prefix(raw))
    return None


def prefix(line: str, limit: int = QUOTE) -> str:
    """At most ``limit`` characters of a line (the start of it, where it is named)."""
    line = line.strip()
    return line if len(line) <= limit else line[:limit] + "…"


_QUOTED = re.compile(r"'([^']*)'")


def shorten(message: str, limit: int = QUOTE) -> str:
    """An error message that repeats at most ``limit`` characters of each word it quotes
    (and of any long word it does not)."""
    # (a ' in the message itself — "unterminated ' quote — close it with '" — pairs with
    # the hint's: what it spans is the message, not a quoted word)
    message = _QUOTED.sub(lambda m: m.group(0) if " — " in m.group(1)
                          else "'" + prefix(m.group(1), limit) + "'", message)
    return re.sub(r"\S{%d,}" % (2 * limit + 4), lambda m: m.group(0)[: 2 * limit] + "…", message)
