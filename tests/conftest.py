"""What every test process shares.

The programs the tests start (``python -m reactor_repl …``, exported and plain Twisted
programs: a few hundred of them) may keep their compiled modules, in a cache outside the
source tree: with PYTHONDONTWRITEBYTECODE set, as on the project's machines, each of
them compiled reactor_repl anew (about 0.1 s a start).
"""

from __future__ import annotations

import os
import tempfile

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX",
                      os.path.join(tempfile.gettempdir(), "reactor-repl-test-pycache"))
