"""The command line (SPEC §5). Imports stay lazy so --help is fast."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any, Callable, Iterator, TextIO

from reactor_repl import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# the ranges of the numeric options (a value outside is a usage error, exit 2)
LOG_SIZE = (100, 10_000_000)  # events: ~0.5 KB each
SLOW = (0.001, 86_400.0)  # seconds
MAX_DISPATCHES = (1_000, 1_000_000_000)


def _whole(name: str, low: int, high: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text.strip(), 10) if len(text) <= 20 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{name} takes a whole number from {low} to {high}, not {_short(text)}")
        return value

    return convert


def _seconds(name: str, low: float, high: float) -> Callable[[str], float]:
    def convert(text: str) -> float:
        try:
            value = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):  # nan and inf fail here
            raise argparse.ArgumentTypeError(
                f"{name} takes seconds from {low:g} to {high:g}, not {_short(text)}")
        return value

    return convert


def _short(text: str) -> str:
    from reactor_repl.views.escape import printable

    return repr(printable(text if len(text) <= 24 else text[:24] + "…"))


def _common(p: argparse.ArgumentParser, inherit: bool = False) -> None:
    """The common options (SPEC §5). ``inherit``: a command's own copy, which leaves an
    option it was not given to the one given before the command (``reactor-repl --clock
    real run f.rr``: the command's defaults overwrote it, silently)."""
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if inherit else value

    p.add_argument("--clock", choices=("real", "live", "virtual"), default=default(None),
                   help="real (live) wall time, or virtual time that moves only on wait/step/block")
    p.add_argument("--log-size", type=_whole("--log-size", *LOG_SIZE), default=default(100_000),
                   metavar="N", help="events kept in the log ring (default 100000)")
    p.add_argument("--slow", type=_seconds("--slow", *SLOW), default=default(0.1),
                   metavar="SECONDS", help="slow-callback and blocked-loop threshold (default 0.1)")
    p.add_argument("--internals", action="store_true", default=default(False),
                   help="show internal dispatches")
    p.add_argument("--max-dispatches", type=_whole("--max-dispatches", *MAX_DISPATCHES),
                   default=default(100_000), metavar="N",
                   help="virtual clock: dispatches allowed per command before it is a runaway (default 100000)")
    p.add_argument("--allow-python", action="store_true", default=default(False),
                   help="allow py lines in scenario files")
    p.add_argument("--allow-writes", action="store_true", default=default(False),
                   help="let scenario files save/export anywhere, and overwrite with force "
                        "(else only new files beneath the current folder)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reactor-repl",
        description="An interactive explorer for the Twisted reactor.",
        epilog="Commands on standard input (not a terminal) run as a live session, line by line.",
    )
    parser.add_argument("--version", action="version", version=f"reactor-repl {__version__}")
    _common(parser)
    parser.add_argument("--line", action="store_true",
                        help="line mode: log lines print above the prompt")
    sub = parser.add_subparsers(dest="cmd", metavar="{run,check,play,trace,view}")
    run = sub.add_parser("run", help="replay scenario files headless")
    run.add_argument("files", nargs="+", metavar="FILE")
    _common(run, inherit=True)  # (the virtual clock unless told: _config)
    run.add_argument("--json", action="store_true", help="events as JSON lines")
    run.add_argument("--trace", metavar="OUT.json", help="also write a Chrome/Perfetto trace")
    run.add_argument("--quiet", action="store_true", help="print only errors and failed checks")
    run.add_argument("--strict", action="store_true",
                     help="any warning (hang, unhandled, thread, spin …) fails the run; a hang "
                          "ends it")
    check = sub.add_parser("check", help="parse only: report every error, run nothing")
    check.add_argument("files", nargs="+", metavar="FILE")
    _common(check, inherit=True)  # (accepted as everywhere; only --allow-python matters)
    play = sub.add_parser("play", help="replay FILE in the full-screen UI, then stay interactive "
                                       "(virtual clock unless --clock real)")
    play.add_argument("file", metavar="FILE")
    _common(play, inherit=True)
    play.add_argument("--step", action="store_true", help="one line per Enter")
    play.add_argument("--line", action="store_true", help="line mode")
    _add_program_commands(sub)
    return parser


def _add_program_commands(sub: Any) -> None:
    """``trace`` and ``view`` (SPEC §7): a person's own program, and its recording."""
    trace = sub.add_parser(
        "trace", help="run a Twisted program on the recording reactor",
        usage="reactor-repl trace [OPTIONS] PROGRAM.py [ARGS…]\n"
              "       reactor-repl trace [OPTIONS] -m MODULE [ARGS…]",
        description="Run an unmodified Twisted program on the recording reactor. Everything "
                    "after PROGRAM.py (or -m MODULE) is the program's own. With --events or "
                    "--trace the program's output and exit code are exactly its own; without "
                    "them (or with --line) the log lines go to stderr as they happen.")
    trace.add_argument("--events", metavar="OUT.jsonl", help="write the events as JSON lines")
    trace.add_argument("--trace", metavar="OUT.json", help="write a Chrome/Perfetto trace")
    trace.add_argument("--line", action="store_true", help="print log lines on stderr")
    trace.add_argument("--clock", choices=("real", "live", "virtual"), default=argparse.SUPPRESS,
                       help="real (default), or virtual for programs that only talk to "
                            "themselves over loopback")
    trace.add_argument("--reactor", choices=("default", "asyncio"), default="default",
                       help="the reactor to record: the platform's (default) or "
                            "AsyncioSelectorReactor")
    trace.add_argument("--log-size", type=_whole("--log-size", *LOG_SIZE),
                       default=argparse.SUPPRESS, metavar="N",
                       help="events kept in the log ring (default 100000)")
    trace.add_argument("--slow", type=_seconds("--slow", *SLOW), default=argparse.SUPPRESS,
                       metavar="SECONDS",
                       help="slow-callback and blocked-loop threshold (default 0.1)")
    trace.add_argument("--strict", action="store_true",
                       help="any warning (hang, unhandled, thread, spin …) makes the exit code "
                            "1; a hang stops the program's reactor")
    trace.add_argument("--internals", action="store_true", default=argparse.SUPPRESS,
                       help="show internal dispatches in the log lines")
    trace.add_argument("--from", dest="places", action="append", default=None,
                       metavar="MODULE_OR_FILE",
                       help="show what code in this file or module did (as filter from; may be "
                            "given more than once)")
    trace.add_argument("-m", dest="module", nargs=argparse.REMAINDER, metavar="MODULE [ARGS…]",
                       help="MODULE [ARGS…]: run a module as python -m does")
    trace.add_argument("program", nargs="?", metavar="PROGRAM.py")
    trace.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS…")
    view = sub.add_parser("view", help="print a recorded event stream (FILE.jsonl)")
    view.add_argument("file", metavar="FILE.jsonl")
    view.add_argument("--json", action="store_true", help="events as JSON lines")
    view.add_argument("--internals", action="store_true", default=argparse.SUPPRESS,
                      help="show internal dispatches")
    view.add_argument("--waiting", action="store_true",
                      help="the Deferreds pending at the end of the record, each with its chain")
    view.add_argument("--at", type=_whole("--at", 0, 10**12), metavar="SEQ",
                      help="with --waiting: as of event #SEQ (rebuilt from the events)")
    view.add_argument("--from", dest="places", action="append", default=None,
                      metavar="MODULE_OR_FILE",
                      help="only what code in this file or module did (as filter from; may be "
                           "given more than once)")


def _config(args: Any, default_clock: str | None = None) -> Any:
    """The engine's configuration; the clock unless told: virtual for ``run`` and ``play``
    (a scenario stepped at a person's pace must not race the real clock), else live."""
    from reactor_repl.engine.core import Config

    clock = args.clock or default_clock or (
        "virtual" if getattr(args, "cmd", None) in ("run", "play") else "live")
    return Config(clock="virtual" if clock == "virtual" else "live", log_size=args.log_size,
                  slow=args.slow, max_dispatches=args.max_dispatches,
                  allow_python=True)


def _with_value(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The options that take a value, the command's own and trace's (read from the
    parser: the words before a traced program, see _program_at)."""
    trace = next(a.choices["trace"] for a in parser._actions  # noqa: SLF001
                 if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    return frozenset(o for p in (parser, trace) for a in p._actions  # noqa: SLF001
                     if a.nargs != 0 for o in a.option_strings)


def _program_at(words: list[str], with_value: frozenset[str]) -> int | None:
    """Where a traced program's own words begin (PROGRAM.py, or -m): everything from there
    is the program's as python gives it, ``--`` too (argparse would take that away)."""
    i, seen_trace = 0, False
    while i < len(words):
        word = words[i]
        if not seen_trace:
            if word == "trace":
                seen_trace = True
            elif not word.startswith("-"):
                return None  # another command
            i += 2 if word in with_value else 1
            continue
        if word == "-m" or not word.startswith("-"):
            return i
        if word == "--":
            return i + 1 if i + 1 < len(words) else None
        i += 2 if word in with_value else 1
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    at = _program_at(words, _with_value(parser))
    try:
        args = parser.parse_args(words if at is None else words[:at])
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else EXIT_USAGE
    if at is not None:  # the program's words, untouched
        own = words[at:]
        args.module, args.program, args.args = (
            (own[1:], None, []) if own[0] == "-m" else (None, own[0], own[1:]))
    if args.cmd != "trace":  # (a traced program's streams are its own, as python gives them)
        _usable_streams()
    try:
        if args.cmd == "check":
            return cmd_check(args)
        if args.cmd == "run":
            return _leaving(cmd_run(args), argv)
        if args.cmd == "play":
            if not sys.stdin.isatty() or not sys.stdout.isatty():
                return cmd_play_lines(args)
            return cmd_interactive(args, play=args.file)
        if args.cmd == "trace":
            return cmd_trace(args, argv)
        if args.cmd == "view":
            return cmd_view(args)
        if not sys.stdin.isatty() or not sys.stdout.isatty():
            # piped in, or the output goes to a file (`reactor-repl > log.txt`): a live
            # session line by line, its events printed, not a screen drawn into the file
            return cmd_stdin(args)
        return cmd_interactive(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (run … | head): no traceback, and none at exit either;
        # a run's verdict was not given (1), a record's view has none to give (0)
        _stdout_gone()
        return EXIT_OK if args.cmd == "view" else EXIT_FAILED
    except OSError as e:
        if e.filename is not None or args.cmd == "trace":
            raise
        # the output could not be written (a full disk, /dev/full): said, not a traceback
        print(f"reactor-repl: cannot write the output: {e.strerror or e}", file=sys.stderr)
        _stdout_gone()
        return EXIT_FAILED


def _stdout_gone() -> None:
    """Nothing more goes to standard output, not even the flush at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _usable_streams() -> None:
    """A closed standard stream (``reactor-repl >&-``) is the null device, and a terminal
    or file that cannot show a character (an ASCII locale) shows its escape instead."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def _leaving(code: int, argv: list[str] | None) -> int:
    """The program ends next (``argv`` None: called as the command, not from a test).
    Python would free the event ring object by object on its way out (0.08 s for
    100,000 events); ``gc.freeze()`` leaves it where the last collection does not look."""
    if argv is None:
        import gc

        gc.freeze()
    return code


def cmd_check(args: Any) -> int:
    from reactor_repl.session.driver import check_files

    problems = check_files(args.files, args.allow_python)
    for p in problems:
        _complain(p)
    if problems:
        return EXIT_USAGE
    for path in args.files:
        print(f"{_printable(path)}: ok")
    return EXIT_OK


def _printable(text: str) -> str:
    from reactor_repl.views.escape import printable

    return printable(text)


def _complain(text: str) -> None:
    """A problem on stderr: the file's words shown, never acted on by the terminal."""
    print(_printable(text), file=sys.stderr)


def _outcome(engine: Any) -> int:
    counts = engine.log.counts  # (the whole run's: a reset does not take an error back)
    if counts.get("error") or counts.get("expect.fail"):
        return EXIT_FAILED
    return EXIT_OK


def cmd_run(args: Any) -> int:
    from reactor_repl.session.driver import read_checked

    texts: list[tuple[str, str]] = []
    problems: list[str] = []
    for path in args.files:
        text, found = read_checked(path, args.allow_python)
        problems += [p.located(path) for p in found]
        if text is not None:
            texts.append((path, text))
    if args.trace:
        problems += _trace_problems(args.trace)
    if problems:
        for p in problems:
            _complain(p)
        return EXIT_USAGE
    worst = EXIT_OK
    for path, text in texts:
        code = run_text(args, path, text, default_clock="virtual",
                        allow_python=args.allow_python, trace=args.trace)
        worst = max(worst, code)
        if code == EXIT_INTERRUPTED:
            return code
    return worst


def _trace_problems(path: str) -> list[str]:
    """--trace OUT.json is checked before the run (a run of minutes must not end in a
    traceback): the suffix, the folder, and that it is not a folder or device."""
    from reactor_repl.session import files

    if not path.endswith(".json"):
        return [f"--trace {path}: a trace is a .json file (Chrome/Perfetto), e.g. --trace out.json"]
    try:
        files.check_target(files.WriteRequest(path, "--trace", force=True))
    except files.WriteRefused as e:
        return [f"--trace {path}: {e.message}"]
    from reactor_repl.program.recording import overwrite_problem

    problem = overwrite_problem(path)  # (a project's package.json is not a trace)
    if problem:
        return [f"--trace {problem}"]
    if not os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
        return [f"--trace {path}: the folder cannot be written"]
    return []


def run_text(args: Any, path: str, text: str | Iterator[str], *, default_clock: str,
             allow_python: bool, trace: str | None = None, typed_blind: bool = False,
             then: tuple[str, Iterator[str]] | None = None) -> int:
    """Replay ``text`` as a session; print its events; return the exit code.
    ``typed_blind``: see ``_typed_blind``. ``then``: more lines after it, from elsewhere
    (``play FILE`` with standard input not a terminal: the file, then what is piped)."""
    from reactor_repl.engine.core import Engine
    from reactor_repl.session.driver import Driver
    from reactor_repl.views.text import LinePrinter

    from reactor_repl.ui.capture import captured
    from reactor_repl.ui.descriptors import DescriptorCapture

    engine = Engine(_config(args, default_clock))
    # what goes around sys.stdout (os.write, a child process, sys.__stdout__) is an event
    # line too, not a line in the middle of the events (or of --json's stream)
    fds = DescriptorCapture(engine) if DescriptorCapture.possible() else None
    out, err = sys.stdout, sys.stderr
    if fds is not None:
        out = fds.start(like=(out, err), errors=None)
        err = fds.err or err
    printer = LinePrinter(out, json=getattr(args, "json", False),
                          internals=args.internals, quiet=getattr(args, "quiet", False))
    engine.log.subscribe(printer)
    printer.view_tick = printer.flush  # type: ignore[attr-defined]
    if typed_blind:
        print("reactor-repl: the events go to standard output, not to this terminal; type "
              "commands, a line each (errors are shown here too); quit or Ctrl-D ends",
              file=err, flush=True)
        engine.log.subscribe(_errors_to(err))

    screen = err if getattr(args, "json", False) else out

    class HeadlessView:
        def show_text(self, text: str) -> None:
            printer.flush()
            # help pages are for the person: with --json, stdout carries events only
            print(text, file=screen)

        def tick(self) -> None:
            printer.flush()

    hung = []
    driver = Driver(engine, HeadlessView(), allow_python_files=allow_python,
                    allow_writes_files=bool(getattr(args, "allow_writes", False)),
                    interrupted=lambda: "--strict ends the scenario at the hang" if hung else "")
    if getattr(args, "strict", False):
        engine.on_hang.append(lambda: hung.append(True))
    if then is not None:  # play: the file's quit ends the file; standard input goes on
        driver.files_quit = False
    interrupted = False
    try:
        engine.start()
        with captured(engine):  # what the person's Python prints is an event line too
            driver.run_lines(path, text)
            if then is not None and not driver.state.quit:
                path, more = then
                driver.run_lines(path, more)
            driver.end_of_input(path)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        try:
            engine.finish("interrupted" if interrupted else "", collect=True,
                          patience=0.15 if interrupted else 2.0)
        finally:
            try:
                printer.flush()
            finally:
                if fds is not None:
                    fds.stop()
                    fds.close()
    if trace:
        from reactor_repl.session import files
        from reactor_repl.views import exporters

        try:
            exporters.export(engine, trace, driver.state.history.lines(),
                             lambda p: files.created(p, overwrite=True))
        except OSError as e:
            _complain(f"--trace {trace}: {e.strerror or e}")
            return EXIT_FAILED
    if interrupted:
        return EXIT_INTERRUPTED
    code = _outcome(engine)
    if getattr(args, "strict", False):
        code = max(code, strict_outcome(engine, path))
    if code and not getattr(args, "json", False):
        counts = engine.log.counts
        fails = counts.get("expect.fail", 0)
        errors = counts.get("error", 0)
        _complain(f"{path}: {fails} expectation(s) failed, {errors} command error(s)")
    return code


def strict_outcome(engine: Any, path: str) -> int:
    """--strict: one line per warning on stderr; any warning fails the run."""
    from reactor_repl.engine.lints import summary_lines

    lines = summary_lines(engine.log.snapshot(), path)
    for line in lines:
        print(line, file=sys.stderr)
    return EXIT_FAILED if lines else EXIT_OK


def cmd_trace(args: Any, argv: list[str] | None) -> int:
    from reactor_repl.program import trace_main

    # (no _leaving: the program's garbage is collected on the way out as under python —
    # a failed Deferred in a cycle freed then is when Twisted logs it)
    return trace_main.main(args, as_command=argv is None)


def cmd_view(args: Any) -> int:
    from reactor_repl.program import view

    return view.main(args)


def cmd_play_lines(args: Any) -> int:
    """``play FILE`` without a terminal (SPEC §5: standard input that is not a terminal is
    read as a scenario): the file's lines, then standard input's, printed as ``run``
    prints them — no screen drawn into a pipe or a file."""
    from reactor_repl.session.driver import read_checked

    text, found = read_checked(args.file, args.allow_python)
    if found or text is None:
        for p in found:
            _complain(p.located(args.file))
        return EXIT_USAGE
    try:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    return run_text(args, args.file, text, default_clock="virtual",
                    allow_python=args.allow_python, typed_blind=_typed_blind(),
                    then=("<stdin>", PipedLines(sys.stdin)))


def cmd_stdin(args: Any) -> int:
    """Piped standard input is a live session: each line runs as it arrives."""
    try:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    return run_text(args, "<stdin>", PipedLines(sys.stdin), default_clock="live",
                    allow_python=args.allow_python, typed_blind=_typed_blind())


def _typed_blind() -> bool:
    """A person types at a terminal while the events go elsewhere (``reactor-repl > log``):
    they see no prompt and no event; a welcome and the errors go to stderr for them."""
    try:
        return sys.stdin.isatty() and not sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _errors_to(stream: TextIO) -> Callable[[Any], None]:
    """Print each error event to ``stream`` (taken before ``captured`` takes stderr)."""

    def show(ev: Any) -> None:
        print(f"{ev.kind}: {ev.text}", file=stream, flush=True)

    show.kinds = ("error", "expect.fail")  # type: ignore[attr-defined]
    return show


def bounded_lines(stream: TextIO) -> Iterator[str]:
    """The lines of ``stream``, none longer than a scenario line may be: the rest of an
    over-long one is read and dropped as it comes (``< /dev/zero`` has no line end)."""
    from reactor_repl.session.scenario import MAX_LINE

    first = True
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        if first:  # a byte order mark is not part of the first line (as for a file)
            line, first = line.removeprefix("\ufeff"), False
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while True:  # skip to the end of that line, in bounded pieces
                rest = stream.readline(MAX_LINE)
                if not rest or rest.endswith("\n"):
                    break
        yield line


class PipedLines:
    """Piped standard input's lines as they come; once the session has ended, only those
    already there (``stop_waiting``): the driver says which of them never ran, and a pipe
    left open (a person typing into ``cat |``) is not waited on."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lines = bounded_lines(stream)
        self.waiting = True

    def __iter__(self) -> PipedLines:
        return self

    def __next__(self) -> str:
        if not self.waiting and not _readable_now(self.stream):
            raise StopIteration
        return next(self._lines)

    def stop_waiting(self) -> None:
        self.waiting = False


def _readable_now(stream: TextIO) -> bool:
    """Reading ``stream`` would not wait: data or its end is there (a file always)."""
    import select

    try:
        return bool(select.select([stream], [], [], 0)[0])
    except (OSError, ValueError):
        return False


def cmd_interactive(args: Any, play: str | None = None) -> int:
    """The explorer (live clock by default) or ``play`` (virtual by default, as ``run``: a
    scenario stepped at a person's pace must not race the real clock between lines)."""
    from reactor_repl.ui import app

    return app.main(args, _config(args), play=play)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
