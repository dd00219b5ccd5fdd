"""What every test process shares.

The programs the tests start (``python -m reactor_repl …``, exported and plain Twisted
programs: a few hundred of them) may keep their compiled modules, beside the sources as
Python does by default (``__pycache__`` is ignored by git): with PYTHONDONTWRITEBYTECODE
set, as on the project's machines, each of them compiled reactor_repl anew (about 0.1 s
a start). (A cache outside the tree, PYTHONPYCACHEPREFIX, made a fresh clone's first
run compile Twisted too, in every process that started before the cache was written:
pip had compiled it beside its sources, where that cache does not look.)
"""

from __future__ import annotations

import compileall
import gc
import os
import sys
from pathlib import Path

import pytest

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# compiled once here, before the tests start programs side by side that would each
# compile it (a fresh clone's first run: its first programs all did)
compileall.compile_dir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "reactor_repl"), quiet=1)


@pytest.fixture
def term_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start ``python -m reactor_repl ARGS`` on a pseudo-terminal; ended after the test."""
    from terminal import Terminal

    made: list[Terminal] = []

    def make(*args: str) -> Terminal:
        t = Terminal(list(args), tmp_path)
        made.append(t)
        return t

    yield make
    for t in made:
        if t.child.isalive():
            t.child.terminate(force=True)


def _collecting_first(install):  # type: ignore[no-untyped-def]
    def install_after_a_collection(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        import twisted.internet

        # the last session's reactor stays Twisted's global one until this one replaces
        # it: let it go first, and all that it keeps alive
        sys.modules.pop("twisted.internet.reactor", None)
        if hasattr(twisted.internet, "reactor"):
            delattr(twisted.internet, "reactor")
        gc.collect()
        return install(self, *args, **kwargs)
    return install_after_a_collection


def _sessions_start_clean() -> None:
    """A session started in this process begins with the garbage of earlier tests collected:
    a failed Deferred collected later makes Twisted log "Unhandled error in Deferred" into
    whichever session listens then (and which one that is depends on the tests' order)."""
    from reactor_repl.engine.core import Engine

    Engine.install = _collecting_first(Engine.install)


_sessions_start_clean()


# The files that take longest, most of it waiting on real clocks, go first: xdist hands
# out files in this order (pyproject: --no-loadscope-reorder), so none of them is left
# to start last on one worker while the others have finished.
LONGEST_FIRST = ("test_differential.py", "test_fidelity.py", "test_programs.py",
                 "test_scenarios.py", "test_readme_example.py")


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    def rank(item):  # type: ignore[no-untyped-def]
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # a stable sort: the order within a file stays
