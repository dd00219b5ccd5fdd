"""Session commands that run in the engine: note, show, py, expect, predict, break."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from reactor_repl.engine import expect as expect_mod
from reactor_repl.engine import teaching
from reactor_repl.engine.commands import handles
from reactor_repl.engine.core import CommandError
from reactor_repl.engine.describe import without_address

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed


@handles("note")
def note(eng: Engine, p: Parsed) -> None:
    eng.record("note", "", p["TEXT"] or "", {})


@handles("show")
def show(eng: Engine, p: Parsed) -> None:
    from reactor_repl.engine import show as show_mod

    rec = eng.get(p["NAME"], "any")
    lines = show_mod.lines(rec, eng)
    # the text is the first line (the state); the rest (a Deferred's links) are in data
    eng.record("show", rec.name, lines[0], {"lines": lines})


def py_namespace(eng: Engine, named: bool = True) -> dict[str, Any]:
    """The session's Python namespace: what ``py`` lines assign stays; while a line runs
    (``named``) every named object is there under its name (``objects["s1.1"]`` for
    names that are not identifiers) — ``let_named_go`` takes out, after it, those no
    command made."""
    from reactor_repl.engine import show as show_mod

    ns = eng.namespace
    if not ns:
        from twisted.internet import defer, task, threads

        ns.update({"reactor": eng.reactor, "defer": defer, "task": task, "threads": threads,
                   "__name__": "__rr__", "__builtins__": __builtins__})
    if not named:
        return ns
    objects: dict[str, Any] = {}
    ours = ns.get("_rr_named", {})
    injected: dict[str, bool] = {}  # the names put here (a program's own stay its own)
    for name, rec in list(eng.objects.items()):
        value = show_mod.value_of(rec)
        if value is None:
            continue
        objects[name] = value
        if name.isidentifier() and (name not in ns or ours.get(name)):
            ns[name] = value
            injected[name] = True
    ns["_rr_named"] = injected
    ns["objects"] = objects
    return ns


def let_named_go(eng: Engine, ns: dict[str, Any]) -> None:
    """After a ``py`` line: the named objects the program made (not a command) leave the
    namespace, unless the line bound the name to something else. Held there until the
    next line, a failed Deferred the program had dropped was freed — and logged by
    Twisted as unhandled — that much later (a command's objects are kept anyway)."""
    objects = ns.get("objects") or {}
    injected = ns.get("_rr_named") or {}
    kept: dict[str, Any] = {}
    records = eng.objects
    for name, value in list(objects.items()):
        rec = records.get(name)
        if name in injected and ns.get(name, value) is not value:
            del injected[name]  # the line bound the name: the person's own from now on
        if rec is not None and rec.by_command:
            kept[name] = value
        elif name in injected and ns.get(name) is value:
            del ns[name]
            del injected[name]
    ns["objects"] = kept


class _ThisThread:
    """``sys.stdout`` while a py line runs: what this thread prints is the line's output;
    what other threads print meanwhile (a pool thread's job, a traced program's thread)
    goes where it went before (``contextlib.redirect_stdout`` took it from them too)."""

    def __init__(self, out: Any, before: Any) -> None:
        self._out = out
        self._before = before
        self._ident = threading.get_ident()

    def _target(self) -> Any:
        return self._out if threading.get_ident() == self._ident else self._before

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


@handles("py")
def py(eng: Engine, p: Parsed) -> None:
    if not eng.config.allow_python:
        raise CommandError("py is off", "run with --allow-python")
    code = p["CODE"]
    ns = py_namespace(eng)
    ns.pop("result", None)
    try:
        compiled = compile(code, "<py>", "eval")
        is_expr = True
    except SyntaxError:
        try:
            compiled = compile(code, "<py>", "exec")
            is_expr = False
        except SyntaxError as e:
            raise CommandError(f"Python syntax error: {e.msg}", "py takes one statement") from None
    import io

    out = io.StringIO()
    before = sys.stdout
    sys.stdout = mine = _ThisThread(out, before)
    try:
        value = eval(compiled, ns) if is_expr else exec(compiled, ns)
    except Exception as e:
        raise CommandError(f"{type(e).__name__}: {e}") from None
    except (SystemExit, KeyboardInterrupt) as e:  # (Twisted logged it; the run passed)
        raise CommandError(type(e).__name__ + (f": {e}" if str(e) else ""),
                           "py does not end the session: quit (or stop) does") from None
    finally:
        if sys.stdout is mine:
            sys.stdout = before
        let_named_go(eng, ns)
    text = out.getvalue().rstrip("\n")
    if is_expr and value is not None:
        # (its echo as every value is recorded: a default repr's address left out)
        text = (text + "\n" if text else "") + without_address(repr(value))
    eng.record("log", "", text.replace("\n", " ⏎ ") if text else "ok", {"py": code})


@handles("waiting")
def waiting_cmd(eng: Engine, p: Parsed) -> None:
    from reactor_repl.engine import waiting

    older = p["SECONDS"] if p["SECONDS"] is not None else 1.0
    found = waiting.waiting(eng, older)
    lines = waiting.lines(found, older)
    head = (f"{len(found)} Deferred{'s' if len(found) != 1 else ''} pending {older:g}s or more"
            if found else lines[0])
    eng.record("waiting", "", head, {"lines": [head, *lines] if found else [head],
                                     "waiting": [w.as_dict() for w in found],
                                     "older_than": older})


@handles("next")
def next_cmd(eng: Engine, p: Parsed) -> None:
    """What runs next: thread calls first (runUntilCurrent runs them first), then the due
    timers in the order the heap gives them, then descriptors ready now."""
    from reactor_repl.engine import upcoming

    lines = upcoming.lines(eng)
    eng.record("show", "", lines[0], {"lines": lines})


@handles("expect")
def expect(eng: Engine, p: Parsed) -> None:
    expect_mod.run(eng, p["CHECK"])


@handles("predict")
def predict(eng: Engine, p: Parsed) -> None:
    names = p["NAMES"]
    if len(names) < 2:
        raise CommandError("predict order needs at least two names", "e.g. predict order t2 t1")
    teaching.add_prediction(eng, names)


@handles("unbreak")
def unbreak(eng: Engine, p: Parsed) -> None:
    """A break could not be removed: a program paused before every beat of its loop
    until quit (reset is refused beside a traced program)."""
    kind, name = p["KIND"] or "", p["NAME"] or ""
    gone = [b for b in eng.breakpoints
            if not kind or (b[0] == kind and (not name or b[1] == name))]

    def listed(breaks: list[tuple[str, str]]) -> str:
        return ", ".join(f"{k} {n}".strip() for k, n in breaks)

    if not gone:
        now = listed(eng.breakpoints)
        hint = f"the breaks: {now}" if now else (
            "a step is pending: continue cancels it" if eng.stepping and eng.paused_at is None
            else "break KIND [NAME] sets one")
        raise CommandError(f"no break before {kind} {name}".strip() if kind else "no break set",
                           hint)
    eng.breakpoints[:] = [b for b in eng.breakpoints if b not in gone]
    eng.record("break", name, f"no more pauses before {listed(gone)}",
               {"kind": kind, "set": False, "removed": len(gone)})


@handles("break")
def break_cmd(eng: Engine, p: Parsed) -> None:
    from reactor_repl.engine.events import DISPATCH_KINDS

    kind = p["KIND"]
    if not any(k == kind or k.split(".")[0] == kind for k in DISPATCH_KINDS):
        # deferred.step, timer.schedule …: recorded, but not a dispatch of the loop
        raise CommandError(f"{kind} is not a dispatch the loop can pause before",
                           "break takes " + " ".join(sorted(DISPATCH_KINDS)) + ", or a family "
                           "of them (timer, loop, thread, threadcall, reader, tcp, trigger)")
    eng.breakpoints.append((kind, p["NAME"] or ""))
    eng.record("break", p["NAME"] or "", f"will pause before {p['KIND']} {p['NAME'] or ''}".strip(),
               {"kind": p["KIND"], "set": True})
