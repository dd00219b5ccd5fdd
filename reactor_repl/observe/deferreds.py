"""Deferreds at the class level: every Deferred made where the observer wants it.

``Deferred.__init__`` is wrapped once for the process. When the observer follows
a new Deferred (it returns a token), the instance's class is swapped for an
observing subclass of its own class (``Deferred``, ``DeferredList`` …), made
once per class; Twisted registers it among its Deferred types itself
(``__init_subclass__``), so ``_runCallbacks`` treats it as any Deferred. Others
stay plain: a Deferred nobody follows costs the wrapper of ``__init__`` only.

Nothing here keeps a Deferred alive: the token is the observer's record (it holds
a weak reference at most) and the callbacks wrapped for steps hold the token, not
the Deferred. So a failed Deferred is collected, and Twisted logs "Unhandled error
in Deferred", exactly when it would be without us.

What Twisted does without calling a method we could wrap is seen through the
``paused`` counter: ``_runCallbacks`` pauses a Deferred whose callback returned an
unfired one (``pause()``), and resumes it (``chainee.paused -= 1``) when that one
fires — the observing class makes ``paused`` a property, so both moments are seen
as they happen.
"""

from __future__ import annotations

import copyreg
import sys
from types import FunctionType
from typing import Any, Callable

from twisted.internet import defer
from twisted.python.failure import Failure

from reactor_repl.observe.sites import LIBRARY as _LIBRARY
from reactor_repl.observe.sites import MAX_DEPTH as _MAX_DEPTH
from reactor_repl.observe.sites import USER as _USER
from reactor_repl.observe.sites import user_frame as _user_frame
from reactor_repl.observe.sites import walk_kinds
from reactor_repl.observe.stand_in import StandIn
from reactor_repl.observe.state import STATE, off_thread, put_in_place_of

Deferred = defer.Deferred
_orig_init = Deferred.__init__
_passthru = defer.passthru
_failthru = getattr(defer, "_failthru", None)
_got_result = getattr(defer, "_gotResultInlineCallbacks", None)
_NO_RESULT = object()
_NONE = defer._NONE_KWARGS
_add_callbacks = Deferred.addCallbacks
_getframe = sys._getframe

_observed_classes: dict[type, type] = {}
_kind_of = walk_kinds.get


def token_of(d: Any) -> Any:
    """The observer's token for ``d``, or None if it is not followed."""
    return d.__dict__.get("_rr") if isinstance(d, Deferred) else None


def _init(self: Any, canceller: Any = None) -> None:
    _orig_init(self, canceller)
    obs = STATE.observer
    if obs is None:
        return
    frame = _getframe(1)
    if not obs.unsited_deferreds:
        # made by the person's code? (sites.user_frame written out: Twisted's own Deferreds,
        # maybeDeferred's in every loop's beat, cost a few lookups, no call to the observer)
        f = frame
        v = _kind_of(id(f.f_code))
        depth = 0
        while v == _LIBRARY:
            f = f.f_back
            depth += 1
            if f is None or depth >= _MAX_DEPTH:
                break
            v = _kind_of(id(f.f_code))
        else:
            if v is None:  # a code object not seen before: judge it (and the frames outwards)
                v = _USER if _user_frame(f) is not None else None
        # not the person's, unless a coroutine of theirs the reactor started (the code is
        # compared before a call: every loop beat's maybeDeferred comes here)
        if v != _USER and not (frame.f_code is _CANCELLABLE and _persons_coroutine(frame)):
            return
    token = obs.deferred_new(self, frame)
    if token is not None:
        # past the program's own __setattr__, if its subclass has one (one that refuses
        # names it does not know made the Deferred raise at its making, traced only)
        self.__dict__["_rr"] = token
        cls = type(self)
        oc = _observed_classes.get(cls)
        if oc is None:
            oc = _observing_class(cls)
        object.__setattr__(self, "__class__", oc)


# the code that makes an inlineCallbacks or async def function's Deferred (the recorder
# names the coroutine after the generator it finds there)
CANCELLABLE_CODE = _CANCELLABLE = getattr(
    getattr(defer, "_cancellableInlineCallbacks", None), "__code__", None)


def _persons_coroutine(frame: Any) -> bool:
    """The Deferred of an ``inlineCallbacks`` or ``async def`` function of the person's,
    though no frame of theirs called it (``reactor.callWhenRunning(main)``, a timer):
    Twisted makes it before the generator runs, so only the generator says whose it is.
    (``frame`` is ``_cancellableInlineCallbacks``'s: the caller checked.)"""
    gen = frame.f_locals.get("gen")
    own = getattr(gen, "gi_frame", None) or getattr(gen, "cr_frame", None)
    return own is not None and _user_frame(own) is own


def _announce(d: Any, how: str, value: Any) -> Any:
    """``d.callback``/``d.errback(value)`` is about to run: report the firing (with the
    calling thread's lint), or — fired already, and Twisted will raise — return the
    observer that reports the AlreadyCalledError. None: nothing more to report."""
    obs = STATE.observer
    if obs is None:
        return None
    if d.called:
        # (fired after a cancel without canceller: Twisted drops it, no error)
        return None if d._suppressAlreadyCalled else obs
    if off_thread():
        obs.wrong_thread(f"Deferred.{how}", _getframe(2))
    try:
        obs.deferred_fire(d._rr, d, how, value)
    except Exception:  # observing never stops the firing (a value we cannot describe)
        pass
    return None


def _observing_class(cls: type) -> type:
    if cls in _observed_classes.values():
        return cls
    oc = _make_observing(cls)
    _observed_classes[cls] = oc
    return oc


def _step(token: Any, link: Any, branch: str, fn: Any, result: Any, /, *args: Any,
          **kw: Any) -> Any:
    obs = STATE.observer
    if obs is None:
        return fn(result, *args, **kw)
    return obs.deferred_step(token, link, branch, fn, result, args, kw)


class _Step(StandIn):
    """What Twisted keeps in the chain in place of a callback: it reports the step (a
    chain of 100,000 callbacks makes 100,000 of them)."""

    __slots__ = ()
    AT = 3


def _wrap(token: Any, link: Any, branch: str, fn: Any) -> Any:
    """The callable Twisted keeps in the chain in place of ``fn``: it reports the step."""
    if fn is _passthru or fn is _failthru or fn is None:
        return fn
    return _Step(_step, token, link, branch, fn)


def _resume(wait: Any, fn: Any, result: Any, /, *args: Any, **kw: Any) -> Any:
    obs = STATE.observer
    if obs is not None:
        return obs.coroutine_resumes(wait, fn, result, args, kw)
    return fn(result, *args, **kw)


class _Resume(StandIn):
    """``_gotResultInlineCallbacks`` behind a report: the coroutine that waited goes on.
    (A closure was a function, two cells and a dictionary for each ``await``: four more
    objects for the collector to scan while it waits.)"""

    __slots__ = ()
    AT = 1


def _wrap_resume(wait: Any, fn: Any) -> Any:
    """``_gotResultInlineCallbacks``: the coroutine that waited goes on (if it waited)."""
    return _Resume(_resume, wait, fn)


def _make_observing(cls: type) -> type:
    """A subclass of ``cls`` for the instances the observer follows. (A subclass made by
    a class statement: a mixin in front of Deferred would change the instance layout,
    and ``__class__`` could not be swapped.)"""

    class Observed(cls):  # type: ignore[valid-type,misc]
        _rr: Any

        # -- the pause counter: Twisted pauses and resumes chains through it
        @property
        def paused(self) -> int:
            return self.__dict__.get("paused", 0)

        @paused.setter
        def paused(self, value: int) -> None:
            old = self.__dict__.get("paused", 0)
            self.__dict__["paused"] = value
            obs = STATE.observer
            if obs is None:
                return
            if old == 0 and value > 0:
                obs.deferred_paused(self._rr, self)
            elif old > 0 and value == 0:
                obs.deferred_resumed(self._rr, self)

        # -- fired without callback(): defer.succeed() sets result, then called (Twisted's
        #    own shortcut); callback() sets called first, its result after (_fire reports it)
        @property
        def called(self) -> bool:
            return self.__dict__.get("called", False)

        @called.setter
        def called(self, value: bool) -> None:
            state = self.__dict__
            old = state.get("called", False)
            state["called"] = value
            if value and not old and "result" in state:
                obs = STATE.observer
                if obs is not None:
                    obs.deferred_fire(self._rr, self, "callback", state["result"])
                    obs.deferred_settled()  # no callbacks to run: its result is this

        # -- links. Twisted's addCallback, addErrback and addBoth append to the chain
        #    themselves (a class's own addCallbacks is not called), what
        #    Deferred.addCallbacks does: ours observe and then call that
        def addCallbacks(self, callback: Any, errback: Any = None, callbackArgs: Any = (),
                         callbackKeywords: Any = _NONE, errbackArgs: Any = (),
                         errbackKeywords: Any = _NONE) -> Any:
            return self._rr_add(add_callbacks, callback, errback, callbackArgs,
                                callbackKeywords, errbackArgs, errbackKeywords)

        def addCallback(self, callback: Any, *args: Any, **kw: Any) -> Any:
            return self._rr_add(_add_callbacks, callback, _failthru, args, kw, (), {})

        def addErrback(self, errback: Any, *args: Any, **kw: Any) -> Any:
            return self._rr_add(_add_callbacks, _passthru, errback, (), {}, args, kw)

        def addBoth(self, callback: Any, *args: Any, **kw: Any) -> Any:
            return self._rr_add(_add_callbacks, callback, callback, args, kw, args, kw)

        def _rr_add(self, add: Any, callback: Any, errback: Any, cargs: Any, ckw: Any,
                    eargs: Any, ekw: Any) -> Any:
            if errback is None:
                errback = _failthru
            obs = STATE.observer
            if obs is None:
                return add(self, callback, errback, cargs, ckw, eargs, ekw)
            if callback is _got_result and _got_result is not None:
                return self._await_by(obs, callback, cargs, ckw)
            token = self._rr
            link = obs.deferred_add(token, callback, errback, cargs)
            return add(self, _wrap(token, link, "callback", callback),
                       _wrap(token, link, "errback", errback), cargs, ckw, eargs, ekw)

        def __reduce_ex__(self, protocol: Any) -> Any:
            # copied or pickled as the class it observes, without the observer's token
            # (pickle finds a class by its name: ours borrows Deferred's)
            state = {k: v for k, v in self.__dict__.items() if k != "_rr"}
            return copyreg._reconstructor, (cls, object, None), state

        def _await_by(self, obs: Any, got: Any, args: tuple, kw: Any) -> Any:
            """A coroutine or inlineCallbacks function adds its resumption: it awaits us."""
            waiting, gen, status = args[0], args[1], args[2]
            wait = obs.coroutine_waits(self._rr, self, gen, status)
            resume = _wrap_resume(wait, got)
            out = _add_callbacks(self, resume, resume, args, kw, args, kw)
            if waiting[0]:  # not fired yet: the coroutine is suspended here
                obs.coroutine_suspended(wait)
            return out

        # -- firing (one frame of ours between the caller and Twisted's own method: an
        #    AlreadyCalledError's traceback passes through it; so callback and errback are
        #    written out each, where a shared helper would be a second frame)
        def callback(self, result: Any) -> None:
            obs = _announce(self, "callback", result)
            if obs is None:
                super().callback(result)  # type: ignore[misc]
                return
            try:
                super().callback(result)  # type: ignore[misc]
            except defer.AlreadyCalledError as e:
                obs.deferred_already(self._rr, self, "callback", e)
                raise

        def errback(self, fail: Any = None) -> None:
            if fail is None:
                fail = Failure(captureVars=self.debug)  # type: ignore[attr-defined]
            elif not isinstance(fail, Failure):
                fail = Failure(fail)
            obs = _announce(self, "errback", fail)
            if obs is None:
                super().errback(fail)  # type: ignore[misc]
                return
            try:
                super().errback(fail)  # type: ignore[misc]
            except defer.AlreadyCalledError as e:
                obs.deferred_already(self._rr, self, "errback", e)
                raise

        def _runCallbacks(self) -> None:
            if self._runningCallbacks:  # type: ignore[attr-defined]
                return
            super()._runCallbacks()  # type: ignore[misc]
            obs = STATE.observer
            if obs is not None:
                obs.deferred_settled()

        def cancel(self) -> None:
            obs = STATE.observer
            if obs is not None:
                obs.deferred_cancel(self._rr, self)
            super().cancel()  # type: ignore[misc]

    # a program's class that adds links its own way keeps its way (what it adds through
    # Twisted's methods then goes unrecorded: ours would have hidden its method)
    for name in ("addCallback", "addErrback", "addBoth"):
        if getattr(cls, name) is not getattr(Deferred, name):
            delattr(Observed, name)
    add_callbacks = cls.addCallbacks  # a class's own addCallbacks runs when called
    # the methods named as Twisted's (a TypeError about their arguments names them)
    for name, fn in vars(Observed).items():
        if isinstance(fn, FunctionType) and hasattr(cls, name):
            fn.__qualname__ = getattr(getattr(cls, name), "__qualname__", fn.__qualname__)
    # named as the class it observes: Deferred's repr shows the class name, and a traced
    # program must print what it prints under plain python
    Observed.__name__ = cls.__name__
    Observed.__qualname__ = cls.__qualname__
    Observed.__module__ = cls.__module__
    return Observed


_warn_about_function = defer.warnAboutFunction


def _warn_about_steps_callable(offender: Any, warningString: str) -> None:
    """Twisted's ``warnAboutFunction``, about the person's callable, not the step in its
    place: a callback that returns its own Deferred is warned about at its own module
    and line (in ``__main__``, Python's default filters show it; about our step, in our
    module, they hid it)."""
    _warn_about_function(steps_of(offender), warningString)


def install() -> None:
    """Wrap ``Deferred.__init__`` for the process (idempotent), and have the warning
    ``_runCallbacks`` gives name the person's callback."""
    if Deferred.__init__ is not _init:
        put_in_place_of(Deferred, "__init__", _init)
    defer.warnAboutFunction = _warn_about_steps_callable  # type: ignore[attr-defined]


def steps_of(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The callable a person added, behind a step wrapper."""
    return getattr(fn, "__wrapped__", fn)

