"""``waiting`` answered from a recorded event stream (``reactor-repl view --waiting``).

At the end of a record, ``session.end`` carries the chains the engine worked out from
the live objects (``data.waiting``). At any other moment (``--at SEQ``) the answer is
rebuilt from the events alone: the Deferreds made (``deferred.new``) and not yet fired
(``deferred.fire``; ``deferred.result`` comes when the pass's chains have run out) or
paused since, and for each the last thing it was paused on or awaited
(``deferred.pause``/``deferred.resume``); what would have fired it is not in the record,
so a chain there ends at the last Deferred it names.
"""

from __future__ import annotations

from typing import Any, Iterable

from reactor_repl.engine.events import Event


def at_end(events: list[Event]) -> list[dict[str, Any]] | None:
    """The chains ``session.end`` recorded, if the record reaches its end."""
    for ev in reversed(events):
        if ev.kind == "session.end":
            waiting = (ev.data or {}).get("waiting")
            return waiting if isinstance(waiting, list) else []
    return None


def rebuilt(events: Iterable[Event], upto: int | None = None) -> list[dict[str, Any]]:
    """Pending Deferreds as of seq ``upto`` (default: the last event), from the events."""
    made: dict[str, tuple[float, str]] = {}  # name → (t made, site)
    ended: set[str] = set()
    fired: set[str] = set()
    waits_on: dict[str, str] = {}  # name → what it is paused on / awaits
    at: dict[str, str] = {}  # a coroutine: where it is suspended
    now = 0.0
    for ev in events:
        if upto is not None and ev.seq > upto:
            break
        now = ev.t
        data = ev.data or {}
        name = ev.name
        if ev.kind == "deferred.new" and name:
            made[name] = (ev.t, str(data.get("site", "")))
            ended.discard(name)
        elif ev.kind in ("deferred.fire", "deferred.result") and name:
            # fired, it is done unless it pauses (as the live answer: not called, or paused)
            fired.add(name)
            ended.add(name)
        elif ev.kind == "deferred.pause" and name:
            waits_on[name] = str(data.get("on", ""))
            if data.get("at"):
                at[name] = str(data["at"])
            ended.discard(name)
        elif ev.kind == "deferred.resume" and name:
            waits_on.pop(name, None)
            at.pop(name, None)
            if name in fired:  # its chain goes on: fired, not paused
                ended.add(name)
    out = []
    for name, (born, site) in made.items():
        if name in ended:
            continue
        chain = []
        seen = {name}
        cur = name
        while cur in waits_on and len(chain) < 8:
            other = waits_on[cur]
            where = f" at {at[cur]}" if cur in at else ""
            chain.append({"kind": "deferred", "name": other,
                          "text": f"{'suspended' + where + ', awaiting' if where else 'paused on'} "
                                  f"{other}"})
            if other in seen or other not in made or other in ended:
                break
            seen.add(other)
            cur = other
        out.append({"name": name, "site": site, "age": round(now - born, 6),
                    "state": "pending", "chain": chain})
    return out


def lines(waiting: list[dict[str, Any]], when: str) -> list[str]:
    if not waiting:
        return [f"no Deferred pending {when}"]
    out = [f"{len(waiting)} Deferred{'s' if len(waiting) != 1 else ''} pending {when}"]
    for w in waiting:
        site = f" made at {w['site']}" if w.get("site") else ""
        out.append(f"{w['name']}  pending {w.get('age', 0):.1f}s{site}: {w.get('state', '')}")
        for i, step in enumerate(w.get("chain", [])):
            out.append("  " + "  " * i + "└ " + step.get("text", ""))
    return out
