"""``expect``: checks over the log so far. A failing one is ``expect.fail``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.python.failure import Failure

from reactor_repl.engine.describe import show_result
from reactor_repl.engine.events import again, occurrences
from reactor_repl.language.values import show_value

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed


def _where(ev: Any) -> str:
    return f"#{ev.seq} tick {ev.tick} t={ev.t:.3f}" if ev is not None else "never"


def check(eng: Engine, form: Parsed) -> tuple[bool, str]:
    """(passed, what was seen)."""
    log = eng.log
    a = form.args
    kind = form.name
    if kind == "order":
        tokens = list(a["TOKENS"])
        nth = occurrences(tokens)  # (l1 t1 l1: l1's first, then its second)
        seen = [(tok, log.nth_dispatch(tok, k)) for tok, k in zip(tokens, nth)]
        missing = [again(tok, k) for (tok, ev), k in zip(seen, nth) if ev is None]
        if missing:
            return False, "not dispatched yet: " + ", ".join(missing)
        real = sorted(seen, key=lambda x: x[1].seq)
        text = " ".join(f"{tok}(#{ev.seq},tick {ev.tick})" for tok, ev in real)
        return [t for t, _ in real] == list(a["TOKENS"]), "order was " + text
    if kind in ("same-tick", "later-tick"):
        ea, eb = log.first_dispatch(a["A"]), log.first_dispatch(a["B"])
        if ea is None or eb is None:
            missing = [t for t, e in ((a["A"], ea), (a["B"], eb)) if e is None]
            return False, "not dispatched yet: " + ", ".join(missing)
        seen = f"{a['A']} in tick {ea.tick}, {a['B']} in tick {eb.tick}"
        ok = ea.tick == eb.tick if kind == "same-tick" else ea.tick < eb.tick
        return ok, seen
    if kind in ("result", "failure"):
        obj = eng.get(a["NAME"], "deferred")
        d = obj.deferred
        if d is None:
            return False, f"{obj.name} was collected"
        if not d.called:
            return False, f"{obj.name} has not fired"
        res = getattr(d, "result", None)
        if kind == "result":
            want = a["VALUE"]
            if isinstance(res, bytes):
                res = res.decode("utf-8", "replace")
            ok = not isinstance(res, Failure) and (
                res == want or show_value(res) == show_value(want) or str(res) == str(want)
                or (isinstance(res, type) and res.__name__ == want))
            return ok, f"{obj.name} result is {show_result(res)}"
        if not isinstance(res, Failure):
            return False, f"{obj.name} result is {show_result(res)}, not a failure"
        text = a["TEXT"]
        shown = show_result(res)
        return (not text or text in shown), f"{obj.name} failed: {shown}"
    if kind == "pending":
        obj = eng.get(a["NAME"], "any")
        if obj.deferred is not None and obj.family in ("deferred", "thread", "client"):
            from reactor_repl.engine.show import deferred_state

            ok = not obj.deferred.called or bool(obj.deferred.paused)
            return ok, f"{obj.name} is {deferred_state(obj)}"
        return obj.pending, f"{obj.name} is {obj.state}"
    if kind == "count":
        n = log.count(a["WHAT"])
        return n == a["N"], f"{a['WHAT']} happened {n} time{'s' if n != 1 else ''}"
    if kind == "late":
        obj = eng.get(a["NAME"], "timer", "loop")
        late = getattr(obj, "late", None)
        if late is None:
            return False, f"{obj.name} has not run"
        ok = late >= a["SECONDS"] - 1e-6 if a["OP"] == ">=" else late <= a["SECONDS"] + 1e-6
        return ok, f"{obj.name} ran late +{late:.3f}s"
    return False, f"unknown expectation {kind}"  # pragma: no cover


def run(eng: Engine, form: Parsed) -> bool:
    return say(eng, form, *check(eng, form))


def say(eng: Engine, form: Parsed, ok: bool, seen: str) -> bool:
    """Record an expectation's verdict (``expect.pass`` / ``expect.fail``); returns ``ok``."""
    kind = "expect.pass" if ok else "expect.fail"
    eng.record(kind, "", f"{form.text}: {'✓' if ok else '✗'} {seen}",
               {"expect": form.text, "seen": seen})
    return ok
