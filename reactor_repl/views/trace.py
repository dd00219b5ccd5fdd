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
from typing import IO, Any, Iterable, Sequence

from reactor_repl.engine.events import Event

PID = 1
REACTOR = "reactor"

# flow arrows: source kind → the target kind it leads to, per object name
FLOWS: dict[str, tuple[str, str]] = {
    "timer.schedule": ("timer.fire", "scheduled"),
    "timer.reset": ("timer.fire", "scheduled"),
    "timer.delay": ("timer.fire", "scheduled"),
    "loop.start": ("loop.call", "scheduled"),
    "loop.call": ("loop.call", "scheduled"),  # each call schedules the next
    "trigger.add": ("trigger.fire", "scheduled"),
    "threadcall.queue": ("threadcall.run", "callFromThread"),
    "thread.queue": ("thread.start", "deferToThread"),
    "thread.end": ("thread.result", "hand-back"),
}
LAG_KINDS = frozenset({"timer.fire", "loop.call"})
# recorded by other threads, about the reactor: drawn on the reactor's track
ON_REACTOR_TRACK = frozenset({"warn.blocked"})


def _us(t: float) -> int:
    return int(round(t * 1_000_000))


def _family(kind: str) -> str:
    return kind.split(".", 1)[0]


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
    __slots__ = ("track", "begin", "end", "name", "cat", "args", "order", "flows")

    def __init__(self, track: str, begin: int, end: int, name: str, cat: str,
                 args: dict[str, Any], order: int) -> None:
        self.track = track
        self.begin = begin
        self.end = end
        self.name = name
        self.cat = cat
        self.args = args
        self.order = order  # parents before children when they begin together
        self.flows: list[dict[str, Any]] = []


def build(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The trace events (dicts) for ``events``, in seq order or not."""
    evs = sorted(events, key=lambda e: e.seq)
    if not evs:
        return []
    clock = _clock_of(evs)
    # --- positions: the event's time in µs, at least 1 µs after the event before it
    pos: dict[int, int] = {}
    last = None
    for ev in evs:
        p = _us(ev.t)
        if last is not None and p <= last:
            p = last + 1
        pos[ev.seq] = last = p
    seqs = [ev.seq for ev in evs]
    next_pos = {s: pos[seqs[i + 1]] for i, s in enumerate(seqs[:-1])}

    def end_of(ev: Event, begin: int) -> int:
        """A timed callback ends after what it recorded, and before the next event."""
        end = begin + 1
        dur = ev.dur
        if dur is not None and ev.kind != "io.wait":
            last_inside = ev.end_seq if ev.end_seq and ev.end_seq in pos else ev.seq
            end = max(pos[last_inside] + 1, begin + _us(dur))
            limit = next_pos.get(last_inside)
            if limit is not None and end > limit:
                end = max(pos[last_inside] + 1, limit)
        return end

    slices: list[_Slice] = []
    by_seq: dict[int, _Slice] = {}
    track_end: dict[str, int] = defaultdict(int)  # how far each track's slices reach
    ticks: dict[int, list[int]] = {}  # tick → [begin, end] of the reactor's events in it
    counters: list[dict[str, Any]] = []
    order = 0
    for ev in evs:
        track = REACTOR if ev.kind in ON_REACTOR_TRACK else (ev.thread or "?")
        begin = pos[ev.seq]
        args: dict[str, Any] = {"seq": ev.seq, "tick": ev.tick, "t": round(ev.t, 6)}
        if ev.text:
            args["text"] = ev.text
        if ev.data:
            args["data"] = ev.data
        if ev.internal:
            args["internal"] = True
        name = f"{ev.kind} {ev.name}".strip()
        cat = _family(ev.kind)
        if ev.kind == "io.wait":  # live: the poller returned at t, after waiting dur
            end = begin
            begin = max(end - _us(ev.dur or 0.0), track_end[track])
            if end <= begin:
                end = begin + 1
            name, cat = "wait (poller)", "wait"
        elif ev.kind == "clock.advance":  # virtual: the loop waited while the clock jumped
            to = (ev.data or {}).get("to")
            end = max(begin + 1, _us(float(to))) if isinstance(to, (int, float)) else begin + 1
            limit = next_pos.get(ev.seq)
            if limit is not None:
                end = max(begin + 1, min(end, limit))
            name, cat = "wait (clock jumps)", "wait"
        else:
            end = end_of(ev, begin)
        order += 1
        sl = _Slice(track, begin, end, name, cat, args, order)
        slices.append(sl)
        by_seq[ev.seq] = sl
        track_end[track] = max(track_end[track], end)
        if track == REACTOR and ev.thread == REACTOR and ev.tick > 0:
            span = ticks.get(ev.tick)
            if span is None:
                ticks[ev.tick] = [begin, end]
            else:
                span[1] = max(span[1], end)
        if ev.kind in LAG_KINDS and ev.data and isinstance(ev.data.get("late"), (int, float)):
            counters.append({"name": "loop lag", "ph": "C", "pid": PID,
                             "ts": begin, "args": {"ms": round(ev.data["late"] * 1000, 3)}})

    # --- loop passes: a slice around the reactor's events of each tick
    tick_list = sorted(ticks.items())
    for i, (tick, (b, e)) in enumerate(tick_list):
        if i + 1 < len(tick_list):
            e = min(e, tick_list[i + 1][1][0])
        order += 1
        slices.append(_Slice(REACTOR, b, max(e, b + 1), f"tick {tick}", "loop",
                             {"tick": tick}, -order))  # negative: before its callbacks

    # --- pool jobs (thread.start → thread.end on the worker's track) and blocks of the
    # loop (block.start → block.end): a slice around each
    started: dict[tuple[str, str], _Slice] = {}
    for ev in evs:
        if ev.kind in ("thread.start", "block.start"):
            started[(ev.kind, ev.name)] = by_seq[ev.seq]
        elif ev.kind in ("thread.end", "block.end"):
            s0 = started.pop((ev.kind.replace(".end", ".start"), ev.name), None)
            s1 = by_seq[ev.seq]
            if s0 is not None and s0.track == s1.track:
                order += 1
                label = f"job {ev.name}" if ev.kind == "thread.end" else "block"
                slices.append(_Slice(s0.track, s0.begin, max(s1.end, s0.begin + 1), label,
                                     _family(ev.kind), {"name": ev.name, "text": ev.text},
                                     -order))

    # --- flow arrows, scheduled → ran (both ends must still be in the ring)
    flow_id = 0
    waiting: dict[tuple[str, str], list[tuple[_Slice, str]]] = defaultdict(list)
    for ev in evs:
        target = by_seq[ev.seq]
        if ev.name:
            sources = waiting.pop((ev.kind, ev.name), None)
            if sources:
                for src, label in sources:
                    flow_id += 1
                    _link(src, target, flow_id, label)
        elif ev.kind == "timer.fire" and ev.data and ev.data.get("from_seq") in by_seq:
            flow_id += 1
            _link(by_seq[ev.data["from_seq"]], target, flow_id, "scheduled")
        rule = FLOWS.get(ev.kind)
        if rule is not None and ev.name:
            key = (rule[0], ev.name)
            if ev.kind in ("timer.reset", "timer.delay"):
                continue  # the arrow stays from where the timer was made
            waiting[key].append((target, rule[1]))

    # --- nesting: each track's slices strictly nested or disjoint, as Perfetto needs
    tracks: dict[str, list[_Slice]] = defaultdict(list)
    for sl in slices:
        tracks[sl.track].append(sl)
    for sls in tracks.values():
        sls.sort(key=lambda s: (s.begin, -s.end, s.order))
        stack: list[_Slice] = []
        for sl in sls:
            while stack and stack[-1].end <= sl.begin:
                stack.pop()
            if stack and sl.end > stack[-1].end:
                sl.end = stack[-1].end  # still > begin: the parent ends after it begins
            stack.append(sl)

    # --- out: metadata, then each track's slices (each followed by its flow ends)
    names = _thread_order(tracks)
    tids = {name: i + 1 for i, name in enumerate(names)}
    out: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": PID, "tid": 0,
         "args": {"name": f"reactor-repl ({clock or 'unknown'} clock)"}},
    ]
    for name in names:
        tid = tids[name]
        out.append({"name": "thread_name", "ph": "M", "pid": PID, "tid": tid,
                    "args": {"name": name}})
        out.append({"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": tid,
                    "args": {"sort_index": tid}})
    for name in names:
        tid = tids[name]
        for sl in tracks[name]:
            out.append({"name": sl.name, "cat": sl.cat, "ph": "X", "pid": PID, "tid": tid,
                        "ts": sl.begin, "dur": sl.end - sl.begin, "args": sl.args})
            for fl in sl.flows:
                fl["pid"] = PID
                fl["tid"] = tid
                out.append(fl)
    for c in counters:
        c["tid"] = tids.get(REACTOR, 0)
        out.append(c)
    return out


def _link(src: _Slice, dst: _Slice, flow_id: int, label: str) -> None:
    # half a µs into each slice: inside it, before any slice nested in it begins
    src.flows.append({"name": label, "cat": "flow", "ph": "s", "id": flow_id,
                      "ts": src.begin + 0.5})
    dst.flows.append({"name": label, "cat": "flow", "ph": "f", "bp": "e", "id": flow_id,
                      "ts": dst.begin + 0.5})


def _thread_order(tracks: dict[str, list[_Slice]]) -> list[str]:
    def key(name: str) -> tuple[int, int, str]:
        if name == REACTOR:
            return (0, 0, name)
        if name == "prompt":
            return (1, 0, name)
        if name.startswith("pool-") and name[5:].isdigit():
            return (2, int(name[5:]), name)
        return (3, 0, name)

    return sorted(tracks, key=key)


def write_trace(events: Iterable[Event], out: IO[str]) -> int:
    """Write the trace as JSON (``{"traceEvents": […]}``); return how many trace events."""
    evs = list(events)
    trace = build(evs)
    clock = _clock_of(sorted(evs, key=lambda e: e.seq)) if evs else ""
    out.write('{"displayTimeUnit": "ms", "otherData": ')
    out.write(json.dumps({"tool": "reactor-repl", "clock": clock,
                          "layout": "each event at least 1 us after the one before it"}))
    out.write(', "traceEvents": [\n')
    for i, te in enumerate(trace):
        out.write(json.dumps(te, ensure_ascii=False, default=repr))
        out.write(",\n" if i + 1 < len(trace) else "\n")
    out.write("]}\n")
    return len(trace)
