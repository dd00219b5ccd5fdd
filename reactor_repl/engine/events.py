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
from itertools import filterfalse, islice
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
                JSONL_BEGINS, int.__repr__(self.seq),
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


JSONL_BEGINS = '{"seq": '  # how each line of an event log begins (to_json)
_new = object.__new__
NEVER = 1 << 62
UNTRACK_BY = 2_000  # events untracked at a time (untrack_events)
COUNT_BY = 5_000  # events counted into the indexes at a time (at most half the ring)


def _untracker() -> Callable[[Any], None] | None:
    """CPython's ``PyObject_GC_UnTrack`` (Python offers no way; ctypes reaches the C API:
    0.4 µs an event), or None where there is none (another Python)."""
    try:
        import ctypes

        fn = ctypes.pythonapi.PyObject_GC_UnTrack
    except (ImportError, AttributeError):
        return None
    fn.argtypes = [ctypes.py_object]
    fn.restype = None
    return fn  # type: ignore[no-any-return]


_untrack = _untracker()
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
_kind = attrgetter("kind")
_internal = attrgetter("internal")


class EventLog:
    """A bounded ring of events plus small indexes that outlive the ring.

    The indexes (first dispatch of each name/kind, counts) let ``expect`` and
    ``predict`` answer about events the ring has already dropped. They are brought up
    to date when read, and by ``append`` before the ring could drop an event they have
    not counted (every COUNT_BY events), in batches: counting costs the recording nothing.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.events: deque[Event] = deque(maxlen=size)
        self.seq = 0
        # counted with Counter.update over the batch (in C: a program that names a timer a
        # millisecond brings a new name with every other event), in first-seen order, so the
        # keys a batch added are the last ones. The counts by kind are summed from the
        # pairs when read (rarely: expect count, the end of a run)
        self._pairs: Counter[tuple[str, str]] = Counter()  # (kind, name) → events
        self._forgotten: Counter[str] = Counter()  # kind → events of names forgotten
        self._first_kind: dict[str, Event] = {}  # kind → its first event (not internal)
        self._internal: Counter[str] = Counter()  # kind → internal events (not expect's)
        # the indexes and counts begin again at a reset; the run's totals keep what was
        # counted before it (kind → events)
        self._before: Counter[str] = Counter()
        self._first_pair: dict[tuple[str, str], Event] = {}  # (kind, name) → first event
        self._kinds_of: dict[str, list[str]] = {}  # name → the kinds of its pairs (forget)
        self._first_name: dict[str, Event] = {}  # name → its first dispatch
        self._counted = 0  # the indexes cover the events up to this seq
        self._untracked = 0  # events up to this seq are not the collector's (untrack_events)
        self._untrack_due = NEVER
        # append counts when this many wait: a batch at a time, small enough that counting
        # one holds the loop a few milliseconds (half a ring held a traced program's loop
        # 0.1 s at each 50,000th event: its timers late, warn.blocked blaming its code)
        self._count_by = max(1, min(size // 2, COUNT_BY))
        self._count_due = self._count_by
        self._due = self._count_due  # the earlier of the two (append tests only this)
        self._stats_lock = threading.RLock()
        self._counting = False
        self._forgetting: list[str] = []  # names to drop from the indexes (see forget)
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
        # Event.__init__'s stores written out: a call less for every event recorded
        # (callgrind: Event(...) here costs 1.2% more on an 'every 0' beat)
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
        if seq >= self._due:  # (one test for both batches: counting and untracking)
            self._batches()
        return ev

    def _batches(self) -> None:
        """What the appends do a batch at a time, when one is due."""
        if self.seq >= self._untrack_due:
            self._untrack()
        if self.seq >= self._count_due:
            self._count()
        self._due = min(self._count_due, self._untrack_due)

    def untrack_events(self) -> None:
        """From now on the cyclic collector does not scan the events (a batch at a time,
        soon after they are recorded). Beside a traced program: its full collections
        scanned the whole ring, ~1 µs an event each time (100 ms for a full ring, every
        second or two under a storm): a fifth of a traced timer-heavy program's time. An
        event refers to numbers and names (and a few records): no cycle through it for
        the collector to find."""
        if _untrack is not None:
            self._untracked = self.seq
            self._untrack_due = self.seq + UNTRACK_BY
            self._due = min(self._due, self._untrack_due)

    def _untrack(self) -> None:
        n = self.seq - self._untracked
        self._untracked = self.seq
        self._untrack_due = self.seq + UNTRACK_BY
        # the newest n, copied in one C call (another thread may append meanwhile), then
        # untracked in C (PyDLL: the GIL held throughout)
        deque(map(_untrack, list(islice(reversed(self.events), n))), maxlen=0)

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

    def following(self, seq: int, n: int) -> list[Event]:
        """Up to ``n`` events right after ``seq`` still in the ring (``since`` copies them
        all: during a long dispatch, a whole ring's tail)."""
        events = self.events
        start = len(events) - (self.seq - seq)
        if start < 0:
            start = 0
        return list(islice(events, start, start + n))

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
                if self._forgetting:
                    self._forget_now()
            finally:
                self._counting = False

    def _count_batch(self, batch: list[Event]) -> None:
        pairs = self._pairs
        before = len(pairs)
        pairs.update(map(_kind_and_name, batch))
        inside = list(filter(_internal, batch))
        if inside:
            self._internal.update(map(_kind, inside))
        # a kind's first event the log shows: Twisted's own (internal) are not the
        # person's (expect order KIND, as expect count KIND)
        by_kind = self._first_kind
        wanted = set(map(_kind, filterfalse(_internal, batch) if inside else batch))
        wanted.difference_update(by_kind)
        if wanted:
            for ev in batch:
                if ev.kind in wanted and not ev.internal:
                    by_kind[ev.kind] = ev
                    wanted.discard(ev.kind)
                    if not wanted:
                        break
        if len(pairs) == before:
            return
        # the first event of each new pair: a dict made from the batch backwards keeps the
        # earliest; the pairs a batch added are in the order first seen, so the first new
        # pair of a kind never seen is that kind's first event
        new = list(islice(pairs, before, None))
        if len(new) <= 8:  # a few (a storm of one loop): look each up, in C
            keys = list(map(_kind_and_name, batch))
            firsts = [batch[keys.index(pair)] for pair in new]
        else:
            backwards = batch[::-1]
            of_pair = dict(zip(map(_kind_and_name, backwards), backwards))
            firsts = list(map(of_pair.__getitem__, new))
        self._first_pair.update(zip(new, firsts))
        by_name = self._first_name
        kinds_of = self._kinds_of
        for (kind, name), ev in zip(new, firsts):
            kinds = kinds_of.get(name)
            if kinds is None:
                kinds_of[name] = [kind]
            else:
                kinds.append(kind)
            if name and kind in FIRST_DISPATCH_KINDS and name not in by_name:
                by_name[name] = ev

    def forget(self, names: Iterable[str]) -> None:
        """Drop what the indexes keep under ``names`` (objects summarised away): a program
        that makes a timer a millisecond for hours keeps its memory flat. Done with the next
        count (a read, or every COUNT_BY events), after the events of those names are counted:
        no batch counted later brings them back, and retiring costs no count of its own
        (with thousands of objects pending, every new one retires one that finished)."""
        self._forgetting.extend(names)

    def _forget_now(self) -> None:
        gone, self._forgetting = set(self._forgetting), []
        by_name = self._first_name
        pairs = self._pairs
        first_pair = self._first_pair
        forgotten = self._forgotten
        kinds_of = self._kinds_of
        # (each name's own pairs: the cost is the names forgotten, not the names kept —
        # rebuilding the indexes held the loop tens of milliseconds once they were many)
        for name in gone:
            by_name.pop(name, None)
            for kind in kinds_of.pop(name, ()):
                pair = (kind, name)
                forgotten[kind] += pairs.pop(pair, 0)
                first_pair.pop(pair, None)

    @property
    def counts(self) -> dict[str, int]:
        """"kind" → how many events of it so far."""
        self._count()
        totals = Counter(self._forgotten)
        totals.update(self._before)
        for (kind, _), n in self._pairs.items():
            totals[kind] += n
        return totals

    def first_dispatch(self, token: str) -> Event | None:
        """The first event for an expect token: NAME, KIND:NAME or KIND."""
        self._count()
        kind, colon, name = token.partition(":")
        if colon:
            return self._first_pair.get((kind, name)) if name else None
        ev = self._first_name.get(token)
        return ev if ev is not None else self._first_kind.get(token)

    def nth_dispatch(self, token: str, n: int) -> Event | None:
        """The ``n``-th event for an expect token (``expect order l1 t1 l1``: l1's first,
        then its second), from the ring after the first."""
        first = self.first_dispatch(token)
        if n <= 1 or first is None:
            return first
        match = token_matcher(token)
        count = 1
        for ev in self.since(first.seq):
            if match(ev):
                count += 1
                if count == n:
                    return ev
        return None

    def count_dispatches(self) -> int:
        counts = self.counts
        return sum(counts.get(k, 0) for k in DISPATCH_KINDS)

    def count(self, token: str) -> int:
        """How many events of KIND, or of KIND:NAME (names never contain a colon), since
        the session began (its last reset): what ``expect count`` sees."""
        kind, _, name = token.partition(":")
        if not name:  # the log's: Twisted's own internal events are not counted
            return (self.counts.get(kind, 0) - self._before.get(kind, 0)
                    - self._internal.get(kind, 0))
        self._count()
        return self._pairs.get((kind, name), 0)

    def begin_again(self) -> None:
        """A fresh session (reset): expect and predict see only what happens from here —
        names are free again, and the old session's t1 is not the new one's. The run's
        totals (``counts``: its errors, its statistics) go on."""
        with self._stats_lock:
            self._count()
            self._before = Counter(self.counts)
            self._pairs = Counter()
            self._forgotten = Counter()
            self._internal = Counter()
            self._first_kind.clear()
            self._first_pair.clear()
            self._first_name.clear()
            self._kinds_of.clear()


def occurrences(tokens: list[str]) -> list[int]:
    """Which time each token is named (``l1 t1 l1``: 1, 1, 2): a token given again is its
    next dispatch, in ``expect order`` and ``predict``."""
    return [tokens[:i + 1].count(tok) for i, tok in enumerate(tokens)]


def again(token: str, k: int) -> str:
    """A token as said when it is waited for: ``l1``, or ``l1 (a 2nd time)``."""
    if k <= 1:
        return token
    return f"{token} (a {k}{ {2: 'nd', 3: 'rd'}.get(k, 'th') } time)"


def token_matcher(token: str) -> Callable[[Event], bool]:
    """Whether an event is one of a token's, as ``expect order`` reads tokens: KIND:NAME,
    a KIND (what the log shows: not Twisted's own), else a NAME's dispatch."""
    from reactor_repl.language.kinds import KINDS

    kind, colon, name = token.partition(":")
    if colon:
        return lambda e: e.kind == kind and e.name == name
    if token in KINDS:
        return lambda e: e.kind == token and not e.internal
    return lambda e: e.name == token and e.kind in FIRST_DISPATCH_KINDS


def write_jsonl(events: Iterable[Event], out: Any) -> None:
    for ev in events:
        out.write(ev.to_json() + "\n")
