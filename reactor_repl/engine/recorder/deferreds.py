"""Deferreds: made, links added, fired, each step as it starts and ends, pause and resume,
the result when a chain runs out, and coroutines suspended on them."""

from __future__ import annotations

import weakref
from typing import Any, Callable

from twisted.internet import defer
from twisted.python.failure import Failure

from reactor_repl.engine.describe import (
    label_of,
    plain_result,
    raised_text,
    show_plain,
    show_result,
)
from reactor_repl.engine.recorder.base import (
    Base,
    _made_order,
    suspension_site,
)
from reactor_repl.engine.events import RUNNING
from reactor_repl.engine.registry import (
    DState,
    Link,
    Record,
)
from reactor_repl.observe import sites
from reactor_repl.observe.deferreds import CANCELLABLE_CODE as _CANCELLABLE_CODE


class _Wait:
    __slots__ = ("coro", "awaited", "gen", "suspended")

    def __init__(self, coro: Any, awaited: Any, gen: Any) -> None:
        self.coro = coro
        self.awaited = awaited
        self.gen = gen
        self.suspended = False


_failthru = getattr(defer, "_failthru", None)


class DeferredsPart(Base):
    # ------------------------------------------------------------ Deferreds
    def deferred_new(self, d: Any, frame: Any) -> Any:
        eng = self.eng
        coroutine = ""
        gen = None
        if frame is not None and frame.f_code is _CANCELLABLE_CODE:
            gen = frame.f_locals.get("gen")
            coroutine = getattr(gen, "__qualname__", "") or type(gen).__name__
        claim = self.reg.claimed("deferred")
        if claim is not None:
            rec = claim.record
            assert rec is not None
            if rec.name not in self.reg.by_name:
                self.reg.add(rec)
            self.reg.strong[rec.name] = d  # a command's Deferred lives as a program's variable
            detail = claim.detail
        else:
            site = sites.site_of(frame)
            if not site and gen is not None:  # started by the reactor: where it is defined
                site = sites.site_of(getattr(gen, "gi_frame", None)
                                     or getattr(gen, "cr_frame", None))
            if self.adopting is not None:  # (the first Deferred made meanwhile, sited or not)
                adopter = self.adopted()
                if not site and adopter is not None:
                    site = adopter.site
            if not site and not eng.config.internals:
                return None
            rec = Record(self.reg.new_name("deferred") if site else "", "deferred", site,
                         not site)
            if site:
                self.reg.add(rec)
            detail = ""
        ds = DState(rec, weakref.ref(d), coroutine=coroutine, born=eng.clock.seconds())
        rec.dstate = ds
        if rec.internal:
            return ds
        text = f"{coroutine}() started (its Deferred)" if coroutine else (detail or "Deferred()")
        data: dict[str, Any] = {"family": rec.family}
        if coroutine:
            data["coroutine"] = coroutine
        eng.record("deferred.new", rec.name, text, self._data(rec, data))
        return ds

    def deferred_add(self, token: Any, callback: Any, errback: Any, args: tuple) -> Any:
        ds: DState = token
        link = Link(label_of(callback) if callback is not defer.passthru else "",
                    label_of(errback) if errback not in (defer.passthru, _failthru) else "")
        links = ds.links
        if links and not links[-1].ran and _set_aside(ds):
            _insert_first(links, link)
        else:
            links.append(link)
            link.index = len(links)
        rec = ds.rec
        if not rec.internal:
            self.eng.record_lazy("deferred.add", rec.name, _added,
                                 (link.callback, link.errback, link.index))
        return link

    def deferred_step(self, token: Any, link: Any, branch: str, fn: Callable[..., Any],
                      result: Any, args: tuple, kw: dict) -> Any:
        eng = self.eng
        ds: DState = token
        d = ds.ref()
        if d is not None and not d._runningCallbacks:  # called by the program, not Twisted
            return fn(result, *args, **kw)
        rec = ds.rec
        ds.dirty = True
        self._touch(ds)
        if link is not None:
            link.ran = branch
        if rec.internal:
            return fn(result, *args, **kw)
        label = (link.callback if branch == "callback" else link.errback) if link else label_of(fn)
        index = link.index if link is not None else 0  # (not links.index(): a long chain)
        if result.__class__ in _ATOMS:
            return self._atomic_step(ds, branch, label, index, fn, result, args, kw)
        inp = show_result(result)
        ev = eng.record("deferred.step", rec.name, f"{branch} {label}: {inp} → …",
                        {"branch": branch, "step": label, "index": index,
                         "input": plain_result(result)})
        outer = eng.current
        eng.current = ev
        warned = eng.slow_warnings
        seconds = eng.clock.seconds
        t0 = seconds()
        try:
            out = fn(result, *args, **kw)
        except BaseException as e:
            raised = _Raised(e)
            at = f" (at {raised.site})" if raised.site else ""
            ev.text = f"{branch} {label}: {inp} → raised {raised.text}{at}"
            ev.data["raised"] = raised.text  # type: ignore[index]
            if raised.site:
                ev.data["site"] = raised.site  # type: ignore[index]
            self._step_end(ev, outer, t0, warned, label)
            raise
        ev.text = f"{branch} {label}: {inp} → {show_result(out)}"
        ev.data["output"] = plain_result(out)  # type: ignore[index]
        self._step_end(ev, outer, t0, warned, label)
        return out

    def _atomic_step(self, ds: DState, branch: str, label: str, index: int,
                     fn: Callable[..., Any], result: Any, args: tuple, kw: dict) -> Any:
        """A step whose input is a plain value (a number, a string …): what is recorded is
        the value, its words are made when a view reads them — also while it runs (then
        with "→ …", made again once it is over)."""
        eng = self.eng
        ev = eng.record_lazy("deferred.step", ds.rec.name, _stepped,
                             (branch, label, index, result, RUNNING))
        outer = eng.current
        eng.current = ev
        warned = eng.slow_warnings
        t0 = eng.clock.seconds()
        try:
            out = fn(result, *args, **kw)
        except BaseException as e:
            ev.outcome((branch, label, index, result, _Raised(e)))
            self._step_end(ev, outer, t0, warned, label)
            raise
        if out.__class__ in _ATOMS:
            ev.outcome((branch, label, index, result, out))
        else:  # what it returned may change later: its words now
            ev.outcome((branch, label, index, result, _Shown(out)))
        self._step_end(ev, outer, t0, warned, label)
        return out

    def _step_end(self, ev: Any, outer: Any, t0: float, warned: int, label: str) -> None:
        eng = self.eng
        eng.current = outer
        dur = eng.clock.seconds() - t0
        ev.dur = dur
        ev.end_seq = eng.log.seq
        if dur >= eng.config.slow and warned == eng.slow_warnings:
            eng.warn_slow("deferred.step", ev.name, dur, label)

    def _touch(self, ds: DState) -> None:
        if not ds.dirty or ds not in self.touched:
            self.touched.append(ds)
        ds.dirty = True

    def deferred_fire(self, token: Any, d: Any, how: str, value: Any) -> None:
        ds: DState = token
        self._touch(ds)
        rec = ds.rec
        if how == "errback" and self.beating is not None:
            self.loop_failed(d, value)  # a loop's start() Deferred: the loop stopped first
        if rec.internal:
            return
        self.eng.record("deferred.fire", rec.name, f"{how}({show_result(value)})",
                        {"how": how, "value": plain_result(value)})

    def deferred_already(self, token: Any, d: Any, how: str, err: BaseException) -> None:
        rec = token.rec
        self.eng.record("deferred.error", rec.name,
                        f"AlreadyCalledError: {how} on a Deferred that already fired",
                        {"error": "AlreadyCalledError", "how": how, "message": str(err)[:200]})

    def deferred_paused(self, token: Any, d: Any) -> None:
        ds: DState = token
        if ds.rec.internal:
            return
        on = d.__dict__.get("result")
        if isinstance(on, defer.Deferred):
            from reactor_repl.engine.describe import deferred_name

            other = deferred_name(on) or "a Deferred"
            ds.awaiting = weakref.ref(on)
        else:
            other = "pause()"
        ds.paused_on = other
        self._touch(ds)
        self.eng.record("deferred.pause", ds.rec.name,
                        f"waits for {other}" if other != "pause()" else "paused by pause()",
                        {"on": other})

    def deferred_resumed(self, token: Any, d: Any) -> None:
        ds: DState = token
        if ds.rec.internal or ds.paused_on is None:
            return
        on = ds.paused_on
        ds.paused_on = None
        ds.awaiting = None
        self._touch(ds)
        self.eng.record("deferred.resume", ds.rec.name,
                        f"{on} fired: the chain goes on" if on != "pause()" else "unpause()",
                        {"on": on})

    def deferred_cancel(self, token: Any, d: Any) -> None:
        ds: DState = token
        done = d.called and not d.paused
        if not done:  # (cancelling a Deferred that fired changes nothing: no news of it)
            self._touch(ds)
        if ds.rec.internal:
            return
        self.eng.record("deferred.cancel", ds.rec.name,
                        "cancel()" + (" (already fired: no effect)" if done else ""),
                        {"called": bool(d.called)})

    def deferred_settled(self) -> None:
        """Report chains that ran out (in the order the Deferreds were made)."""
        touched = self.touched
        if not touched:
            return
        if len(touched) > 1:
            touched.sort(key=_made_order)
        keep = []
        for ds in touched:
            d = ds.deferred
            if d is None:
                continue
            if d._runningCallbacks or d.paused or not d.called:
                keep.append(ds)
                continue
            if d._callbacks:
                keep.append(ds)
                continue
            if ds.dirty:
                ds.dirty = False
                self._result(ds, d)
        self.touched = keep

    def _result(self, ds: DState, d: Any) -> None:
        rec = ds.rec
        res = d.__dict__.get("result")
        failed = isinstance(res, Failure)
        how = "failure" if failed else "value"
        if rec.family == "deferred":
            rec.state = "failed" if failed else "fired"
        if rec.internal:
            return
        self.eng.record("deferred.result", rec.name, f"{how}: {show_result(res)}",
                        {"how": how, "value": plain_result(res)})
        self.eng.lints.chain_ended(ds, failed, res)
        if rec.family == "deferred":
            self.reg.finished(rec)

    # -- coroutines
    def coroutine_waits(self, token: Any, awaited: Any, gen: Any, status: Any) -> Any:
        coro_d = getattr(status, "deferred", None)
        coro = coro_d.__dict__.get("_rr") if isinstance(coro_d, defer.Deferred) else None
        return _Wait(coro, token, gen)

    def coroutine_suspended(self, wait: Any) -> None:
        w: _Wait = wait
        coro: DState | None = w.coro
        if coro is None or coro.rec.internal:
            return
        w.suspended = True
        site = suspension_site(w.gen)
        other = w.awaited.rec.name if w.awaited is not None and w.awaited.rec.name \
            else "a Deferred"
        coro.paused_on = other
        coro.waiting_at = site
        d = w.awaited.deferred if w.awaited is not None else None
        coro.awaiting = weakref.ref(d) if d is not None else None
        self.eng.record("deferred.pause", coro.rec.name,
                        f"awaits {other}" + (f" at {site}" if site else ""),
                        {"on": other, "at": site, "coroutine": coro.coroutine})

    def coroutine_resumes(self, wait: Any, fn: Callable[..., Any], result: Any, args: tuple,
                          kw: dict) -> Any:
        w: _Wait = wait
        coro = w.coro
        if w.suspended and coro is not None and not coro.rec.internal:
            on = coro.paused_on
            coro.paused_on = None
            coro.awaiting = None
            at = coro.waiting_at
            coro.waiting_at = ""
            self.eng.record("deferred.resume", coro.rec.name,
                            f"{on} fired: resumes" + (f" at {at}" if at else ""),
                            {"on": on, "at": at, "value": plain_result(result)})
        awaited = w.awaited
        if awaited is not None and not awaited.dirty:
            # the coroutine takes its result (None is left behind): one that had fired
            # already (`yield defer.fail(…)`) gets its new result and is no longer
            # unhandled (it was warned about until the program ended)
            self._touch(awaited)
        return fn(result, *args, **kw)



# results recorded as they are and put in words only when a view asks: they cannot change
_ATOMS = frozenset({int, float, str, bytes, bool, type(None)})


class _Raised:
    """A step's exception, in the words it had when it was raised."""

    __slots__ = ("text", "site")

    def __init__(self, e: BaseException) -> None:
        self.text = raised_text(e)
        self.site = sites.raised_at_tb(e.__traceback__)  # where the person's code raised it


class _Shown:
    """A step's result that may change later, in words as it was returned."""

    __slots__ = ("text", "plain")

    def __init__(self, value: Any) -> None:
        self.text = show_result(value)
        self.plain = plain_result(value)


def _added(callback: str, errback: str, index: int) -> tuple[str, dict[str, Any]]:
    """A deferred.add event's text and data, made when a view reads them."""
    return (Link(callback, errback).text(),
            {"callback": callback, "errback": errback, "index": index})


def _stepped(branch: str, label: str, index: int, result: Any,
             out: Any) -> tuple[str, dict[str, Any]]:
    """A deferred.step event's text and data (``out`` is RUNNING while it runs)."""
    head = f"{branch} {label}: {show_plain(result)} → "  # (show_result of a plain value)
    data: dict[str, Any] = {"branch": branch, "step": label, "index": index,
                            "input": _plain(result)}
    if out is RUNNING:
        return head + "…", data
    if isinstance(out, _Raised):
        data["raised"] = out.text
        if out.site:
            data["site"] = out.site
            return head + f"raised {out.text} (at {out.site})", data
        return head + "raised " + out.text, data
    if isinstance(out, _Shown):
        data["output"] = out.plain
        return head + out.text, data
    data["output"] = _plain(out)
    return head + show_plain(out), data


def _plain(value: Any) -> Any:
    """plain_result of a plain value (no Failure or Deferred to look for): a number kept
    as it is, anything else in words (an object of the program's kept in an event lived
    as long as the ring, and its __repr__ ran when the events were written)."""
    if value is None or value.__class__ in (int, float, bool):
        return value
    return plain_result(value)


def _set_aside(ds: DState) -> bool:
    """Links of ours not run yet, and none in the Deferred's own list: Twisted set them
    aside to put the new one first (a cancelled coroutine's ``_handleCancelInlineCallbacks``,
    defer.py ``_addCancelCallbackToDeferred``), and puts them back after it."""
    d = ds.ref()
    return d is not None and not d._callbacks


def _insert_first(links: list[Link], link: Link) -> None:
    """``link`` before the links not run yet (they come after it, as in Twisted's list)."""
    i = len(links)
    while i and not links[i - 1].ran:
        i -= 1
    links.insert(i, link)
    for n, later in enumerate(links[i:], i + 1):
        later.index = n
