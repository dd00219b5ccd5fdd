"""Named objects: a typed record for everything the observer follows.

Twisted objects are held by weak reference (the registry must never keep a
Deferred alive: Twisted logs an unhandled failure when it is collected). A
command that makes an object names it with a ``claim``: the next object of the
claimed family the observer sees takes the name (and the command's line as its
site). Everything else gets the next free name of its family (``auto_name``, the
rule completion uses too) and the site of the person's code that made it.

Memory stays bounded: past ``max_objects`` records, the oldest finished ones are
summarised (counted by family); pending ones are never rescanned, so a session
with 100,000 pending timers adds each in O(1). The names summarised away are told to
``on_retire`` (the event log forgets what it indexed under them).
"""

from __future__ import annotations

import itertools
import weakref
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from reactor_repl.engine.describe import plural
from reactor_repl.language.table import FAMILIES, auto_name

_order = itertools.count(1)

# a record's state that means "still able to do something"
PENDING_STATES = frozenset({"pending", "running", "listening", "open", "connecting", "queued",
                            "watching", "paused", "scheduled", "suspended"})


@dataclass(eq=False, slots=True)
class Link:
    """One pair of callbacks added to a Deferred."""

    callback: str
    errback: str
    ran: str = ""  # "", "callback" or "errback"
    index: int = 0  # its place in its Deferred's chain, from 1 (0: not in one)

    def text(self) -> str:
        if self.callback and self.errback:
            if self.callback == self.errback:
                return f"both {self.callback}"
            return f"callback {self.callback} / errback {self.errback}"
        if self.callback:
            return f"callback {self.callback}"
        return f"errback {self.errback}"


@dataclass(eq=False, slots=True)
class DState:
    """What a followed Deferred is doing (the observer's token for it)."""

    rec: Record
    ref: Any = None  # weakref.ref to the Deferred
    links: list[Link] = field(default_factory=list)
    paused_on: str | None = None  # the name (or description) of what it waits for
    awaiting: Any = None  # weakref.ref to the Deferred it waits for
    waiting_at: str = ""  # a coroutine: file:line where it is suspended
    coroutine: str = ""  # a coroutine's or inlineCallbacks function's name
    dirty: bool = False  # something happened since its result was last reported
    order: int = field(default_factory=lambda: next(_order))
    born: float = 0.0  # clock time it was made (waiting: its age)
    unhandled: bool = False  # its chain ended on a failure (warn.unhandled said so)
    unhandled_by: int = 0  # id() of that failure

    @property
    def deferred(self) -> Any:
        return self.ref() if self.ref is not None else None


@dataclass(eq=False)
class Record:
    """A followed object. ``ref`` is a weak reference to the Twisted object."""

    name: str
    family: str
    site: str = ""
    internal: bool = False
    state: str = "pending"
    detail: str = ""
    ref: Any = None
    dstate: DState | None = None  # set when the object is (also) a Deferred
    by_command: bool = False  # a command named it (its site is the command's line)
    chosen: bool = False  # the person typed its name: never summarised away (README)

    @property
    def obj(self) -> Any:
        return self.ref() if self.ref is not None else None

    @property
    def deferred(self) -> Any:
        return self.dstate.deferred if self.dstate is not None else None

    @property
    def pending(self) -> bool:
        ds = self.dstate
        if ds is not None and self.family == "deferred":
            d = ds.deferred
            if d is None:
                return False
            return not d.called or bool(d.paused)
        return self.state in PENDING_STATES


class _MadeDetail:
    """A record whose detail is made from its numbers when a view asks (``_made``; None:
    the detail as it was set), not formatted at every change: a program may make a timer,
    a loop may beat, data may come in, thousands of times a second."""

    _detail: str

    @property
    def detail(self) -> str:
        made = self._made()
        return self._detail if made is None else made

    @detail.setter
    def detail(self, value: str) -> None:
        self._detail = value

    def _made(self) -> str | None:
        return None


@dataclass(eq=False)
class TimerRecord(_MadeDetail, Record):
    due: float = 0.0  # absolute clock time it is due at
    late: float | None = None  # how late it ran
    due_shown: float | None = None  # when it is due, as the session's clock reads it

    def _made(self) -> str | None:  # when it is due, and once fired how late
        if self.late is not None and self.state == "fired":
            return f"late +{self.late:.3f}s"
        return f"due {self.due_shown:.3f}" if self.due_shown is not None else None


@dataclass(eq=False)
class LoopRecord(_MadeDetail, Record):
    interval: float = 0.0
    calls: int = 0
    late: float | None = None
    last_beat: int = 0
    started: Any = None  # while a call runs: start()'s Deferred (recorder: loop_failed)

    def _made(self) -> str | None:  # once called, how many calls
        n = self.calls
        return f"{n} call{'s' if n != 1 else ''}" if n else None


@dataclass(eq=False)
class JobRecord(Record):
    activity: Any = None  # engine.clock.Activity
    result_text: str = ""
    ok: bool = True
    hands_back: bool = True  # deferToThread: a result comes back; callInThread: none


@dataclass(eq=False)
class ReaderRecord(Record):
    total: int = 0


@dataclass(eq=False)
class PortRecord(Record):
    port: int = 0
    conns: int = 0
    protocol: str = ""


@dataclass(eq=False)
class ConnRecord(_MadeDetail, Record):
    peer: str = ""
    received: int = 0
    protocol: str = ""
    transport: Any = None  # weakref.ref to the transport once connected

    def _made(self) -> str | None:  # once data came in, how much
        return f"{plural(self.received, 'byte')} in" if self.received else None

    @property
    def transport_obj(self) -> Any:
        return self.transport() if self.transport is not None else None


@dataclass(eq=False)
class TriggerRecord(Record):
    phase: str = ""
    event: str = ""
    trigger_id: Any = None


RECORD_TYPES: dict[str, type[Record]] = {
    "timer": TimerRecord, "loop": LoopRecord, "thread": JobRecord, "reader": ReaderRecord,
    "writer": ReaderRecord,
    "server": PortRecord, "client": ConnRecord, "conn": ConnRecord, "trigger": TriggerRecord,
}


@dataclass
class Claim:
    """A command is making an object named ``name``: the first object of each family
    wanted takes it. One record stands for them all (a thread job and its Deferred)."""

    name: str
    site: str
    families: tuple[str, ...]
    detail: str = ""
    record: Record | None = None
    taken: set[str] = field(default_factory=set)
    chosen: bool = False  # the person gave the name (not the next automatic one)

    def __post_init__(self) -> None:
        family = self.families[0]
        cls = RECORD_TYPES.get(family, Record)
        self.record = cls(self.name, family, self.site, detail=self.detail, by_command=True,
                          chosen=self.chosen)


class NameError_(Exception):
    """A requested name is taken (names are never reused in a session)."""


class Registry:
    def __init__(self, max_objects: int = 5000) -> None:
        self.by_name: dict[str, Record] = {}
        self.max_objects = max_objects
        self._finished: deque[str] = deque()  # names of finished records, oldest first
        self.retired: dict[str, int] = {}  # family → finished records summarised away
        self.retired_names: set[str] = set()
        self.counters: dict[str, int] = {}
        self.claims: list[Claim] = []
        self.strong: dict[str, Any] = {}  # objects a command made: kept as a program's variables
        self._taken = _Taken(self)  # the names in use, for auto_name
        # told the automatic names each retirement summarised away (a typed name stays taken)
        self.on_retire: Callable[[list[str]], None] | None = None

    # -- names
    def taken(self, name: str) -> bool:
        return name in self.by_name or name in self.retired_names

    def new_name(self, family: str, requested: str | None = None) -> str:
        if requested:
            if self.taken(requested):
                raise NameError_(requested)
            return requested
        prefix_family = family if family in FAMILIES else "deferred"
        return auto_name(prefix_family, self.counters, self._taken)

    def peek_name(self, family: str) -> str:
        """The name ``new_name(family)`` would give now (for completion), taking none."""
        prefix_family = family if family in FAMILIES else "deferred"
        return auto_name(prefix_family, dict(self.counters), _Taken(self))

    @contextmanager
    def claim(self, name: str, site: str, *families: str, detail: str = "",
              chosen: bool = False) -> Iterator[Claim]:
        """Name the next object of each of ``families`` made inside the block (``chosen``:
        the person gave the name)."""
        c = Claim(name, site, families, detail, chosen=chosen)
        self.claims.append(c)
        try:
            yield c
        finally:
            self.claims.remove(c)

    def claimed(self, family: str) -> Claim | None:
        """The innermost claim still wanting ``family`` (it is then taken)."""
        if not self.claims:  # (a program's every object asks)
            return None
        for c in reversed(self.claims):
            if family in c.families and family not in c.taken:
                c.taken.add(family)
                return c
        return None

    # -- records
    def add(self, rec: Record, obj: Any = None, strong: bool = False) -> Record:
        if obj is not None and rec.ref is None:
            try:
                rec.ref = weakref.ref(obj)
            except TypeError:
                rec.ref = _Strong(obj)
        if rec.name:
            self.by_name[rec.name] = rec
            if strong and obj is not None:
                self.strong[rec.name] = obj
            if len(self.by_name) > self.max_objects:
                self._retire()
        return rec

    def finished(self, rec: Record) -> None:
        """``rec`` can do nothing more: it may be summarised when memory is short."""
        if rec.name and rec.name in self.by_name:
            self._finished.append(rec.name)

    def _retire(self) -> None:
        keep = self.max_objects * 3 // 4
        finished = self._finished
        gone: list[str] = []
        while len(self.by_name) > keep and finished:
            name = finished.popleft()
            rec = self.by_name.get(name)
            if rec is None or rec.pending or rec.chosen:
                continue  # (a name the person typed stays: expect and predict still see it)
            del self.by_name[name]
            self.strong.pop(name, None)
            self.retired[rec.family] = self.retired.get(rec.family, 0) + 1
            prefix = FAMILIES.get(rec.family)
            auto = prefix is not None and name.startswith(prefix) and name[len(prefix):].isdigit()
            if not auto:  # automatic names never come back anyway (the counter moves on)
                self.retired_names.add(name)
            else:
                gone.append(name)
        if gone and self.on_retire is not None:
            self.on_retire(gone)

    def get(self, name: str) -> Record | None:
        return self.by_name.get(name)

    def records(self) -> list[Record]:
        return list(self.by_name.values())

    def clear(self) -> None:
        """A fresh session: every name free again."""
        self.by_name.clear()
        self._finished.clear()
        self.retired.clear()
        self.retired_names.clear()
        self.counters.clear()
        self.strong.clear()


class _Taken:
    def __init__(self, reg: Registry) -> None:
        self.reg = reg

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.reg.taken(name)


class _Strong:
    """For objects that cannot be weakly referenced: called like a weakref."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __call__(self) -> Any:
        return self.obj


def object_of(rec: Record) -> Any:
    """The Twisted object behind a record (a Deferred for Deferred records)."""
    return rec.obj if rec.ref is not None else rec.deferred
