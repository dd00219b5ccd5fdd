"""The text line of SPEC §3, with colour by family when wanted."""

from __future__ import annotations

import os
import sys
import threading
from typing import IO, Callable

from reactor_repl.engine.events import Event
from reactor_repl.language import kinds
from reactor_repl.language.kinds import DISPATCH_KINDS, MULTILINE_KINDS
from reactor_repl.views.escape import json_line, printable

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
    """The event's line, its text made printable (a note cannot drive the terminal)."""
    line = printable(ev.line())
    if not colour:
        return line
    c = colour_for(ev)
    head = f"#{ev.seq:04d}  {ev.t:.3f}  [{ev.tick}]"
    rest = line[len(head):]
    return f"\x1b[2m{head}\x1b[0m\x1b[{c}m{rest}\x1b[0m"


# what --quiet prints; everything else is dropped as it arrives (memory stays flat)
QUIET_KINDS = kinds.QUIET_KINDS
# a long line (a million-call loop) prints as it goes, holding at most this many events
FLUSH_AT = 4096


class LinePrinter:
    """Prints events in sequence order, one line each (or JSON lines)."""

    def __init__(self, out: IO[str] | None = None, *, json: bool = False, internals: bool = False,
                 quiet: bool = False, colour: bool | None = None,
                 keep: Callable[[Event], bool] | None = None,
                 beside: bool = False) -> None:
        self.out = out or sys.stdout
        # beside a program (trace --line): a reader that went away (| head) ends our lines,
        # not the program, nor its exit code (else the output gone ends the run)
        self.beside = beside
        self.gone = False
        self.keep = keep  # e.g. filter from: asked in order, as the lines are printed
        self.json = json
        self.internals = internals
        self.quiet = quiet
        self.colour = want_colour(self.out) if colour is None else colour
        self.pending: list[Event] = []
        self.last_tick = -1
        self.last_seq = 0  # the last event printed (or dropped by --quiet)
        self._lock = threading.Lock()
        # what the log hands us (EventLog.subscribe reads it): --quiet prints a few kinds only
        self.kinds: frozenset[str] | None = QUIET_KINDS if quiet and not json else None

    def __call__(self, ev: Event) -> None:
        if self.quiet and not self.json and (ev.kind not in QUIET_KINDS
                                             or (ev.internal and not self.internals)):
            return
        pending = self.pending
        pending.append(ev)
        if len(pending) >= FLUSH_AT and not self.quiet:
            self.flush(partial=True)
        elif self.beside and ev.kind in DISPATCH_KINDS:
            # beside a program (trace --line): the dispatch's line goes out before its
            # callback runs, so what the callback itself prints to the same stream comes
            # after it (a flusher thread wrote it a moment later: the output came first)
            self.flush(partial=True)

    def flush(self, partial: bool = False) -> None:
        """Print what is pending. ``partial`` (from the recording thread, mid-line): only
        events that follow the last one printed without a gap, since an event of another
        thread may be recorded but not yet handed to us."""
        with self._lock:
            self._flush(partial)

    def _flush(self, partial: bool) -> None:
        if not self.beside:
            self._print(partial)
            return
        if self.gone:
            self.pending = []
            return
        try:
            self._print(partial)
        except (OSError, ValueError):  # (a closed pipe, a full disk: our lines stop there)
            self.gone = True
            self.pending = []

    def _print(self, partial: bool) -> None:
        batch, self.pending = self.pending, []
        batch.sort(key=lambda e: e.seq)
        if partial and batch:
            nxt = self.last_seq + 1 if self.last_seq else batch[0].seq
            i = 0
            while i < len(batch) and batch[i].seq == nxt:
                i += 1
                nxt += 1
            if i < len(batch):
                self.pending.extend(batch[i:])
                batch = batch[:i]
        if batch:
            self.last_seq = batch[-1].seq
        out = self.out
        keep = self.keep
        for ev in batch:
            if keep is not None and not keep(ev):
                continue
            if self.json:
                out.write(json_line(ev.to_json()) + "\n")
                continue
            if ev.internal and not self.internals:
                continue
            if self.quiet and ev.kind not in QUIET_KINDS:
                continue
            if ev.kind in MULTILINE_KINDS and ev.data and ev.data.get("lines"):
                out.write(format_line(ev, self.colour) + "\n")
                for ln in ev.data["lines"][1:]:
                    out.write("        " + printable(str(ln)) + "\n")
                continue
            out.write(format_line(ev, self.colour) + "\n")
        try:
            out.flush()
        except (OSError, ValueError):
            pass
