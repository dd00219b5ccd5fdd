"""The state pane (F2): the clock, what the loop is doing now, and the live objects.

Built from ``Engine.snapshot()`` plus what the event stream says (``LoopWatch``):
the pane never asks the reactor anything.
"""

from __future__ import annotations

import time
from typing import Any

from prompt_toolkit.formatted_text import StyleAndTextTuples

from reactor_repl.engine.events import DISPATCH_KINDS, Event
from reactor_repl.engine.teaching import stats_line
from reactor_repl.language.table import BY_NAME
from reactor_repl.ui.log_pane import wrap
from reactor_repl.ui.waiting_watch import NOTHING, Waits, first_link, since_taken

POLLERS = {"EPollReactor": "epoll", "PollReactor": "poll", "SelectReactor": "select",
           "KQueueReactor": "kqueue"}
SECTIONS = (
    ("timers", ("timer",)),
    ("loops", ("loop",)),
    ("deferreds", ("deferred",)),
    ("readers and writers", ("reader", "writer")),
    ("threads", ("thread", "threadcall")),
    ("servers and connections", ("server", "client", "conn")),
    ("triggers", ("trigger",)),
)
FINISHED_SHOWN = 2  # finished objects of a family still listed (the latest to finish)
LIVE_SHOWN = 12  # pending objects of a family listed by name
WARNING_SHOWN = 10.0  # seconds the latest warning stays in the pane
NAMES_KEPT = 20_000  # names whose latest event LoopWatch remembers (the oldest go first)


class LoopWatch:
    """What the event stream tells about the loop: where a block started, what waits for
    it, the poller, whether reactor.stop was called."""

    def __init__(self) -> None:
        self.last_dispatch: Event | None = None
        self.last_input: Event | None = None
        self.blocked_in = ""
        self.poller = "epoll"
        self.blocked = False
        self.stopped = False  # reactor.stop was called: the loop ends after the shutdown triggers
        self.queued = 0  # reactor commands typed during the current block: they wait for it
        self.warning: Event | None = None  # the latest warn.* event
        self.warning_at = 0.0  # when (monotonic) it was seen
        self.latest: dict[str, int] = {}  # name -> seq of its latest event: what finished last

    def _forget(self) -> None:
        """Keep the names that acted last (half of NAMES_KEPT)."""
        # (the cut from the seqs sorted in C: sorting the pairs by a Python key took the
        # UI thread ~20 ms each time, once a second under a storm of new names)
        cut = sorted(self.latest.values())[-(NAMES_KEPT // 2)]
        self.latest = {name: seq for name, seq in self.latest.items() if seq >= cut}

    def see(self, ev: Event) -> None:
        kind = ev.kind
        name = ev.name
        if name:  # (every event under a storm: one dict store, nothing more)
            latest = self.latest
            latest[name] = ev.seq
            if len(latest) > NAMES_KEPT:
                self._forget()
        if kind in DISPATCH_KINDS:
            if ev.thread == "reactor":
                self.last_dispatch = ev
        elif kind == "input":
            self.last_input = ev
            word = ev.text.split()[0] if ev.text.split() else ""
            cmd = BY_NAME.get(word)
            if self.blocked and cmd is not None and cmd.where == "reactor":
                self.queued += 1
        elif kind == "block.start":
            d = self.last_dispatch
            if d is not None and d.tick == ev.tick:
                self.blocked_in = f"in {d.kind} {d.name}".rstrip()
            elif self.last_input is not None:
                self.blocked_in = f"in typed '{self.last_input.text}'"
            else:
                self.blocked_in = ""
            self.blocked = True
            self.queued = 0
        elif kind == "block.end":
            self.blocked_in = ""
            self.blocked = False
            self.queued = 0
        elif kind == "reactor.stop":
            self.stopped = True
        elif kind.startswith("warn."):
            self.warning = ev
            self.warning_at = time.monotonic()
        elif kind == "session.reset":  # a fresh session in the same explorer
            poller = self.poller
            self.__init__()  # type: ignore[misc]
            self.poller = poller
        elif kind == "session.start" and ev.data:
            self.poller = POLLERS.get(str(ev.data.get("reactor", "")), "the poller")


def loop_status(snap: dict[str, Any], watch: LoopWatch) -> tuple[str, str]:
    """(style, text) saying what the loop does right now: BLOCKED 1.2s …"""
    style, text = _loop_status(snap, watch)
    if snap.get("stepping") and style != "class:state.blocked":
        text += " · a step waits for the next dispatches (continue cancels)"
    return style, text


def _loop_status(snap: dict[str, Any], watch: LoopWatch) -> tuple[str, str]:
    phase = snap.get("phase", "idle")
    secs = float(snap.get("phase_for", 0.0))
    record = snap.get("record")  # view FILE.jsonl: nothing runs
    if record:
        return "class:state.dim", str(record.get("ended") or "a record")
    program = snap.get("program")  # beside a traced program: its loop is its own
    if program:
        if program.get("ended"):
            return "class:state.dim", f"{program['ended']}: quit leaves"
        if program.get("loop") == "not started":
            return "class:state.dim", "not running: the program has not called reactor.run()"
        if program.get("loop") == "stopped":
            return "class:state.dim", "its reactor stopped; the program goes on"
    if snap.get("ended"):
        return "class:state.dim", "the session has ended"
    if watch.stopped:
        if not snap.get("loop_stopped", True):  # its shutdown triggers run (a pool's join)
            if snap.get("shutdown") == "BEFORE":  # (a before trigger's Deferred holds it)
                return "class:state.dim", ("stopping (reactor.stop): a before trigger holds "
                                           "it; the loop runs on")
            return "class:state.dim", ("stopping (reactor.stop): the shutdown runs; lines "
                                       "typed now never run")
        return "class:state.dim", "stopped (reactor.stop): quit leaves"
    stuck = snap.get("stuck")  # the live watchdog's finding, while the loop is away too long
    if phase == "blocked" or (phase == "run" and stuck):
        during = stuck.get("during") if stuck else ""
        where = f"during {during}" if during else watch.blocked_in
        turn_for = snap.get("turn_for")
        if turn_for is not None:  # virtual: the block waits for the file's next line, and
            secs = turn_for  # has lasted this long on its clock (not the real seconds since)
        text = f"BLOCKED {secs:.1f}s" + (f" {where}" if where else "")
        return "class:state.blocked", text
    if phase == "paused":
        return "class:state.paused", f"paused before {snap.get('paused_at') or '?'} (continue/step)"
    if phase == "poll":
        return "class:state.running", f"waiting in {watch.poller} {secs:.1f}s"
    if phase == "run":
        return "class:state.running", "running callbacks"
    if snap.get("clock") == "virtual":
        return "class:state.dim", "idle: time moves on wait/step/block"
    return "class:state.dim", "idle"


def clock_text(snap: dict[str, Any]) -> str:
    return f"{snap.get('clock', 'live')} {snap.get('now', 0.0):.3f}s · tick {snap.get('tick', 0)}"


def _describe(item: dict[str, Any], now: float, stopped: bool = False) -> tuple[str, str]:
    """(style, text) for one object (``stopped``: the reactor has stopped: a timer or loop
    left pending will never run)."""
    fam = item["family"]
    state = item["state"]
    detail = item.get("detail") or ""
    if stopped and item.get("pending") and fam == "timer":
        return "class:state.dim", "never fires: the reactor stopped"
    if stopped and item.get("pending") and fam == "loop":
        return "class:state.dim", "ended with the reactor"
    if fam == "timer" and item.get("due") is not None:
        left = item["due"] - now
        if left < 0:
            return "class:state.failed", f"overdue {-left:.1f}s (due {item['due']:.3f})"
        return "class:state.running", f"in {left:.1f}s (due {item['due']:.3f})"
    deferred = item.get("deferred")
    if deferred and fam in ("deferred", "thread", "client"):
        style = ("class:state.failed" if deferred.startswith("failed") else
                 "class:state.fired" if deferred.startswith("fired") else "class:state.running")
        extra = f" · {state}" if fam != "deferred" else ""
        return style, deferred + extra
    style = "class:state.running" if item.get("pending") else "class:state.dim"
    if state in ("failed",):
        style = "class:state.failed"
    return style, " · ".join(x for x in (state, detail) if x)


def state_fragments(snap: dict[str, Any], watch: LoopWatch, queued: int = 0,
                    width: int = 40, wall: float | None = None,
                    waits: Waits | None = None) -> StyleAndTextTuples:
    """The whole pane as formatted text (``wall``: monotonic now, for the warning's age;
    ``waits``: the oldest pending Deferreds and what each waits for)."""
    out: StyleAndTextTuples = []
    now = float(snap.get("now", 0.0))
    wall = time.monotonic() if wall is None else wall
    stopped = watch.stopped  # reactor.stop ran: what is left pending never runs

    def line(*parts: tuple[str, str]) -> None:
        for screen_line in wrap(list(parts), width, indent=" " * 9):
            out.extend(screen_line)
            out.append(("", "\n"))

    line(("class:state.title", "state"), ("class:state.dim", "  (F2 hides)"))
    line(("class:state.label", "clock  "), ("", clock_text(snap)))
    style, text = loop_status(snap, watch)
    line(("class:state.label", "loop   "), (style, text))
    stuck = snap.get("stuck")
    if stuck and style == "class:state.blocked":
        line(("class:state.label", "       "),
             ("class:state.dim", f"at {stuck.get('file')}:{stuck.get('line')} "
                                 f"in {stuck.get('function')}()"))
    waiting = queued + snap.get("commands_waiting", watch.queued)
    if waiting and snap.get("phase") in ("blocked", "paused"):
        line(("class:state.label", "queue  "),
             ("class:status.queue", f"{waiting} typed, waiting for the loop to be free"))
    pool = snap.get("pool", {})
    if pool.get("size", 0) or pool.get("busy", 0) or pool.get("queued", 0):  # ("0/0": a record)
        line(("class:state.label", "pool   "),
             ("", f"{pool.get('busy', 0)}/{pool.get('size', 0)} busy · "
                  f"{pool.get('queued', 0)} queued"))
    stats = snap.get("stats")
    if stats:
        line(("class:state.label", "stats  "), ("class:state.dim", stats_line(stats)))
    warning = watch.warning
    if warning is not None and wall - watch.warning_at < WARNING_SHOWN:
        age = wall - watch.warning_at
        line(("class:state.label", "warn   "), ("class:state.failed", warning.text),
             ("class:state.dim", f" ({age:.0f}s ago)"))
    if waits is not None and waits.pending:
        waiting_section(line, waits, float(snap.get("now") or 0.0))
    items = snap.get("items") or []
    for title, families in SECTIONS:
        mine = [it for it in items if it["family"] in families]
        if not mine:
            continue
        live = [it for it in mine if it.get("pending")]
        done = [it for it in mine if not it.get("pending")]
        line(("class:state.title", title),
             ("class:state.dim", f"  {len(live)} pending" + (f", {len(done)} done" if done
                                                             else "")))
        latest = watch.latest
        done.sort(key=lambda it: latest.get(it["name"], 0))  # the order they finished in
        for it in live[:LIVE_SHOWN]:
            style, text = _describe(it, now, stopped)
            line(("", f"  {it['name']:<6} "), (style, text))
        if len(live) > LIVE_SHOWN:
            line(("class:state.dim", f"  … {len(live) - LIVE_SHOWN} more pending"))
        for it in done[-FINISHED_SHOWN:]:
            style, text = _describe(it, now, stopped)
            line(("", f"  {it['name']:<6} "), (style, text))
        if len(done) > FINISHED_SHOWN:
            line(("class:state.dim", f"  … {len(done) - FINISHED_SHOWN} more done"))
    if out and out[-1] == ("", "\n"):
        out.pop()
    return out


def waiting_section(line: Any, waits: Waits, now: float = 0.0) -> None:
    """The oldest pending Deferreds: age, where each was made, the first link of its chain
    (as of ``now``, the session's time: the look behind them is up to a second old)."""
    later = max(0.0, now - waits.taken) if waits.taken is not None else 0.0
    n = waits.pending
    line(("class:state.title", "waiting"),
         ("class:state.dim", f"  {n} pending Deferred{'s' if n != 1 else ''}"
                             + (", oldest first" if n > 1 else "")))
    for w in waits.top:
        age, link = since_taken(w, first_link(w), later)
        style = "class:state.failed" if link == NOTHING else "class:state.running"
        site = str(w.get("site") or "")
        line(("", f"  {str(w.get('name', '')):<6} "), ("", f"{age:.1f}s"),
             ("class:state.dim", f" {site}" if site else ""))
        line(("", "         "), (style, "└ " + link))
    if n > len(waits.top):
        line(("class:state.dim", f"  … {n - len(waits.top)} more (waiting 0 lists them)"))
