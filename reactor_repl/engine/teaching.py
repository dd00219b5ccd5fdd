"""Predictions, end-of-session checks and loop statistics."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from twisted.python.failure import Failure

from reactor_repl.engine.describe import show_result
from reactor_repl.engine.events import again, occurrences, token_matcher
from reactor_repl.language.kinds import KIND_FAMILIES, KINDS

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine


@dataclass
class Prediction:
    """A bet on the order of the next dispatches of ``names``: graded on what happens
    after it was made (``after_seq``), not on what already had (a loop of a traced
    program that ran long before the bet). A name given again is its next dispatch."""

    names: list[str]
    after_seq: int
    found: dict[int, Any] = field(default_factory=dict)  # place in names → its event
    scanned: int = -1  # the last seq looked at (after_seq until the first look)
    lock: Any = field(default_factory=threading.Lock)  # (any thread's event may look)

    def look(self, log: Any) -> bool:
        """Find the tokens' events among those recorded since the last look; True once
        every place has one."""
        with self.lock:
            fresh = log.since(self.after_seq if self.scanned < 0 else self.scanned)
            if fresh:
                self.scanned = fresh[-1].seq
                found = self.found
                for tok in dict.fromkeys(self.names):
                    places = [i for i, n in enumerate(self.names) if n == tok and i not in found]
                    if places:
                        match = token_matcher(tok)
                        for i, ev in zip(places, (e for e in fresh if match(e))):
                            found[i] = ev
            return len(self.found) == len(self.names)

    def missing(self) -> list[str]:
        """The names still waited for (a name given again: its next time)."""
        return [again(n, k) for i, (n, k) in enumerate(zip(self.names, occurrences(self.names)))
                if i not in self.found]


class PredictionWatch:
    """Checks pending predictions at every event, while there are any.

    A token is anything ``expect order`` takes: NAME, KIND:NAME or KIND; its event may be
    one that is recorded, not dispatched (``deferred.fire:d1`` typed at the prompt,
    ``timer.cancel:t2``), so checking after dispatches only left such a prediction
    unanswered. Subscribed to every kind (so the log hands it a list of its own, and it
    may leave that list from inside the call) only while predictions are pending."""

    kinds = KINDS

    def __init__(self, eng: Engine) -> None:
        self.eng = eng
        self.on = False

    def start(self) -> None:
        if not self.on:
            self.on = True
            self.eng.log.subscribe(self)

    def __call__(self, ev: Any) -> None:
        eng = self.eng
        if eng.predictions:
            check_predictions(eng)
        if not eng.predictions and self.on:
            self.on = False
            eng.log.unsubscribe(self)


_watches: WeakKeyDictionary[Any, PredictionWatch] = WeakKeyDictionary()  # by EventLog


def add_prediction(eng: Engine, names: list[str]) -> None:
    eng.predictions.append(Prediction(list(names), eng.log.seq))
    unknown = [n for n in names if ":" not in n and n not in KINDS and n not in KIND_FAMILIES
               and n not in eng.objects and eng.log.first_dispatch(n) is None]
    eng.record("predict", "", "you predict: " + " → ".join(names) +
               " (checked when all have dispatched)" +
               (f"; no object is named {', '.join(unknown)} yet: it waits for "
                f"{'one' if len(unknown) == 1 else 'them'}" if unknown else ""),
               {"names": list(names), "unknown": unknown})
    check_predictions(eng)
    if eng.predictions:
        watch = _watches.get(eng.log)
        if watch is None or watch.eng is not eng:
            watch = _watches[eng.log] = PredictionWatch(eng)
        watch.start()


def check_predictions(eng: Engine) -> None:
    """Answer each prediction whose tokens have all happened (the others wait)."""
    for pred in list(eng.predictions):
        if pred.look(eng.log):
            firsts = [(pred.names[i], ev) for i, ev in pred.found.items()]
            try:
                eng.predictions.remove(pred)
            except ValueError:  # another thread's event answered it just now
                continue
            real = sorted(firsts, key=lambda x: x[1].seq)
            order = [n for n, _ in real]
            ok = order == pred.names
            shown = " → ".join(f"{n} (tick {ev.tick})" for n, ev in real)
            ticks: Any = {n: ev.tick for n, ev in real}
            if len(ticks) < len(real):  # a name given twice: its ticks in turn
                ticks = [[n, ev.tick] for n, ev in real]
            eng.record("predict", "", ("✓ right: " if ok else "✗ the real order: ") + shown,
                       {"names": pred.names, "real": order, "ok": ok, "ticks": ticks})


def session_end_checks(eng: Engine) -> None:
    """Failures left unhandled in named Deferreds: Twisted would log them at collection.
    Predictions that could not be checked say why."""
    check_predictions(eng)
    for pred in list(eng.predictions):
        never = pred.missing()
        eng.record("predict", "", "not checked: " + ", ".join(never) + " never dispatched "
                   "(you predicted " + " → ".join(pred.names) + ")",
                   {"names": pred.names, "never": never, "ok": None})
    eng.predictions.clear()
    for obj in list(eng.objects.values()):
        d = obj.deferred
        if d is None or not d.called or d.paused:
            continue
        res = getattr(d, "result", None)
        info = getattr(d, "_debugInfo", None)  # (an awaited failure: Twisted forgot it)
        if isinstance(res, Failure) and info is not None and info.failResult is not None:
            eng.record("deferred.unhandled", obj.name,
                       f"Unhandled error in Deferred: {show_result(res)}",
                       {"error": show_result(res)})


def loop_stats(eng: Engine) -> dict[str, Any]:
    """Loop lag, busy vs waiting, dispatch rate: for ``session.end`` and the state pane.

    Lag percentiles cover the last 10,000 timer and loop calls; max covers the session.
    Waiting is time the loop spent with nothing to do: the clock jumping (virtual) or
    the poller blocking (live); busy is the rest. On the virtual clock every figure is
    deterministic.
    """
    import time

    lag = eng.lag
    r = eng.reactor
    elapsed = max(0.0, eng.now()) if r is not None else 0.0
    if eng.virtual or r is None:
        waiting = eng.waited
    else:
        waiting = r.io_wait
        began = r._wait_began
        if began is not None:  # waiting right now
            waiting += max(0.0, time.monotonic() - began)
    if round(elapsed, 6) == 0:  # (the virtual clock's nanosecond nudges are no time:
        elapsed = 0.0  # 7.5e12 dispatches a second, said of a run at 0.000)
    waiting = min(waiting, elapsed)
    busy = elapsed - waiting
    # (not from the log's counts: counting a storm's backlog took the state pane 100-200
    # ms once a second, in the UI's thread; the same numbers, kept as they happen)
    dispatches = r.dispatch_base + r.dispatches if r is not None else 0
    return {
        "lag_p50": round(lag.percentile(0.5), 6),
        "lag_p99": round(lag.percentile(0.99), 6),
        "lag_max": round(lag.max, 6),
        "lag_count": lag.count,
        "ticks": r.tick if r is not None else 0,
        "elapsed": round(elapsed, 6),
        "busy_s": round(busy, 6),
        "wait_s": round(waiting, 6),
        "busy_share": round(busy / elapsed, 4) if elapsed > 0 else 0.0,
        "wait_share": round(waiting / elapsed, 4) if elapsed > 0 else 0.0,
        "dispatches": dispatches,
        "dispatches_per_s": round(dispatches / elapsed, 1) if elapsed > 0 else 0.0,
        "slow": eng.warned["warn.slow"],
        "blocked": eng.warned["warn.blocked"],
    }


def stats_line(stats: dict[str, Any]) -> str:
    """One line for the state pane: ``lag p50 0.000s p99 0.002s max 0.010s · busy 12% …``."""
    line = (f"lag p50 {stats['lag_p50']:.3f}s p99 {stats['lag_p99']:.3f}s "
            f"max {stats['lag_max']:.3f}s · busy {stats['busy_share']:.0%} "
            f"io wait {stats['wait_share']:.0%} · {stats['dispatches_per_s']:,.0f} dispatches/s")
    warns = [f"{stats[k]} {k}" for k in ("slow", "blocked") if stats.get(k)]
    return line + (" · " + ", ".join(warns) if warns else "")
