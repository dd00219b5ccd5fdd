"""A session as its event stream tells it: the lines that ran, and what each one made.

The export reads nothing else. ``input`` events are the session's lines in the order
they ran, with where each came from; a creation event a command caused carries
``data.command`` and ``data.site`` (the line's place), so the name the engine gave
what a line made is read, not worked out again. An ``error`` event about a line says
the explorer refused it (the program keeps it as a comment); ``deferred.error`` after
a ``fire`` says Twisted refused to fire a Deferred twice, which the prompt catches.
Objects made later, in callbacks, are in the stream too: the program names those at
run time by the explorer's rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from reactor_repl.language.parser import Options, ParseError, Parsed, parse_line

# what a command makes: its family (for automatic names) and the event that shows it made
MAKES: dict[str, tuple[str, str]] = {
    "later": ("timer", "timer.schedule"),
    "every": ("loop", "loop.start"),
    "deferred": ("deferred", "deferred.new"),
    "gather": ("deferred", "deferred.new"),
    "race": ("deferred", "deferred.new"),
    "deferredList": ("deferred", "deferred.new"),
    "async": ("deferred", "deferred.new"),
    "inlineCallbacks": ("deferred", "deferred.new"),
    "thread": ("thread", "thread.queue"),
    "callInThread": ("thread", "thread.queue"),
    "reader": ("reader", "reader.add"),
    "writer": ("writer", "reader.add"),
    "listen": ("server", "tcp.listen"),
    "connect": ("client", "tcp.connecting"),
    "trigger": ("trigger", "trigger.add"),
    "fromthread": ("threadcall", "threadcall.queue"),
}
# the family of what a creation event shows (a Deferred's own is in its data)
FAMILY_OF_KIND = {kind: family for family, kind in MAKES.values()
                  if family != "writer"} | {"tcp.build": "conn"}
_FILE_LINE = re.compile(r".+:[0-9]+")


@dataclass
class Line:
    """One line of the session as it ran."""

    text: str
    parsed: Parsed | None
    made: str | None = None  # the name of what it made
    refused: str = ""  # the explorer's reason, when it did not run the line
    fired_twice: bool = False  # Twisted's AlreadyCalledError, caught at the prompt

    @property
    def name(self) -> str:
        return self.parsed.name if self.parsed is not None else ""


@dataclass
class Session:
    clock: str
    lines: list[Line] = field(default_factory=list)
    family: dict[str, str] = field(default_factory=dict)  # every name made → its family
    by_lines: set[str] = field(default_factory=set)  # names lines made (not callbacks)


def _dicts(events: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for e in events:
        yield e.to_dict() if hasattr(e, "to_dict") else e


def read(events: Iterable[Any], clock: str | None = None) -> Session:
    """The session the events tell of."""
    session = Session(clock or "")
    sites: dict[int, str] = {}  # id(line) → the site of what it makes
    started = False
    for e in _dicts(events):
        kind, name, data = e["kind"], e["name"], e.get("data") or {}
        if kind == "session.start":
            started = True
            session.clock = clock or data.get("clock", "")
            continue
        if kind == "session.reset":  # a fresh session: the program is the one after it
            session = Session(session.clock)
            continue
        if kind == "input":
            line = _line(e["text"])
            sites[id(line)] = _site(data.get("where", ""))
            session.lines.append(line)
            continue
        if e.get("internal") or not session.lines:
            continue
        if kind == "error" and "command" in data:
            line = _latest(session, lambda ln: _text(ln) == data["command"] and not ln.made
                           and _where(sites[id(ln)]) == data.get("where", ""))
            if line is not None and not line.refused:
                line.refused = data.get("message") or "refused"
            continue
        if kind == "deferred.error":
            line = _latest(session, lambda ln: ln.name == "fire" and ln.parsed["NAME"] == name)
            if line is not None:
                line.fired_twice = True
            continue
        family = data.get("family") if kind == "deferred.new" else FAMILY_OF_KIND.get(kind)
        if kind == "reader.add" and data.get("writer"):
            family = "writer"  # (addWriter: a writer)
        if family is None or not name:
            continue
        session.family.setdefault(name, family)
        if kind != "threadcall.queue" and not data.get("command"):
            continue
        # what a line made: the first line still waiting for this kind of event from its site
        # (a line typed while the loop was paused runs, and makes, after the lines that follow)
        line = _first(session, lambda ln: ln.made is None and not ln.refused
                      and MAKES.get(ln.name, ("", ""))[1] == kind
                      and (kind == "threadcall.queue" or data.get("site") == sites[id(ln)])
                      and _asked(ln) in (None, name))
        if line is not None:
            line.made = name
            session.by_lines.add(name)
    if not started:
        raise ValueError("the log no longer holds the start of the session: "
                         "run with a larger --log-size to export it")
    return session


LOOK_BACK = 64  # lines an outcome may come after (the loop paused meanwhile)


def _latest(session: Session, match: Any) -> Line | None:
    for line in reversed(session.lines[-LOOK_BACK:]):
        if line.parsed is not None and match(line):
            return line
    return None


def _first(session: Session, match: Any) -> Line | None:
    for line in session.lines[-LOOK_BACK:]:
        if line.parsed is not None and match(line):
            return line
    return None


def _asked(line: Line) -> str | None:
    """The name a line asks for by its NAME argument (gather, race, connect: by words)."""
    return line.parsed["NAME"] if line.parsed is not None else None


def _where(site: str) -> str:
    """What an error event's ``where`` says for a line of this site."""
    return "" if site == "<input>" else site


def _text(line: Line) -> str:
    return line.parsed.text if line.parsed is not None else line.text


def _line(text: str) -> Line:
    try:
        parsed = parse_line(text, Options(allow_python=True))
    except ParseError as e:  # (it parsed when it ran: a table that changed since)
        return Line(text, None, refused=str(e))
    return Line(text, parsed)


def _site(where: str) -> str:
    """The site the engine gives what a line makes: its FILE:LINE, or ``<input>``."""
    return where if _FILE_LINE.fullmatch(where) else "<input>"
