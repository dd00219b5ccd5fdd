"""What ``show`` and the state pane say about an object, read from its record."""

from __future__ import annotations

from typing import Any

from twisted.python.failure import Failure

from reactor_repl.engine.describe import show_result
from reactor_repl.engine.registry import Record


def deferred_state(rec: Record) -> str:
    """``pending (2 callbacks waiting)``, ``paused on d2``, ``fired: 42``, ``failed: …``."""
    ds = rec.dstate
    if ds is None:
        return ""
    d = ds.deferred
    if d is None:
        return "collected"
    if ds.paused_on and (d.paused or not d.called):
        where = f" at {ds.waiting_at}" if ds.waiting_at else ""
        return f"paused on {ds.paused_on}{where}" if d.paused else \
            f"awaiting {ds.paused_on}{where}"
    if not d.called:
        left = sum(1 for link in ds.links if not link.ran)
        return (f"pending ({left} callback{'s' if left != 1 else ''} waiting)" if left
                else "pending")
    res = d.__dict__.get("result")
    if isinstance(res, Failure):
        return f"failed: {show_result(res)}"
    return f"fired: {show_result(res)}"


def lines(rec: Record, engine: Any = None) -> list[str]:
    """``show NAME``: the state line first, then (a Deferred) its links, ✓ for those run,
    and while it is pending what it waits for (``waiting``'s chain; needs ``engine``)."""
    ds = rec.dstate
    if ds is None:
        head = f"{rec.name}: {rec.family} {rec.state} {rec.detail}".rstrip()
        due = getattr(rec, "due_shown", None)
        if engine is not None and rec.state == "scheduled" and due is not None \
                and engine.now() - due >= 0.0005:
            # the loop is held (a block, a break) past it: not a timer about to run on time
            head += f", overdue {engine.now() - due:.3f}s"
        return [head + (f"  (made at {rec.site})" if _shown_site(rec) else "")]
    out = [f"{rec.name}: {deferred_state(rec)}"]
    if rec.family != "deferred":
        out[0] += f"  ({rec.family} {rec.state} {rec.detail})".rstrip()
    if _shown_site(rec):
        out[0] += f"  (made at {rec.site})"
    if ds.coroutine:
        out.append(f"  coroutine {ds.coroutine}()")
    for i, link in enumerate(ds.links, 1):
        mark = "✓" if link.ran else " "
        ran = f" (ran {link.ran})" if link.ran else ""
        out.append(f"  {mark} {i}. {link.text()}{ran}")
    d = ds.deferred
    if not ds.links:
        out.append(_unlisted(rec, d, engine))
    if d is not None and (not d.called or d.paused) and engine is not None:
        from reactor_repl.engine import waiting

        out.append("  waits for:")
        out += ["  " + "  " * i + "└ " + step.text
                for i, step in enumerate(waiting.chain_of(engine, d))]
    return out


def _unlisted(rec: Record, d: Any, engine: Any) -> str:
    """A Deferred with no callback of the program's: none at all, or only Twisted's own —
    a coroutine awaiting it (``inlineCallbacks``, ``await``) adds one, and it read as
    "(no callbacks)" while a coroutine waited on it."""
    # (Twisted's own list: its public ``callbacks`` warns it is deprecated, a warning the
    # person's log got on every such show)
    chain = getattr(d, "_callbacks", None) if d is not None else None
    if chain is None and d is not None:
        chain = getattr(d, "callbacks", None)
    theirs = len(chain or ())
    if not theirs:
        return "  (no callbacks)"
    waiters = []
    if engine is not None:
        for other in list(engine.registry.by_name.values()):
            ods = other.dstate
            ref = getattr(ods, "awaiting", None) if ods is not None else None
            if ref is not None and ref() is d:
                waiters.append(other.name + (f" at {ods.waiting_at}" if ods.waiting_at else ""))
    who = f": {', '.join(waiters)} waits on it" if waiters else ""
    return (f"  (no callbacks of the program's; {theirs} of Twisted's{who})")


def _shown_site(rec: Record) -> bool:
    """Where the person's code made it (a command's own line goes without saying)."""
    return bool(rec.site) and not rec.by_command


def value_of(rec: Record) -> Any:
    """The object a ``py`` line sees under the record's name."""
    if rec.dstate is not None:
        return rec.deferred
    return rec.obj
