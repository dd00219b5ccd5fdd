"""The input line's completer: ``completion.context`` says what fits, this lists it.

Stage two of the pgcli way: a suggestion type → candidates, with what the UI
knows of the session (object names and states from the latest snapshot).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from reactor_repl.language import completion
from reactor_repl.language.parser import colon_form
from reactor_repl.language.table import (
    BY_NAME,
    EXPECT_BY_NAME,
    KIND_FAMILIES,
    KINDS,
    STEP_BY_NAME,
    STEP_TABLES,
    Command,
)

Items = Callable[[], list[dict[str, Any]]]


def _meta(cmd: Command, word: str) -> str:
    if word != cmd.name:
        return f"= {cmd.name}: {cmd.summary}"
    return cmd.summary


def name_fits(item: dict[str, Any], s: completion.Suggestion) -> bool:
    """Does a session object fit a ``name`` suggestion (families, and fired/active)?"""
    fams = s.families
    if fams:
        is_deferred = item.get("deferred") is not None
        if item["family"] not in fams and not ("deferred" in fams and is_deferred):
            return False
    if s.want == "unfired":
        return item.get("deferred") is not None and not item.get("fired")
    if s.want == "active":
        return bool(item.get("pending"))
    return True


def keyword_meta(word: str, s: completion.Suggestion, cmd: Command | None) -> str:
    """What a keyword-like word is: ``[times N]``, ``do …: runs inside the reactor``."""
    if word == "do":
        return "do COMMAND…: runs inside the reactor, in this callback"
    if word == "/":
        return "then the errback STEP"
    if word == "call":
        return "call FN: a callable of your code (module:attr or a name it defines)"
    if s.arg is not None:
        return s.arg.name
    for a in cmd.args if cmd is not None else ():
        if a.keyword == word:
            return a.syntax()
    return ""


class ReplCompleter(Completer):
    """``next_name(family)``: the name the engine would give a new object of that family
    (its own rule, asked, not worked out again here)."""

    def __init__(self, items: Items, next_name: Callable[[str], str],
                 python_names: Callable[[], list[str]] = list) -> None:
        self.items = items
        self.next_name = next_name
        self.python_names = python_names  # module.attr of the modules in use
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent
                        ) -> Iterable[Completion]:
        if not document.text.strip() and not complete_event.completion_requested:
            return  # an empty line pops up nothing until Tab
        ctx = completion.context(document.text_before_cursor)
        word = ctx.word
        seen: set[str] = set()
        for s in ctx.suggestions:
            if s.type == "path":
                yield from self.paths.get_completions(Document(word), complete_event)
                continue
            for text, meta in self.candidates(s, ctx.command):
                if text in seen or not text.lower().startswith(word.lower()):
                    continue
                seen.add(text)
                yield Completion(text, -len(word), display_meta=meta)

    def candidates(self, s: completion.Suggestion, cmd: Command | None = None
                   ) -> Iterable[tuple[str, str]]:
        t = s.type
        if t == "command":
            for word, cmd in sorted(BY_NAME.items()):
                if s.want == "reactor" and cmd.where == "prompt":
                    continue
                if s.want != "reactor" and cmd.where == "callback":
                    continue  # (raise: only after do)
                yield word, _meta(cmd, word)
        elif t == "step" and s.words:  # a coroutine's or a job's STEPs
            table = STEP_TABLES.get(s.families[0], {}) if s.families else {}
            for word in s.words:
                forms = table.get(word)
                yield word, forms[0].summary if forms else ""
        elif t == "step":
            for word, cmd in STEP_BY_NAME.items():
                yield word, _meta(cmd, word)
        elif t == "expect":
            for word, cmd in EXPECT_BY_NAME.items():
                yield word, _meta(cmd, word)
        elif t == "keyword":
            for word in s.words:
                yield word, keyword_meta(word, s, cmd)
        elif t == "name":
            for it in self.items():
                if name_fits(it, s):
                    yield it["name"], f"{it['family']} {it.get('deferred') or it['state']}"
        elif t == "python":
            protocol = getattr(s.arg, "type", "") == "protocol"
            for ref in self.python_names():
                # a protocol's takes the colon (in listen and connect a dotted word is a
                # name: s1.1): the dotted one offered there was refused every time
                yield (colon_form(ref) if protocol else ref), "your code (use)"
        elif t == "new-name":
            for fam in s.families:
                yield self.next_name(fam), f"a new {fam} name"
        elif t == "kind":
            for k in KIND_FAMILIES:
                yield k, "every kind of this family"
            for k in KINDS:
                yield k, ""
        elif t == "help-topic":
            for word in completion.topic_words():
                cmd = BY_NAME.get(word)
                yield word, cmd.summary if cmd else "help page"
