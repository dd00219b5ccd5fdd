"""``help``: the grouped command list and per-command pages, from the table."""

from __future__ import annotations

from reactor_repl.language.table import BY_NAME, COMMANDS, EXPECTS, GROUPS, STEPS, Command


def overview() -> str:
    lines = ["reactor-repl commands (help COMMAND for one; help steps; help expect)"]
    for group, title in GROUPS.items():
        lines.append("")
        lines.append(title)
        for c in COMMANDS:
            if c.group == group:
                lines.append(f"  {c.syntax():<44} {c.summary}")
    return "\n".join(lines)


def page(c: Command) -> str:
    lines = [c.syntax(), "", "  " + c.summary]
    if c.aliases:
        lines.append("  aliases: " + ", ".join(c.aliases))
    if c.api:
        lines.append("  Twisted: " + c.api)
    if c.where == "prompt":
        lines.append("  runs at the prompt (not inside the reactor)")
    if c.takes_do:
        lines.append("  do COMMAND…: the rest of the line runs inside the reactor, in that callback")
    if c.example:
        lines.append("  example: " + c.example)
    if c.name in ("addCallback", "addErrback", "addBoth", "addCallbacks"):
        lines += ["", steps()]
    if c.name == "expect":
        lines += ["", expects()]
    return "\n".join(lines)


def steps() -> str:
    lines = ["STEPs (what a callback does):"]
    for s in STEPS:
        lines.append(f"  {s.syntax():<28} {s.summary}")
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
    return page(BY_NAME[topic])
