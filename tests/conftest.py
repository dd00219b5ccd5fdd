"""What every test process shares.

The programs the tests start (``python -m reactor_repl …``, exported and plain Twisted
programs: a few hundred of them) may keep their compiled modules, in a cache outside the
source tree: with PYTHONDONTWRITEBYTECODE set, as on the project's machines, each of
them compiled reactor_repl anew (about 0.1 s a start).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX",
                      os.path.join(tempfile.gettempdir(), "reactor-repl-test-pycache"))


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
