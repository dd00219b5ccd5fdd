"""``reactor-repl trace [OPTIONS] PROGRAM.py [ARGS…]`` / ``trace [OPTIONS] -m MODULE [ARGS…]``.

Headless (``--events``/``--trace``), the program's stdout, stderr and exit code are its
own: nothing of ours is printed unless something of ours goes wrong (one line, prefixed
``reactor-repl trace:``). On a terminal without those (and without ``--line``) the
full-screen explorer opens beside the program (program/beside.py); ``--line``, or no
file and no terminal, prints the log lines on stderr as they happen.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

from reactor_repl.program import launch
from reactor_repl.program.guard import ended_by

PREFIX = "reactor-repl trace"
EXIT_USAGE = 2


def _say(text: str) -> None:
    print(f"{PREFIX}: {text}", file=sys.stderr)


def _at_a_keyboard() -> bool:
    """A person types at the terminal the log is printed on (a log written to a file
    stays events only)."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def on_terminal() -> bool:
    """The explorer opens beside the program when a person is at a terminal."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def target_of(args: Any) -> launch.Target | str:
    """The program to run, or why the command line names none."""
    if args.module is not None:
        if args.program is not None:  # argparse gives -m everything after it; defensive
            return "give PROGRAM.py or -m MODULE, not both"
        if not args.module:
            return "-m needs a MODULE (everything after it is the module's arguments)"
        return launch.Target(module=args.module[0], args=list(args.module[1:]))
    if args.program is None:
        return "which program? give PROGRAM.py [ARGS…] or -m MODULE [ARGS…]"
    return launch.Target(path=args.program, args=list(args.args))


def target_label(args: Any) -> str:
    """How a --strict summary names the program: its path, or -m MODULE."""
    module = getattr(args, "module", None)
    if isinstance(module, list):
        module = module[0] if module else None
    return f"-m {module}" if module else str(getattr(args, "program", "") or "program")


def _writable(path: str | None, program: str | None = None) -> str | None:
    """Why an output file could not be written when the program ends, found before it
    runs (a typo in a folder's name), or None."""
    if not path:
        return None
    from reactor_repl.program.recording import write_problem

    return write_problem(path, program)


def _our_stderr() -> Any:
    """Where --line prints the log: standard error as it is now, on a descriptor of our
    own — a program that closes or redirects its fd 2 (``os.close(2)``, ``dup2``) took
    the whole log with it."""
    try:
        fd = os.dup(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):
        return sys.stderr
    return open(fd, "w", encoding=sys.stderr.encoding or "utf-8",
                errors=sys.stderr.errors or "backslashreplace", buffering=1, closefd=True)


def main(args: Any, as_command: bool = False) -> int:
    """Run the traced program; return its exit code. ``as_command``: this is the
    process's last act, so an interrupted program may end it by SIGINT as Python would."""
    from reactor_repl.program.recording import Options, Recording

    target = target_of(args)
    if isinstance(target, str):
        _say(target)
        return EXIT_USAGE
    try:
        launch.check(target)
    except launch.CannotOpen as e:
        _say(str(e))
        return EXIT_USAGE
    for path in (args.events, args.trace):
        problem = _writable(path, getattr(args, "program", None))
        if problem:
            _say(problem)
            return EXIT_USAGE
    for flag, path, suffix in (("--events", args.events, ".jsonl"),
                               ("--trace", args.trace, ".json")):
        # (a trace in a .jsonl, events in a .json: view and Perfetto could not open them;
        # '' was taken for no file, '-' made a file of that name)
        if path is not None and not path.endswith(suffix):
            _say(f"{flag} {path!r}: give a file ending {suffix}, e.g. "
                 f"{flag} out{suffix}"
                 + (" (the program's own output stays its own)" if path == "-" else ""))
            return EXIT_USAGE
    headless = bool(args.events or args.trace)
    explorer = not headless and not args.line and on_terminal()
    options = Options(clock="virtual" if args.clock == "virtual" else "live",
                      reactor=args.reactor, log_size=args.log_size, slow=args.slow,
                      events=args.events, trace=args.trace,
                      lines=_our_stderr() if (args.line or not headless) and not explorer
                      else None,
                      internals=args.internals, strict=bool(getattr(args, "strict", False)),
                      places=tuple(getattr(args, "places", None) or ()))
    try:
        recording = Recording(options)
    except ValueError as e:
        _say(str(e))
        return EXIT_USAGE
    if explorer:
        from reactor_repl.program.beside import Beside

        recording.install()
        return Beside(recording, target, args).run()
    if args.line and _at_a_keyboard():
        # no prompt here: what is typed is the program's (a command typed came to nothing)
        _say("--line: the log is printed here as it happens; the keyboard is the "
             "program's (Ctrl-C stops it as it would without trace; the explorer, with a "
             "prompt, opens without --line)")
    recording.install()
    outcome = launch.run(target, silent=lambda e: ended_by(e) is not None)
    if as_command:
        # the program has ended and so does the process: writing the files allocates,
        # and a collection meanwhile would free (and Twisted log) a failed Deferred's
        # cycle before the program's atexit handlers run; under python the collection
        # at the interpreter's exit finds it after them (it runs, enabled or not)
        gc.disable()
    foreign = ended_by(outcome.error)
    for problem in recording.finish(outcome.reason):
        _say(problem)
    if foreign is not None:
        _say(foreign.line)
        return EXIT_USAGE
    if outcome.interrupted:
        if as_command:
            launch.die_of_sigint()
        return 130
    warnings = recording.strict_lines(str(target_label(args)))
    for line in warnings:
        _say(line)
    if warnings and outcome.code == 0:
        return 1
    return outcome.code
