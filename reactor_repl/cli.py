"""The command line (SPEC §5). Imports stay lazy so --help is fast."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from reactor_repl import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _common(p: argparse.ArgumentParser, clock_default: str | None) -> None:
    p.add_argument("--clock", choices=("real", "live", "virtual"), default=clock_default,
                   help="real (live) wall time, or virtual time that moves only on wait/step/block")
    p.add_argument("--log-size", type=int, default=100_000, metavar="N",
                   help="events kept in the log ring (default 100000)")
    p.add_argument("--slow", type=float, default=0.1, metavar="SECONDS",
                   help="slow-callback and blocked-loop threshold (default 0.1)")
    p.add_argument("--internals", action="store_true", help="show internal dispatches")
    p.add_argument("--max-dispatches", type=int, default=100_000, metavar="N",
                   help="virtual clock: dispatches allowed per command before it is a runaway (default 100000)")
    p.add_argument("--allow-python", action="store_true",
                   help="allow py lines in scenario files")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reactor-repl",
        description="An interactive explorer for the Twisted reactor.",
        epilog="Commands on standard input (not a terminal) run as a live session, line by line.",
    )
    parser.add_argument("--version", action="version", version=f"reactor-repl {__version__}")
    _common(parser, None)
    parser.add_argument("--line", action="store_true",
                        help="line mode: log lines print above the prompt")
    sub = parser.add_subparsers(dest="cmd", metavar="{run,check,play}")
    run = sub.add_parser("run", help="replay scenario files headless")
    run.add_argument("files", nargs="+", metavar="FILE")
    _common(run, "virtual")
    run.add_argument("--json", action="store_true", help="events as JSON lines")
    run.add_argument("--trace", metavar="OUT.json", help="also write a Chrome/Perfetto trace")
    run.add_argument("--quiet", action="store_true", help="print only errors and failed checks")
    run.add_argument("--strict", action="store_true",
                     help="any warning (hang, unhandled, thread, spin …) fails the run; a hang "
                          "ends it")
    check = sub.add_parser("check", help="parse only: report every error, run nothing")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--allow-python", action="store_true")
    play = sub.add_parser("play", help="replay FILE in the full-screen UI, then stay interactive")
    play.add_argument("file", metavar="FILE")
    _common(play, None)
    play.add_argument("--step", action="store_true", help="one line per Enter")
    play.add_argument("--line", action="store_true", help="line mode")
    return parser


def _config(args: Any, default_clock: str) -> Any:
    from reactor_repl.engine.core import Config

    clock = args.clock or default_clock
    return Config(clock="virtual" if clock == "virtual" else "live", log_size=max(100, args.log_size),
                  slow=args.slow, max_dispatches=max(1000, args.max_dispatches),
                  allow_python=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else EXIT_USAGE
    try:
        if args.cmd == "check":
            return cmd_check(args)
        if args.cmd == "run":
            return _leaving(cmd_run(args), argv)
        if args.cmd == "play":
            return cmd_interactive(args, play=args.file)
        if not sys.stdin.isatty():
            return cmd_stdin(args)
        return cmd_interactive(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (run … | head): no traceback, and none at exit either
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FAILED


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
        print(p, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    for path in args.files:
        print(f"{path}: ok")
    return EXIT_OK


def _outcome(engine: Any) -> int:
    if engine.log.count("error") or engine.log.count("expect.fail"):
        return EXIT_FAILED
    return EXIT_OK


def cmd_run(args: Any) -> int:
    from reactor_repl.session.driver import check_files

    problems = check_files(args.files, args.allow_python)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return EXIT_USAGE
    worst = EXIT_OK
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        code = run_text(args, path, text, default_clock="virtual",
                        allow_python=args.allow_python, trace=args.trace)
        worst = max(worst, code)
        if code == EXIT_INTERRUPTED:
            return code
    return worst


def run_text(args: Any, path: str, text: str, *, default_clock: str, allow_python: bool,
             trace: str | None = None) -> int:
    """Replay ``text`` as a session; print its events; return the exit code."""
    from reactor_repl.engine.core import Engine
    from reactor_repl.session.driver import Driver
    from reactor_repl.views.text import LinePrinter

    engine = Engine(_config(args, default_clock))
    printer = LinePrinter(sys.stdout, json=getattr(args, "json", False),
                          internals=args.internals, quiet=getattr(args, "quiet", False))
    engine.log.subscribe(printer)
    printer.view_tick = printer.flush  # type: ignore[attr-defined]

    from reactor_repl.ui.capture import captured

    screen = sys.stderr if getattr(args, "json", False) else sys.stdout

    class HeadlessView:
        def show_text(self, text: str) -> None:
            printer.flush()
            # help pages are for the person: with --json, stdout carries events only
            print(text, file=screen)

        def tick(self) -> None:
            printer.flush()

    hung = []
    driver = Driver(engine, HeadlessView(), allow_python_files=allow_python,
                    interrupted=lambda: bool(hung))
    if getattr(args, "strict", False):
        engine.on_hang.append(lambda: hung.append(True))
    interrupted = False
    try:
        engine.start()
        with captured(engine):  # what the person's Python prints is an event line too
            driver.run_lines(path, text)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        try:
            engine.finish("interrupted" if interrupted else "")
        finally:
            printer.flush()
    if trace:
        from reactor_repl.views import exporters

        exporters.export(engine, trace, driver.state.history)
    if interrupted:
        return EXIT_INTERRUPTED
    code = _outcome(engine)
    if getattr(args, "strict", False):
        code = max(code, strict_outcome(engine, path))
    if code and not getattr(args, "json", False):
        fails = engine.log.count("expect.fail")
        errors = engine.log.count("error")
        print(f"{path}: {fails} expectation(s) failed, {errors} command error(s)", file=sys.stderr)
    return code


def strict_outcome(engine: Any, path: str) -> int:
    """--strict: one line per warning on stderr; any warning fails the run."""
    from reactor_repl.language.kinds import WARNING_KINDS

    warnings = [ev for ev in engine.log.snapshot() if ev.kind in WARNING_KINDS]
    # an unhandled failure that an errback handled later is no longer a warning
    handled = {ev.name for ev in engine.log.snapshot() if ev.kind == "deferred.handled"}
    warnings = [ev for ev in warnings if not (ev.kind == "warn.unhandled" and ev.name in handled)]
    for ev in warnings:
        print(f"{path}: {ev.kind} {ev.name + ' ' if ev.name else ''}{ev.text}"[:300],
              file=sys.stderr)
    return EXIT_FAILED if warnings else EXIT_OK


def cmd_stdin(args: Any) -> int:
    """Piped standard input is a live session: each line runs as it arrives."""
    try:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    return run_text(args, "<stdin>", sys.stdin, default_clock="live",  # type: ignore[arg-type]
                    allow_python=args.allow_python)


def cmd_interactive(args: Any, play: str | None = None) -> int:
    from reactor_repl.ui import app

    return app.main(args, _config(args, "live"), play=play)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
