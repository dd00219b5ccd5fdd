"""The recorder's shared part: naming what it follows, and small helpers.

The recorder is the observer that turns what the observation layer sees into events.

It names what it follows (a command's claim, else the family's next free name)
with the person's site, keeps typed records in the registry, and writes events
through the engine (which stamps time, tick and thread, and pauses at a break).
It holds no strong reference to a Twisted object it did not make.
"""

from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING, Any

from twisted.internet import defer

from reactor_repl import runtime
from reactor_repl.engine.registry import (
    DState,
    Record,
)
from reactor_repl.observe import sites
from reactor_repl.observe.api import Observer

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

_getframe = sys._getframe


def _is_user(frame: Any) -> bool:
    """The frame is the person's code itself (not Twisted working on its behalf)."""
    return frame is not None and sites.user_frame(frame) is frame


def _twisted_internal(obj: Any) -> bool:
    mod = getattr(type(obj), "__module__", "") or ""
    return mod.startswith(("twisted.", "reactor_repl.engine"))


def suspension_site(gen: Any) -> str:
    """``file:line`` where a coroutine or generator is suspended (the innermost frame),
    with the function there when it is another the coroutine awaits (``await fetch(i)``:
    ``x.py:17 in fetch()``); for a scenario's coroutine (``async``,
    ``inlineCallbacks``), the step it is at."""
    site = ""
    depth = 0
    outer = None
    while gen is not None and depth < 50:
        frame = getattr(gen, "cr_frame", None) or getattr(gen, "gi_frame", None)
        if outer is None:
            outer = frame
        step = runtime.step_at(frame) if frame is not None else ""
        if step:
            site = step
        elif frame is not None and sites.user_frame(frame) is frame:
            site = sites.describe(frame)
            if frame is not outer:
                site += f" in {frame.f_code.co_name}()"
        gen = getattr(gen, "cr_await", None) or getattr(gen, "gi_yieldfrom", None)
        depth += 1
    return site


class Base(Observer):
    """What every part of the recorder shares: the engine, the registry, naming."""

    def __init__(self, engine: Engine) -> None:
        self.eng = engine
        self.reg = engine.registry
        self.touched: list[DState] = []  # Deferreds with news since the last sweep
        # the record of a loop whose call runs now: the timers' part says the loop stopped
        # when its start() Deferred fails (loop_failed)
        self.beating: Any = None
        # Deferreds made by nobody's code are of interest only while a command claims one
        # (the registry's list of claims, empty or not) or with --internals
        self.unsited_deferreds: Any = self._unsited()
        # a record whose site the next Deferred made with none takes (adopt_next_deferred)
        self.adopting: Record | None = None
        # virtual: time moves a hair before each deadline the reactor fixes (clock.nudge)
        clock = engine.clock
        self.before_deadline = clock.nudge if clock.virtual else None  # type: ignore[attr-defined]

    # ------------------------------------------------------------ naming
    def _follow(self, family: str, cls: type[Record], frame: Any, immediate: bool,
                **fields: Any) -> tuple[Record, str | None]:
        """The record for a new object: a command's claim (returns its detail), else a
        new one named after the family, at the person's code that made it; else
        Twisted's own (internal, no name). ``immediate``: only the direct caller counts
        (Twisted making a timer for the person's code is still Twisted's timer).
        The detail is None when no command claimed the object."""
        claim = self.reg.claimed(family)
        if claim is not None:
            rec = claim.record
            assert rec is not None
            for k, v in fields.items():
                setattr(rec, k, v)
            if rec.name not in self.reg.by_name:
                self.reg.add(rec)
            return rec, claim.detail
        if immediate:
            site = sites.describe(frame) if _is_user(frame) else sites.service_site(frame)
            if not site and _the_reactors(frame):  # (called by the reactor itself)
                site = self._handed_site()
        else:
            site = sites.site_of(frame) or self._handed_site()
        if not site:
            return cls("", family, "", True, **fields), None
        rec = cls(self.reg.new_name(family), family, site, **fields)
        self.reg.add(rec)
        return rec, None

    def _handed_site(self) -> str:
        """Made by Twisted's code that the reactor runs for the program, with no frame of
        the program's on the stack: an API it handed the reactor itself —
        ``callWhenRunning(lc.start, 1)``, ``callLater(0, reactor.listenTCP, …)``,
        ``callLater(0, threads.deferToThread, job)`` — made where the program handed it (the
        timer's or trigger's site); all it made was taken for Twisted's own, and hidden."""
        ev = self.eng.current
        if ev is None or not ev.name or ev.kind not in _HANDED_BY:
            return ""
        rec = self.reg.by_name.get(ev.name)
        return rec.site if rec is not None and not rec.internal else ""

    def adopt_next_deferred(self, rec: Record) -> None:
        """The next Deferred made with no frame of the program's on the stack is ``rec``'s
        (made where ``rec`` was): what an API the reactor was handed makes for the program
        — ``LoopingCall.start``'s Deferred under ``callWhenRunning(lc.start, 1)`` — and it
        may fail, unhandled. The Deferred hook asks about every Deferred meanwhile."""
        self.adopting = rec
        self.unsited_deferreds = True

    def adopted(self) -> Record | None:
        """The record adopting, once (None if none); the Deferred hook goes back to asking
        about the program's Deferreds only."""
        rec, self.adopting = self.adopting, None
        if rec is not None:
            self.unsited_deferreds = self._unsited()
        return rec

    def _unsited(self) -> Any:
        """Whether the Deferred hook asks about Deferreds made by nobody's code: always with
        --internals, else while a command claims one (the list of claims, empty or not)."""
        return True if self.eng.config.internals else self.reg.claims

    def loop_failed(self, d: Any, failure: Any) -> None:
        """A Deferred fails while a loop's call runs (the timers' part)."""

    def _keep(self, rec: Record, obj: Any) -> None:
        """Follow ``obj`` weakly; a command's own object lives as a program's variable would."""
        _ref(rec, obj)
        if rec.by_command and rec.name:
            self.reg.strong[rec.name] = obj

    def _data(self, rec: Record, data: dict[str, Any]) -> dict[str, Any]:
        """A creation event's data: where it was made, and whether a command made it."""
        return made_at(data, rec.site, rec.by_command)

    # ------------------------------------------------------------ the loop
    def wrong_thread(self, api: str, frame: Any) -> None:
        self.eng.lints.wrong_thread(api, sites.site_of(frame))


_HANDED_BY = frozenset({"timer.fire", "trigger.fire"})  # the reactor's calls of what it was handed


def _the_reactors(frame: Any) -> bool:
    """``frame`` is the reactor's own dispatching (its call of a timer's or a trigger's
    callable), not a library of Twisted's working for the program (deferLater's timer)."""
    if frame is None:
        return False
    module = frame.f_globals.get("__name__", "")
    return (module, frame.f_code.co_name) in _DISPATCHING or module.startswith(
        ("reactor_repl.observe.", "reactor_repl.engine.recorder."))


# where the reactor calls a timer's or a trigger's callable: Twisted's loop, and the
# engine's run_dispatch and timed that time it (its hooks are under observe and recorder); not
# the rest of Twisted's reactor (crash() adds a trigger of its own)
_DISPATCHING = frozenset({("twisted.internet.base", "runUntilCurrent"),
                          ("twisted.internet.base", "_continueFiring"),
                          ("twisted.internet.base", "fireEvent"),
                          ("reactor_repl.engine.core", "run_dispatch"),
                          ("reactor_repl.engine.core", "timed_after_gate"),
                          ("reactor_repl.engine.core", "timed_lazy")})


def made_at(data: dict[str, Any], site: str, by_command: bool) -> dict[str, Any]:
    """``data`` of a creation event with where it was made and whether a command made it."""
    if site:
        data["site"] = site
    if by_command:
        data["command"] = True
    return data


def _ref(rec: Record, obj: Any) -> None:
    try:
        rec.ref = weakref.ref(obj)
    except TypeError:
        rec.ref = lambda: obj


def _protocol_name(factory: Any) -> str:
    """The protocol class a factory builds; the factory's own class when that is a
    private function of Twisted's (twisted.web's Site builds through
    ``_genericHTTPChannelProtocolFactory``: "Site" says more)."""
    proto = getattr(factory, "protocol", None)
    name = getattr(proto, "__name__", None)
    if name and name.startswith("_") and not isinstance(proto, type):
        name = None
    return name or type(factory).__name__


def _made_order(ds: DState) -> int:
    return ds.order


_failthru = getattr(defer, "_failthru", None)
_by_id: dict[int, tuple[Any, Record]] = {}


class _Held:
    """A selectable that takes neither an attribute nor a weak reference (``__slots__``
    without ``__weakref__``), held while the reactor holds it too: it was recorded as
    added, then nothing more (its reads, its loss)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __call__(self) -> Any:
        return self.obj


class _Loose:
    """… and once the reactor let it go: known by its id and type only (holding it
    would keep it alive past its removal)."""

    __slots__ = ("cls",)

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __call__(self) -> Any:
        return None


def _record_of(selectable: Any) -> Record | None:
    rec = getattr(selectable, "_rr", None)
    if rec is not None:
        return rec
    pair = _by_id.get(id(selectable))
    if pair is None:
        return None
    ref = pair[0]
    if ref() is selectable or (ref.__class__ is _Loose and ref.cls is type(selectable)):
        return pair[1]
    return None


def _set_record(selectable: Any, rec: Record) -> None:
    try:
        selectable._rr = rec
    except (AttributeError, TypeError):
        try:
            _by_id[id(selectable)] = (weakref.ref(selectable), rec)
        except TypeError:
            _by_id[id(selectable)] = (_Held(selectable), rec)


def _let_go(selectable: Any, lost: bool) -> None:
    """The reactor no longer watches ``selectable`` (``lost``: for good): nor do we hold it."""
    pair = _by_id.get(id(selectable))
    if pair is None or pair[0].__class__ is weakref.ref:
        return
    if lost:
        del _by_id[id(selectable)]
    else:
        _by_id[id(selectable)] = (_Loose(type(selectable)), pair[1])

