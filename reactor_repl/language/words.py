"""Split a line into shell-like words that remember their column and quoting."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
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


def scan_words(line: str, lenient: bool = True) -> tuple[list[Word], int | None]:
    """The one word scanner: words and the offset where a ``#`` comment starts.

    ``lenient`` (for completion and highlighting as you type) never fails: an open
    quote runs to the end of the line and its word has ``closed=False``."""
    words: list[Word] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "#":
            return words, i
        start = i
        buf: list[str] = []
        quoted = False
        closed = True
        while i < n and not line[i].isspace():
            ch = line[i]
            if ch in "'\"":
                quoted = True
                j = i + 1
                while j < n and line[j] != ch:
                    if ch == '"' and line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                        buf.append(line[j + 1])
                        j += 2
                        continue
                    buf.append(line[j])
                    j += 1
                if j >= n:
                    if not lenient:
                        raise WordError(f"unterminated {ch} quote", start + 1, f"close it with {ch}")
                    closed = False
                    i = n
                    break
                i = j + 1
            elif ch == "\\" and i + 1 < n:
                buf.append(line[i + 1])
                i += 2
            else:
                buf.append(ch)
                i += 1
        words.append(Word("".join(buf), start + 1, i + 1, quoted, closed=closed))
        raw_next = words[-1].text == "py" or (
            words[-1].text == "note" and (len(words) == 1 or words[-2].text == "do")
        )
        if not quoted and raw_next:
            rest = line[i:].strip()
            if rest:
                col = line.index(rest, i) + 1
                words.append(Word(rest, col, col + len(rest), False, True))
            break
    return words, None
