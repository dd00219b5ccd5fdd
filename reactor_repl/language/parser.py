"""Parse one line (or a whole scenario) against the command table.

The parser knows syntax only: which words fit which argument. Whether a name
refers to an existing object is the engine's business (it knows the session).
Every line is bounded (``values.MAX_LINE`` characters, ``values.MAX_DO_DEPTH``
nested ``do``), so no line is slow or deep to parse.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from reactor_repl.language import values
from reactor_repl.language.table import (
    ACTIONS,
    BY_NAME,
    HELP_TOPICS,
    EXPECT_BY_NAME,
    EXPECT_FORMS,
    FORMS,
    KIND_FAMILIES,
    KINDS,
    STEP_BY_NAME,
    STEP_FORMS,
    STEP_TABLES,
    Arg,
    Command,
)
from reactor_repl.language.words import Word, WordError, data_text, split_words, text_lines

PYTHON_HINT = "run with --allow-python to allow Python"
SEPARATOR = ";"  # a word standing alone between two actions of a do, or two STEPs of a list
SEPARATOR_HINT = ("; separates the actions of a do (later 1 do fire d1 ; cancel t2) and the "
                  "STEPs of async, inlineCallbacks and thread: one command a line")
# argument types that take the rest of the words
REST_TYPES = ("rest", "data", "raw", "step", "steppair", "steps", "expect", "command_line")


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
    """A STEP: of a callback (``add 1``, ``await d2``, ``do fire d3`` …), of a coroutine
    (``sleep 0.5``) or of a thread job (``fromthread f1 do note hi``)."""

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
    depth: int = 0  # the parser's own: how many do enclose the words being parsed


@dataclass
class ScriptLine:
    lineno: int
    text: str
    parsed: Parsed | None


@dataclass
class ScriptErrors:
    errors: list[tuple[int, ParseError]] = field(default_factory=list)


# ------------------------------------------------------------------ did you mean
MAX_SUGGEST_WORD = 64  # no word of any table is longer: a longer one is close to none
MAX_SUGGEST_OPTIONS = 2000  # edit distances computed for one suggestion, at most


def _distance(a: str, b: str, limit: int | None = None) -> int:
    """Edit distance counting a swap of two neighbours as one edit (fier → fire).

    With ``limit``, stops as soon as the distance must exceed it (returns limit + 1)."""
    a, b = a.lower(), b.lower()
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """``did you mean X?`` for the closest option, or "" when nothing is close.

    Bounded work whatever the word and however many options (a pasted 20 KB word, or
    a session with 100,000 names): only options of a length within reach are scored."""
    if not word or not options or len(word) > MAX_SUGGEST_WORD:
        return ""
    limit = 1 if len(word) <= 4 else 2
    low = word.lower()
    near = [o for o in options
            if abs(len(o) - len(word)) <= limit or o.lower().startswith(low)]
    shared = 1
    while len(near) > MAX_SUGGEST_OPTIONS and shared <= len(word):
        # too many: keep those that start as the word does, a character more each time
        closer = [o for o in near if o[:shared].lower() == low[:shared]]
        if not closer:
            break
        near, shared = closer, shared + 1
    near = near[:MAX_SUGGEST_OPTIONS]
    best: list[str] = []
    best_d = limit + 1
    for o in near:
        d = _distance(word, o, limit)
        if d > limit and o.lower().startswith(low):
            d = limit  # a prefix is close enough (tim → timeout)
        if d < best_d:
            best, best_d = [o], d
        elif d == best_d and d <= limit:
            best.append(o)
    if not best:
        return ""
    if len(best) > 1:
        best.sort(key=lambda o: -difflib.SequenceMatcher(None, word, o).ratio())
    return f"did you mean {best[0]}?"


# ------------------------------------------------------------------ lines
def parse_line(line: str, options: Options | None = None) -> Parsed | None:
    """One line → a ``Parsed`` command, or None for a blank/comment line."""
    options = options or Options()
    if len(line) > values.MAX_LINE:
        raise ParseError(f"line too long: {len(line):,} characters", values.MAX_LINE + 1,
                         f"a line is at most {values.MAX_LINE:,} characters")
    try:
        words = split_words(line)
    except WordError as e:
        raise ParseError(e.message, e.col, e.hint) from None
    if not words:
        return None
    return _parse_words(words, line, options)


def _text_of(words: list[Word], line: str) -> str:
    return line[words[0].col - 1 : words[-1].end - 1] if words else ""


def _before_do(words: list[Word]) -> list[Word]:
    for k, w in enumerate(words):
        if w.text == "do" and not w.quoted and not w.raw:
            return words[:k]
    return words


def candidate_forms(forms: tuple[Command, ...], words: list[Word] | list[Any],
                    typing: bool = False) -> list[Command]:
    """The forms a line may be: those whose required keywords (``call``) it has, else
    those that need none (``typing``, for a line not finished yet: else all of them).
    ``words`` are the words after the head (Words or completion's Spans)."""
    if len(forms) == 1:
        return list(forms)
    present = {w.text for w in _before_do(words) if not w.quoted}
    keyed = [f for f in forms if f.required_keywords and f.required_keywords <= present]
    return keyed or (list(forms) if typing else [f for f in forms if not f.required_keywords])


def _parse_words(words: list[Word], line: str, options: Options) -> Parsed:
    head = words[0]
    forms = FORMS.get(head.text) if not head.quoted else None
    if not forms:
        hint = suggest(head.text, list(BY_NAME)) or "type help for the list of commands"
        if head.text in STEP_BY_NAME:
            hint = f"{head.text} is a callback STEP: e.g. {STEP_BY_NAME[head.text].example}"
        elif head.text in EXPECT_BY_NAME:
            hint = f"{head.text} is a form of expect: e.g. {EXPECT_BY_NAME[head.text].example}"
        raise ParseError(f"unknown command {values.quoted(head.text)}", head.col, hint)
    errors: list[ParseError] = []
    for cmd in candidate_forms(forms, words[1:]):
        try:
            return _parse_form(cmd, words, line, options)
        except ParseError as e:
            errors.append(e)
    # every form failed: the error of the one that read furthest is the one meant
    raise max(errors, key=lambda e: e.col)


def _parse_form(cmd: Command, words: list[Word], line: str, options: Options) -> Parsed:
    head = words[0]
    if cmd.python and not options.allow_python:
        raise _python_off(cmd, head)
    if cmd.where == "callback" and options.depth == 0:
        raise ParseError(f"{cmd.name} runs only inside a callback", head.col,
                         f"after do: e.g. {cmd.example}")
    args, do = _match(cmd, words[1:], head, line, options)
    return Parsed(cmd, args, _text_of(words, line), head.col, do)


def _python_off(cmd: Command, at: Word) -> ParseError:
    if cmd.name == "py":
        return ParseError("py is off in scenario files", at.col, PYTHON_HINT)
    return ParseError(f"{cmd.name} runs Python: off in scenario files", at.col, PYTHON_HINT)


def _usage(cmd: Command) -> str:
    return "usage: " + ("expect " if cmd.group == "expect" else "") + cmd.syntax()


def _example_with(cmd: Command, keyword: str) -> str:
    """A hint for a keyword: an example that uses it, else the command's usage."""
    for example in cmd.all_examples():
        if keyword in example.split():
            return f"e.g. {example}"
    return _usage(cmd)


def is_separator(w: Any) -> bool:
    """A standalone ``;`` (a Word or completion's Span)."""
    return w.text == SEPARATOR and not w.quoted and not w.raw


def split_list(words: list[Word], what: str) -> list[list[Word]]:
    """The groups a list's standalone ``;`` separate; an empty one is an error."""
    groups: list[list[Word]] = [[]]
    for w in words:
        if is_separator(w):
            if not groups[-1]:
                raise ParseError("nothing before ';'", w.col, f"write a {what} before it")
            groups.append([])
        else:
            groups[-1].append(w)
    if not groups[-1]:
        raise ParseError("nothing after ';'", words[-1].col, f"write a {what} after it, "
                         "or leave the ';' out")
    return groups


def _parse_actions(words: list[Word], line: str, options: Options) -> Parsed:
    """What a do runs: one command, or several separated by ``;`` (in order)."""
    subs: list[Parsed] = []
    for group in split_list(words, "command"):
        sub = _parse_words(group, line, options)
        if sub.command.where == "prompt":
            raise ParseError(f"{sub.name} cannot run inside the reactor",
                             sub.col, "type it at the prompt instead")
        subs.append(sub)
    if len(subs) == 1:
        return subs[0]
    return Parsed(ACTIONS, {"ACTIONS": tuple(subs)}, _text_of(words, line), words[0].col)


def _unexpected(w: Word, cmd: Command) -> ParseError:
    if is_separator(w):
        return ParseError("unexpected ';'", w.col, SEPARATOR_HINT)
    return ParseError(f"unexpected {values.quoted(w.text)}", w.col, _usage(cmd))


def _nested(options: Options, at: Word) -> Options:
    """The options for the command after a ``do`` at ``at``: one level deeper, if allowed."""
    if options.depth >= values.MAX_DO_DEPTH:
        raise ParseError(f"do nested more than {values.MAX_DO_DEPTH} deep", at.col,
                         "name the objects and act on them on lines of their own")
    return replace(options, depth=options.depth + 1)


def _match(cmd: Command, words: list[Word], head: Word, line: str,
           options: Options) -> tuple[dict[str, Any], Parsed | None]:
    args: dict[str, Any] = {}
    where: dict[str, Word] = {}  # the word that gave each argument (for exclusive)
    do: Parsed | None = None
    if cmd.takes_do:
        for k, w in enumerate(words):
            if w.text == "do" and not w.quoted and not w.raw:
                if k + 1 >= len(words):
                    raise ParseError("do needs a command after it", w.end,
                                     "e.g. do note hello")
                do = _parse_actions(words[k + 1 :], line, _nested(options, w))
                where["do"] = w
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
    _assign(cmd, positional, words[:cut], args, head, line, options)
    rest = words[cut:]
    k = 0
    while k < len(rest):
        w = rest[k]
        spec = keywords.get(w.text)
        if spec is None or w.quoted:
            raise _unexpected(w, cmd)
        if spec.name in args:
            raise ParseError(f"'{w.text}' given twice", w.col, "give it once")
        where[spec.name] = w
        if spec.type == "flag":
            args[spec.name] = True
            k += 1
            continue
        if k + 1 >= len(rest):
            raise ParseError(f"'{w.text}' needs {spec.called}", w.end,
                             _example_with(cmd, spec.keyword))
        if spec.type in ("rest", "data"):
            args[spec.name] = _convert(spec, rest[k + 1 :], line, options)
            break
        args[spec.name] = _convert(spec, [rest[k + 1]], line, options)
        k += 2
    for a in cmd.args:
        if a.keyword and not a.optional and a.type != "flag" and a.name not in args:
            raise ParseError(f"missing {a.keyword} {a.called}", _after(head, words), _usage(cmd))
    for group in cmd.exclusive:
        given = [n for n in group if n in where]
        if len(given) > 1:
            first, second = where[given[0]], where[given[1]]
            raise ParseError(f"'{second.text}' cannot go with '{first.text}'", second.col,
                             _usage(cmd))
    for needing, needed in cmd.needs:
        if needing in where and needed not in where:
            raise ParseError(f"'{where[needing].text}' goes with '{needed}'",
                             where[needing].col, _example_with(cmd, needed))
    for a in cmd.args:
        if a.type == "flag":
            args.setdefault(a.name, False)
        elif a.name not in args and a.type != "do":
            args[a.name] = [] if a.many else None
    return args, do


def _assign(owner: Command, specs: list[Arg], words: list[Word], args: dict[str, Any],
            head: Word, line: str, options: Options) -> None:
    i = 0
    skipped: list[tuple[Arg, Word]] = []  # optional arguments passed over, with the word
    usage = _usage(owner)
    for idx, spec in enumerate(specs):
        later = specs[idx + 1 :]
        required_after = sum(1 for s in later if not s.optional)
        avail = len(words) - i
        if spec.type in REST_TYPES:
            chunk = words[i:]
            if not chunk:
                if spec.optional:
                    continue
                raise ParseError(f"missing {spec.called}", _after(head, words), usage)
            args[spec.name] = _convert(spec, chunk, line, options)
            i = len(words)
            continue
        if spec.many:
            take = many_take(spec, words[i:], later, _fits)
            if take < 1:
                if spec.optional:
                    continue
                raise ParseError(f"missing {spec.called}", _after(head, words), usage)
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
            raise ParseError(f"missing {spec.called}", _after(head, words), usage)
        try:
            args[spec.name] = _convert(spec, [words[i]], line, options)
        except ParseError as e:
            if e.hint:
                raise
            raise ParseError(e.message, e.col, usage) from None
        i += 1
    if i < len(words):
        w = words[i]
        if is_separator(w):
            raise _unexpected(w, owner)
        for spec, word in skipped:
            if word is w:  # it was meant for that optional argument: say what is wrong with it
                try:
                    _convert(spec, [w], line, options)
                except ParseError as e:
                    raise ParseError(e.message, e.col, e.hint or usage) from None
        raise _unexpected(w, owner)


def many_take(spec: Arg, words: list[Any], later: list[Arg], fits: Any) -> int:
    """How many words a ``NAME…`` argument takes: all but those the required arguments
    after it need, leaving trailing words that fit an optional one after it and not it
    (``connect c1 s1 mymod:Client``: the protocol is not a TARGET)."""
    take = len(words) - sum(1 for s in later if not s.optional)
    optional = [s for s in later if s.optional]
    while take > 1 and optional and not fits(spec, words[take - 1], []) \
            and any(fits(o, words[take - 1], []) for o in optional):
        take -= 1
    return take


def _after(head: Word, words: list[Word]) -> int:
    return (words[-1].end if words else head.end) + 1


def _fits(spec: Arg, word: Word, later: list[Arg]) -> bool:
    if is_separator(word):
        return False
    for other in later:
        if other.type == "word" and word.text in other.choices:
            return False
    try:
        _convert_one(spec, word)
    except (values.ValueProblem, ParseError):
        return False
    if spec.type == "new" and later and not word.quoted:
        nxt = later[0]
        if nxt.type == "steps" and word.text in STEP_TABLES.get(nxt.extra, {}):
            return False  # the first STEP, not a name (thread sleep 1 ; return 2)
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
            return data_text(line[words[0].col - 1 : words[-1].end - 1])
        if spec.type == "step":
            return parse_step(words, line, options)
        if spec.type == "steppair":
            cut = [k for k, w in enumerate(words) if w.text == "/" and not w.quoted]
            if len(cut) != 1 or cut[0] == 0 or cut[0] == len(words) - 1:
                raise ParseError("addCallbacks needs STEP / STEP", words[0].col,
                                 "e.g. addCallbacks d1 add 1 / recover 0")
            k = cut[0]
            return (parse_step(words[:k], line, options), parse_step(words[k + 1 :], line, options))
        if spec.type == "steps":
            return parse_steps(words, line, options, spec.extra)
        if spec.type == "expect":
            return parse_expect(words, line, options)
        if spec.type == "command_line":
            return _parse_actions(words, line, options)
        value = _convert_one(spec, words[0])
        if spec.type == "value" and isinstance(value, str):
            raw = line[words[0].col - 1 : words[0].end - 1]
            if "\\" in raw:
                # escapes read as DATA's: send c1 one\ntwo sends a newline, and expect
                # result c1 one\ntwo read "onentwo" (it could never match)
                value = data_text(raw)
        if not options.allow_python and (spec.type == "pyref" or
                                         spec.type == "protocol" and ":" in value):
            raise ParseError(f"{values.quoted(value)} names Python code: off in scenario files",
                             words[0].col, PYTHON_HINT)
        return value
    except values.ValueProblem as e:
        raise ParseError(e.message, words[0].col, e.hint) from None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] not in inner:
            return inner
    return text


_IDENT = r"[^\W\d]\w*+"
PYREF_RE = re.compile(rf"{_IDENT}(?:\.{_IDENT})*+(?::{_IDENT}(?:\.{_IDENT})*+)?+\Z")
MODULE_RE = re.compile(rf"{_IDENT}(?:\.{_IDENT})*+\Z")


def _convert_one(spec: Arg, word: Word) -> Any:
    text = word.text
    t = spec.type
    if t == "duration":
        return values.parse_duration(text)
    if t == "int":
        low, high = spec.bounds
        try:
            return values.parse_int(text, low, high)
        except values.ValueProblem as e:
            if spec.name == "PORT":
                e.hint += " (0: a free port)"
            raise
    if t == "number":
        return values.parse_number(text)
    if t == "value":
        return values.parse_value(text, word.quoted)
    if t == "new" and text in KINDS:  # expect order and predict read a token as a KIND
        raise values.ValueProblem(f"{values.quoted(text)} is an event kind, not a name",
                                  "pick another name: expect and predict would read it as "
                                  "the kind")
    if t in ("new", "ref"):
        return values.check_name(text)
    if t == "word":
        if spec.choices and text not in spec.choices:
            if len(spec.choices) == 1:
                raise ParseError(f"expected '{spec.choices[0]}', not {values.quoted(text)}",
                                 word.col)
            hint = suggest(text, spec.choices) or f"e.g. {spec.choices[0]}"
            raise ParseError(f"{values.quoted(text)} is not one of {'|'.join(spec.choices)}",
                             word.col, hint)
        if not text:
            raise values.ValueProblem(f"empty {spec.name}")
        return text
    if t == "target":
        if text.isdigit():
            return str(values.parse_int(text, 1, 65535))
        values.check_name(text)
        return text
    if t == "pyref":
        if not PYREF_RE.match(text):
            raise values.ValueProblem(f"{values.quoted(text)} does not name Python code",
                                      "write module.attr or module:attr")
        return text
    if t == "protocol":
        if text in spec.choices:
            return text
        if ":" not in text or not PYREF_RE.match(text):
            choices = "|".join(spec.choices + ("module:Class",))
            hint = suggest(text, spec.choices) or (
                f"your code's class goes with a colon here: {colon_form(text)}"
                if "." in text and PYREF_RE.match(text) else f"one of: {choices}")
            raise ParseError(f"{values.quoted(text)} is not a protocol", word.col, hint)
        return text
    if t == "module":
        if (text.endswith(".py") and len(text) > 3) or MODULE_RE.match(text):
            return text
        raise values.ValueProblem(f"{values.quoted(text)} is not a module",
                                  "write FILE.py or package.module")
    if t == "kindtoken":  # KIND or KIND:NAME (expect count): a misspelt kind counts 0
        kind, colon, name = text.partition(":")
        if kind not in KINDS:
            hint = suggest(kind, list(KINDS)) or "e.g. timer.fire, or loop.call:l1"
            raise ParseError(f"unknown event kind {values.quoted(kind)}", word.col, hint)
        if colon:
            values.check_name(name)
        return text
    if t == "kind":
        if text in KINDS or text in KIND_FAMILIES:
            return text
        hint = suggest(text, list(KINDS) + list(KIND_FAMILIES)) or "e.g. timer.fire or timer"
        raise ParseError(f"unknown event kind {values.quoted(text)}", word.col, hint)
    if t == "command":
        if text not in BY_NAME and text not in HELP_TOPICS and text.lower() in HELP_TOPICS:
            text = text.lower()  # (help STEPS: the topic, not "did you mean step?")
        if text in BY_NAME or text in HELP_TOPICS:
            return BY_NAME[text].name if text in BY_NAME else text
        hint = suggest(text, list(BY_NAME)) or "type help for the list"
        raise ParseError(f"no help for {values.quoted(text)}", word.col, hint)
    return text  # token, file


# what a STEP table is called in errors: (its name, the hint for a command word)
_STEP_KINDS = {"coroutine": ("coroutine step", "a command runs as a step with do: do {word} …"),
               "job": ("job step", "a job hands commands to the reactor: fromthread do {word} …")}


def parse_step(words: list[Word], line: str, options: Options | None = None,
               table: str = "") -> Step:
    """One STEP: of a callback, or (``table``) of a coroutine or a thread job."""
    options = options or Options()
    head = words[0]
    step_forms = STEP_TABLES[table] if table else STEP_FORMS
    forms = step_forms.get(head.text) if not head.quoted else None
    if not forms:
        what, command_hint = _STEP_KINDS.get(table, ("step", ""))
        hint = suggest(head.text, list(step_forms)) or f"{what}s: " + " ".join(step_forms)
        if command_hint and head.text in BY_NAME and not head.quoted:
            hint = command_hint.format(word=head.text)
        raise ParseError(f"unknown {what} {values.quoted(head.text)}", head.col, hint)
    cmd = forms[0]
    if cmd.python and not options.allow_python:
        raise _python_off(cmd, head)
    args: dict[str, Any] = {}
    do = None
    if cmd.name == "do":
        if len(words) < 2:
            raise ParseError("do needs a command after it", head.end, "e.g. do note hi")
        do = _convert(cmd.args[0], words[1:], line, _nested(options, head))
    else:
        args, do = _match(cmd, words[1:], head, line, options)
    return Step(cmd, args, _text_of(words, line), do)


ENDS_A_LIST = ("return", "raise")  # a STEP after one of these would never run


def parse_steps(words: list[Word], line: str, options: Options, table: str) -> tuple[Step, ...]:
    """``STEP ; STEP …`` of a coroutine or a thread job."""
    steps: list[Step] = []
    for group in split_list(words, _STEP_KINDS[table][0]):
        if steps and steps[-1].name in ENDS_A_LIST:
            raise ParseError(f"step {len(steps) + 1} comes after {steps[-1].name}: it never runs",
                             group[0].col, f"end with {steps[-1].name}, or move it last")
        steps.append(parse_step(group, line, options, table))
    return tuple(steps)


def parse_expect(words: list[Word], line: str, options: Options | None = None) -> Parsed:
    options = options or Options()
    head = words[0]
    forms = EXPECT_FORMS.get(head.text) if not head.quoted else None
    if not forms:
        hint = suggest(head.text, list(EXPECT_BY_NAME)) or "forms: " + " ".join(EXPECT_BY_NAME)
        raise ParseError(f"unknown expectation {values.quoted(head.text)}", head.col, hint)
    cmd = forms[0]
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
    for lineno, raw in enumerate(text_lines(text), 1):
        try:
            parsed = parse_line(raw, options)
        except ParseError as e:
            errors.append((lineno, e))
            continue
        lines.append(ScriptLine(lineno, raw, parsed))
    return lines, errors


def colon_form(ref: str) -> str:
    """``module.Class`` as ``module:Class`` (a protocol's form)."""
    module, _, attr = ref.rpartition(".")
    return f"{module}:{attr}"
