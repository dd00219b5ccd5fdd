"""A recorded event stream as the explorer's engine: read-only, nothing runs.

``reactor-repl view FILE.jsonl`` on a terminal opens the record in the explorer. The
explorer reads an engine's log and asks it for a snapshot; ``Recorded`` is an engine
whose log holds the record (each event keeps its number) and whose snapshot is worked
out from the events: the clock and tick of the last one, the named objects with their
last event, what ``session.end`` said was still pending and what its Deferreds waited
for. What the person types and the answers (``show``, ``waiting``, ``expect``) are
added after the record, at its last instant, so they read like the log.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from reactor_repl.engine.core import Config, Engine
from reactor_repl.engine.events import Event
from reactor_repl.language.table import FAMILIES

BY_PREFIX = {prefix: family for family, prefix in FAMILIES.items()}
SHOWN_EVENTS = 6  # a name's latest events listed by show


class Recorded(Engine):
    """An engine that is a record: its log is the file's events; it never runs."""

    def __init__(self, events: Iterable[Event], source: str = "") -> None:
        events = list(events)
        super().__init__(Config(clock="live", log_size=max(100, len(events) + 10_000)))
        self.source = source
        log = self.log
        for ev in events:  # each keeps its number (a record from a ring may start late)
            log.seq = max(log.seq, ev.seq - 1)
            new = log.append(ev.t, ev.tick, ev.kind, ev.name, ev.thread, ev.text, ev.data,
                             ev.internal)
            new.dur, new.end_seq = ev.dur, ev.end_seq
        self.record_events = len(events)
        self.last_seq = log.seq
        last = events[-1] if events else None
        self.end_t = last.t if last is not None else 0.0
        self.end_tick = last.tick if last is not None else 0
        self.end = next((e for e in reversed(events) if e.kind == "session.end"), None)
        start = next((e for e in events if e.kind == "session.start"), None)
        self.recorded_clock = str((start.data or {}).get("clock", "live")) if start else "live"
        self._snap: dict[str, Any] | None = None

    # -- the engine's answers, from the record
    def now(self) -> float:
        return self.end_t

    def record(self, kind: str, name: str = "", text: str = "",
               data: dict[str, Any] | None = None, internal: bool = False) -> Event:
        """What the person types and its answers: after the record, at its last instant."""
        return self.log.append(self.end_t, self.end_tick, kind, name, self.thread_label(),
                               text, data, internal)

    def finish(self, reason: str = "") -> None:
        self.ended = True  # nothing ran: nothing to stop

    def ended_text(self) -> str:
        """How the record ends (session.end's reason), for the status line."""
        if self.end is None:
            return "the record ends without session.end (cut short)"
        text = self.end.text.split(";", 1)[0] if ";" in self.end.text else ""
        return f"the record ends: {text}" if text else "the record ends"

    def snapshot(self) -> dict[str, Any]:
        if self._snap is None:
            self._snap = self._make_snapshot()
        return self._snap

    def pending_at_end(self) -> set[str]:
        """The names session.end lists as pending (and the Deferreds it says wait)."""
        end = (self.end.data or {}) if self.end is not None else {}
        pending = {str(p).split(" ", 1)[0] for p in end.get("pending") or []}
        return pending | {str(w.get("name")) for w in end.get("waiting") or []}

    def record_check(self, form: Any) -> tuple[bool, str] | None:
        """``expect`` of an object's state, from the record (its objects are gone: the
        check looked for live ones, and said the record's names did not exist); None for
        the forms the log answers itself (order, count, same-tick, later-tick)."""
        kind, a = form.name, form.args
        if kind not in ("pending", "result", "failure", "late"):
            return None
        name = a["NAME"]
        mine = [e for e in self.log.snapshot() if e.name == name and e.seq <= self.last_seq]
        if not mine:
            return False, f"the record never names {name}"
        if kind == "pending":
            pending = name in self.pending_at_end()
            return pending, f"{name} is {'' if pending else 'not '}pending at the end of the record"
        if kind == "late":
            ran = [e for e in mine if e.kind in ("timer.fire", "loop.call")]
            late = (ran[-1].data or {}).get("late") if ran else None
            if not isinstance(late, (int, float)):
                return False, f"{name} has not run"
            ok = late >= a["SECONDS"] - 1e-6 if a["OP"] == ">=" else late <= a["SECONDS"] + 1e-6
            return ok, f"{name} ran late +{late:.3f}s"
        results = [e for e in mine if e.kind == "deferred.result"]
        if not results:
            return False, f"{name} has not fired"
        data = results[-1].data or {}
        failed = data.get("how") == "failure"
        shown = results[-1].text.split(": ", 1)[-1]
        if kind == "result":
            want, got = a["VALUE"], data.get("value")
            ok = not failed and (got == want or str(got) == str(want) or shown == repr(want))
            return ok, f"{name} result is {shown}"
        if not failed:
            return False, f"{name} result is {shown}, not a failure"
        return (not a["TEXT"] or a["TEXT"] in shown), f"{name} failed: {shown}"

    def _make_snapshot(self) -> dict[str, Any]:
        pending = self.pending_at_end()
        latest: dict[str, Event] = {}
        for ev in self.log.snapshot():
            if ev.seq > self.last_seq:
                break
            if ev.name and not ev.internal and ev.kind != "output":
                latest[ev.name] = ev
        items = []
        for name, ev in latest.items():
            items.append({"name": name, "family": family_of(name, ev), "state": ev.kind,
                          "detail": ev.text[:60], "pending": name in pending, "due": None,
                          "deferred": None, "fired": False, "site": ""})
        return {"clock": f"record ({self.recorded_clock})", "now": self.end_t,
                "tick": self.end_tick, "phase": "idle", "phase_for": 0.0, "paused_at": None,
                "commands_waiting": 0, "pool": {"busy": 0, "queued": 0, "size": 0},
                "objects": [], "ended": True, "items": items, "stats": None,
                "warning": "", "stuck": None,
                "record": {"ended": self.ended_text(), "events": self.record_events,
                           "source": self.source}}

    def waiting_at(self, seq: int | None) -> tuple[list[dict[str, Any]], str]:
        """What was pending at the end (session.end's chains) or as of event ``seq``."""
        from reactor_repl.views import recorded_waiting

        events = [e for e in self.log.snapshot() if e.seq <= self.last_seq]
        if seq is None or seq >= self.last_seq:
            at_end = recorded_waiting.at_end(events)
            if at_end is not None:
                return at_end, "at the end of the record"
            return recorded_waiting.rebuilt(events), "at the last event"
        return recorded_waiting.rebuilt(events, seq), f"as of #{seq:04d}"

    def show_lines(self, name: str) -> list[str] | None:
        """``show NAME`` from the record: where it was made, how many events of which
        kinds, its first and latest events, and (a Deferred pending at the end) what it
        waited for. None if the record never names it."""
        mine = [e for e in self.log.snapshot() if e.name == name and e.seq <= self.last_seq
                and e.kind != "output"]
        if not mine:
            return None
        made = next((e for e in mine if (e.data or {}).get("site")), mine[0])
        site = (made.data or {}).get("site")
        fam = family_of(name, mine[0])
        counts = Counter(e.kind for e in mine)
        out = [f"{name}: {fam}, last {mine[-1].kind}" + (f"  (made at {site})" if site else ""),
               f"{len(mine)} event{'s' if len(mine) != 1 else ''}: " +
               ", ".join(f"{k} {n}" for k, n in counts.items())]
        shown = mine if len(mine) <= SHOWN_EVENTS else [mine[0], *mine[-(SHOWN_EVENTS - 1):]]
        for i, e in enumerate(shown):
            if i == 1 and len(mine) > SHOWN_EVENTS:
                out.append(f"  … {len(mine) - SHOWN_EVENTS} more")
            out.append(f"  #{e.seq:04d}  {e.t:.3f}  [{e.tick}]  {e.kind}  {e.text}".rstrip())
        end = (self.end.data or {}) if self.end is not None else {}
        for w in end.get("waiting") or []:
            if w.get("name") == name:
                out.append(f"pending at the end: {w.get('state', '')}")
                out += ["  " + "  " * i + "└ " + str(s.get("text", ""))
                        for i, s in enumerate(w.get("chain") or [])]
        return out


def family_of(name: str, ev: Event) -> str:
    """A name's family: from its event's data, else its prefix (t1 timer, s1.1 conn …)."""
    data = ev.data or {}
    if data.get("family"):
        return str(data["family"])
    if "." in name and name.split(".", 1)[0][:1] == "s":
        return "conn"
    head = name.rstrip("0123456789")
    return BY_PREFIX.get(head, ev.kind.split(".", 1)[0])
