"""Run a script or a module the way ``python PROGRAM`` / ``python -m MODULE`` does.

What the program sees is Python's own: ``sys.argv`` is ``[PROGRAM, ARGS…]``, it runs as
the ``__main__`` module, ``sys.path[0]`` is its directory (the working directory for
``-m``). What comes out is Python's too: ``sys.exit(n)`` is the exit code, an exception
prints its traceback through ``sys.excepthook`` (without the frames of this runner)
and exits 1, an uncaught ``KeyboardInterrupt`` ends the process by SIGINT (a shell sees
130), and the program's non-daemon threads are waited for before it counts as ended.
"""

from __future__ import annotations

import io
import os
import runpy
import signal
import sys
import threading
import types
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from importlib.util import MAGIC_NUMBER
from dataclasses import dataclass, field
from typing import Any, Callable

from reactor_repl.observe import stacks

OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # reactor_repl/


@dataclass
class Target:
    """What to run: a script path, or a module name (``-m``), and its arguments."""

    path: str | None = None
    module: str | None = None
    args: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.path if self.path is not None else f"-m {self.module}"


@dataclass
class Outcome:
    """How the program ended: its exit code, and whether Python would die of SIGINT."""

    code: int
    interrupted: bool = False
    error: BaseException | None = None  # the exception that ended it, if one did

    @property
    def reason(self) -> str:
        if self.interrupted:
            return "the program was interrupted"
        return f"the program exited {self.code}"


class CannotOpen(Exception):
    """The script is not there: Python's "can't open file" (exit 2)."""


def exit_code(code: Any) -> int:
    """``SystemExit.code`` as Python turns it into a status (a message goes to stderr)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)  # trial exits with a bool
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def check(target: Target) -> None:
    """Refuse a script that is not there before anything is installed (CannotOpen)."""
    if target.path is None:
        return
    if not os.path.exists(target.path):
        raise CannotOpen(f"can't open file {os.path.abspath(target.path)!r}: "
                         "[Errno 2] No such file or directory")


def run(target: Target, silent: Callable[[BaseException], bool] | None = None) -> Outcome:
    """Run ``target`` in this process as its ``__main__``; return how it ended.
    An exception that ``silent`` accepts ends it (exit 1) without a traceback: the
    caller says why in a line of its own."""
    outcome = _execute(target, silent)
    try:
        _join_threads()
    except KeyboardInterrupt:
        return Outcome(130, interrupted=True, error=outcome.error)
    return outcome


def _execute(target: Target, silent: Callable[[BaseException], bool] | None) -> Outcome:
    sys.argv = [target.path if target.path is not None else "-m", *target.args]
    stacks.hide_below(sys._getframe())  # the program's stacks begin at its <module>
    try:
        return _outcome(target, silent)
    finally:
        stacks.shown_again()


def _outcome(target: Target, silent: Callable[[BaseException], bool] | None) -> Outcome:
    try:
        if target.module is not None:
            _run_module(target.module)
        else:
            _run_script(target.path or "")
    except SystemExit as e:
        return Outcome(exit_code(e.code), error=e)
    except KeyboardInterrupt as e:
        report(e)
        return Outcome(130, interrupted=True, error=e)
    except BaseException as e:  # what Python prints and exits 1 for
        if silent is None or not silent(e):
            report(e)
        return Outcome(1, error=e)
    return Outcome(0)


def _run_script(path: str) -> None:
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    if os.path.isdir(path) or not path.endswith(".py") and _is_zip(path):
        sys.path[0] = path  # a directory or zip with __main__.py, as Python runs it
        _fresh_main()
        runpy._run_module_as_main("__main__", alter_argv=False)  # type: ignore[attr-defined]
        return
    # as CPython makes it: the working directory joined to the path, not normalised
    # (``./prog.py`` stays ``/here/./prog.py`` in __file__ and in every traceback)
    full = os.path.join(os.getcwd(), path)
    with io.open_code(full) as f:
        source = f.read()
    main = _fresh_main()
    main.__file__ = full
    main.__cached__ = None  # type: ignore[attr-defined]
    if source[:4] == MAGIC_NUMBER:  # a compiled file, which python runs too (the
        # header: magic, flags, and the source's date and size or its hash)
        import marshal

        main.__loader__ = SourcelessFileLoader("__main__", full)
        code = marshal.loads(source[16:])
    else:
        main.__loader__ = SourceFileLoader("__main__", full)
        code = compile(source, full, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def _run_module(name: str) -> None:
    sys.path[0] = os.getcwd()
    _fresh_main()
    runpy._run_module_as_main(name, alter_argv=True)  # type: ignore[attr-defined]


def _is_zip(path: str) -> bool:
    import zipfile

    return zipfile.is_zipfile(path)


def _fresh_main() -> types.ModuleType:
    """A new ``__main__`` in ``sys.modules`` (ours, the console script, steps aside)."""
    import builtins

    main = types.ModuleType("__main__")
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    main.__annotations__ = {}  # (Python's own __main__ has one: print(__annotations__) works)
    sys.modules["__main__"] = main
    return main


def _join_threads() -> None:
    """Python waits for non-daemon threads before it exits; so does a traced program —
    after the hooks ``threading._shutdown`` runs first: a ``ThreadPoolExecutor``'s
    (asyncio's ``run_in_executor``, ``to_thread``) wakes its idle workers there, and
    joined before it they waited for good (the traced program never ended)."""
    hooks = getattr(threading, "_threading_atexits", None)
    if isinstance(hooks, list) and hooks:
        calls = list(reversed(hooks))
        hooks.clear()  # (run once, as the interpreter's shutdown would)
        for call in calls:
            call()
    me = threading.current_thread()
    for t in threading.enumerate():
        if t is not me and not t.daemon and t.is_alive():
            t.join()


def report(exc: BaseException) -> None:
    """Print ``exc`` as Python would at exit: ``sys.excepthook``, without our frames."""
    tb = _without_ours(exc.__traceback__)
    exc.__traceback__ = tb
    try:
        sys.excepthook(type(exc), exc, tb)
    except Exception:
        pass


def _without_ours(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback less the launcher's frames and the hooks' (a ReactorNotRestartable
    out of ``reactor.run()`` passed the recording reactor's own ``run``)."""
    kept = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(OWN_DIR):
            kept.append(tb)
        tb = tb.tb_next
    for this, after in zip(kept, kept[1:] + [None]):
        this.tb_next = after
    return kept[0] if kept else None


def die_of_sigint() -> None:
    """End the process by SIGINT, as Python does after an uncaught KeyboardInterrupt."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)
