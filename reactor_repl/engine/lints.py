"""Twisted lints: what goes wrong in Twisted programs, said when it happens.

* ``warn.hang`` — nothing left that could ever run (no pending timer, no thread work,
  no open connection or reader) while Deferreds someone waits on are still pending.
* ``warn.unhandled`` — a chain ran out of callbacks on a Failure (``deferred.handled``
  follows if an errback is added later). Twisted's own "Unhandled error in Deferred"
  still comes when Twisted logs it: at garbage collection.
* ``warn.thread`` — a reactor API that is not thread-safe called off the reactor thread.
* ``warn.spin`` — zero-delay work keeps the loop busy for more than a second.

Each is recorded once per occurrence and counted in ``session.end``; ``--strict`` makes
any of them fail the run.
"""

from __future__ import annotations

import sys
import time
import weakref
from typing import TYPE_CHECKING, Any

from reactor_repl.engine import waiting
from reactor_repl.engine.describe import show_result

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.engine.registry import DState

SPIN_AFTER = 1.0  # seconds of zero-delay work before warn.spin


def standing(events: list[Any]) -> list[Any]:
    """The warnings of a finished session that still stand (``--strict`` fails on them):
    an unhandled failure that an errback handled later no longer counts."""
    from reactor_repl.language.kinds import WARNING_KINDS

    handled = {ev.name for ev in events if ev.kind == "deferred.handled"}
    return [ev for ev in events if ev.kind in WARNING_KINDS
            and not (ev.kind == "warn.unhandled" and ev.name in handled)]


def summary_lines(events: list[Any], where: str) -> list[str]:
    """One line per standing warning, for stderr at the end of a --strict run."""
    return [f"{where}: {ev.kind} {ev.name + ' ' if ev.name else ''}{ev.text}"[:300]
            for ev in standing(events)]


class Lints:
    def __init__(self, engine: Engine) -> None:
        self.eng = engine
        self.hang_said_for: frozenset[str] = frozenset()  # who waited when warn.hang last spoke
        self.spin_since: float | None = None  # real time the loop began spinning
        self.spin_said = False
        self.thread_sites: set[str] = set()  # warn.thread once per caller site
        # id(failure) → (the failure, weakly; the name of the Deferred whose chain ended on
        # it, unhandled still): the "Unhandled error in Deferred" Twisted logs later names no
        # Deferred. (A handled one leaves: the same failure may end another chain — a loop's
        # start() — which is the one Twisted logs; the weak reference: ids are reused.)
        self._unhandled: dict[int, tuple[Any, str, int]] = {}
        # name → DState of each chain whose warn.unhandled still stands (``awaited``)
        self.standing: dict[str, DState] = {}
        # name → (DState, text, data) of warn.unhandled not said yet (say_unhandled)
        self.unsaid: dict[str, tuple[DState, str, dict[str, Any]]] = {}

    # -- hang
    def nothing_can_run(self) -> bool:
        """No pending timer, no thread work, no open connection or reader (ports don't count)."""
        eng = self.eng
        if not self.nothing_due():
            return False
        if eng.tcp_active():
            return False
        for rec in list(eng.registry.by_name.values()):
            if rec.family == "reader" and rec.state == "watching":
                return False
        r = eng.reactor
        loop = getattr(r, "_asyncioEventloop", None)
        if loop is not None and (getattr(loop, "_scheduled", None) or getattr(loop, "_ready", None)):
            # asyncio's own timers and callbacks (an asyncio.sleep a Deferred waits on
            # through fromFuture): warn.hang said "nothing left can run", and --strict
            # ended a healthy program there
            return False
        # what else could still wake the loop: a child process's pipes, stdin (the reactor
        # watches them), and the program's own threads (one that sleeps and then calls
        # callFromThread): each was taken for a hang, and --strict ended a program that
        # would have gone on (a signal handler of its own is not counted: README)
        traced = eng.program_process  # (its listening ports too: a server waits for clients)
        return not (_other_readers(r, traced) or _program_threads(eng, traced)
                    or _children(r))

    def nothing_due(self) -> bool:
        """No pending timer and no thread work: only I/O from outside could wake the loop."""
        eng = self.eng
        r = eng.reactor
        if r is None:
            return False
        if any(dc.active() for dc in r.getDelayedCalls()):
            return False
        if r.threadCallQueue:
            return False
        return all(act.state == "delivered" for act in list(eng.clock.activities))

    def stuck(self) -> list[Any]:
        """Pending Deferreds somebody waits on (callbacks left, or awaited)."""
        out = []
        for rec, d in waiting.pending(self.eng):
            ds = rec.dstate
            if ds is None:
                continue
            if any(not link.ran for link in ds.links) or ds.paused_on is not None \
                    or d._callbacks:
                out.append((rec, d))
        return out

    def check_hang(self) -> bool:
        """Say warn.hang once per idle period; True when the loop is hung."""
        eng = self.eng
        if not self.nothing_can_run():
            return False
        stuck = self.stuck()
        if not stuck:
            return False
        stuck_now = frozenset(rec.name for rec, _ in stuck)
        if stuck_now == self.hang_said_for:
            return True  # said already, and the same Deferreds still wait
        self.hang_said_for = stuck_now
        found = waiting.waiting(eng, 0.0)
        names = [w.name for w in found]
        stuck_names = {rec.name for rec, _ in stuck}
        found = [w for w in found if w.name in stuck_names]
        lines = waiting.lines(found, 0.0)
        head = (f"hung: nothing left can run, and {len(found)} Deferred"
                f"{'s' if len(found) != 1 else ''} still wait"
                f"{'s' if len(found) == 1 else ''}: " + ", ".join(w.name for w in found))
        eng.last_warning = eng.record("warn.hang", "", head,
                                      {"lines": [head, *lines],
                                       "waiting": [w.as_dict() for w in found],
                                       "pending": names})
        return True

    # -- unhandled failures
    def chain_ended(self, ds: DState, failed: bool, result: Any) -> None:
        """A followed chain ran out of callbacks (the recorder's result sweep)."""
        rec = ds.rec
        if rec.internal:
            return
        if failed and not ds.unhandled:
            ds.unhandled = True
            if len(self._unhandled) > 1000:
                self._unhandled.clear()
            try:
                self._unhandled[id(result)] = (weakref.ref(result), rec.name,
                                               id(getattr(result, "value", None)))
            except TypeError:  # (no weak reference to it: not named later)
                pass
            ds.unhandled_by = id(result)
            if len(self.standing) > 1000:
                self.standing.pop(next(iter(self.standing)))
            self.standing[rec.name] = ds
            where = f" (made at {rec.site})" if rec.site and not rec.by_command else ""
            shown = show_result(result)
            # said once the code running now has had its turn: `return defer.fail(…)`
            # gets its errback from the caller a moment later (warned, then handled)
            self.unsaid[rec.name] = (ds, f"{rec.name} ended on {shown} with no errback "
                                     f"left{where}", {"failure": shown, "site": rec.site})
            if self.eng.reactor is not None:
                self.eng.reactor.unhandled_unsaid = True  # (its loop says it next pass)
        elif not failed and ds.unhandled:
            self._handled(ds, f"an errback handled it: now {show_result(result)}")

    def _handled(self, ds: DState, text: str) -> None:
        rec = ds.rec
        ds.unhandled = False
        self.standing.pop(rec.name, None)
        kept = self._unhandled.get(ds.unhandled_by)
        if kept is not None and kept[1] == rec.name:
            del self._unhandled[ds.unhandled_by]
        if self.unsaid.pop(rec.name, None) is not None:
            return  # handled before its warning was due: nothing to say
        self.eng.record("deferred.handled", rec.name, text, {})

    def say_unhandled(self) -> None:
        """The warn.unhandled of each chain still without an errback now that the code
        that failed it has had its turn (asked between the loop's phases, and at the end)."""
        unsaid = self.unsaid
        while unsaid:
            name = next(iter(unsaid))
            ds, text, data = unsaid.pop(name)
            if ds.unhandled:
                self.eng.last_warning = self.eng.record("warn.unhandled", name, text, data)
        if self.eng.reactor is not None:
            self.eng.reactor.unhandled_unsaid = False

    def awaited(self, alive_only: bool = False) -> None:
        """Chains that ended on a failure a coroutine then awaited (``await d``: Twisted's
        ``Deferred.__iter__`` raises it there and forgets it, so it never logs it): each
        one's warn.unhandled stops standing. Asked after each pass of the loop for the
        Deferreds still alive (it was said only at the session's end, long after the
        await), and at the end for all."""
        for name, ds in list(self.standing.items()):
            d = ds.deferred
            if d is not None:
                info = getattr(d, "_debugInfo", None)
                if info is not None and info.failResult is not None:
                    continue  # unhandled still: Twisted logs it when it is freed
            else:
                kept = self._unhandled.get(ds.unhandled_by)
                if kept is None or kept[1] != ds.rec.name:
                    # freed, and Twisted logged it: nothing to look at again (each pass
                    # looked at every one a long program had ever warned about)
                    self.standing.pop(name, None)
                    continue
                if alive_only:
                    continue  # (freed, not logged yet: the end decides)
            self._handled(ds, _taken_by(d))

    def unhandled_name(self, failure: Any) -> str:
        """The name of the chain that ended on ``failure``, which Twisted logs as unhandled.
        Freed by the collector (the usual way: its traceback holds a cycle), its weak
        reference is already cleared when Twisted logs it: then the failure's value, alive
        with it, tells it from an object that took a freed failure's address."""
        ref, name, value = self._unhandled.pop(id(failure), (None, "", None))
        if ref is None:
            return ""
        alive = ref()
        if alive is failure or (alive is None and value == id(getattr(failure, "value", None))):
            return name
        return ""

    # -- wrong thread
    def wrong_thread(self, api: str, site: str) -> None:
        key = f"{api}@{site}"
        # (one call at a line is one warning: transport.write's own reactor.addWriter, or
        # LoopingCall.start's callLater, said the same line again under another name)
        if key in self.thread_sites or (site and f"@{site}" in self.thread_sites):
            return
        self.thread_sites.add(key)
        if site:
            self.thread_sites.add(f"@{site}")
        self.eng.last_warning = self.eng.record(
            "warn.thread", "", f"{api} called from thread "
            f"{self.eng.thread_label()!r}, not the reactor's" + (f", at {site}" if site else "")
            + " (use reactor.callFromThread)", {"api": api, "site": site})

    # -- spin
    def iteration(self, due_now: bool) -> None:
        """Each pass of the loop: ``due_now`` when it did not wait (work was due at once)."""
        if not due_now:
            self.spin_since = None
            self.spin_said = False
            return
        now = time.monotonic()
        if self.spin_since is None:
            self.spin_since = now
            return
        if not self.spin_said and now - self.spin_since > SPIN_AFTER:
            self.spin_said = True
            busy = self._busiest()
            self.eng.last_warning = self.eng.record(
                "warn.spin", "" if " " in busy else busy,
                f"zero-delay work kept the loop busy for more than "
                f"{SPIN_AFTER:g}s" + (f" (mostly {busy})" if busy else "")
                + ": nothing else waits its turn for long, but the CPU never rests",
                {"seconds": round(now - self.spin_since, 3), "busiest": busy})

    def _busiest(self) -> str:
        """What made most of the recent dispatches: a loop or a timer by name — or, for
        one-shot timers made again and again (``callLater(0, step)`` in ``step``), where
        they are made (each has a name of its own: "mostly t39923" said nothing)."""
        counts: dict[str, int] = {}
        by_name = self.eng.registry.by_name
        for ev in self.eng.log.since(max(0, self.eng.log.seq - 500)):
            if ev.name and ev.kind in ("timer.fire", "loop.call", "threadcall.run"):
                key = ev.name
                if ev.kind == "timer.fire":
                    rec = by_name.get(ev.name)
                    if rec is not None and rec.site:
                        key = f"timers made at {rec.site}"
                counts[key] = counts.get(key, 0) + 1
        return max(counts, key=lambda n: counts[n]) if counts else ""


def _taken_by(d: Any) -> str:
    """Who took a failure Twisted will not log: a coroutine's await raises it and leaves it
    in the Deferred; a callback of another Deferred that returned this one takes it away
    (defer.py ``_runCallbacks``: "Steal it", or a chain that waited hands it on)."""
    if d is not None and d.result is None:
        return ("passed on: a callback returned this Deferred, and its failure went on down "
                "the chain that waited for it (Twisted does not log it here)")
    return "awaited: the failure was raised where a coroutine awaited it (Twisted does not log it)"


def _other_readers(r: Any, ports: bool) -> bool:
    """The reactor watches something the lint does not count otherwise: not its wakers,
    what the engine records itself (connections, the explorer's readers), or — unless
    ``ports`` (a traced server: its clients come from outside) — a listening TCP port
    (in a session, the only clients are the person's own lines)."""
    from twisted.internet import tcp

    try:
        readers = list(r.getReaders()) + list(r.getWriters())
    except Exception:
        return False
    for reader in readers:
        if isinstance(reader, tcp.BaseClient) and not reader.connected:
            return True  # a client still connecting (SYNs retried): its outcome will come
        if isinstance(reader, tcp.Connection) or (isinstance(reader, tcp.Port) and not ports):
            continue
        # (the reactor's own wakers — a thread call's, SIGCHLD's — are always there)
        if type(reader).__module__.startswith(("reactor_repl.", "twisted.internet._signals")):
            continue
        return True
    return False


def _children(r: Any) -> bool:
    """A child process of Twisted's still running (``spawnProcess``, even with no pipes:
    ``childFDs`` inherited): its end — SIGCHLD, ``processEnded`` — will wake the loop.
    One that has ended but is not reaped (no SIGCHLD handler: ``installSignalHandlers=
    False``) wakes nothing: it is a zombie for good, and the loop hangs as under python."""
    process = sys.modules.get("twisted.internet.process")
    handlers = getattr(process, "reapProcessHandlers", None)
    return any(_running(pid) for pid in list(handlers or ()))


def _running(pid: int) -> bool:
    """The process is there and not a zombie (Linux's /proc: its state; elsewhere, taken
    as running). Not waitpid: that would reap it, which is Twisted's to do."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    state = stat.rsplit(b")", 1)[-1].split()[:1]
    return state != [b"Z"]


def _program_threads(eng: Any, traced: bool) -> bool:
    """A thread of the traced program's own (in a session: of a module in ``use``) is
    alive and could act: not Twisted's pool, not ours, not parked for good (an idle pool's
    worker waiting for work, a ``queue.get()`` with no timeout: only the hung loop could
    give them something)."""
    frames = sys._current_frames()
    for t, module in waiting.others_threads(eng):
        if not traced and module not in _persons():
            continue  # (a session's process has threads of others: only a used module's)
        if _parked(frames.get(t.ident)):  # type: ignore[arg-type]
            continue
        return True
    return False


def _parked(frame: Any) -> bool:
    """The thread waits in threading's ``wait`` with no timeout (a Condition's, an
    Event's, a Queue's get): it goes on only when another thread wakes it."""
    if frame is None or frame.f_code.co_name != "wait" \
            or not frame.f_code.co_filename.endswith("threading.py"):
        return False
    try:
        return frame.f_locals.get("timeout") is None
    except Exception:
        return False


def _persons() -> set[str]:
    """The modules a session's ``use`` imported."""
    from reactor_repl.engine.python import PERSONS

    return PERSONS
