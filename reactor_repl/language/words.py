"""Split a line into shell-like words that remember their column and quoting."""

from __future__ import annotations

import re
from dataclasses import dataclass


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def text_lines(text: str) -> list[str]:
    """A file's lines as an editor numbers them: broken at CR LF, CR or LF only
    (``str.splitlines`` breaks at a form feed, NEL, U+2028 too: an error was said a line
    too low, and a note with U+2028 in it ran as two lines)."""
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


@dataclass(slots=True)  # (not frozen: a frozen one costs 6x to make, one per word)
class Word:
    text: str
    col: int  # 1-based column of the first character (quote included)
    end: int  # 1-based column just past the word
    quoted: bool = False
    raw: bool = False  # the untouched rest of the line after ``py`` (or a leading ``note``)
    closed: bool = True  # False only when scanning leniently and a quote is still open


class WordError(ValueError):
    def __init__(self, message: str, col: int, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.col = col
        self.hint = hint


def split_words(line: str) -> list[Word]:
    """Split like ``shlex`` (posix): quotes group, ``#`` at a word start begins a comment.

    After an unquoted ``py`` the rest of the line is one raw word: it is Python.
    An unterminated quote is a ``WordError`` with its column.
    """
    words, _ = scan_words(line, lenient=False)
    return words


# a run of plain characters; a "…" string (its escapes: \" \\ \$ \`, as in a shell)
_PLAIN = re.compile(r"""[^\s'"\\]++""")
_SPACE = re.compile(r"\s*+")
_DQ = re.compile(r'"((?:[^"\\]++|\\.)*+)"', re.S)
_DQ_ESCAPE = re.compile(r'\\([\\"$`])')
_RUN = re.compile(r"\S++")


def scan_words(line: str, lenient: bool = True) -> tuple[list[Word], int | None]:
    """The one word scanner: words and the offset where a ``#`` comment starts.

    ``lenient`` (for completion and highlighting as you type) never fails: an open
    quote runs to the end of the line and its word has ``closed=False``.
    Linear in the line: runs of plain characters are taken a regex match at a time."""
    if "'" not in line and '"' not in line and "\\" not in line:
        return _scan_plain(line)
    words: list[Word] = []
    i, n = 0, len(line)
    plain, space = _PLAIN.match, _SPACE.match
    while True:
        i = space(line, i).end()
        if i >= n:
            break
        if line[i] == "#":
            return words, i
        start = i
        buf: list[str] = []
        quoted = False
        closed = True
        while i < n:
            m = plain(line, i)
            if m is not None:
                buf.append(m.group())
                i = m.end()
                continue
            ch = line[i]
            if ch == "'":
                quoted = True
                j = line.find("'", i + 1)
                if j < 0:
                    if not lenient:
                        raise WordError(f"unterminated {ch} quote", start + 1, f"close it with {ch}")
                    buf.append(line[i + 1:])
                    closed = False
                    i = n
                    break
                buf.append(line[i + 1:j])
                i = j + 1
            elif ch == '"':
                quoted = True
                m = _DQ.match(line, i)
                if m is None:
                    if not lenient:
                        raise WordError(f"unterminated {ch} quote", start + 1, f"close it with {ch}")
                    buf.append(_DQ_ESCAPE.sub(r"\1", line[i + 1:]))
                    closed = False
                    i = n
                    break
                buf.append(_DQ_ESCAPE.sub(r"\1", m.group(1)))
                i = m.end()
            elif ch == "\\":
                if i + 1 < n:
                    buf.append(line[i + 1])
                    i += 2
                else:
                    buf.append(ch)
                    i += 1
            else:  # whitespace: the word ends
                break
        words.append(Word("".join(buf), start + 1, i + 1, quoted, closed=closed))
        if not quoted and _raw_next(words):
            i = _take_raw(line, i, words)
            if i < 0:
                break
    return words, None


# a ``;`` standing alone: it separates the actions of a do and the steps of a list
_SEPARATOR = re.compile(r"(?<!\S);(?!\S)")


def _raw_next(words: list[Word]) -> bool:
    """The rest after this word is raw text: Python after ``py``; a ``note``'s text."""
    text = words[-1].text
    if text == "py":
        return True
    return text == "note" and (len(words) == 1 or words[-2].text in ("do", ";"))


def _take_raw(line: str, i: int, words: list[Word]) -> int:
    """Append the raw word that starts after offset ``i``; the offset to read on from
    (a ``note`` inside a do ends at a standalone ``;``, the next action's), or -1.
    Python and a line's own note run to the end of the line."""
    end = len(line)
    resume = -1
    if words[-1].text == "note" and len(words) > 1:
        m = _SEPARATOR.search(line, i)
        if m is not None:
            end = resume = m.start()
    rest = line[i:end].strip()
    if rest:
        col = line.index(rest, i) + 1
        words.append(Word(rest, col, col + len(rest), False, True))
    return resume


def _scan_plain(line: str) -> tuple[list[Word], int | None]:
    """``scan_words`` for a line without quotes or backslashes (most lines): one regex."""
    words: list[Word] = []
    pos = 0
    search = _RUN.search
    while True:
        m = search(line, pos)
        if m is None:
            break
        text = m.group()
        if text[0] == "#":
            return words, m.start()
        words.append(Word(text, m.start() + 1, m.end() + 1))
        pos = m.end()
        if _raw_next(words):
            pos = _take_raw(line, pos, words)
            if pos < 0:
                break
    return words, None


_DATA_PLAIN = re.compile(r"""[^'"\\]++""")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def data_text(raw: str) -> str:
    r"""DATA as ``write``/``send`` take it: the rest of the line as typed (spaces kept),
    quotes dropped (they only group), ``\n \r \t \0`` decoded, ``\X`` is X (``\\``: one
    backslash), as the words of a line are read."""
    out: list[str] = []
    i, n = 0, len(raw)
    quote = ""
    while i < n:
        m = _DATA_PLAIN.match(raw, i)
        if m is not None:
            out.append(m.group())
            i = m.end()
            continue
        ch = raw[i]
        if ch == "\\" and i + 1 < n and not (quote == "'" and raw[i + 1] == "'"):
            out.append(_ESCAPES.get(raw[i + 1], raw[i + 1]))
            i += 2
        elif ch in "'\"" and (not quote or ch == quote):
            quote = "" if quote else ch
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)
