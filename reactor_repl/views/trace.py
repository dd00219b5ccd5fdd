"""A Chrome Trace Event file (opens in Perfetto and chrome://tracing), from the event stream alone.

One process, one track per thread that recorded something:

* ``reactor`` — each pass of the loop as a ``tick N`` slice, and nested in it each
  callback as a complete slice (``ph: X`` with ``dur``): timers, loop calls, thread
  calls, I/O, Deferred steps, warnings. The loop's waits are ``wait`` slices: the
  poller blocking (live ``io.wait`` events) or the clock jumping (virtual
  ``clock.advance``).
* ``pool-N`` — one track per pool worker, each job a slice from start to end.
* ``prompt``, ``helper-…`` — typed lines, helper threads' ``callFromThread``.
* ``loop lag`` — a counter: how late each timer and loop call ran, in ms.

Flow arrows (``s`` → ``f``) go from where a timer, loop call, trigger, thread call or
job was scheduled to where it ran, and from a job's end back to the reactor's
``thread.result``. Thread names come as ``M`` metadata events.

Time is the session's clock in microseconds. An event the stream gives no duration
lasts 1 µs, and each event starts at least 1 µs after the one before it: on the
virtual clock, where dispatching takes no time at all, that spreads the dispatches
of one instant out in the order they ran instead of piling them on one point.
Timed callbacks (``Event.dur``) span the events recorded inside them
(``Event.end_seq``), so nesting is the real one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import IO, Any, Iterable, Iterator, Sequence

from reactor_repl.engine.events import Event
from reactor_repl.language import kinds

PID = 1
REACTOR = "reactor"

# flow arrows (source kind → the target kind it leads to, per object name) and the kinds
# whose data.late feeds the lag counter: from the one table of kinds
FLOWS = kinds.FLOWS
LAG_KINDS = kinds.LAG_KINDS
# recorded by other threads, about the reactor: drawn on the reactor's track
ON_REACTOR_TRACK = frozenset({"warn.blocked"})


def _us(t: float) -> int:
    return int(round(t * 1_000_000))


_FAMILIES: dict[str, str] = {}


def _family(kind: str) -> str:
    fam = _FAMILIES.get(kind)
    if fam is None:
        fam = _FAMILIES[kind] = kind.split(".", 1)[0]
    return fam


def _clock_of(events: Sequence[Event]) -> str:
    for ev in events:
        if ev.kind == "session.start" and ev.data:
            return str(ev.data.get("clock", ""))
        if ev.kind == "clock.advance":
            return "virtual"
        if ev.kind == "io.wait":
            return "live"
    return ""


class _Slice:
    __slots__ = ("track", "begin", "end", "name", "cat", "ev", "extra", "order", "flows",
                 "openers")

    def __init__(self, track: str, begin: int, end: int, name: str | None, cat: str | None,
                 ev: Event | None, extra: Any, order: int) -> None:
        self.track = track
        self.begin = begin
        self.end = end
        self.name = name
        self.cat = cat
        self.ev = ev  # the event it draws (its args are built only when written)
        self.extra = extra  # a slice that is no single event: its tick, or its args (a job)
        self.order = order  # parents before children when they begin together
        # flow ids (+ starts here, - ends here) and the slices that begin with this one,
        # around it (its tick, its job): one item itself, more as a list (a 100,000-event
        # trace is not 200,000 one-item lists)
        self.flows: int | list[int] | None = None
        self.openers: _Slice | list[_Slice] | None = None

    def label(self) -> tuple[str, str]:
        """(name, category): made when written, not kept for every slice."""
        if self.name is not None:
            return self.name, self.cat or ""
        ev = self.ev
        if ev is None:
            return f"tick {self.extra}", "loop"
        return (f"{ev.kind} {ev.name}" if ev.name else ev.kind), _family(ev.kind)

    def args(self) -> dict[str, Any]:
        ev = self.ev
        if ev is None:
            return {"tick": self.extra} if isinstance(self.extra, int) else (self.extra or {})
        args: dict[str, Any] = {"seq": ev.seq, "tick": ev.tick, "t": round(ev.t, 6)}
        if ev.text:
            args["text"] = ev.text
        if ev.data:
            args["data"] = ev.data
        if ev.internal:
            args["internal"] = True
        return args


def build(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The trace events (dicts) for ``events``, in seq order or not."""
    return list(trace_events(events))


def trace_events(events: Iterable[Event]) -> Iterator[dict[str, Any]]:
    """The trace events one by one: a 100,000-event log is never all dicts at once."""
    evs = sorted(events, key=lambda e: e.seq)
    if not evs:
        return
    clock = _clock_of(evs)
    # --- positions: the event's time in µs, at least 1 µs after the event before it.
    # A ring's snapshot is a run of consecutive seqs: index by seq - first.
    first = evs[0].seq
    if evs[-1].seq - first + 1 == len(evs):
        def index(seq: int) -> int | None:
            i = seq - first
            return i if 0 <= i < len(evs) else None
    else:
        where = {ev.seq: i for i, ev in enumerate(evs)}
        index = where.get  # type: ignore[assignment]
    pos: list[int] = []
    last = -1
    for ev in evs:
        p = _us(ev.t)
        if p <= last:
            p = last + 1
        pos.append(p)
        last = p
    n_evs = len(evs)

    def end_of(i: int, ev: Event, begin: int) -> int:
        """A timed callback ends after what it recorded, and before the next event."""
        end = begin + 1
        dur = ev.dur
        if dur is not None and ev.kind != "io.wait":
            j = index(ev.end_seq) if ev.end_seq else None
            if j is None:
                j = i
            end = max(pos[j] + 1, begin + _us(dur))
            if j + 1 < n_evs and end > pos[j + 1]:
                end = max(pos[j] + 1, pos[j + 1])
        return end

    slices: list[_Slice] = []
    track_end: dict[str, int] = defaultdict(int)  # how far each track's slices reach
    tick_open: _Slice | None = None  # the loop pass being gathered
    tick_end = 0
    lag: list[tuple[int, float]] = []
    order = 0
    for i, ev in enumerate(evs):
        kind = ev.kind
        track = REACTOR if kind in ON_REACTOR_TRACK else (ev.thread or "?")
        begin = pos[i]
        if kind == "io.wait":  # live: the poller returned at t, after waiting dur
            end = begin
            begin = max(end - _us(ev.dur or 0.0), track_end[track])
            if end <= begin:
                end = begin + 1
            name, cat = "wait (poller)", "wait"
        elif kind == "clock.advance":  # virtual: the loop waited while the clock jumped
            to = (ev.data or {}).get("to")
            end = max(begin + 1, _us(float(to))) if isinstance(to, (int, float)) else begin + 1
            if i + 1 < n_evs:
                end = max(begin + 1, min(end, pos[i + 1]))
            name, cat = "wait (clock jumps)", "wait"
        else:
            end = end_of(i, ev, begin)
            name = cat = None  # from the event, when written
        order += 1
        sl = _Slice(track, begin, end, name, cat, ev, None, order)
        slices.append(sl)
        if end > track_end[track]:
            track_end[track] = end
        if track == REACTOR and ev.thread == REACTOR and ev.tick > 0:
            # loop passes: a slice around the reactor's events of each tick (ticks only
            # grow along the reactor's events, so one pass is open at a time)
            if tick_open is not None and ev.tick != tick_open.extra:
                tick_open.end = max(tick_open.begin + 1, min(tick_end, begin))
                tick_open = None
            if tick_open is None:
                order += 1
                tick_open = _Slice(REACTOR, begin, end, None, None, None, ev.tick, -order)
                _open(sl, tick_open)  # negative order: before the callbacks it holds
                tick_end = end
            elif end > tick_end:
                tick_end = end
        if kind in LAG_KINDS and ev.data and isinstance(ev.data.get("late"), (int, float)):
            lag.append((begin, round(ev.data["late"] * 1000, 3)))

    if tick_open is not None:
        tick_open.end = max(tick_open.begin + 1, tick_end)

    # --- pool jobs (thread.start → thread.end on the worker's track) and blocks of the
    # loop (block.start → block.end): a slice around each
    started: dict[tuple[str, str], _Slice] = {}
    for i, ev in enumerate(evs):
        if ev.kind in ("thread.start", "block.start"):
            started[(ev.kind, ev.name)] = slices[i]
        elif ev.kind in ("thread.end", "block.end"):
            s0 = started.pop((ev.kind.replace(".end", ".start"), ev.name), None)
            s1 = slices[i]
            if s0 is not None and s0.track == s1.track:
                order += 1
                label = f"job {ev.name}" if ev.kind == "thread.end" else "block"
                _open(s0, _Slice(s0.track, s0.begin, max(s1.end, s0.begin + 1), label,
                                 _family(ev.kind), None, {"name": ev.name, "text": ev.text},
                                 -order))

    # --- flow arrows, scheduled → ran (both ends must still be in the ring)
    flow_id = 0
    flow_labels: list[str] = [""]  # flow id → its label
    waiting: dict[tuple[str, str], list[tuple[_Slice, str]]] = defaultdict(list)
    for i, ev in enumerate(evs):
        target = slices[i]
        if ev.name:
            sources = waiting.pop((ev.kind, ev.name), None)
            if sources:
                for src, label in sources:
                    flow_id += 1
                    flow_labels.append(label)
                    _link(src, target, flow_id)
        elif ev.kind == "timer.fire" and ev.data:
            j = ev.data.get("from_seq")
            j = index(j) if isinstance(j, int) else None
            if j is not None:
                flow_id += 1
                flow_labels.append("scheduled")
                _link(slices[j], target, flow_id)
        rule = FLOWS.get(ev.kind)
        if rule is not None and ev.name and ev.kind not in ("timer.reset", "timer.delay"):
            # (a reset or delay moves the timer: the arrow stays from where it was made)
            waiting[(rule[0], ev.name)].append((target, rule[1]))
    del waiting

    # --- out: metadata, then the slices in order (each followed by its flow ends). Each
    # track's event slices begin in seq order; a slice that begins with one (its tick,
    # its job) comes just before it. Perfetto needs a track's slices nested or disjoint:
    # a slice reaching past the one it is in is cut at that one's end.
    names = _thread_order({sl.track for sl in slices})
    tids = {name: k + 1 for k, name in enumerate(names)}
    yield {"name": "process_name", "ph": "M", "pid": PID, "tid": 0,
           "args": {"name": f"reactor-repl ({clock or 'unknown'} clock)"}}
    for name in names:
        tid = tids[name]
        yield {"name": "thread_name", "ph": "M", "pid": PID, "tid": tid, "args": {"name": name}}
        yield {"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": tid,
               "args": {"sort_index": tid}}
    stacks: dict[str, list[_Slice]] = defaultdict(list)
    for anchor in slices:
        group = [anchor]
        ops = anchor.openers
        if ops is not None:
            if isinstance(ops, list):
                group = sorted(ops, key=lambda s: (-s.end, s.order)) + group
            else:
                group = [ops, anchor]
        tid = tids[anchor.track]
        stack = stacks[anchor.track]
        for sl in group:
            while stack and stack[-1].end <= sl.begin:
                stack.pop()
            if stack and sl.end > stack[-1].end:
                sl.end = stack[-1].end  # still > begin: the parent ends after it begins
            stack.append(sl)
            name, cat = sl.label()
            yield {"name": name, "cat": cat, "ph": "X", "pid": PID, "tid": tid,
                   "ts": sl.begin, "dur": sl.end - sl.begin, "args": sl.args()}
            if sl.flows is not None:
                # half a µs into the slice: inside it, before any slice nested in it begins
                for fid in (sl.flows if isinstance(sl.flows, list) else (sl.flows,)):
                    fl: dict[str, Any] = {"name": flow_labels[abs(fid)], "cat": "flow",
                                          "ph": "s" if fid > 0 else "f", "id": abs(fid),
                                          "pid": PID, "tid": tid, "ts": sl.begin + 0.5}
                    if fid < 0:
                        fl["bp"] = "e"  # bind to the slice it is in, not the next one
                    yield fl
    reactor_tid = tids.get(REACTOR, 0)
    for ts, ms in lag:
        yield {"name": "loop lag", "ph": "C", "pid": PID, "tid": reactor_tid, "ts": ts,
               "args": {"ms": ms}}


def _open(anchor: _Slice, sl: _Slice) -> None:
    ops = anchor.openers
    if ops is None:
        anchor.openers = sl
    elif isinstance(ops, list):
        ops.append(sl)
    else:
        anchor.openers = [ops, sl]


def _link(src: _Slice, dst: _Slice, flow_id: int) -> None:
    for sl, fid in ((src, flow_id), (dst, -flow_id)):
        flows = sl.flows
        if flows is None:
            sl.flows = fid
        elif isinstance(flows, list):
            flows.append(fid)
        else:
            sl.flows = [flows, fid]


def _thread_order(tracks: Iterable[str]) -> list[str]:
    def key(name: str) -> tuple[int, int, str]:
        if name == REACTOR:
            return (0, 0, name)
        if name == "prompt":
            return (1, 0, name)
        if name.startswith("pool-") and name[5:].isdigit():
            return (2, int(name[5:]), name)
        return (3, 0, name)

    return sorted(tracks, key=key)


TRACE_BEGINS = '{"displayTimeUnit": '  # how a trace file of ours begins (write_trace)


def write_trace(events: Iterable[Event], out: IO[str]) -> int:
    """Write the trace as JSON (``{"traceEvents": […]}``); return how many trace events."""
    evs = sorted(events, key=lambda e: e.seq)
    encode = json.JSONEncoder(ensure_ascii=False, default=repr).encode  # one encoder, reused
    out.write(TRACE_BEGINS + '"ms", "otherData": ')
    out.write(encode({"tool": "reactor-repl", "clock": _clock_of(evs),
                      "layout": "each event at least 1 us after the one before it"}))
    out.write(', "traceEvents": [')
    n = 0
    for te in trace_events(evs):
        out.write(",\n" if n else "\n")
        out.write(encode(te))
        n += 1
    out.write("\n]}\n")
    return n
