"""One rule for text someone else wrote, wherever it is shown or written out.

A note, an unknown word or a file name can hold control characters: on a terminal
they set the title or clear the screen, and in a ``# note:`` comment of an exported
program a line break Python accepts (``\\r``, ``\\f``, ``\\x1c``, U+2028 …) ends the
comment and runs the rest as code. ``printable`` keeps such text on one line and
inert: the log pane's rule (newline → ⏎, tab → spaces, any other character that is
not printable → its Python escape, ``\\x1b`` …).
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` as one line of inert printable characters (no line break, no escape)."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\n":
            out.append("⏎")
        elif ch == "\t":
            out.append("    ")
        elif not ch.isprintable():
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def json_line(line: str) -> str:
    """A JSON text with every character that is not printable as a ``\\uXXXX`` escape
    (the same JSON: ``json.dumps`` leaves C1 controls, U+2028 or a bidi override as they are)."""
    if line.isprintable():
        return line
    return "".join(c if c.isprintable() else _u_escape(c) for c in line)


def _u_escape(c: str) -> str:
    n = ord(c)
    if n <= 0xFFFF:
        return f"\\u{n:04x}"
    n -= 0x10000  # JSON spells a code point above U+FFFF as a surrogate pair
    return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"
