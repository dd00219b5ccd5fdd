"""The one event stream: every observable thing is an ``Event`` in a bounded log.

Views subscribe to the log; a subscriber that raises is detached and reported,
never allowed to break the reactor (observation never breaks the observed).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from itertools import islice
from typing import Any, Callable, Iterable

from reactor_repl.language.kinds import DISPATCH_KINDS, FIRST_DISPATCH_KINDS  # noqa: F401


class Event:
    __slots__ = ("seq", "t", "tick", "kind", "name", "thread", "text", "data", "internal", "dur",
                 "end_seq")

    def __init__(self, seq: int, t: float, tick: int, kind: str, name: str, thread: str,
                 text: str, data: dict[str, Any] | None, internal: bool) -> None:
        self.seq = seq
        self.t = t
        self.tick = tick
        self.kind = kind
        self.name = name
        self.thread = thread
        self.text = text
        self.data = data
        self.internal = internal
        self.dur: float | None = None  # how long the dispatch ran (for traces), if timed
        self.end_seq = 0  # timed: the last seq recorded before its callback returned

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
        return json.dumps(self.to_dict(), ensure_ascii=False, default=repr)

    def line(self) -> str:
        """``#SEQ  t  [TICK]  KIND  NAME  TEXT`` as the log pane and headless output show it."""
        return f"#{self.seq:04d}  {self.t:.3f}  [{self.tick}]  {self.kind}  {self.name}  {self.text}".rstrip()

    def __repr__(self) -> str:
        return f"<Event {self.line()}>"


class EventLog:
    """A bounded ring of events plus small indexes that outlive the ring.

    The indexes (first dispatch of each name/kind, counts) let ``expect`` and
    ``predict`` answer about events the ring has already dropped.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.events: deque[Event] = deque(maxlen=size)
        self.seq = 0
        # re-entrant: the collector may run a __del__ that records, mid-append (see append)
        self.lock = threading.RLock()
        self._busy = False  # an append is under way (only the lock's owner can see it True)
        self._reentered: list[Event] = []
        self.first: dict[str, Event] = {}  # "name", "kind:name", "kind" → first dispatch
        self.counts: dict[str, int] = {}  # "kind" → count (count() answers "kind:name" too)
        # kind → name → count / latest event: nested, so that recording does not build and
        # hash a "kind:name" string for every event
        self.named_counts: dict[str, dict[str, int]] = {}
        self.last: dict[str, dict[str, Event]] = {}
        self._subscribers: list[Callable[[Event], None]] = []
        self._by_kind: dict[str, list[Callable[[Event], None]]] = {}  # subscribers of some kinds
        self.on_subscriber_error: Callable[[Callable[[Event], None], BaseException], None] | None = None

    def subscribe(self, fn: Callable[[Event], None], kinds: Iterable[str] | None = None) -> None:
        """``fn`` gets every event, or only those of ``kinds`` (default: ``fn.kinds`` if it
        has one): a view that wants a few kinds costs nothing on the others."""
        if kinds is None:
            kinds = getattr(fn, "kinds", None)
        if kinds is None:
            self._subscribers.append(fn)
            return
        for kind in kinds:
            self._by_kind.setdefault(kind, []).append(fn)

    def unsubscribe(self, fn: Callable[[Event], None]) -> None:
        try:
            self._subscribers.remove(fn)
        except ValueError:
            pass
        for subs in self._by_kind.values():
            if fn in subs:
                subs.remove(fn)

    def append(self, t: float, tick: int, kind: str, name: str, thread: str, text: str,
               data: dict[str, Any] | None, internal: bool) -> Event:
        # the hot path of every recorded event: each dict is looked up once, and the lock
        # is taken without ``with`` (half the cost of __enter__/__exit__)
        lock = self.lock
        lock.acquire()
        try:
            if self._busy:
                # re-entered from this very thread: the garbage collector ran a __del__ in the
                # middle of an append (a failed Deferred logging "Unhandled error in Deferred"
                # records an event). It is added when the outer append is done; with a plain
                # Lock this deadlocked the session.
                ev = Event(0, t, tick, kind, name, thread, text, data, internal)
                self._reentered.append(ev)
                return ev
            self._busy = True
            seq = self.seq = self.seq + 1
            ev = Event(seq, t, tick, kind, name, thread, text, data, internal)
            self.events.append(ev)
            counts = self.counts
            n = counts.get(kind)
            if n is None:  # the first event of this kind
                counts[kind] = 1
                self.first.setdefault(kind, ev)
            else:
                counts[kind] = n + 1
            if name:
                named = self.named_counts.get(kind)
                if named is None:
                    named = self.named_counts[kind] = {}
                    self.last[kind] = {}
                n = named.get(name)
                if n is None:  # the first event of this kind and name
                    named[name] = 1
                    first = self.first
                    first.setdefault(kind + ":" + name, ev)
                    if name not in first and kind in FIRST_DISPATCH_KINDS:
                        first[name] = ev
                else:
                    named[name] = n + 1
                self.last[kind][name] = ev
            subscribers = self._subscribers
            if self._by_kind:
                some = self._by_kind.get(kind)
                if some:
                    subscribers = subscribers + some
            self._busy = False
        finally:
            lock.release()
        for fn in subscribers:
            try:
                fn(ev)
            except Exception as e:  # a view that breaks is detached, the reactor goes on
                self.unsubscribe(fn)
                if self.on_subscriber_error is not None:
                    self.on_subscriber_error(fn, e)
        if self._reentered:
            waiting, self._reentered = self._reentered, []
            for w in waiting:
                self.append(w.t, w.tick, w.kind, w.name, w.thread, w.text, w.data, w.internal)
        return ev

    def snapshot(self) -> list[Event]:
        with self.lock:
            return list(self.events)

    def since(self, seq: int) -> list[Event]:
        """Events with a sequence number greater than ``seq`` still in the ring."""
        with self.lock:
            if not self.events or self.events[-1].seq <= seq:
                return []
            # from the right end: indexing a deque walks from its nearer end, so reading the
            # k newest by index cost O(k^2) (a UI draining 3,000 events a frame held the lock)
            new = list(islice(reversed(self.events), self.events[-1].seq - seq))
        new.reverse()
        return new

    def first_dispatch(self, token: str) -> Event | None:
        """The first event for an expect token: NAME, KIND:NAME or KIND."""
        return self.first.get(token)

    def count_dispatches(self) -> int:
        counts = self.counts
        return sum(counts.get(k, 0) for k in DISPATCH_KINDS)

    def count(self, token: str) -> int:
        """How many events of KIND, or of KIND:NAME (names never contain a colon)."""
        kind, _, name = token.partition(":")
        if not name:
            return self.counts.get(kind, 0)
        return self.named_counts.get(kind, {}).get(name, 0)


def write_jsonl(events: Iterable[Event], out: Any) -> None:
    for ev in events:
        out.write(ev.to_json() + "\n")
