"""A program that installs a reactor of its own after ours was installed.

The recording reactor is installed before the program runs, so ``from twisted.internet
import reactor`` gives it. An explicit ``selectreactor.install()`` (or any other) cannot
work then: Twisted's ``installReactor`` raises ``ReactorAlreadyInstalledError``. The
guard makes that error say why (``ForeignReactor`` is a subclass, so a program that
catches it goes on, on the recording reactor) and remembers the attempt: if it ends
the program, trace exits 2 with one line. With ``--reactor asyncio`` the recording
reactor *is* an ``AsyncioSelectorReactor``, and the program's own
``asyncioreactor.install()`` is let through as done already.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

from twisted.internet import error as terror


class ForeignReactor(terror.ReactorAlreadyInstalledError):
    """The program installs ``reactor_name`` at ``site`` over the recording reactor."""

    def __init__(self, reactor_name: str, site: str, hint: str) -> None:
        super().__init__(f"{site} installs {reactor_name}, but the recording reactor is "
                         f"installed already; {hint}")
        self.reactor_name = reactor_name
        self.site = site
        self.hint = hint

    @property
    def line(self) -> str:
        """The one line trace prints before it exits 2."""
        return str(self)


ASYNCIO_HINT = "to record an AsyncioSelectorReactor program, run trace --reactor asyncio"
OTHER_HINT = ("trace records the default reactor and AsyncioSelectorReactor; run the "
              "program without its install, or without trace")


def caller_site(skip: int = 1) -> str:
    """``file:line`` of the first frame outside Twisted, reactor_repl and the import
    machinery: where the program asked for it."""
    f: Any = sys._getframe(skip + 1)
    while f is not None:
        module = str(f.f_globals.get("__name__") or "")
        filename = f.f_code.co_filename
        if not (module.startswith(("twisted.", "reactor_repl.")) or filename.startswith("<")):
            return f"{_short(filename)}:{f.f_lineno}"
        f = f.f_back
    return "the program"


def _short(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith("..") else rel


class Guard:
    """Installed over Twisted's ``installReactor`` for the program's lifetime."""

    def __init__(self, reactor: Any, on_attempt: Callable[[ForeignReactor], None]) -> None:
        self.reactor = reactor
        self.on_attempt = on_attempt
        self.attempts: list[ForeignReactor] = []
        self._saved: list[tuple[Any, str, Any]] = []
        self._asyncio_installed = False  # the program's own asyncioreactor.install() ran

    def install(self, asyncio: bool = False) -> None:
        from twisted.internet import main

        self._twisteds_install = main.installReactor
        self._patch(main, "installReactor", self._install_reactor)
        if asyncio:
            from twisted.internet import asyncioreactor

            self._patch(asyncioreactor, "install", self._install_asyncio)

    def remove(self) -> None:
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)
        self._saved.clear()

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def _refuse(self, reactor_name: str, hint: str) -> ForeignReactor:
        err = ForeignReactor(reactor_name, caller_site(2), hint)
        self.attempts.append(err)
        self.on_attempt(err)
        return err

    def _install_reactor(self, reactor: Any) -> Any:
        """Twisted's installReactor while the recording reactor is installed."""
        if reactor is self.reactor:  # the one installed: Twisted says so, as without us
            return self._twisteds_install(reactor)
        name = type(reactor).__name__
        hint = ASYNCIO_HINT if name == "AsyncioSelectorReactor" else OTHER_HINT
        raise self._refuse(name, hint)

    def _install_asyncio(self, eventloop: Any = None) -> None:
        """asyncioreactor.install() when the recording reactor is an asyncio one: done,
        if it is the loop the program asks for — as Twisted's own would be: the reactor's
        loop is then the current one (a loop the program had set stayed current, and a
        coroutine it scheduled before run() never ran), and a second install() raises."""
        ours = getattr(self.reactor, "_asyncioEventloop", None)
        if eventloop is None or eventloop is ours:
            import asyncio

            if self._asyncio_installed:
                from twisted.internet.error import ReactorAlreadyInstalledError

                if eventloop is None:  # (Twisted's made its reactor, with a new current
                    asyncio.set_event_loop(asyncio.new_event_loop())  # loop, then refused it)
                raise ReactorAlreadyInstalledError("reactor already installed")
            self._asyncio_installed = True
            if eventloop is None and ours is not None:
                asyncio.set_event_loop(ours)
            return
        raise self._refuse("AsyncioSelectorReactor on an event loop of its own",
                           "with trace --reactor asyncio, let the reactor make its loop "
                           "(asyncioreactor.install() without an argument)")


def ended_by(outcome_error: BaseException | None) -> ForeignReactor | None:
    """The ForeignReactor that ended the program, if one did (directly or as a cause)."""
    seen = 0
    err = outcome_error
    while err is not None and seen < 20:
        if isinstance(err, ForeignReactor):
            return err
        err = err.__cause__ or err.__context__
        seen += 1
    return None
