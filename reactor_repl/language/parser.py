"""Parse one line (or a whole scenario) against the command table.

The parser knows syntax only: which words fit which argument. Whether a name
refers to an existing object is the engine's business (it knows the session).
"""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass, field
from typing import Any

from reactor_repl.language import values
from reactor_repl.language.table import (
    BY_NAME,
    EXPECT_BY_NAME,
    KIND_FAMILIES,
    KINDS,
    STEP_BY_NAME,
    Arg,
    Command,
)
from reactor_repl.language.words import Word, WordError, split_words


class ParseError(ValueError):
    def __init__(self, message: str, col: int, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.col = col
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f" — {self.hint}" if self.hint else "")


@dataclass
class Parsed:
    """A command with its arguments converted; ``do`` is the nested command, if any."""

    command: Command
    args: dict[str, Any]
    text: str
    col: int = 1
    do: Parsed | None = None

    @property
    def name(self) -> str:
        return self.command.name

    def __getitem__(self, key: str) -> Any:
        return self.args.get(key)


@dataclass
class Step:
    """A callback STEP: ``add 1``, ``await d2``, ``do fire d3`` …"""

    command: Command
    args: dict[str, Any]
    text: str
    do: Parsed | None = None

    @property
    def name(self) -> str:
        return self.command.name


@dataclass
class Options:
    allow_python: bool = True


@dataclass
class ScriptLine:
    lineno: int
    text: str
    parsed: Parsed | None


@dataclass
class ScriptErrors:
    errors: list[tuple[int, ParseError]] = field(default_factory=list)


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (fier → fire)."""
    a, b = a.lower(), b.lower()
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """``did you mean X?`` for the closest option, or "" when nothing is close."""
    if not word or not options:
        return ""
    scored = sorted(
        options,
        key=lambda o: (_distance(word, o), -difflib.SequenceMatcher(None, word, o).ratio()),
    )
    best = scored[0]
    limit = 1 if len(word) <= 4 else 2
    if _distance(word, best) <= limit or best.lower().startswith(word.lower()):
        return f"did you mean {best}?"
    return ""


def parse_line(line: str, options: Options | None = None) -> Parsed | None:
    """One line → a ``Parsed`` command, or None for a blank/comment line."""
    options = options or Options()
    try:
        words = split_words(line)
    except WordError as e:
        raise ParseError(e.message, e.col, e.hint) from None
    if not words:
        return None
    return _parse_words(words, line, options)


def _text_of(words: list[Word], line: str) -> str:
    return line[words[0].col - 1 : words[-1].end - 1] if words else ""


def _parse_words(words: list[Word], line: str, options: Options) -> Parsed:
    head = words[0]
    cmd = BY_NAME.get(head.text) if not head.quoted else None
    if cmd is None:
        hint = suggest(head.text, list(BY_NAME)) or "type help for the list of commands"
        if head.text in STEP_BY_NAME:
            hint = f"{head.text} is a callback STEP: e.g. {STEP_BY_NAME[head.text].example}"
        elif head.text in EXPECT_BY_NAME:
            hint = f"{head.text} is a form of expect: e.g. {EXPECT_BY_NAME[head.text].example}"
        raise ParseError(f"unknown command '{head.text}'", head.col, hint)
    if cmd.name == "py" and not options.allow_python:
        raise ParseError("py is off in scenario files", head.col,
                         "run with --allow-python to allow Python")
    args, do = _match(cmd, words[1:], head, line, options)
    return Parsed(cmd, args, _text_of(words, line), head.col, do)


def _match(cmd: Command, words: list[Word], head: Word, line: str,
           options: Options) -> tuple[dict[str, Any], Parsed | None]:
    args: dict[str, Any] = {}
    do: Parsed | None = None
    if cmd.takes_do:
        for k, w in enumerate(words):
            if w.text == "do" and not w.quoted and not w.raw:
                if k + 1 >= len(words):
                    raise ParseError("do needs a command after it", w.end,
                                     "e.g. do note hello")
                sub = _parse_words(words[k + 1 :], line, options)
                if sub.command.where == "prompt":
                    raise ParseError(f"{sub.name} cannot run inside the reactor",
                                     sub.col, "type it at the prompt instead")
                do = sub
                words = words[:k]
                break
    keywords = {a.keyword: a for a in cmd.args if a.keyword}
    positional = [a for a in cmd.args if not a.keyword and a.type != "do"]
    cut = len(words)
    # keywords end the positional words, except inside a 'rest' that started earlier
    for k, w in enumerate(words):
        if w.text in keywords and not w.quoted:
            cut = k
            break
    _assign(positional, words[:cut], args, head, line, options)
    k = cut
    rest = words[cut:]
    k = 0
    while k < len(rest):
        w = rest[k]
        spec = keywords.get(w.text)
        if spec is None or w.quoted:
            raise ParseError(f"unexpected '{w.text}'", w.col, _expected_hint(cmd))
        if spec.keyword in args:
            raise ParseError(f"'{w.text}' given twice", w.col)
        if spec.type == "flag":
            args[spec.name] = True
            k += 1
            continue
        if k + 1 >= len(rest):
            raise ParseError(f"'{w.text}' needs a {spec.name}", w.end, f"e.g. {cmd.example}")
        if spec.type in ("rest", "data"):
            args[spec.name] = _convert(spec, rest[k + 1 :], line, options)
            break
        args[spec.name] = _convert(spec, [rest[k + 1]], line, options)
        k += 2
    for a in cmd.args:
        if a.type == "flag":
            args.setdefault(a.name, False)
        elif a.name not in args and a.type != "do":
            args[a.name] = [] if a.many else None
    return args, do


def _expected_hint(cmd: Command) -> str:
    return f"usage: {cmd.syntax()}"


def _assign(specs: list[Arg], words: list[Word], args: dict[str, Any], head: Word,
            line: str, options: Options) -> None:
    i = 0
    skipped: list[tuple[Arg, Word]] = []  # optional arguments passed over, with the word
    owner = BY_NAME.get(head.text) or STEP_BY_NAME.get(head.text) or EXPECT_BY_NAME.get(head.text)
    usage = f"usage: {owner.syntax()}" if owner else ""
    for idx, spec in enumerate(specs):
        later = specs[idx + 1 :]
        required_after = sum(1 for s in later if not s.optional)
        avail = len(words) - i
        if spec.type in ("rest", "data", "raw", "step", "steppair", "expect", "command_line"):
            chunk = words[i:]
            if not chunk:
                if spec.optional:
                    continue
                raise ParseError(f"missing {spec.name}", _after(head, words), usage)
            args[spec.name] = _convert(spec, chunk, line, options)
            i = len(words)
            continue
        if spec.many:
            take = avail - required_after
            if take < 1:
                if spec.optional:
                    continue
                raise ParseError(f"missing {spec.name}", _after(head, words), usage)
            args[spec.name] = [_convert(spec, [w], line, options) for w in words[i : i + take]]
            i += take
            continue
        if spec.optional:
            if avail > required_after and _fits(spec, words[i], later):
                args[spec.name] = _convert(spec, [words[i]], line, options)
                i += 1
            elif avail > required_after:
                skipped.append((spec, words[i]))
            continue
        if avail <= 0:
            raise ParseError(f"missing {spec.name}", _after(head, words), usage)
        args[spec.name] = _convert(spec, [words[i]], line, options)
        i += 1
    if i < len(words):
        w = words[i]
        for spec, word in skipped:
            if word is w:  # it was meant for that optional argument: say what is wrong with it
                try:
                    _convert(spec, [w], line, options)
                except ParseError as e:
                    raise ParseError(e.message, e.col, e.hint or usage) from None
        raise ParseError(f"unexpected '{w.text}'", w.col, usage)


def _after(head: Word, words: list[Word]) -> int:
    return (words[-1].end if words else head.end) + 1


def _fits(spec: Arg, word: Word, later: list[Arg]) -> bool:
    for other in later:
        if other.type == "word" and word.text in other.choices:
            return False
    try:
        _convert_one(spec, word)
    except (values.ValueProblem, ParseError):
        return False
    if spec.type == "new" and later and not word.quoted:
        nxt = later[0]
        if nxt.type in ("duration", "int"):
            try:
                _convert_one(nxt, word)
                return False
            except (values.ValueProblem, ParseError):
                pass
    return True


def _convert(spec: Arg, words: list[Word], line: str, options: Options) -> Any:
    try:
        if spec.type in ("rest", "raw"):
            text = line[words[0].col - 1 : words[-1].end - 1]
            if words[0].raw or len(words) > 1:
                return _unquote(text)
            return words[0].text
        if spec.type == "data":
            text = " ".join(w.text for w in words) if not words[0].raw else _unquote(words[0].text)
            return _decode_escapes(text)
        if spec.type == "step":
            return parse_step(words, line, options)
        if spec.type == "steppair":
            cut = [k for k, w in enumerate(words) if w.text == "/" and not w.quoted]
            if len(cut) != 1 or cut[0] == 0 or cut[0] == len(words) - 1:
                raise ParseError("addCallbacks needs STEP / STEP", words[0].col,
                                 "e.g. addCallbacks d1 add 1 / recover 0")
            k = cut[0]
            return (parse_step(words[:k], line, options), parse_step(words[k + 1 :], line, options))
        if spec.type == "expect":
            return parse_expect(words, line, options)
        if spec.type == "command_line":
            sub = _parse_words(words, line, options)
            if sub.command.where == "prompt":
                raise ParseError(f"{sub.name} cannot run inside the reactor", sub.col,
                                 "type it at the prompt instead")
            return sub
        return _convert_one(spec, words[0])
    except values.ValueProblem as e:
        raise ParseError(e.message, words[0].col, e.hint) from None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] not in inner:
            return inner
    return text


def _decode_escapes(text: str) -> str:
    if "\\" not in text:
        return text
    try:
        return codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return text


def _convert_one(spec: Arg, word: Word) -> Any:
    text = word.text
    t = spec.type
    if t == "duration":
        return values.parse_duration(text)
    if t == "int":
        # int=K: at least K (expect count … 0); else ports from 0, counts and sizes from 1
        minimum = int(spec.extra) if spec.extra else 0 if spec.name in ("PORT",) else 1
        n = values.parse_int(text, minimum)
        if spec.name == "PORT" and n > 65535:
            raise values.ValueProblem(f"port {n} is out of range", "use 0..65535 (0: a free port)")
        return n
    if t == "number":
        return values.parse_number(text)
    if t == "value":
        return values.parse_value(text, word.quoted)
    if t in ("new", "ref"):
        return values.check_name(text)
    if t == "word":
        if spec.choices and text not in spec.choices:
            hint = suggest(text, spec.choices) or "one of: " + ", ".join(spec.choices)
            raise ParseError(f"'{text}' is not one of {'|'.join(spec.choices)}", word.col, hint)
        if not text:
            raise values.ValueProblem(f"empty {spec.name}")
        return text
    if t == "kind":
        if text in KINDS or text in KIND_FAMILIES:
            return text
        hint = suggest(text, list(KINDS) + list(KIND_FAMILIES)) or "e.g. timer.fire or timer"
        raise ParseError(f"unknown event kind '{text}'", word.col, hint)
    if t == "command":
        if text in BY_NAME or text in ("steps", "expect", "keys"):
            return BY_NAME[text].name if text in BY_NAME else text
        hint = suggest(text, list(BY_NAME)) or "type help for the list"
        raise ParseError(f"no help for '{text}'", word.col, hint)
    return text  # token, file


def parse_step(words: list[Word], line: str, options: Options | None = None) -> Step:
    options = options or Options()
    head = words[0]
    cmd = STEP_BY_NAME.get(head.text) if not head.quoted else None
    if cmd is None:
        hint = suggest(head.text, list(STEP_BY_NAME)) or "steps: " + " ".join(STEP_BY_NAME)
        raise ParseError(f"unknown step '{head.text}'", head.col, hint)
    if cmd.name == "py" and not options.allow_python:
        raise ParseError("py is off in scenario files", head.col,
                         "run with --allow-python to allow Python")
    args: dict[str, Any] = {}
    do = None
    if cmd.name == "do":
        if len(words) < 2:
            raise ParseError("do needs a command after it", head.end, "e.g. do note hi")
        do = _convert(cmd.args[0], words[1:], line, options)
    else:
        args, _ = _match(cmd, words[1:], head, line, options)
    return Step(cmd, args, _text_of(words, line), do)


def parse_expect(words: list[Word], line: str, options: Options | None = None) -> Parsed:
    options = options or Options()
    head = words[0]
    cmd = EXPECT_BY_NAME.get(head.text) if not head.quoted else None
    if cmd is None:
        hint = suggest(head.text, list(EXPECT_BY_NAME)) or "forms: " + " ".join(EXPECT_BY_NAME)
        raise ParseError(f"unknown expectation '{head.text}'", head.col, hint)
    args, _ = _match(cmd, words[1:], head, line, options)
    if cmd.name == "order" and len(args["TOKENS"]) < 2:
        raise ParseError("expect order needs at least two tokens", head.end + 1,
                         "e.g. expect order t1 t2")
    return Parsed(cmd, args, _text_of(words, line), head.col)


def parse_script(text: str, options: Options | None = None
                 ) -> tuple[list[ScriptLine], list[tuple[int, ParseError]]]:
    """Parse every line; return the lines and every error found (lineno, error)."""
    lines: list[ScriptLine] = []
    errors: list[tuple[int, ParseError]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        try:
            parsed = parse_line(raw, options)
        except ParseError as e:
            errors.append((lineno, e))
            continue
        lines.append(ScriptLine(lineno, raw, parsed))
    return lines, errors
