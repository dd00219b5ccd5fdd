"""break, step and continue in an exported program, as the explorer does them on its virtual clock.

A pause takes no time there: the loop stops before a dispatch, the lines typed
meanwhile wait in its queue, and they run at the start of the pass after the
paused one, once ``continue`` or ``step`` lets it go on. A program does not stop its
loop; it holds the session's lines back the same way. ``gate`` is called before
each dispatch shows (``printing.Dispatches.before``); each line of the session is a
function the session hands to ``typed`` (or ``outside`` for the pipe's writing end,
which the prompt works from outside the loop).
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.internet import defer

from reactor_repl.language.kinds import DISPATCH_KINDS
from reactor_repl.export.pacing import Pacing

Line = Callable[[], Any]
POLL = 0.005  # seconds between two looks while waiting for a dispatch to come


class Pausing:
    """The explorer's break/step/continue, for the lines of one session."""

    def __init__(self, pace: Pacing) -> None:
        self.pace = pace
        self.reactor = pace.reactor
        self.breaks: list[tuple[str, str]] = []  # (kind or family, name or "")
        self.paused = False  # the explorer's loop would be waiting before a dispatch now
        self.stepping = False
        self.budget = 0  # dispatches a step lets through before it pauses again
        self.held: list[Line] = []  # lines typed while paused
        self.waiting: defer.Deferred[None] | None = None  # what the session waits on
        self.target: float | None = None  # when the latest wait ends

    def gate(self, kind: str, name: str) -> None:
        """Before a dispatch: would the explorer pause here?"""
        if kind not in DISPATCH_KINDS:
            return
        if self.stepping and self.budget > 0:
            self.budget -= 1  # the dispatch a step lets through
        elif self.stepping or any(b_kind in (kind, kind.split(".")[0]) and b_name in ("", name)
                                  for b_kind, b_name in self.breaks):
            self.paused_here()

    def paused_here(self) -> None:
        self.paused = True
        d, self.waiting = self.waiting, None
        if d is not None and not d.called:
            d.callback(None)  # the session reads on: its lines are held until continue/step

    def until(self, done: Callable[[], bool]) -> defer.Deferred[None]:
        """A Deferred that fires when ``done()`` says so, or at a pause, whichever is first."""
        d: defer.Deferred[None] = defer.Deferred()
        self.waiting = d
        r = self.reactor

        def until_check() -> None:
            if d.called:
                return
            if done():
                self.waiting = None
                d.callback(None)
                return
            now = r.seconds()
            if self.pace.busy():
                delay = 0.0
            elif self.target is not None and now < self.target:
                delay = self.target - now
            else:
                delay = POLL  # waiting for a dispatch to come
            r.callLater(delay, until_check)

        until_check()
        return d

    @defer.inlineCallbacks
    def typed(self, line: Line) -> Any:
        """A line typed at the prompt: it runs in its turn, or waits while the loop is paused."""
        if not self.paused:
            yield self.until(lambda: not self.pace.busy())
        if self.paused:
            self.held.append(line)
            return
        yield self.settle_then(line)

    def outside(self, line: Line) -> defer.Deferred[Any] | None:
        """``write``/``close`` work on the pipe from outside the loop: at once while paused."""
        if self.paused:
            line()
            return None
        return self.typed(line)

    def settle_then(self, line: Line) -> defer.Deferred[Any]:
        d: defer.Deferred[Any] = defer.Deferred()
        self.reactor.callFromThread(lambda: d.callback(line()))
        return d

    def set_target(self, seconds: float) -> None:
        self.target = self.reactor.seconds() + seconds

    def wait_line(self, seconds: float) -> defer.Deferred[Any] | None:
        """``wait S``: S seconds pass (a pause ends the wait early, and the loop runs on to
        its end after a continue)."""
        if self.paused:
            self.held.append(lambda: self.set_target(seconds))
            return None
        d = self.typed(lambda: self.set_target(seconds))
        return d.addCallback(lambda _: self.until(self.on_time))

    def on_time(self) -> bool:
        return not self.pace.busy() and (self.target is None
                                         or self.reactor.seconds() >= self.target)

    def nothing_left(self) -> bool:
        return self.on_time() and all(getattr(c.func, "__name__", "") == "until_check"
                                      for c in self.reactor.getDelayedCalls())

    def go_on(self, step: bool) -> defer.Deferred[None]:
        """``continue`` (step=False) or ``step``: the loop goes on; held lines run next pass."""
        was_paused = self.paused
        self.paused = False
        self.stepping = step
        self.budget = (0 if was_paused else 1) if step else 0
        if self.held:
            held, self.held = self.held, []
            self.reactor.callFromThread(lambda: [line() for line in held])
        return self.until(self.nothing_left if step else self.on_time)

    def session_end(self) -> defer.Deferred[None] | None:
        """Before the session ends: what is due now runs first (not while paused)."""
        if self.paused:
            return None
        return self.until(lambda: not self.pace.busy())
