"""Deferred tracing: a ``Deferred`` subclass that records, and changes nothing.

Callbacks are wrapped so each link that runs is a ``deferred.step`` with its
input, output and branch; Twisted's own ``_runCallbacks`` still decides what
runs when (pausing on a returned Deferred, resuming, skipping with passthru).
Pause, resume and the final result are noticed by a sweep after each outermost
call, since Twisted resumes a chain without calling any method we could hook.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import defer
from twisted.python.failure import Failure

from reactor_repl.language.values import show_value

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

passthru = defer.passthru
_NO_RESULT = object()
_made = itertools.count(1)  # creation order: the order a sweep reports results in


def failure_message(f: Failure) -> str:
    """A failure's message on one line (FirstError's own str() is a multi-line repr)."""
    exc = f.value
    if isinstance(exc, defer.FirstError):
        inner = exc.subFailure
        return f"#{exc.index} {inner.type.__name__}: {failure_message(inner)}".rstrip(": ")
    text = " ".join(f.getErrorMessage().split())
    return text if len(text) <= 120 else text[:117] + "..."


def show_result(value: Any) -> str:
    if isinstance(value, Failure):
        message = failure_message(value)
        return f"Failure({value.type.__name__}: {message})" if message else \
            f"Failure({value.type.__name__})"
    if isinstance(value, TracedDeferred):
        return f"<Deferred {value.rr_name}>"
    if isinstance(value, defer.Deferred):
        return "<Deferred>"
    return show_value(value)


def plain_result(value: Any) -> Any:
    """A JSON-friendly form of a result for event data."""
    if isinstance(value, Failure):
        return {"failure": value.type.__name__, "message": failure_message(value)}
    if isinstance(value, defer.Deferred):
        return {"deferred": getattr(value, "rr_name", "")}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain_result(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)


def label_of(fn: Callable[..., Any]) -> str:
    label = getattr(fn, "_rr_label", None)
    if label:
        return str(label)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, TracedDeferred):
        return f"{owner.rr_name}.{getattr(fn, '__name__', name)}"
    return str(name)


@dataclass
class Link:
    callback: str
    errback: str
    ran: str = ""  # "", "callback" or "errback"


class TracedDeferred(defer.Deferred):  # type: ignore[type-arg]
    """The explorer's own Deferreds (and the ones it wraps for deferToThread etc.)."""

    def __init__(self, engine: Engine, name: str, canceller: Any = None) -> None:
        super().__init__(canceller)
        self.rr_engine = engine
        self.rr_name = name
        self.rr_links: list[Link] = []
        self.rr_paused_on: str | None = None
        self.rr_awaiting: defer.Deferred | None = None  # the Deferred it is paused on
        self.rr_dirty = False
        self.rr_seq = next(_made)

    # -- adding links
    def addCallbacks(self, callback: Any, errback: Any = None, callbackArgs: Any = (),
                     callbackKeywords: Any = None, errbackArgs: Any = (),
                     errbackKeywords: Any = None) -> TracedDeferred:
        if errback is None:
            errback = passthru
        link = Link(label_of(callback) if callback is not passthru else "",
                    label_of(errback) if errback is not passthru else "")
        self.rr_links.append(link)
        eng = self.rr_engine
        eng.record("deferred.add", self.rr_name, _link_text(link),
                   {"callback": link.callback, "errback": link.errback,
                    "index": len(self.rr_links)})
        super().addCallbacks(self._wrap(callback, "callback", link),
                             self._wrap(errback, "errback", link),
                             callbackArgs, callbackKeywords or {}, errbackArgs,
                             errbackKeywords or {})
        sweep(eng)
        return self

    def addCallback(self, callback: Any, *args: Any, **kw: Any) -> TracedDeferred:
        return self.addCallbacks(callback, passthru, callbackArgs=args, callbackKeywords=kw)

    def addErrback(self, errback: Any, *args: Any, **kw: Any) -> TracedDeferred:
        return self.addCallbacks(passthru, errback, errbackArgs=args, errbackKeywords=kw)

    def addBoth(self, callback: Any, *args: Any, **kw: Any) -> TracedDeferred:
        return self.addCallbacks(callback, callback, args, kw, args, kw)

    def _wrap(self, fn: Callable[..., Any], branch: str, link: Link) -> Callable[..., Any]:
        if fn is passthru:
            return passthru
        label = link.callback if branch == "callback" else link.errback
        eng = self.rr_engine
        me = self

        def step(result: Any, *args: Any, **kw: Any) -> Any:
            if me.rr_paused_on is not None:
                _note_resume(me)
            link.ran = branch
            inp = show_result(result)
            index = me.rr_links.index(link) + 1
            warned = eng.slow_warnings  # a step that blocks warns itself (the innermost)
            t0 = eng.clock.seconds()
            try:
                out = fn(result, *args, **kw)
            except BaseException as e:
                me.rr_dirty = True
                _watch(eng, me)
                eng.record("deferred.step", me.rr_name,
                           f"{branch} {label}: {inp} → raised {type(e).__name__}: {e}",
                           {"branch": branch, "step": label, "index": index,
                            "input": plain_result(result),
                            "raised": f"{type(e).__name__}: {e}"})
                eng.measure_slow("deferred.step", me.rr_name, t0, warned, label)
                raise
            me.rr_dirty = True
            _watch(eng, me)
            eng.record("deferred.step", me.rr_name, f"{branch} {label}: {inp} → {show_result(out)}",
                       {"branch": branch, "step": label, "index": index,
                        "input": plain_result(result), "output": plain_result(out)})
            eng.measure_slow("deferred.step", me.rr_name, t0, warned, label)
            if isinstance(out, defer.Deferred) and out is not me:
                res = getattr(out, "result", _NO_RESULT)
                if res is _NO_RESULT or isinstance(res, defer.Deferred) or out.paused:
                    other = getattr(out, "rr_name", "") or "a Deferred"
                    me.rr_paused_on = other
                    me.rr_awaiting = out
                    eng.record("deferred.pause", me.rr_name, f"waits for {other}",
                               {"on": other})
            return out

        return step

    # -- firing
    def callback(self, result: Any) -> None:
        self._fire("callback", result)

    def errback(self, fail: Any = None) -> None:
        self._fire("errback", fail)

    def _fire(self, how: str, value: Any) -> None:
        eng = self.rr_engine
        if self.called:
            try:
                (super().callback if how == "callback" else super().errback)(value)
            except defer.AlreadyCalledError as e:
                eng.record("deferred.error", self.rr_name,
                           f"AlreadyCalledError: {how} on a Deferred that already fired",
                           {"error": "AlreadyCalledError", "how": how, "message": str(e)[:200]})
                raise
            return
        if how == "callback":
            shown = show_result(value)
        else:
            f = value if isinstance(value, Failure) else Failure(value) if value is not None \
                else Failure()
            value = f
            shown = show_result(f)
        eng.record("deferred.fire", self.rr_name, f"{how}({shown})",
                   {"how": how, "value": plain_result(value)})
        self.rr_dirty = True
        _watch(eng, self)
        if how == "callback":
            super().callback(value)
        else:
            super().errback(value)
        sweep(eng)

    def cancel(self) -> None:
        eng = self.rr_engine
        eng.record("deferred.cancel", self.rr_name,
                   "cancel()" + (" (already fired: no effect)" if self.called and not self.paused
                                 else ""), {"called": bool(self.called)})
        super().cancel()
        sweep(eng)

    # -- what show displays
    def describe(self) -> list[str]:
        lines = []
        for i, link in enumerate(self.rr_links, 1):
            mark = "✓" if link.ran else " "
            ran = f" (ran {link.ran})" if link.ran else ""
            lines.append(f"  {mark} {i}. {_link_text(link)}{ran}")
        if not lines:
            lines.append("  (no callbacks)")
        lines.insert(0, f"{self.rr_name}: {self.state_text()}")
        return lines

    def state_text(self) -> str:
        if self.paused and self.rr_paused_on:
            return f"paused on {self.rr_paused_on}"
        if not self.called:
            left = sum(1 for link in self.rr_links if not link.ran)
            return (f"pending ({left} callback{'s' if left != 1 else ''} waiting)" if left
                    else "pending")
        res = getattr(self, "result", None)
        if isinstance(res, Failure):
            return f"failed: {show_result(res)}"
        return f"fired: {show_result(res)}"


def _link_text(link: Link) -> str:
    if link.callback and link.errback:
        if link.callback == link.errback:
            return f"both {link.callback}"
        return f"callback {link.callback} / errback {link.errback}"
    if link.callback:
        return f"callback {link.callback}"
    return f"errback {link.errback}"


def _watch(eng: Engine, d: TracedDeferred) -> None:
    eng.deferred_watch.add(d)


def _note_resume(d: TracedDeferred) -> None:
    # what it waited for went on first: a chain that waited on one that waited on a third
    # resumes after that one (d3 fires → d2 resumes → d1 resumes), whichever is noticed first
    inner = d.rr_awaiting
    d.rr_awaiting = None
    if isinstance(inner, TracedDeferred) and inner.rr_paused_on is not None \
            and not inner.paused:
        _note_resume(inner)
    d.rr_engine.record("deferred.resume", d.rr_name, f"{d.rr_paused_on} fired: the chain goes on",
                       {"on": d.rr_paused_on})
    d.rr_paused_on = None
    d.rr_dirty = True


def _made_order(d: TracedDeferred) -> int:
    return d.rr_seq


def sweep(eng: Engine) -> None:
    """Record resumes and finished chains that Twisted completed without telling us.

    In the order the Deferreds were made (the watch is a set: its own order would
    change from run to run)."""
    for d in sorted(eng.deferred_watch, key=_made_order):
        if d.rr_paused_on is not None and not d.paused:
            _note_resume(d)
        if d.rr_dirty and d.called and not d.paused and not d._callbacks \
                and not d._runningCallbacks:
            res = getattr(d, "result", None)
            how = "failure" if isinstance(res, Failure) else "value"
            eng.record("deferred.result", d.rr_name, f"{how}: {show_result(res)}",
                       {"how": how, "value": plain_result(res)})
            d.rr_dirty = False
            obj = eng.objects.get(d.rr_name)
            if obj is not None and obj.family == "deferred":
                obj.state = "failed" if how == "failure" else "fired"
        if not d.rr_dirty and d.rr_paused_on is None:
            eng.deferred_watch.discard(d)
