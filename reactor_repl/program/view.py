"""``reactor-repl view FILE.jsonl``: a recorded event stream, read back and printed.

The file is what ``--events``, ``REACTOR_REPL_EVENTS`` or ``export x.jsonl`` wrote.
Piped or redirected, the log lines as ``run`` prints them (``--json``: the events
again, one JSON object a line); on a terminal, the record in the explorer, read-only
(ui/record_explorer.py). A line that is not an event is reported as
``FILE:LINE:COL: message`` on stderr and the rest still shows; the exit code is then 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator

from reactor_repl.engine.events import NEVER, Event

REQUIRED = ("seq", "kind")


def parse_line(text: str) -> Event:
    """One JSON line as an Event; ValueError(col, message) if it is not one."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(e.colno, f"not JSON: {e.msg}") from None
    except RecursionError:
        raise ValueError(1, "not an event: nested too deeply") from None
    if not isinstance(obj, dict):
        raise ValueError(1, "not an event: a JSON object per line is expected")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise ValueError(1, f"not an event: no {', '.join(missing)}")
    try:
        data = obj.get("data") or None
        if data is not None and not isinstance(data, dict):
            raise TypeError("data is not an object")
        if data is not None and "waiting" in data:
            _check_waiting(data["waiting"])
        seq = int(obj["seq"])
        if not 0 <= seq < NEVER:
            raise ValueError(f"seq {seq} is out of range (0 to 2**62)")
        return Event(seq, float(obj.get("t", 0.0)), int(obj.get("tick", 0)),
                     str(obj["kind"]), str(obj.get("name", "")), str(obj.get("thread", "")),
                     str(obj.get("text", "")), data, bool(obj.get("internal", False)))
    except (TypeError, ValueError) as e:
        raise ValueError(1, f"not an event: {e}") from None


def _check_waiting(waiting: Any) -> None:
    """session.end's pending Deferreds, as ``waiting`` and the state pane read them: a
    list of them, each named, its age a number, its chain a list of links (a record
    edited by hand ended view in a traceback)."""
    if not isinstance(waiting, list):
        raise TypeError("waiting is not a list")
    for w in waiting:
        if not isinstance(w, dict) or not isinstance(w.get("name"), str):
            raise TypeError("each of waiting is an object with a name")
        if not isinstance(w.get("age", 0), (int, float)) or isinstance(w.get("age"), bool):
            raise TypeError(f"the age of {w['name']} is not a number")
        chain = w.get("chain", [])
        if not isinstance(chain, list) or not all(
                isinstance(c, dict) and isinstance(c.get("text", ""), str) for c in chain):
            raise TypeError(f"the chain of {w['name']} is not a list of links")
        for key in ("site", "state"):
            if not isinstance(w.get(key, ""), str):
                raise TypeError(f"the {key} of {w['name']} is not text")


MAX_LINE = 1 << 26  # characters: no event's line is near that (64 Mi)


class _TooLong(str):
    """A line cut at MAX_LINE (``/dev/zero`` has none: reading one took all the memory)."""


def lines_of(f: Any, limit: int = MAX_LINE) -> Iterator[str]:
    """A file's lines, each read at most ``limit`` characters long."""
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            yield _TooLong(line[:80])
            return
        yield line


def read_events(path: str, lines: Iterator[str]) -> Iterator[Event | str]:
    """Events, and ``FILE:LINE:COL: message`` for each line that is not one (a line too
    long to be one ends the reading)."""
    for n, raw in enumerate(lines, 1):
        if isinstance(raw, _TooLong):
            yield (f"{path}:{n}:1: not an event: a line longer than {MAX_LINE >> 20} Mi "
                   "characters (the rest is not read)")
            return
        text = raw.strip()
        if n == 1:
            text = text.lstrip("\ufeff")  # a BOM an editor added (run accepts one too)
        if not text:
            continue
        try:
            yield parse_line(text)
        except ValueError as e:
            col, message = e.args
            yield f"{path}:{n}:{col}: {message}"


def main(args: Any) -> int:
    from reactor_repl.views.text import LinePrinter

    try:
        f = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8",
                                                     errors="replace")
    except OSError as e:
        print(f"{args.file}:0:0: cannot read: {e.strerror or e}", file=sys.stderr)  # (as run and check say it)
        return 2
    if args.file != "-":
        problem = _not_a_log(f)
        if problem is not None:
            f.close()
            print(f"{args.file}: {problem}", file=sys.stderr)
            return 2 if problem != EMPTY else 0
    if getattr(args, "waiting", False) or getattr(args, "at", None) is not None:
        return _waiting(args, f)
    if not args.json and args.file != "-" and _on_terminal():
        return _explore(args, f)
    printer = LinePrinter(sys.stdout, json=args.json, internals=args.internals)
    places = places_of(args)
    bad = read = 0
    with f:
        for item in read_events(args.file, lines_of(f)):
            if isinstance(item, str):
                printer.flush()
                print(item, file=sys.stderr)
                bad += 1
                continue
            read += 1
            if places is not None and not places.keep(item):
                continue
            printer(item)
    printer.flush()
    if not read and not bad:  # (standard input: a file's emptiness is said before)
        print(f"{args.file}: {EMPTY}", file=sys.stderr)
    return 2 if bad else 0


EMPTY = "no events in it (an empty file: was the recording's process killed?)"


def _not_a_log(f: Any) -> str | None:
    """Why a file is not an event log, from its first characters (then read from the
    start again): a Perfetto trace gave a "not JSON" line for each of its lines."""
    from reactor_repl.views.trace import TRACE_BEGINS

    try:
        head = f.read(64)
        f.seek(0)
    except (OSError, ValueError):
        return None  # (a pipe, a FIFO: read as it comes)
    start = head.lstrip()
    if not start:
        return EMPTY
    if start.startswith((TRACE_BEGINS, '{"traceEvents"', "[")):  # (ours, or another's)
        return ("a trace (Chrome/Perfetto JSON), not an event log: open it in "
                "https://ui.perfetto.dev; view reads the .jsonl of --events or export x.jsonl")
    return None


def _on_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _explore(args: Any, f: Any) -> int:
    """On a terminal: the record in the explorer, read-only (ui/record_explorer.py)."""
    from reactor_repl.ui.history import open_history
    from reactor_repl.ui.record_explorer import RecordExplorer
    from reactor_repl.views.escape import printable
    from reactor_repl.views.record import Recorded

    events: list[Event] = []
    problems: list[str] = []
    with f:
        for item in read_events(args.file, lines_of(f)):
            if isinstance(item, str):
                problems.append(printable(item))
            else:
                events.append(item)
    warnings: list[str] = []
    history = open_history(warnings.append)
    engine = Recorded(events, args.file)
    ex = RecordExplorer(engine, source=args.file, problems=problems + warnings,
                        internals=bool(args.internals), history=history)
    places = places_of(args)
    if places is not None:
        ex.filter([], places.names)
    code = ex.run()
    for p in problems:  # said on the screen; said again where they stay
        print(p, file=sys.stderr)
    return 2 if problems else code


def places_of(args: Any) -> Any:
    """``--from A B``: a PlaceFilter, or None (what the filter of the explorer does)."""
    from reactor_repl.views.places import PlaceFilter

    places = getattr(args, "places", None) or []
    return PlaceFilter(places) if places else None


def _waiting(args: Any, f: Any) -> int:
    """``--waiting``: what was pending at the end of the record (``--at SEQ``: then)."""
    from reactor_repl.views import recorded_waiting
    from reactor_repl.views.escape import printable

    events: list[Event] = []
    bad = 0
    with f:
        for item in read_events(args.file, lines_of(f)):
            if isinstance(item, str):
                print(item, file=sys.stderr)
                bad += 1
            else:
                events.append(item)
    at = getattr(args, "at", None)
    end = recorded_waiting.at_end(events) if at is None else None
    if end is not None:
        text = recorded_waiting.lines(end, "at the end of the record")
    else:
        last = events[-1].seq if events else 0
        when = f"at #{at}" if at is not None else "at the last event"
        if at is not None and at > last:  # (it read as if the record went that far)
            when = f"at #{at} (the record ends at #{last}: this is its last state)"
        text = recorded_waiting.lines(recorded_waiting.rebuilt(events, at), when)
    for line in text:
        print(printable(line))
    return 2 if bad else 0
