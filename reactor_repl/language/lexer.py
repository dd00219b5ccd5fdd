"""A pygments lexer for reactor-repl commands and scenario files (``*.rr``).

It is generated from the command table: each word is coloured by the role
``completion.analyze`` gives it (command word, STEP, keyword, argument of some
type …), so a new command is highlighted the moment it is in the table. Python
after ``py`` is handed to pygments' own Python lexer. Registered as a pygments
plugin (entry point group ``pygments.lexers``), so ``pygmentize x.rr`` works.
"""

from __future__ import annotations

import re
from typing import Iterator

from pygments.lexer import Lexer
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    Text,
    Whitespace,
    _TokenType,
)

from reactor_repl.language.completion import Role, analyze
from reactor_repl.language.values import NUMBER

_NUMBER = re.compile(r"[-+]?+" + NUMBER + r"(ms|us|s|min|m)?\Z")

# argument type → token
_ARG_TOKENS: dict[str, _TokenType] = {
    "duration": Number,
    "int": Number.Integer,
    "number": Number,
    "new": Name.Variable,
    "ref": Name.Variable,
    "token": Name.Variable,
    "kindtoken": Name.Tag,
    "kind": Name.Tag,
    "word": Name.Constant,
    "file": String.Other,
    "module": String.Other,
    "pyref": Name.Function,
    "target": Name.Variable,
    "command": Keyword,
    "rest": String,
    "data": String,
}


def token_for(role: Role) -> _TokenType:
    """The pygments token of one word."""
    kind = role.kind
    if kind == "command":
        return Keyword
    if kind in ("step", "expect"):
        return Name.Function
    if kind in ("keyword", "do"):
        return Keyword.Pseudo
    if kind in ("slash", "separator"):
        return Operator
    if kind in ("bad", "extra"):
        return Error
    if kind == "text":
        return String
    if kind == "unknown":
        return Text
    arg = role.arg
    text = role.span.text
    if arg is None:
        return Text
    if arg.type == "value":
        if role.span.quoted:
            return String
        if text.lower() in ("none", "true", "false"):
            return Keyword.Constant
        return Number if _NUMBER.match(text) else String
    if arg.type == "token" and "." in text:
        return Name.Tag
    if arg.type == "protocol":
        return Name.Constant if text in arg.choices else Name.Function
    if arg.type == "target" and text.isdigit():
        return Number.Integer
    if arg.type in ("duration", "int", "number") and not _NUMBER.match(text):
        return Error
    return _ARG_TOKENS.get(arg.type, Text)


class ReactorReplLexer(Lexer):
    """reactor-repl commands, one a line (``# comments``; Python after ``py``)."""

    name = "reactor-repl"
    aliases = ["rr", "reactor-repl"]
    filenames = ["*.rr"]
    mimetypes = ["text/x-reactor-repl"]

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        offset = 0
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            yield from self._line(body, offset)
            if len(body) < len(line):
                yield offset + len(body), Whitespace, line[len(body):]
            offset += len(line)

    def _line(self, line: str, offset: int) -> Iterator[tuple[int, _TokenType, str]]:
        analysis = analyze(line)
        pos = 0
        for role in analysis.roles:
            span = role.span
            if span.start > pos:
                yield offset + pos, Whitespace, line[pos:span.start]
            chunk = line[span.start:span.end]
            if role.kind == "python":
                yield from _python(chunk, offset + span.start)
            else:
                yield offset + span.start, token_for(role), chunk
            pos = span.end
        end = analysis.comment if analysis.comment is not None else len(line)
        if end > pos:
            yield offset + pos, Whitespace if not line[pos:end].strip() else Text, line[pos:end]
            pos = end
        if analysis.comment is not None:
            yield offset + pos, Comment.Single, line[pos:]


def _python(code: str, offset: int) -> Iterator[tuple[int, _TokenType, str]]:
    from pygments.lexers.python import PythonLexer

    for i, tok, value in PythonLexer(stripnl=False, ensurenl=False).get_tokens_unprocessed(code):
        yield offset + i, tok, value
