"""``reactor-repl`` without ``run``/``check``: the explorer (or line mode), and ``play``."""

from __future__ import annotations

import sys
from typing import Any

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import read_checked
from reactor_repl.ui.history import PrivateFileHistory, open_history
from reactor_repl.ui.play import Player

EXIT_OK, EXIT_USAGE = 0, 2


def load_play(path: str, allow_python: bool) -> tuple[Player | None, list[str]]:
    """Read and check a scenario before any UI starts: problems as FILE:LINE:COL: message
    (a regular file of UTF-8 text of bounded size, as ``run`` and ``check`` read it)."""
    from reactor_repl.views.escape import printable

    text, problems = read_checked(path, allow_python)
    if problems or text is None:
        return None, [printable(p.located(path)) for p in problems]
    return Player(path, text), []


def main(args: Any, config: Config, play: str | None = None) -> int:
    """Run the interactive session; returns the exit code (SPEC §5)."""
    allow_python = bool(getattr(args, "allow_python", False))
    player = None
    if play is not None:
        player, problems = load_play(play, allow_python)
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            return EXIT_USAGE
        assert player is not None
        player.step = bool(getattr(args, "step", False))
    warnings: list[str] = []
    history = open_history(warnings.append)
    engine = Engine(config)
    engine.start()
    session: Any
    fds: Any = None  # the full screen's capture of descriptors 1 and 2
    options: dict[str, Any] = dict(internals=bool(getattr(args, "internals", False)),
                   allow_python_files=allow_python, player=player, history=history)
    if getattr(args, "line", False):
        from reactor_repl.ui.line_mode import LineSession

        session = LineSession(engine, **options)
    else:
        from prompt_toolkit.output.defaults import create_output

        from reactor_repl.ui.descriptors import DescriptorCapture
        from reactor_repl.ui.explorer import Explorer

        # what goes around sys.stdout (os.write, a child process, sys.__stdout__) is an
        # output event too, not text drawn over the screen: the screen is drawn on a
        # duplicate of the terminal's descriptor
        if DescriptorCapture.possible():
            fds = DescriptorCapture(engine)
            options["output"] = create_output(stdout=fds.start())
        session = Explorer(engine, **options)
    session.driver.allow_writes_files = bool(getattr(args, "allow_writes", False))
    for w in warnings:
        session.warn(w)
    if isinstance(history, PrivateFileHistory):
        history.warn = session.warn
    from reactor_repl.ui.tty import restored_on_os_exit

    try:
        with restored_on_os_exit(first=(lambda: fds.stop(wait=0.05)) if fds else None):
            code = session.run()
    finally:
        if fds is not None:
            fds.stop()
            try:
                fds.close()
            except OSError:
                pass
    # the program ends next: Python's last full collection would scan the ring and the
    # log pane's rows (300,000 objects) on the way out; frozen, it leaves them alone
    import gc

    gc.freeze()
    return code
