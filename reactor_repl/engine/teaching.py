"""Predictions, end-of-session checks and loop statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twisted.python.failure import Failure

from reactor_repl.engine.deferreds import show_result

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine


@dataclass
class Prediction:
    names: list[str]
    after_seq: int


def add_prediction(eng: Engine, names: list[str]) -> None:
    eng.predictions.append(Prediction(list(names), eng.log.seq))
    eng.record("predict", "", "you predict: " + " → ".join(names) +
               " (checked when all have dispatched)", {"names": list(names)})
    check_predictions(eng)


def check_predictions(eng: Engine) -> None:
    for pred in list(eng.predictions):
        firsts = []
        for n in pred.names:
            ev = eng.log.first_dispatch(n)
            if ev is None:
                return
            firsts.append((n, ev))
        eng.predictions.remove(pred)
        real = sorted(firsts, key=lambda x: x[1].seq)
        order = [n for n, _ in real]
        ok = order == pred.names
        shown = " → ".join(f"{n} (tick {ev.tick})" for n, ev in real)
        eng.record("predict", "", ("✓ right: " if ok else "✗ the real order: ") + shown,
                   {"names": pred.names, "real": order, "ok": ok,
                    "ticks": {n: ev.tick for n, ev in real}})


def session_end_checks(eng: Engine) -> None:
    """Failures left unhandled in named Deferreds: Twisted would log them at collection."""
    for obj in list(eng.objects.values()):
        d = obj.deferred
        if d is None or not d.called or d.paused:
            continue
        res = getattr(d, "result", None)
        if isinstance(res, Failure):
            eng.record("deferred.unhandled", obj.name,
                       f"Unhandled error in Deferred: {show_result(res)}",
                       {"error": show_result(res)})


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))
    return s[k]


def loop_stats(eng: Engine) -> dict[str, Any]:
    lag = eng.lag[-10000:]
    return {
        "lag_p50": round(_pct(lag, 0.5), 6),
        "lag_p99": round(_pct(lag, 0.99), 6),
        "lag_max": round(max(lag), 6) if lag else 0.0,
        "ticks": eng.reactor.tick if eng.reactor is not None else 0,
    }
