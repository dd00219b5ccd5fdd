"""``export FILE``: by suffix, the events (.jsonl), a Chrome trace (.json), or a program (.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reactor_repl.engine.events import write_jsonl

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine


def export(engine: Engine, path: str, history: list[str]) -> str:
    """Write the export; return a short description of what was written."""
    events = engine.log.snapshot()
    if path.endswith(".jsonl"):
        with open(path, "w", encoding="utf-8") as f:
            write_jsonl(events, f)
        return f"{len(events)} events"
    if path.endswith(".json"):
        from reactor_repl.views import trace

        with open(path, "w", encoding="utf-8") as f:
            n = trace.write_trace(events, f)
        return f"a Chrome trace of {n} trace events"
    if path.endswith(".py"):
        from reactor_repl.views import pyexport

        with open(path, "w", encoding="utf-8") as f:
            f.write(pyexport.program(events, engine.config.clock))
        return "a plain Twisted program"
    raise ValueError("the suffix says what to write: .jsonl, .json or .py")
