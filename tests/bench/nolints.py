"""``reactor-repl`` with the Twisted lints switched off, for the benchmark that measures
what they cost (issue 13: recording with them within 5% of recording without them).

    python tests/bench/nolints.py ARGS…     # as ``reactor-repl ARGS…``

Off means: no hang check when the loop would wait, no unhandled-failure check when a
chain runs out, no thread check (the reactor's thread is not even noted, so every
``off_thread`` compare is the cheapest), no spin check. Not a feature of the tool: the
benchmark's other side.
"""

from __future__ import annotations

import sys


def switch_off() -> None:
    from reactor_repl.engine import lints
    from reactor_repl.observe import reactor as observing

    lints.Lints.iteration = lambda self, due_now: None  # type: ignore[method-assign]
    lints.Lints.check_hang = lambda self: False  # type: ignore[method-assign]
    lints.Lints.chain_ended = lambda self, ds, failed, result: None  # type: ignore[method-assign]
    lints.Lints.wrong_thread = lambda self, api, site: None  # type: ignore[method-assign]
    lints.Lints.spin_said = property(lambda self: True, lambda self, value: None)  # type: ignore[assignment]
    mixin = observing.ObservingMixin

    def main_loop(self: object) -> None:  # the loop's thread not noted: no thread check
        super(mixin, self).mainLoop()  # type: ignore[misc]

    mixin.mainLoop = main_loop  # type: ignore[method-assign]


if __name__ == "__main__":
    switch_off()
    from reactor_repl.cli import main

    sys.argv[0] = "reactor-repl"
    raise SystemExit(main())
