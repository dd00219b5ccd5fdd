"""``export FILE.py``: the session as a plain Twisted program a learner could write.

The program is written from the session's event stream (``stream``): its lines, and
the names the engine gave what they made. Each command becomes the Twisted calls it
stands for (``code``): ``reactor.callLater``, ``task.LoopingCall``, ``Deferred``,
``threads.deferToThread``, ``addReader``, ``listenTCP``/``connectTCP``,
``addSystemEventTrigger``, ``reactor.stop``. What prints one line ``KIND NAME`` per
dispatch and keeps the explorer's turns is not written here: the program carries a
copy of the definitions it uses from ``reactor_repl.export`` and ``runtime``
(``copying``), so it imports nothing of reactor-repl and runs the code that is tested.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable

from reactor_repl.language.kinds import PRINTED_KINDS
from reactor_repl.views.escape import printable
from reactor_repl.views.pyexport.code import (SAID, Unsupported, Writer, function, num,
                                              requested)
from reactor_repl.views.pyexport.copying import Copier, free_names
from reactor_repl.views.pyexport.stream import MAKES, Line, Session, read

__all__ = ["PRINTED_KINDS", "program"]

# where the program's own names come from, in the order they are looked up
MODULES = ("reactor_repl.export.printing", "reactor_repl.export.pacing",
           "reactor_repl.export.pausing", "reactor_repl.runtime")
# what the written code itself imports: name → (module, name or "" for ``import module``)
VOCABULARY = {
    "reactor": ("twisted.internet", "reactor"), "defer": ("twisted.internet", "defer"),
    "task": ("twisted.internet", "task"), "threads": ("twisted.internet", "threads"),
    "error": ("twisted.internet", "error"), "Failure": ("twisted.python.failure", "Failure"),
    "time": ("time", ""), "sys": ("sys", ""), "contextlib": ("contextlib", ""),
}
# the program's own module-level names, made when it uses them
GLUE = {
    "pace": "pace = Pacing(reactor)",
    "helpers": "helpers = Helpers(pace)",
    "jobs": "jobs = PoolJobs(pace)",
    "pause": "pause = Pausing(pace)\nDispatches.before.append(pause.gate)",
    "calls": "calls = {}  # how many times each LoopingCall with 'times N' has called",
}
PAUSING = ("break", "step", "continue")
# one program at a time: CPython 3.11's parser is not safe to run in two threads at once
# ("AST constructor recursion depth mismatch"), and the copier parses modules and code
_one_at_a_time = threading.Lock()

HEADER = '''#!/usr/bin/env python3
"""A plain Twisted program, exported by reactor-repl from a session ({n} lines, {clock} clock).

Run it with ``python`` and it does what the session did, with Twisted's own APIs,
printing one line ``KIND NAME`` for each dispatch the reactor makes (``timer.fire t1``,
``deferred.step d1`` ...), in order: the same lines, in the same order, as the
explorer's log.

How the session's lines become a program: each line runs in its turn, handed to the
reactor with ``callFromThread`` once the loop has done everything due at that moment,
as the explorer delivers a typed line (``pace.turn()``); ``wait S`` lets S seconds
pass. What prints the dispatches and keeps the turns is copied below from
reactor-repl's own modules, so this file needs only Twisted. The session's notes and
checks are kept as comments.{clock_note}
"""
'''
CLOCK_NOTE = {
    "live": "\n\nThe session ran on the live clock: the time you spent between typed lines is\n"
            "not in it. Add ``yield pace.wait(S)`` where that time mattered.",
}


def program(events: Iterable[Any], clock: str | None = None) -> str:
    """The session the events tell of, as a standalone Twisted program (its source)."""
    with _one_at_a_time:
        return _program(list(events), clock)


def _program(events: list[Any], clock: str | None) -> str:
    session = read(events, clock)
    ran = [ln for ln in session.lines if ln.parsed is not None and not ln.refused]
    pausing = any(ln.name in PAUSING for ln in ran)
    made_in_callbacks = [(p, looping) for ln in ran for p, looping in _callback_commands(ln)
                         if p.name in MAKES or p.name in HANDED_OVER]
    copier = Copier(MODULES)
    writer = Writer(session, copier.names() | set(VOCABULARY) | set(GLUE) | {"session"},
                    _keeps_names(session, made_in_callbacks), pausing,
                    {n for p, _ in made_in_callbacks
                     if (n := requested(p, session)) is not None})
    body, assigned = _session_body(writer, session.lines)
    tail = _tail(writer, body, assigned)
    for name in sorted(free_names(tail)):
        if name in VOCABULARY:
            copier.use_import(*VOCABULARY[name])
        elif copier.provides(name):
            copier.need(name)
    note = CLOCK_NOTE.get(session.clock, "")
    parts = [HEADER.format(n=len(ran), clock=session.clock or "virtual", clock_note=note),
             "from __future__ import annotations\n\n",
             "\n".join(copier.import_lines()) + "\n\n\n",
             copier.source() + "\n\n\n",
             tail]
    return "".join(parts)


def _tail(writer: Writer, body: list[str], assigned: list[str]) -> str:
    """The program's own part: its few module-level names, ``session()``, and the start."""
    end = ("yield pause.session_end()" if writer.pausing else "yield pace.turn()")
    lines = ["@defer.inlineCallbacks", "def session():", '    """The session, line by line."""']
    lines += _globals(assigned)
    lines += ["    " + ln if ln else "" for ln in body]
    lines += ["",
              "    # -- the session ends here: the explorer stops the loop where it is (no",
              "    #    shutdown triggers run; thread jobs still at work are abandoned) —",
              "    #    unless a stop is under way: its shutdown finishes (a trigger's",
              "    #    Deferred may hold it), and then the loop returns by itself",
              f"    {end}",
              "    if not reactor._stopped:",
              "        reactor.crash()", "", "",
              'if __name__ == "__main__":',
              "    run_session(reactor, session)", ""]
    code = "\n".join(lines)
    used = free_names(code)
    glue = [line for name, line in GLUE.items() if name in used or name == "pace"]
    return "\n".join(glue) + "\n\n\n" + code


def _globals(names: list[str]) -> list[str]:
    """``global a, b, …`` statements of at most 88 characters."""
    out: list[str] = []
    cur: list[str] = []
    for n in names:
        if cur and len("    global " + ", ".join(cur + [n])) > 88:
            out.append("    global " + ", ".join(cur))
            cur = []
        cur.append(n)
    if cur:
        out.append("    global " + ", ".join(cur))
    return out


def _session_body(w: Writer, lines: list[Line]) -> tuple[list[str], list[str]]:
    """The lines of ``session()`` (unindented), and the session variables it assigns."""
    out: list[str] = []
    assigned: list[str] = []
    count = 0
    for line in lines:
        said = line.name in SAID
        if out and out[-1] and not (said and out[-1].startswith("#")):
            out.append("")  # notes and checks in a row stay together
        if line.parsed is None or line.refused:
            out += [f"# {printable(line.text)}",
                    f"#   (not run: {printable(line.refused or 'not understood')})"]
            continue
        p = line.parsed
        if p.name == "note":
            out.append(f"# note: {printable(p['TEXT'] or '')}")
            continue
        out.append(f"# {printable(line.text)}" + (f"   ({SAID[p.name]})" if said else ""))
        if said:
            continue
        count += 1
        if p.name == "wait":
            seconds = num(p["DURATION"])
            out += ([f"yield pause.wait_line({seconds})"] if w.pausing else
                    ["yield pace.turn()", f"yield pace.wait({seconds})"])
            continue
        if p.name in ("step", "continue"):
            out.append(f"yield pause.go_on(step={p.name == 'step'})")
            continue
        w.line = line
        try:
            code = w.command(p)
        except Unsupported as e:
            out.append(f"#   (not run: {printable(str(e))})")
            continue
        finally:
            w.line = None
        if p.name == "break":
            out += code.lines
            continue
        if w.pausing:
            f = w.func(f"line_{count}")
            out += function(f, "", code).lines
            # write and close work from outside the loop: at once, even while it is paused
            runner = "outside" if p.command.where == "here" else "typed"
            out.append(f"yield pause.{runner}({f})")
            continue
        out.append("yield pace.turn()")
        out += code.lines
        assigned += [a for a in code.assigns if a not in assigned]
    return out, assigned


# a job's STEPs that hand the reactor a call (a thread call, named as fromthread's)
HANDED_OVER = ("fromthread", "blocking")


def _callback_commands(line: Line) -> Iterable[tuple[Any, bool]]:
    """Every command a line's callbacks run (its ``do``s, at any depth, ``do A ; B``'s
    each, and its steps' — a job's fromthread and blocking steps among them), with
    whether it runs in a LoopingCall's call (again and again)."""
    def walk(p: Any, looping: bool, top: bool) -> Iterable[tuple[Any, bool]]:
        if p is None:
            return
        if p.name == "actions":
            for sub in p["ACTIONS"]:
                yield from walk(sub, looping, False)
            return
        if not top:
            yield p, looping
        looping = looping or p.name == "every"
        yield from walk(p.do, looping, False)
        for key in ("STEP", "STEPS"):
            steps = p[key]
            for s in (steps if isinstance(steps, (list, tuple)) else [steps]):
                if s is not None and s.name in HANDED_OVER:
                    yield s, looping
                if s is not None and getattr(s, "do", None) is not None:
                    yield from walk(s.do, looping, False)

    yield from walk(line.parsed, False, True)


def _keeps_names(session: Session, made: list[tuple[Any, bool]]) -> bool:
    """Does the program need the explorer's names at run time? When a callback makes an
    object without a name, or makes one where its name may be taken already (in a
    LoopingCall's call, or a name something else asks for too)."""
    asked: dict[str, int] = {}
    for ln in session.lines:
        if ln.parsed is not None and not ln.refused and ln.name in MAKES and ln.made:
            asked[ln.made] = asked.get(ln.made, 0) + 1
    for p, _ in made:
        n = requested(p, session)
        if n is not None:
            asked[n] = asked.get(n, 0) + 1
    return any(requested(p, session) is None or looping or asked[requested(p, session)] > 1
               for p, looping in made)
