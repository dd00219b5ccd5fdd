"""``filter from MODULE_OR_FILE…``: what code in these files or modules did.

An event belongs to a place when its own site (``data.site``, ``file:line``; or
``data.at``, where a coroutine awaits or resumes) is in one of the files or modules
named, or — for events that carry no site, such as a
``tcp.data`` or a ``timer.fire`` — when the object it names was made there (the site of
the first event that named it with one; a server's connection ``s1.1`` goes with its
server ``s1``). A place is a file (``mymod.py``, ``tests/programs/echo.py``: the site's
file is that path or ends with it) or a module (``echo``, ``mypkg.client``: the file of
that module, or any file inside that package).

The filter learns which object was made where from the events it sees, in order; a view
that starts filtering late gives it the events it has (and, live, the registry's sites
for objects whose first events the ring has dropped).
"""

from __future__ import annotations

import os
from typing import Callable, Iterable

from reactor_repl.engine.events import Event

# what a person typed and the answers to it: shown whatever the place (they are not
# something the program did, and a `show` typed under a filter must still answer)
ANSWERS = frozenset({"input", "show", "waiting", "note", "expect.pass", "expect.fail",
                     "predict", "error"})


def is_answer(ev: Event) -> bool:
    """What the person typed, and what answered it (a ``py`` line's output too): kept by
    ``filter … from …`` whatever kinds it names, as its message says."""
    return ev.kind in ANSWERS or (ev.kind == "log" and bool(ev.data) and "py" in ev.data)


NOT_OBJECTS = frozenset({"output"})  # named after a stream (stdout), not an object
NAMES_KEPT = 200_000  # names whose site is remembered (a long trace makes many)


def split_places(text: str | None) -> tuple[str, ...]:
    """The places of ``filter … from A B`` (the argument is the rest of the line)."""
    return tuple(w.strip(",") for w in (text or "").split() if w.strip(","))


def _norm(path: str) -> str:
    path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def site_file(site: str) -> str:
    """The file of a ``file:line`` site (``<py>:1`` → ``<py>``)."""
    head, sep, tail = site.rpartition(":")
    return head if sep and tail.isdigit() else site


class Place:
    """One file or module a person named."""

    def __init__(self, text: str) -> None:
        self.text = text
        norm = _norm(text)
        self.is_file = norm.endswith(".py") or "/" in norm
        self.path = norm
        self.absolute = _norm(os.path.abspath(text)) if self.is_file else ""
        self.module = norm.replace(".", "/") if not self.is_file else ""

    def holds(self, filename: str) -> bool:
        """Is a site's file in this place?"""
        f = _norm(filename)
        if self.is_file:
            return f == self.path or f.endswith("/" + self.path) or (
                not f.startswith("<") and _norm(os.path.abspath(f)) == self.absolute)
        stem = f[:-3] if f.endswith(".py") else f
        if stem.endswith("/__init__"):
            stem = stem[: -len("/__init__")]
        m = self.module
        return stem == m or stem.endswith("/" + m) or f.startswith(m + "/") or \
            ("/" + m + "/") in f


class PlaceFilter:
    """Keeps the events of code in some places; learns object → site as events pass."""

    def __init__(self, places: Iterable[str],
                 site_of_name: Callable[[str], str] | None = None) -> None:
        self.places = tuple(Place(p) for p in places)
        self.names = tuple(p.text for p in self.places)
        self.site_of_name = site_of_name  # a fallback (live: the registry's record)
        self._sites: dict[str, str] = {}  # object name → the site it was made at
        self._verdicts: dict[str, bool] = {}  # site file → in a place?

    def __bool__(self) -> bool:
        return bool(self.places)

    def in_place(self, site: str) -> bool:
        filename = site_file(site)
        v = self._verdicts.get(filename)
        if v is None:
            v = self._verdicts[filename] = any(p.holds(filename) for p in self.places)
        return v

    def learn(self, ev: Event) -> None:
        """Remember where the object an event names was made (its first site)."""
        name = ev.name
        if not name or name in self._sites or ev.kind in NOT_OBJECTS:
            return
        data = ev.data
        site = data.get("site") if data else None
        if isinstance(site, str) and site:
            if len(self._sites) >= NAMES_KEPT:
                self._sites.clear()  # (the fallback still knows the live ones)
            self._sites[name] = site

    def site_of(self, name: str) -> str:
        """Where the object ``name`` was made, as far as is known ("" if not)."""
        seen = 0
        while name and seen < 4:
            site = self._sites.get(name)
            if site:
                return site
            if self.site_of_name is not None:
                try:
                    site = self.site_of_name(name)
                except Exception:
                    site = ""
                if site:
                    return site
            if "." not in name:
                return ""
            name = name.rsplit(".", 1)[0]  # s1.1: a connection of server s1
            seen += 1
        return ""

    def keep(self, ev: Event) -> bool:
        """Learn from ``ev``, then: is it something code in these places did?"""
        self.learn(ev)
        return self.belongs(ev)

    def belongs(self, ev: Event) -> bool:
        """Is ``ev`` something code in these places did (or an answer to the person)?"""
        if is_answer(ev):
            return True
        data = ev.data
        if data:
            # where it was made, or where a coroutine awaits / resumes: code running there
            site = data.get("site") or data.get("at")
            if isinstance(site, str) and site:
                return self.in_place(site)
        site = self.site_of(ev.name) if ev.name and ev.kind not in NOT_OBJECTS else ""
        return bool(site) and self.in_place(site)

    def describe(self) -> str:
        return " ".join(self.names)


def filter_message(kinds: list[str], places: tuple[str, ...] = ()) -> str:
    """What the log pane says when a filter is set (line mode prints the same)."""
    if not kinds and not places:
        return "filter: off, every kind shown"
    what = " ".join(kinds) if kinds else "every kind"
    if places:
        what += " from " + " ".join(places) + " (and what you type, with its answers)"
    return f"filter: {what} (errors always shown)"
