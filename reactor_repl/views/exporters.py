"""``export FILE``: by suffix, the events (.jsonl), a Chrome trace (.json), a program
(.py), or the log as the text lines ``run`` prints (.txt).

Where and how the file is made (no overwrite unless asked, its mode) is the caller's:
``create(path)`` opens it.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Callable, ContextManager

from reactor_repl.engine.describe import plural
from reactor_repl.engine.events import write_jsonl

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

Create = Callable[[str], ContextManager[IO[str]]]
KINDS = {".jsonl": "events", ".json": "trace", ".py": "program", ".txt": "text"}


def kind_of(path: str) -> str:
    """What ``path`` asks for; ValueError (before any file is made) for another suffix."""
    for suffix, kind in KINDS.items():
        if path.endswith(suffix):
            return kind
    raise ValueError("the suffix says what to write: .jsonl, .json, .py or .txt")


def export(engine: Engine, path: str, history: list[str], create: Create) -> str:
    """Write the export; return a short description of what was written."""
    kind = kind_of(path)
    events = engine.log.snapshot()
    if kind == "events":
        with create(path) as f:
            write_jsonl(events, f)
        return plural(len(events), "event")
    if kind == "trace":
        from reactor_repl.views import trace

        with create(path) as f:
            n = trace.write_trace(events, f)
        return f"a Chrome trace of {n} trace events"
    if kind == "text":
        from reactor_repl.views.text import LinePrinter

        with create(path) as f:
            printer = LinePrinter(f, colour=False)
            for ev in events:
                printer(ev)
            printer.flush()
        return f"the log as text ({plural(len(events), 'event')})"
    from reactor_repl.views import pyexport

    with create(path) as f:
        f.write(pyexport.program(events, engine.config.clock))
    return "a plain Twisted program"
