"""Colours: the log's families (from ``views.text``), the input lexer, the panes."""

from __future__ import annotations

from prompt_toolkit.styles import Style

from reactor_repl.views.text import FAMILY_COLOURS

_SGR_COLOURS = {
    30: "ansiblack", 31: "ansired", 32: "ansigreen", 33: "ansiyellow", 34: "ansiblue",
    35: "ansimagenta", 36: "ansicyan", 37: "ansigray", 90: "ansibrightblack",
    91: "ansibrightred", 92: "ansibrightgreen", 93: "ansibrightyellow", 94: "ansibrightblue",
    95: "ansibrightmagenta", 96: "ansibrightcyan", 97: "ansiwhite",
}


def sgr_style(code: str) -> str:
    """``"1;31"`` (an ANSI SGR code as ``views.text`` writes them) → ``"bold ansired"``."""
    out = []
    for part in code.split(";"):
        n = int(part) if part.isdigit() else 0
        if n == 1:
            out.append("bold")
        elif n == 2:
            out.append("dim")
        elif n in _SGR_COLOURS:
            out.append(_SGR_COLOURS[n])
    return " ".join(out)


def sgr_class(code: str) -> str:
    """The style class of an SGR code: ``log.c1_31``."""
    return "log.c" + code.replace(";", "_")


def explorer_style() -> Style:
    rules: list[tuple[str, str]] = []
    for code in sorted(set(FAMILY_COLOURS.values()) | {"1;31", "0"}):
        rules.append((sgr_class(code), sgr_style(code)))
    rules += [
        ("log.head", "dim"),
        ("log.rule", "ansibrightblack"),
        ("log.message", "italic ansiyellow"),
        ("log.comment", "italic ansibrightblack"),
        ("log.welcome", "ansicyan"),
        ("log.more", "reverse"),
        ("state", ""),
        ("state.border", "ansibrightblack"),
        ("state.title", "bold"),
        ("state.label", "bold"),
        ("state.dim", "ansibrightblack"),
        ("state.blocked", "bold reverse ansired"),
        ("state.paused", "bold reverse ansimagenta"),
        ("state.running", "ansigreen"),
        ("state.failed", "ansired"),
        ("state.fired", "ansicyan"),
        ("help", ""),
        ("help.title", "reverse"),
        ("status", "reverse"),
        ("status.blocked", "bold reverse ansired"),
        ("status.play", "reverse ansiyellow"),
        ("status.queue", "reverse ansiyellow"),
        ("prompt", "bold"),
        ("prompt.clock", "ansicyan"),
        ("toolbar", "ansibrightblack"),
        ("toolbar.syntax", ""),
        ("toolbar.current", "bold underline"),
        ("toolbar.error", "bold ansired"),
        ("toolbar.key", "bold"),
        ("input.error", "underline ansired"),
        # the input line's pygments tokens
        ("pygments.keyword", "bold ansiblue"),
        ("pygments.keyword.pseudo", "ansimagenta"),
        ("pygments.keyword.constant", "ansimagenta"),
        ("pygments.name.function", "ansicyan"),
        ("pygments.name.variable", "ansiyellow"),
        ("pygments.name.tag", "ansigreen"),
        ("pygments.name.constant", "ansimagenta"),
        ("pygments.literal.number", "ansigreen"),
        ("pygments.literal.string", "ansibrightgreen"),
        ("pygments.operator", "bold"),
        ("pygments.comment", "italic ansibrightblack"),
        ("pygments.error", "ansired underline"),
    ]
    return Style(rules)
