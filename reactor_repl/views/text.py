"""The text line of SPEC §3, with colour by family when wanted."""

from __future__ import annotations

import os
import sys
from typing import IO

from reactor_repl.engine.events import Event

# ANSI colours by the family of a kind (the part before the dot)
FAMILY_COLOURS = {
    "timer": "36", "loop": "96", "block": "91", "threadcall": "35", "thread": "95",
    "deferred": "33", "reader": "32", "tcp": "92", "trigger": "34", "reactor": "34",
    "error": "1;31", "note": "1;37", "expect": "1;32", "warn": "1;91", "log": "31",
    "session": "2", "input": "1", "clock": "2", "io": "2", "break": "1;35", "predict": "1;36",
    "show": "37",
}


def family(kind: str) -> str:
    return kind.split(".", 1)[0]


def colour_for(ev: Event) -> str:
    if ev.kind == "expect.fail":
        return "1;31"
    return FAMILY_COLOURS.get(family(ev.kind), "0")


def want_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_line(ev: Event, colour: bool = False) -> str:
    line = ev.line()
    if not colour:
        return line
    c = colour_for(ev)
    head = f"#{ev.seq:04d}  {ev.t:.3f}  [{ev.tick}]"
    rest = line[len(head):]
    return f"\x1b[2m{head}\x1b[0m\x1b[{c}m{rest}\x1b[0m"


class LinePrinter:
    """Prints events in sequence order, one line each (or JSON lines)."""

    def __init__(self, out: IO[str] | None = None, *, json: bool = False, internals: bool = False,
                 quiet: bool = False, colour: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.json = json
        self.internals = internals
        self.quiet = quiet
        self.colour = want_colour(self.out) if colour is None else colour
        self.pending: list[Event] = []
        self.last_tick = -1

    def __call__(self, ev: Event) -> None:
        self.pending.append(ev)

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        batch.sort(key=lambda e: e.seq)
        out = self.out
        for ev in batch:
            if self.json:
                out.write(ev.to_json() + "\n")
                continue
            if ev.internal and not self.internals:
                continue
            if self.quiet and ev.kind not in ("error", "expect.fail", "deferred.unhandled"):
                continue
            if ev.kind == "show" and ev.data and ev.data.get("lines"):
                out.write(format_line(ev, self.colour).split("  show  ")[0] + "  show  " +
                          ev.name + "\n")
                for ln in ev.data["lines"]:
                    out.write("        " + ln + "\n")
                continue
            out.write(format_line(ev, self.colour) + "\n")
        try:
            out.flush()
        except (OSError, ValueError):
            pass
