"""Durations, values and names as the language writes them."""

from __future__ import annotations

import math
import re
from typing import Callable

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")

# The language's bounds: far past anything a person writes on purpose, and small enough
# that no line can make the parser, the completer or the lexer slow or deep. Errors and
# help name them.
MAX_LINE = 4096  # characters in one line
MAX_DO_DEPTH = 20  # do inside do inside do …
MAX_DURATION = 86400.0  # seconds: one day
MAX_INT_DIGITS = 18  # an integer VALUE or STEP number: |n| < 10**18
MAX_SHOWN = 40  # characters of a word quoted in an error message
# numbers as written (possessive: a long run of digits must not make a pattern backtrack)
NUMBER = r"(?:[0-9]++(?:\.[0-9]*+)?+|\.[0-9]++)(?:[eE][-+]?+[0-9]++)?+"
_INT_RE = re.compile(r"[-+]?+[0-9][0-9_]*+\Z")
_FLOAT_RE = re.compile(r"[-+]?+" + NUMBER + r"\Z")
_UNITS = {"ms": 1e-3, "s": 1.0, "us": 1e-6, "m": 60.0, "min": 60.0}
_DURATION_RE = re.compile("(" + NUMBER + r")(ms|us|s|min|m)?\Z")


class ValueProblem(ValueError):
    """A word that does not fit the kind of value expected, with a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def quoted(text: str) -> str:
    """A word as an error message quotes it: at most MAX_SHOWN characters, control
    characters escaped (a message must not be able to move the terminal's cursor)."""
    short = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
    if not short.isprintable():
        short = "".join(c if c.isprintable() else repr(c)[1:-1] for c in short)
    return f"'{short}'"


def count_range(minimum: int, maximum: int) -> str:
    """``1 to 10,000,000``, as help and hints write a range."""
    return f"{minimum:,} to {maximum:,}"


def parse_duration(text: str) -> float:
    """``0.5``, ``2``, ``1e-3``, ``250ms``, ``2s`` → seconds; finite, ≥ 0, ≤ one day."""
    m = _DURATION_RE.match(text.strip())
    if not m:
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and not math.isfinite(number):
            raise ValueProblem(f"{quoted(text)} is not a finite duration",
                               "durations are 0 to 86400s")
        if number is not None and number < 0:
            raise ValueProblem(f"{quoted(text)} is negative", "durations are 0 to 86400s")
        raise ValueProblem(
            f"{quoted(text)} is not a duration", "write seconds (0.5, 2, 1e-3) or 250ms / 2s"
        )
    value = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if value > MAX_DURATION:  # (1e400 too: it is written as a number, a very large one)
        raise ValueProblem(f"{quoted(text)} is longer than one day",
                           "durations are at most 86400s")
    return value


def parse_int(text: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number in ``minimum..maximum``: counts, sizes and ports."""
    if not _INT_RE.match(text):
        raise ValueProblem(f"{quoted(text)} is not a whole number",
                           "write its digits, without a point or an exponent (1000, not 1e3)")
    if maximum is not None:
        hint = f"use a number from {count_range(minimum or 0, maximum)}"
    else:
        hint = f"use a number ≥ {minimum or 0}"
    if len(text) > MAX_INT_DIGITS + 8:  # int() of a long string costs; nothing needs one
        raise ValueProblem(f"{quoted(text)} is too large", hint)
    value = int(text, 10)
    if minimum is not None and value < minimum:
        raise ValueProblem(f"{value} is too small", hint)
    if maximum is not None and value > maximum:
        raise ValueProblem(f"{quoted(text)} is too large", hint)
    return value


def _big_int(text: str) -> ValueProblem | None:
    """An integer with more digits than any value needs (they only grow from here)."""
    digits = len(text.lstrip("+-").replace("_", ""))
    if digits > MAX_INT_DIGITS:
        return ValueProblem(f"{quoted(text)} is too large",
                            f"integers have at most {MAX_INT_DIGITS} digits; quote it for a "
                            "string")
    return None


def _number(text: str) -> int | float | None:
    """``text`` as a number, None when it is not written as one; a ValueProblem when it is
    one out of range (a huge integer, or a float that overflows to infinity)."""
    if _INT_RE.match(text):
        problem = _big_int(text)
        if problem is not None:
            raise problem
        return int(text, 10)
    if _FLOAT_RE.match(text):
        value = float(text)
        if not math.isfinite(value):
            raise ValueProblem(f"{quoted(text)} is out of range",
                               "floats are finite: at most about 1.8e308; quote it for a string")
        return value
    return None


def parse_number(text: str) -> int | float:
    number = _number(text)
    if number is None:
        raise ValueProblem(f"{quoted(text)} is not a number")
    return number


def parse_value(text: str, quoted_word: bool) -> object:
    """A VALUE: integer, float, quoted string, ``none``, ``true``/``false`` or a bare word."""
    if quoted_word:
        return text
    low = text.lower()
    if low == "none":
        return None
    if low == "true":
        return True
    if low == "false":
        return False
    number = _number(text)
    return text if number is None else number


def check_name(text: str) -> str:
    if not NAME_RE.match(text):
        raise ValueProblem(
            f"{quoted(text)} is not a valid name",
            "names start with an ASCII letter or _ and use ASCII letters, digits, _ . -"
            + ("; a number here is not taken for a port or a delay: check the command's "
               "syntax with help" if text.replace(".", "", 1).isdigit() else ""),
        )
    return text


def show_value(value: object, shown: Callable[[object], str] = repr) -> str:
    """How a value reads in the log: like Python's repr (or ``shown``), short; a class by
    its name (``Failure.trap`` returns the class it trapped)."""
    text = value.__name__ if isinstance(value, type) else shown(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_duration(seconds: float) -> str:
    return f"{seconds:g}s"
