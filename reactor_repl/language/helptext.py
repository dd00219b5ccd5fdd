"""``help``: the grouped command list and per-command pages, from the table."""

from __future__ import annotations

from reactor_repl.language import values
from reactor_repl.language.table import (
    BY_NAME,
    COMMANDS,
    COROUTINE_STEPS,
    EXPECTS,
    FORMS,
    GROUPS,
    JOB_STEPS,
    STEPS,
    Arg,
    Command,
)


def overview() -> str:
    lines = ["reactor-repl commands (help COMMAND for one; help steps; help expect; "
             "help kinds)"]
    for group, title in GROUPS.items():
        lines.append("")
        lines.append(title)
        for c in COMMANDS:
            if c.group == group:
                lines.append(f"  {c.syntax():<44} {c.summary}")
    lines += ["", f"A line is at most {values.MAX_LINE:,} characters; do nests at most "
                  f"{values.MAX_DO_DEPTH} deep."]
    return "\n".join(lines)


def bounds(a: Arg) -> str:
    """What an argument may be, where the table bounds it: ``N: 1 to 10,000,000``."""
    if a.type == "int":
        low, high = a.bounds
        within = values.count_range(low, high) if high is not None else f"{low:,} or more"
        return f"{a.name}: a whole number, {within}"
    if a.type == "duration":
        return f"{a.name}: seconds, 0 to {values.MAX_DURATION:g} (or 250ms, 2s, 1.5min)"
    return ""


def _block(c: Command) -> list[str]:
    """One form's part of a page: its syntax, what it does, its Twisted API, examples."""
    lines = [c.syntax(), "  " + c.summary]
    lines += ["  " + m for m in c.more]
    ranges = [b for b in map(bounds, c.args) if b]
    if ranges:
        lines.append("  " + "; ".join(ranges))
    if c.aliases:
        lines.append("  aliases: " + ", ".join(c.aliases))
    if c.api:
        lines.append("  Twisted: " + c.api)
    if c.where == "prompt" and c.python:
        lines.append("  read at the prompt; the module's own code runs in the reactor thread")
    elif c.where == "prompt":
        lines.append("  runs at the prompt (not inside the reactor)")
    if c.python:
        lines.append("  Python: off in scenario files unless run with --allow-python")
    if c.takes_do:
        lines.append("  do COMMAND…: the rest of the line runs inside the reactor, in that callback;"
                     " do A ; B runs A then B")
    lines += ["  example: " + e for e in c.all_examples()]
    return lines


def page(c: Command) -> str:
    """The help page of ``c``'s word: each of its forms (``reset NAME DELAY`` and ``reset``)."""
    lines: list[str] = []
    for form in FORMS.get(c.name, (c,)):
        if lines:
            lines.append("")
        lines += _block(form)
    if c.name in ("addCallback", "addErrback", "addBoth", "addCallbacks"):
        lines += ["", steps()]
    if c.name == "expect":
        lines += ["", expects()]
    if c.name in ("async", "inlineCallbacks"):
        lines += ["", step_list("STEPs of a coroutine (; between two)", COROUTINE_STEPS)]
    if c.name in ("thread", "callInThread"):
        lines += ["", step_list("STEPs of a job (; between two)", JOB_STEPS)]
    return "\n".join(lines)


def step_list(title: str, table: tuple[Command, ...]) -> str:
    """The STEPs of a coroutine or a thread job, as a help page lists them."""
    lines = [title + ":"]
    for s in table:
        lines.append(f"  {s.syntax():<28} {s.summary}")
    return "\n".join(lines)


def steps() -> str:
    lines = ["STEPs (what a callback does):"]
    for s in STEPS:
        lines.append(f"  {s.syntax():<28} {s.summary}")
    ranges = [b for s in STEPS for b in map(bounds, s.args) if b]
    lines.append("  " + "; ".join(dict.fromkeys(ranges)))
    lines.append(f"  numbers: integers of at most {values.MAX_INT_DIGITS} digits, or finite floats")
    return "\n".join(lines)


def expects() -> str:
    lines = ["expect forms (a token is NAME, KIND:NAME or KIND):"]
    for s in EXPECTS:
        lines.append(f"  expect {s.syntax():<36} {s.summary}")
    return "\n".join(lines)


def help_text(topic: str | None = None) -> str:
    if not topic:
        return overview()
    if topic == "steps":
        return steps()
    if topic == "expect":
        return page(BY_NAME["expect"])
    if topic == "keys":  # the explorer answers this itself, from its key bindings
        return "keys: the explorer and --line mode list their keys with help keys (or F1)"
    if topic == "kinds":
        return kinds()
    return page(BY_NAME[topic])


def kinds() -> str:
    """Every event kind and what it means, by family (the one table of kinds)."""
    from reactor_repl.language.kinds import KIND_TABLE

    lines = ["event kinds (filter KIND or FAMILY; expect/predict take KIND and KIND:NAME)"]
    family = None
    for k in KIND_TABLE:
        group = k.family if "." in k.name else ""  # (input, note, log …: one block)
        if group != family:
            family = group
            lines.append("")
        lines.append(f"  {k.name:<20} {k.summary}" + ("  (a dispatch)" if k.dispatch else ""))
    return "\n".join(lines)
