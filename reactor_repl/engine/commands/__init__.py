"""Command handlers: one function per command of the table, found by name.

``HANDLERS`` is filled by the ``@handles`` decorator in the modules below; the
table in ``reactor_repl.language.table`` says what exists, these say what it does.
A handler is the Twisted code the command stands for: what Twisted then does is
recorded by the observation layer, not by the handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import defer, error

from reactor_repl.engine.core import CommandError

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed

Handler = Callable[["Engine", "Parsed"], None]
HANDLERS: dict[str, Handler] = {}

# what Twisted raises when a command asks for something it cannot do: at the prompt a
# friendly error; inside a callback it goes on to Twisted, as in a plain program
TWISTED_REFUSALS = (error.AlreadyCalled, error.AlreadyCancelled, defer.AlreadyCalledError,
                    error.ReactorNotRunning, error.NotConnectingError)


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            HANDLERS[n] = fn
        return fn

    return register


def execute(engine: Engine, parsed: Parsed, reraise: bool = False, where: str = "") -> bool:
    """Run one parsed command here (the caller picked the thread). False if rejected.

    ``where`` (FILE:LINE) prefixes the error of a rejected command and is the site of
    the objects it makes.

    ``reraise``: inside a callback (a ``do``), whatever the command raises goes on to
    Twisted, as it would from a plain program's callback: the loop logs it, a
    LoopingCall stops, a Deferred chain turns to its errbacks."""
    if engine.current is None and engine.in_reactor() and not reraise:
        # a typed command is a callback the reactor runs (callFromThread): warn if slow
        return engine.run_command(parsed.text, _execute, engine, parsed, reraise, where)
    return _execute(engine, parsed, reraise, where)


def _execute(engine: Engine, parsed: Parsed, reraise: bool, where: str = "") -> bool:
    fn = HANDLERS.get(parsed.name)
    outer_site = engine.command_site
    engine.command_site = where or "<input>"
    try:
        if fn is None:
            raise CommandError(f"{parsed.name} cannot run here")
        fn(engine, parsed)
        return True
    except CommandError as e:
        record_error(engine, parsed.text, e, where, parsed.col)
        if reraise:
            raise
        return False
    except defer.AlreadyCalledError:
        if reraise:
            raise
        return True  # recorded as deferred.error by the observer
    except Exception as e:
        if reraise:
            raise
        record_error(engine, parsed.text, CommandError(f"{type(e).__name__}: {e}"), where,
                     parsed.col)
        return False
    finally:
        engine.command_site = outer_site


def record_error(engine: Engine, text: str, e: CommandError, where: str = "",
                 col: int = 1) -> None:
    """A line's error: ``FILE:LINE:COL: LINE: message — hint`` (no place at the prompt;
    the column in ``data`` all the same). COL is the word at fault's when the error names
    one (``fire nosuch``: the name), else the command's (``col``)."""
    col += word_at(text, e.word)
    place = f"{where}:{col}" if where else ""
    engine.record("error", "", (f"{place}: " if place else "") + f"{text}: {e.message}"
                  + (f" — {e.hint}" if e.hint else ""),
                  {"command": text, "message": e.message, "hint": e.hint, "where": where,
                   "col": col})


def word_at(text: str, word: str) -> int:
    """Where ``word`` stands as a word of ``text`` (0-based), 0 if it does not."""
    if not word:
        return 0
    start = 0
    while True:
        at = text.find(word, start)
        if at < 0:
            return 0
        end = at + len(word)
        if (at == 0 or text[at - 1].isspace()) and (end == len(text) or text[end].isspace()):
            return at
        start = at + 1


def run_do(engine: Engine, parsed: Parsed | None, where: str = "") -> Any:
    """The ``do`` of a callback: runs inside the reactor; what it raises goes on to Twisted."""
    if parsed is not None:
        execute(engine, parsed, reraise=True, where=where)


def fired_by(parsed: Parsed | None) -> frozenset[str]:
    """The Deferreds a ``do`` fires, fails or cancels by name (``waiting`` follows them)."""
    names: set[str] = set()
    todo = [parsed]
    while todo:
        p = todo.pop()
        if p is None:
            continue
        if p.name in ("fire", "fail", "cancel"):
            names.add(str(p["NAME"]))
        todo += list(p.args.get("ACTIONS") or ()) if p.name == "actions" else []
        todo.append(p.do)
    return frozenset(names)


def actions(parsed: Parsed | None) -> list[Parsed]:
    """What a ``do`` runs, in order: its one command, or each of ``do A ; B``."""
    if parsed is None:
        return []
    return list(parsed["ACTIONS"]) if parsed.name == "actions" else [parsed]


@handles("actions")
def run_actions(engine: Engine, parsed: Parsed) -> None:
    """``do A ; B``: each in turn, in this callback; what one raises ends the callback
    there (the rest do not run), and goes on to Twisted as from a plain callback."""
    site = engine.command_site
    for sub in parsed["ACTIONS"]:
        execute(engine, sub, reraise=True, where=site)


@handles("raise")
def raise_cmd(engine: Engine, parsed: Parsed) -> None:
    """``raise MESSAGE`` in a callback: a plain ``raise Exception(MESSAGE)``."""
    raise Exception(parsed["MESSAGE"] or "")


def twisted_call(engine: Engine, fn: Callable[[], Any], refused: str, hint: str = "") -> Any:
    """Call Twisted for a command. At the prompt, Twisted's refusal (AlreadyCalled …) is a
    friendly error; inside a callback it is raised on, as a plain program would see it."""
    if engine.in_callback():
        return fn()
    try:
        return fn()
    except TWISTED_REFUSALS as e:
        raise CommandError(f"{refused} ({type(e).__name__})",
                           hint or "only a pending one can change") from None


def close_all(engine: Engine) -> None:
    """Close the pipes and sockets a session opened."""
    for res in list(engine.open_resources):
        try:
            res.close()
        except Exception:
            pass
    engine.open_resources.clear()


# import the handler modules so they register
from reactor_repl.engine.commands import deferreds, io_tcp, session, threads, time  # noqa: E402,F401
