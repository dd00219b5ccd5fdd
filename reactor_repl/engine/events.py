"""The one event stream: every observable thing is an ``Event`` in a bounded log.

Views subscribe to the log; a subscriber that raises is detached and reported,
never allowed to break the reactor (observation never breaks the observed).

Recording is the hot path of every dispatch, so an event keeps what happened and
derives the rest when a view asks: a lazy event holds a maker and its arguments
(numbers, names) and makes its ``text`` and ``data`` the first time either is read;
the log's statistics (counts, first dispatches) are counted in batches when asked,
and before the ring could drop an event not yet counted.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from itertools import islice
from operator import attrgetter
from typing import Any, Callable, Iterable

from reactor_repl.language.kinds import DISPATCH_KINDS, FIRST_DISPATCH_KINDS  # noqa: F401


class Event:
    """One thing that happened. ``text`` and ``data`` may be made on first reading (a
    lazy event: ``_text`` is the maker, ``_data`` the tuple of what it makes them from —
    numbers and names, which the collector stops tracking: one tracked object an event)."""

    __slots__ = ("seq", "t", "tick", "kind", "name", "thread", "_text", "_data", "internal",
                 "dur", "end_seq")

    def __init__(self, seq: int, t: float, tick: int, kind: str, name: str, thread: str,
                 text: str, data: dict[str, Any] | None, internal: bool) -> None:
        self.seq = seq
        self.t = t
        self.tick = tick
        self.kind = kind
        self.name = name
        self.thread = thread
        self._text = text
        self._data = data
        self.internal = internal
        self.dur: float | None = None  # how long the dispatch ran (for traces), if timed
        self.end_seq = 0  # timed: the last seq recorded before its callback returned

    def _make(self) -> tuple[str, Any]:
        """A lazy event's text and data, from what was recorded; kept, unless what was
        recorded is not over (its last argument RUNNING: a step still running)."""
        make = self._text
        if make.__class__ is str or not callable(make):  # (words already: a str subclass too)
            return make, self._data
        args = self._data
        text, data = make(*args)
        if args and args[-1] is RUNNING:
            return text, data
        self._data = data
        self._text = text
        return text, data

    def outcome(self, args: tuple) -> None:
        """A lazy event's final arguments (its maker's), once what it records is over —
        while it ran they ended in RUNNING, so no view kept words made from them. One
        store: a view reading meanwhile makes them from the old or the new, never half."""
        self._data = args

    @property
    def text(self) -> str:
        text = self._text
        if text.__class__ is str:
            return text
        return self._make()[0]

    @text.setter
    def text(self, value: str) -> None:
        data = self._make()[1]
        self._data = data
        self._text = value

    @property
    def data(self) -> dict[str, Any] | None:
        if self._text.__class__ is str:
            return self._data
        return self._make()[1]

    @data.setter
    def data(self, value: dict[str, Any] | None) -> None:
        text = self._make()[0]
        self._text = text
        self._data = value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "t": round(self.t, 6),
            "tick": self.tick,
            "kind": self.kind,
            "name": self.name,
            "thread": self.thread,
            "text": self.text,
            "data": self.data or {},
        }
        if self.internal:
            out["internal"] = True
        return out

    def to_json(self) -> str:
        """``json.dumps(to_dict(), ensure_ascii=False, default=repr)``, with the encoder
        made once (dumps makes one per call: a --json run or a written stream of 100,000
        events paid for 100,000 encoders)."""
        text, data = self._make()
        t = round(self.t, 6)
        try:
            # to_dict's keys in its order, the fixed ones written out as dumps writes them
            return "".join((
                '{"seq": ', int.__repr__(self.seq),
                ', "t": ', float.__repr__(t) if t.__class__ is float else _dumps(t),
                ', "tick": ', int.__repr__(self.tick),
                ', "kind": ', _string(self.kind), ', "name": ', _string(self.name),
                ', "thread": ', _string(self.thread), ', "text": ', _string(text),
                ', "data": ', "".join(_encode(data or {}, 0)),
                ', "internal": true}' if self.internal else "}"))
        except (ValueError, RecursionError, TypeError):  # a cycle in data (the made-once
            # encoder skips looking for them), a field of an odd type: dumps, as before
            return _dumps(self.to_dict())

    def line(self) -> str:
        """``#SEQ  t  [TICK]  KIND  NAME  TEXT`` as the log pane and headless output show it."""
        return f"#{self.seq:04d}  {self.t:.3f}  [{self.tick}]  {self.kind}  {self.name}  {self.text}".rstrip()

    def __repr__(self) -> str:
        return f"<Event {self.line()}>"


_new = object.__new__
_string = json.encoder.encode_basestring  # a str as JSON (ensure_ascii=False)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=repr)


# what json.dumps(…, ensure_ascii=False, default=repr) builds on each call, built once
# (no check for cycles: event data are trees; to_json falls back to dumps if not)
_encode = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, repr, json.encoder.encode_basestring, None, ": ", ", ", False, False, True,
) if getattr(json.encoder, "c_make_encoder", None) else (
    lambda obj, _indent: [json.dumps(obj, ensure_ascii=False, default=repr)])


class _Running:
    """The outcome of what a lazy event records while it is still going on."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "RUNNING"


RUNNING = _Running()
_kind_and_name = attrgetter("kind", "name")


class EventLog:
    """A bounded ring of events plus small indexes that outlive the ring.

    The indexes (first dispatch of each name/kind, counts) let ``expect`` and
    ``predict`` answer about events the ring has already dropped. They are brought up
    to date when read, and by ``append`` before the ring could drop an event they have
    not counted (every half ring), in batches: counting costs the recording nothing.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.events: deque[Event] = deque(maxlen=size)
        self.seq = 0
        self._first: dict[str, Event] = {}  # "name", "kind:name", "kind" → first dispatch
        self._counts: dict[str, int] = {}  # "kind" → count (count() answers "kind:name" too)
        # kind → name → count: nested, so that counting does not build a "kind:name" string
        self._named: dict[str, dict[str, int]] = {}
        self._counted = 0  # the indexes cover the events up to this seq
        self._count_by = max(1, size // 2)  # append counts when this many wait
        self._count_due = self._count_by
        self._stats_lock = threading.RLock()
        self._counting = False
        self._subscribers: list[Callable[[Event], None]] = []
        self._by_kind: dict[str, list[Callable[[Event], None]]] = {}  # subscribers of some kinds
        self._for_kind: dict[str, tuple[Callable[[Event], None], ...]] = {}  # both, per kind
        self.on_subscriber_error: Callable[[Callable[[Event], None], BaseException], None] | None = None

    # ------------------------------------------------------------ subscribers
    def subscribe(self, fn: Callable[[Event], None], kinds: Iterable[str] | None = None) -> None:
        """``fn`` gets every event, or only those of ``kinds`` (default: ``fn.kinds`` if it
        has one): a view that wants a few kinds costs nothing on the others."""
        if kinds is None:
            kinds = getattr(fn, "kinds", None)
        if kinds is None:
            self._subscribers.append(fn)
        else:
            for kind in kinds:
                self._by_kind.setdefault(kind, []).append(fn)
        self._for_kind = {}

    def unsubscribe(self, fn: Callable[[Event], None]) -> None:
        try:
            self._subscribers.remove(fn)
        except ValueError:
            pass
        for subs in self._by_kind.values():
            if fn in subs:
                subs.remove(fn)
        self._for_kind = {}

    def _subscribers_of(self, kind: str) -> tuple[Callable[[Event], None], ...]:
        subs = tuple(self._subscribers) + tuple(self._by_kind.get(kind, ()))
        self._for_kind[kind] = subs
        return subs

    def _tell(self, subs: tuple[Callable[[Event], None], ...], ev: Event) -> None:
        for fn in subs:
            try:
                fn(ev)
            except Exception as e:  # a view that breaks is detached, the reactor goes on
                self.unsubscribe(fn)
                if self.on_subscriber_error is not None:
                    self.on_subscriber_error(fn, e)

    # ------------------------------------------------------------ recording
    # Numbering an event and putting it in the ring takes no lock, though several threads
    # record: from reading ``seq`` to ``append`` returning, the code calls nothing and
    # allocates nothing the collector tracks (the event is made before; a number is not
    # tracked), so CPython switches no thread, runs no signal handler and no __del__ in
    # between: the ring is in ``seq`` order (tests/test_recording_cost.py hammers it from
    # threads).
    def append(self, t: float, tick: int, kind: str, name: str, thread: str, text: str,
               data: dict[str, Any] | None, internal: bool) -> Event:
        ev = _new(Event)
        ev.t = t
        ev.tick = tick
        ev.kind = kind
        ev.name = name
        ev.thread = thread
        ev._text = text
        ev._data = data
        ev.internal = internal
        ev.dur = None
        ev.end_seq = 0
        seq = self.seq + 1  # (no call and no tracked allocation from here …
        ev.seq = seq
        self.seq = seq
        self.events.append(ev)  # … to here: see above)
        subs = self._for_kind.get(kind)
        if subs is None:
            subs = self._subscribers_of(kind)
        if subs:
            self._tell(subs, ev)
        if seq >= self._count_due:
            self._count()
        return ev

    # An event whose text and data ``make(*args)`` returns when a view first asks: the
    # maker and its arguments go where the text and data go (an Event whose text is not a
    # str makes its words when read)
    append_lazy = append

    # ------------------------------------------------------------ reading
    def snapshot(self) -> list[Event]:
        return list(self.events)  # one C call: no thread appends meanwhile

    def since(self, seq: int) -> list[Event]:
        """Events with a sequence number greater than ``seq`` still in the ring."""
        events = self.events
        while True:
            want = self.seq - seq
            if want <= 0:
                return []
            tail = list(islice(reversed(events), want))  # one C call, newest first
            # events recorded between reading seq and copying: the copy missed the oldest
            if len(tail) < want or tail[-1].seq <= seq + 1:
                break
        tail.reverse()
        return tail

    # ------------------------------------------------------------ indexes
    def _count(self) -> None:
        """Bring the indexes up to date with the ring, a batch at a time."""
        with self._stats_lock:
            if self._counting:  # re-entered (a __del__ recorded meanwhile): the outer goes on
                return
            self._counting = True
            try:
                while self._counted < self.seq:
                    batch = self.since(self._counted)
                    if not batch:
                        break
                    self._counted = batch[-1].seq
                    self._count_due = self._counted + self._count_by
                    self._count_batch(batch)
            finally:
                self._counting = False

    def _count_batch(self, batch: list[Event]) -> None:
        counts, named, first = self._counts, self._named, self._first
        new_kinds: set[str] = set()
        new_pairs: set[tuple[str, str]] = set()
        for (kind, name), n in Counter(map(_kind_and_name, batch)).items():
            had = counts.get(kind)
            if had is None:
                new_kinds.add(kind)
                counts[kind] = n
            else:
                counts[kind] = had + n
            if name:
                by_name = named.get(kind)
                if by_name is None:
                    by_name = named[kind] = {}
                had = by_name.get(name)
                if had is None:
                    new_pairs.add((kind, name))
                    by_name[name] = n
                else:
                    by_name[name] = had + n
        if not new_kinds and not new_pairs:
            return
        for ev in batch:  # the first event of each new kind and name, in the log's order
            kind, name = ev.kind, ev.name
            if kind in new_kinds:
                new_kinds.discard(kind)
                first.setdefault(kind, ev)
            if name and (kind, name) in new_pairs:
                new_pairs.discard((kind, name))
                first.setdefault(kind + ":" + name, ev)
                if name not in first and kind in FIRST_DISPATCH_KINDS:
                    first[name] = ev
            if not new_kinds and not new_pairs:
                break

    def forget(self, names: Iterable[str]) -> None:
        """Drop what the indexes keep under ``names`` (objects summarised away): a program
        that makes a timer a millisecond for hours keeps its memory flat. Counted first,
        so that no batch counted later brings them back."""
        self._count()
        with self._stats_lock:
            first, named = self._first, self._named
            for name in names:
                first.pop(name, None)
                for kind, by_name in named.items():
                    if by_name.pop(name, None) is not None:
                        first.pop(kind + ":" + name, None)

    @property
    def counts(self) -> dict[str, int]:
        """"kind" → how many events of it so far."""
        self._count()
        return self._counts

    @property
    def first(self) -> dict[str, Event]:
        self._count()
        return self._first

    def first_dispatch(self, token: str) -> Event | None:
        """The first event for an expect token: NAME, KIND:NAME or KIND."""
        self._count()
        return self._first.get(token)

    def count_dispatches(self) -> int:
        self._count()
        counts = self._counts
        return sum(counts.get(k, 0) for k in DISPATCH_KINDS)

    def count(self, token: str) -> int:
        """How many events of KIND, or of KIND:NAME (names never contain a colon)."""
        self._count()
        kind, _, name = token.partition(":")
        if not name:
            return self._counts.get(kind, 0)
        return self._named.get(kind, {}).get(name, 0)


def write_jsonl(events: Iterable[Event], out: Any) -> None:
    for ev in events:
        out.write(ev.to_json() + "\n")
