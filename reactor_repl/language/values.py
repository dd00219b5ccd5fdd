"""Durations, values and names as the language writes them."""

from __future__ import annotations

import math
import re

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
MAX_DURATION = 86400.0
_UNITS = {"ms": 1e-3, "s": 1.0, "us": 1e-6, "m": 60.0, "min": 60.0}
_DURATION_RE = re.compile(r"([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(ms|us|s|min|m)?\Z")


class ValueProblem(ValueError):
    """A word that does not fit the kind of value expected, with a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse_duration(text: str) -> float:
    """``0.5``, ``2``, ``1e-3``, ``250ms``, ``2s`` → seconds; finite, ≥ 0, ≤ one day."""
    m = _DURATION_RE.match(text.strip())
    if not m:
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and not math.isfinite(number):
            raise ValueProblem(f"'{text}' is not a finite duration", "durations are 0 to 86400s")
        if number is not None and number < 0:
            raise ValueProblem(f"'{text}' is negative", "durations are 0 to 86400s")
        raise ValueProblem(
            f"'{text}' is not a duration", "write seconds (0.5, 2, 1e-3) or 250ms / 2s"
        )
    value = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if not math.isfinite(value) or value < 0:
        raise ValueProblem(f"'{text}' is not a finite duration ≥ 0")
    if value > MAX_DURATION:
        raise ValueProblem(f"'{text}' is longer than one day", "durations are at most 86400s")
    return value


def parse_int(text: str, minimum: int | None = None) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise ValueProblem(f"'{text}' is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ValueProblem(f"{value} is too small", f"use a number ≥ {minimum}")
    return value


def parse_number(text: str) -> int | float:
    try:
        return int(text, 10)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ValueProblem(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise ValueProblem(f"'{text}' is not a finite number")
    return value


def parse_value(text: str, quoted: bool) -> object:
    """A VALUE: integer, float, quoted string, ``none``, ``true``/``false`` or a bare word."""
    if quoted:
        return text
    low = text.lower()
    if low == "none":
        return None
    if low == "true":
        return True
    if low == "false":
        return False
    try:
        return int(text, 10)
    except ValueError:
        pass
    try:
        value = float(text)
        if math.isfinite(value):
            return value
    except ValueError:
        pass
    return text


def check_name(text: str) -> str:
    if not NAME_RE.match(text):
        raise ValueProblem(
            f"'{text}' is not a valid name",
            "names start with a letter or _ and use letters, digits, _ . -",
        )
    return text


def show_value(value: object) -> str:
    """How a value reads in the log: like Python's repr, short; a class by its name
    (``Failure.trap`` returns the class it trapped)."""
    text = value.__name__ if isinstance(value, type) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_duration(seconds: float) -> str:
    return f"{seconds:g}s"
