"""The ``repl`` reactor of ``twist``/``twistd``/``trial --reactor=repl``.

``install()`` installs the recording reactor as any reactor module's ``install`` does;
what it records is written when the reactor stops (a system event trigger after
shutdown: ``twist`` and ``twistd`` stopped by a signal end the process by that signal
right after, so ``atexit`` never runs) and again, complete, when the process exits
(``atexit``: after the launcher's own work, e.g. trial's, which never stops the
reactor) to the files named by:

* ``REACTOR_REPL_EVENTS`` — the events as JSON lines (``reactor-repl view`` reads them);
* ``REACTOR_REPL_TRACE`` — a Chrome/Perfetto trace.

With neither set it says so once on stderr and records for nothing. A file that cannot
be written makes ``install()`` fail, so the launcher refuses the reactor at once.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any, Mapping

from reactor_repl.observe.state import put_in_place_of
from reactor_repl.program.recording import Options, Recording

EVENTS_VAR = "REACTOR_REPL_EVENTS"
TRACE_VAR = "REACTOR_REPL_TRACE"
STRICT_VAR = "REACTOR_REPL_STRICT"
PREFIX = "reactor-repl"


class PluginError(Exception):
    """The reactor cannot be installed (the launcher reports it)."""


def options_from(env: Mapping[str, str], reactor: str) -> Options:
    return Options(clock="live", reactor=reactor, events=env.get(EVENTS_VAR) or None,
                   trace=env.get(TRACE_VAR) or None,
                   strict=env.get(STRICT_VAR, "").strip().lower() in ("1", "true", "yes", "on"))


def _check_writable(path: str | None, var: str) -> None:
    if not path:
        return
    from reactor_repl.program.recording import write_problem

    problem = write_problem(path, sys.argv[0] if sys.argv else None)
    if problem:
        raise PluginError(f"{var}: {problem}")


def install(reactor: str = "default") -> Recording:
    """Install the recording reactor (Twisted's ``installReactor`` contract)."""
    if "twisted.internet.reactor" in sys.modules:
        from twisted.internet.error import ReactorAlreadyInstalledError

        raise ReactorAlreadyInstalledError("reactor already installed")
    options = options_from(os.environ, reactor)
    _check_writable(options.events, EVENTS_VAR)
    _check_writable(options.trace, TRACE_VAR)
    if not (options.events or options.trace):
        print(f"{PREFIX}: recording, but neither {EVENTS_VAR} nor {TRACE_VAR} names a file "
              "to write it to", file=sys.stderr)
    recording = Recording(options)
    recording.install()
    recording.reactor.addSystemEventTrigger("after", "shutdown", _on_stop, recording)
    atexit.register(_at_exit, recording)
    _finish_before_signal_exit(recording)
    _follow_the_daemon(recording)
    return recording


def _follow_the_daemon(recording: Recording) -> None:
    """twistd without -n: the application runs in a grandchild (two forks; each parent
    ends by os._exit). The parents leave the record alone and the daemon carries it on:
    it recorded nothing (a forked child never writes the parent's files)."""
    module = sys.modules.get("twisted.scripts._twistd_unix")
    runner = getattr(module, "UnixApplicationRunner", None)
    daemonize = getattr(runner, "daemonize", None)
    if daemonize is None or getattr(daemonize, "_rr_follows", False):
        return

    def follow(self: Any, reactor: Any) -> Any:
        recording.handing_over = True  # (the parents' os._exit: not the program's end)
        w = daemonize(self, reactor)  # returns in the daemon only
        recording.adopt()
        return w

    follow._rr_follows = True  # type: ignore[attr-defined]
    put_in_place_of(runner, "daemonize", follow)


# where twistd and twist end by the signal that stopped them (they send it to themselves:
# no exit handler runs after that)
SIGNAL_EXITS = ("twisted.application.app", "twisted.application.twist._twist")


def _finish_before_signal_exit(recording: Recording) -> None:
    """twistd or twist stopped by SIGTERM or SIGINT: the record is finished (session.end,
    complete) before the process ends by that signal. Written by the "after shutdown"
    trigger alone, it stopped in the middle of the shutdown's own callbacks."""
    for name in SIGNAL_EXITS:
        module = sys.modules.get(name)
        exit_with_signal = getattr(module, "_exitWithSignal", None)
        if exit_with_signal is None:
            continue

        def finish_then_exit(sig: int, exit_with_signal: Any = exit_with_signal) -> None:
            _at_exit(recording)
            exit_with_signal(sig)

        module._exitWithSignal = finish_then_exit  # type: ignore[union-attr]


def _on_stop(recording: Recording) -> None:
    _report(recording.write())


def _at_exit(recording: Recording) -> None:
    _report(recording.finish("the process exited"))
    warnings = recording.strict_lines(PREFIX)
    if warnings:
        # REACTOR_REPL_STRICT: a warning fails the process (trial in CI), whatever it was
        # about to exit with; the other exit handlers have run (ours was registered first)
        for line in warnings:
            print(line, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


def _report(problems: list[str]) -> None:
    for problem in problems:
        print(f"{PREFIX}: {problem}", file=sys.stderr)
