"""``reactor-repl trace PROGRAM.py`` on a terminal: the explorer beside the program.

The program keeps the main thread — its signals, ``reactor.run()``, ``task.react``, its
``sys.exit`` code — exactly as under ``python``; the explorer runs in a thread of its own
(prompt_toolkit runs an Application off the main thread; SIGWINCH only reaches the main
thread, so the explorer polls the terminal's size, which prompt_toolkit does every 0.5 s
there). The program's output goes into the log as ``output`` events (ui/descriptors.py).

How it ends:
* the program ends first: the explorer says how and stays open on the final state;
  ``quit`` leaves with the program's exit code;
* ``quit`` (or Ctrl-C on an empty line) while the program runs: its reactor is stopped,
  and the process leaves with 130 (interrupted: the person ended it, not the program)
  once the program has ended — within GRACE seconds, else it is ended there and then
  (a callback that never returns, a thread nobody stops), the terminal restored first;
* SIGTERM or SIGHUP while the program's own handlers are not in place: the terminal is
  restored and the process ends by that signal, as under ``python``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any, Callable

from reactor_repl.program import launch
from reactor_repl.program.guard import ended_by
from reactor_repl.ui.tty import modes as tty_modes
from reactor_repl.ui.tty import restore as restore_tty

GRACE = 0.6  # seconds the program gets to end after a quit stopped its reactor
EXIT_INTERRUPTED = 130


class Beside:
    """One traced program and the explorer beside it (also the explorer's ``Program``)."""

    def __init__(self, recording: Any, target: launch.Target, args: Any) -> None:
        self.recording = recording
        self.target = target
        self.args = args
        self.label = target.label
        self.outcome: launch.Outcome | None = None
        self.ended = threading.Event()  # the program has ended (launch.run returned)
        self.ui_done = threading.Event()
        self.quit_running = False  # the person quit while the program ran
        self.explorer: Any = None
        self._tty: list[Any] | None = None  # the terminal's modes before the explorer
        self._keys = 0  # the descriptor the explorer reads its keys from (the terminal)
        self._ended_now: float | None = None

    # ------------------------------------------------------------ Program (the UI asks)
    def loop_state(self) -> str:
        if self.ended.is_set():
            return "ended"
        r = self.recording.reactor
        if getattr(r, "_started", False):
            return "running"
        if getattr(r, "_startedBefore", False):
            return "stopped"
        return "not started"

    def ended_text(self) -> str:
        if not self.ended.is_set() or self.outcome is None:
            return ""
        foreign = ended_by(self.outcome.error)
        if foreign is not None:
            return "the program installed another reactor"
        return self.outcome.reason

    def ended_now(self) -> float | None:
        return self._ended_now

    def stop(self) -> None:
        """Quit while the program runs: end a pause or a typed block, stop its reactor."""
        if self.ended.is_set():
            return
        self.quit_running = True
        eng = self.recording.engine
        eng.breakpoints.clear()
        try:
            eng.resume(step=False)  # paused at a break: go on (stepping off)
        except Exception:
            pass
        eng.clock.shutdown.set()  # a typed block or a typed thread job ends early
        eng.clock.wake_all()
        r = self.recording.reactor

        def stop_it() -> None:
            if r._started and not r._stopped:
                r.stop()

        try:
            r.deliver(stop_it)  # runs when the loop next looks (also if it has not begun)
        except Exception:
            pass

    # ------------------------------------------------------------------ running
    def run(self) -> int:
        from prompt_toolkit.output.defaults import create_output

        from reactor_repl.ui.descriptors import DescriptorCapture
        from reactor_repl.ui.capture import captured
        from reactor_repl.ui.history import PrivateFileHistory, open_history
        from reactor_repl.ui.trace_explorer import TraceExplorer

        warnings: list[str] = []
        history = open_history(warnings.append)
        from prompt_toolkit.input.defaults import create_input

        from reactor_repl.ui.tty import give_back, keys_for_the_screen

        keyboard = keys_for_the_screen()
        self._keys = keyboard[0] if keyboard is not None else 0
        self._tty = tty_modes(self._keys)
        fds = DescriptorCapture(self.recording.engine)
        terminal = fds.start()
        self.fds = fds
        restore = self._on_fatal_signals(fds)
        self.recording.before_exit.append(self._leave_terminal)
        try:
            ex = TraceExplorer(self.recording.engine, self,
                               internals=bool(getattr(self.args, "internals", False)),
                               history=history, output=create_output(stdout=terminal),
                               input=create_input(keyboard[1]) if keyboard else None)
            self.explorer = ex
            for w in warnings:
                ex.warn(w)
            places = tuple(getattr(self.args, "places", None) or ())
            if places:  # --from: the filter typed for the person
                ex.filter([], places)
            if isinstance(history, PrivateFileHistory):
                history.warn = ex.warn
            with captured(self.recording.engine):
                ui = threading.Thread(target=self._ui, name="explorer", daemon=True)
                ui.start()
                outcome = launch.run(self.target, silent=lambda e: ended_by(e) is not None)
                self.outcome = outcome
                self._ended_now = self.recording.engine.now()
                self.ended.set()
                if not self.ui_done.is_set():
                    ex.program_ended(self.ended_text(), self.exit_code())
                self._wait_for_quit(ex)
        finally:
            fds.stop()
            restore()
            try:
                fds.close()
            except OSError:
                pass
            if keyboard is not None:
                give_back(keyboard[0])
                self._keys = 0
        return self.finish()

    def _ui(self) -> None:
        """The explorer's thread: run until quit; a quit while the program runs gives it
        GRACE seconds to end."""
        ex = self.explorer
        try:
            ex.run()
        except BaseException as e:  # never leave without the process noticing
            try:
                self.recording.engine.record("error", "", f"the explorer failed: "
                                             f"{type(e).__name__}: {e}", {})
            except Exception:
                pass
            self.stop()
        finally:
            self.ui_done.set()
        if not self.ended.is_set():
            self.stop()
            if not self.ended.wait(GRACE):
                self._hard_exit(EXIT_INTERRUPTED)

    def _wait_for_quit(self, ex: Any) -> None:
        """The program has ended; the explorer stays until quit. SIGTERM, SIGHUP and SIGINT
        now count as one (the program's handlers are left from its reactor's run: Twisted
        never takes its SIGTERM handler back, which would stop a reactor that is done)."""
        old: dict[int, Any] = {}

        def leave(signum: int, frame: Any) -> None:
            if signum == signal.SIGINT:
                ex.exit_code = EXIT_INTERRUPTED
            ex.request_quit()

        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None), signal.SIGINT):
            if sig is not None:
                old[sig] = signal.signal(sig, leave)
        try:
            while not self.ui_done.is_set():
                try:
                    self.ui_done.wait(0.1)
                except KeyboardInterrupt:  # (a SIGINT just before the handler went in)
                    leave(signal.SIGINT, None)
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)

    def exit_code(self) -> int:
        """The process's exit code as things stand (what quit would leave with)."""
        if self.quit_running:
            return EXIT_INTERRUPTED
        outcome = self.outcome
        if outcome is None:
            return 0
        if ended_by(outcome.error) is not None:
            return 2
        if outcome.interrupted:
            return EXIT_INTERRUPTED
        return outcome.code

    def finish(self) -> int:
        """After the explorer has closed: end the recording; say what trace says."""
        from reactor_repl.program.trace_main import target_label

        outcome = self.outcome
        assert outcome is not None
        reason = "quit while the program ran" if self.quit_running else outcome.reason
        for problem in self.recording.finish(reason):
            print(f"reactor-repl trace: {problem}", file=sys.stderr)
        foreign = ended_by(outcome.error)
        if foreign is not None:
            print(f"reactor-repl trace: {foreign.line}", file=sys.stderr)
        code = self.exit_code()
        if self.explorer is not None and self.explorer.exit_code == EXIT_INTERRUPTED:
            code = EXIT_INTERRUPTED
        if not self.quit_running and foreign is None and not outcome.interrupted:
            warnings = self.recording.strict_lines(str(target_label(self.args)))
            for line in warnings:
                print(f"reactor-repl trace: {line}", file=sys.stderr)
            if warnings and code == 0:
                code = 1
        return code

    # ------------------------------------------------------------ the terminal
    def _hard_exit(self, code: int) -> None:
        """The program did not end in time after a quit: the terminal as it was, then go."""
        self._leave_terminal()
        os._exit(code)

    def _leave_terminal(self) -> None:
        """The process ends now (a quit the program ignores, or the program's own
        ``os._exit``: no exit handler runs): its output shown, the terminal as it was."""
        try:
            self.fds.stop(wait=0.05)
        except Exception:
            pass
        restore_tty(self._tty, self._keys)

    def _on_fatal_signals(self, fds: Any) -> Callable[[], None]:
        """SIGTERM/SIGHUP that would end the process (no handler of the program's): the
        terminal is restored first, then the process ends by that signal as under python."""
        old: dict[int, Any] = {}

        def die(signum: int, frame: Any) -> None:
            try:
                fds.stop(wait=0.05)
            except Exception:
                pass
            restore_tty(self._tty, self._keys)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
                old[sig] = signal.signal(sig, die)

        def restore() -> None:
            for sig, handler in old.items():
                if signal.getsignal(sig) is die:
                    signal.signal(sig, handler)

        return restore
