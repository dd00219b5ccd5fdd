"""What can go here: a pure reading of a (partial) line against the command table.

Two questions, both answered from ``table.py`` alone (no second list of commands):

* ``analyze(line)`` — the role of every word of a line (command word, step word,
  keyword, argument with its ``Arg`` spec, Python, comment …). The pygments lexer
  colours by it.
* ``context(text_before_cursor)`` — what kind of thing can be typed at the cursor,
  as typed suggestions (like pgcli's ``sqlcompletion.suggest_type``): ``command``,
  ``step``, ``name`` of some families … The UI's completer turns these into
  candidates with what it knows of the session (object names and their states).

Nothing here raises on bad input: half-typed lines are the normal case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reactor_repl.language import values
from reactor_repl.language.words import scan_words
from reactor_repl.language.table import (
    BY_NAME,
    EXPECT_BY_NAME,
    KIND_FAMILIES,
    KINDS,
    STEP_BY_NAME,
    Arg,
    Command,
)

# argument types that take the rest of the words
REST_TYPES = ("rest", "data", "raw", "step", "steppair", "expect", "command_line")
HELP_TOPICS = ("steps", "expect", "keys")


@dataclass(frozen=True)
class Span:
    """A word of a line: ``start``/``end`` are offsets in the line (end exclusive)."""

    text: str
    start: int
    end: int
    quoted: bool = False
    raw: bool = False  # the untouched rest of the line after py / note
    closed: bool = True  # False when a quote is still open


@dataclass(frozen=True)
class Role:
    """What a word is: ``kind`` is one of command, step, expect, keyword, do, slash,
    arg, python, text, bad (an unknown head word), unknown (the words after one)
    or extra (a word with no place)."""

    span: Span
    kind: str
    arg: Arg | None = None
    owner: Command | None = None


@dataclass
class Analysis:
    roles: list[Role] = field(default_factory=list)
    comment: int | None = None  # offset where a # comment starts


@dataclass(frozen=True)
class Suggestion:
    """One kind of thing that fits at the cursor.

    type: command | step | expect | keyword | name | new-name | kind | path |
    help-topic | value. ``words`` are the literal words for keyword-like types,
    ``families`` the object families for names, ``want`` narrows names:
    ``any``, ``unfired`` (Deferreds not yet fired) or ``active`` (can still be
    cancelled / changed); for commands, ``reactor`` means only those that can run
    inside the reactor (after ``do``).
    """

    type: str
    words: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    want: str = "any"
    arg: Arg | None = None


@dataclass
class Context:
    word: str  # the partial word before the cursor ("" after a space)
    start: int  # its offset in the line
    suggestions: list[Suggestion] = field(default_factory=list)
    command: Command | None = None  # the innermost command, step or expect form being typed
    arg: Arg | None = None  # the argument the cursor is on, when one is certain


# ------------------------------------------------------------------ splitting
def split_spans(line: str) -> tuple[list[Span], int | None]:
    """Split as the parser does (``words.scan_words``) but never fail, as offsets."""
    words, comment = scan_words(line, lenient=True)
    return [Span(w.text, w.col - 1, w.end - 1, w.quoted, w.raw, w.closed) for w in words], comment


# ------------------------------------------------------------------ fitting
_NUMBER_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")


def fits(spec: Arg, word: Span) -> bool:
    """Could ``word`` be a value of ``spec``? (Used to place optional arguments.)"""
    t = spec.type
    text = word.text
    try:
        if t == "duration":
            values.parse_duration(text)
        elif t == "int":
            values.parse_int(text, 0)
        elif t == "number":
            values.parse_number(text)
        elif t in ("new", "ref"):
            values.check_name(text)
        elif t == "word":
            return not spec.choices or text in spec.choices
        elif t == "kind":
            return text in KINDS or text in KIND_FAMILIES
        return True
    except values.ValueProblem:
        return False


def _fits_before(spec: Arg, word: Span, later: list[Arg]) -> bool:
    """Like the parser: an optional argument gives way to a later one the word fits better."""
    for other in later:
        if other.type == "word" and word.text in other.choices:
            return False
    if not fits(spec, word):
        return False
    if spec.type == "new" and later and not word.quoted and later[0].type in ("duration", "int"):
        return not fits(later[0], word)
    return True


# ------------------------------------------------------------------ analysis
def analyze(line: str) -> Analysis:
    """The role of every word of ``line`` (a complete line, as the lexer sees it)."""
    spans, comment = split_spans(line)
    out = Analysis(comment=comment)
    if spans:
        _walk_head(spans, BY_NAME, "command", out.roles)
    return out


def _walk_head(spans: list[Span], table: dict[str, Command], kind: str,
               roles: list[Role]) -> None:
    head = spans[0]
    cmd = table.get(head.text) if not head.quoted else None
    if cmd is None:
        roles.append(Role(head, "bad"))
        roles.extend(Role(s, "unknown") for s in spans[1:])
        return
    roles.append(Role(head, kind, owner=cmd))
    if cmd.name == "do" and kind == "step":
        if len(spans) > 1:
            _walk_head(spans[1:], BY_NAME, "command", roles)
        return
    _walk_args(cmd, spans[1:], roles)


def _split_do(cmd: Command, words: list[Span]) -> tuple[list[Span], list[Span] | None]:
    if cmd.takes_do:
        for k, w in enumerate(words):
            if w.text == "do" and not w.quoted and not w.raw:
                return words[:k], words[k:]
    return words, None


def _walk_args(cmd: Command, words: list[Span], roles: list[Role]) -> None:
    words, do = _split_do(cmd, words)
    keywords = {a.keyword: a for a in cmd.args if a.keyword}
    positional = [a for a in cmd.args if not a.keyword and a.type != "do"]
    cut = next((k for k, w in enumerate(words) if w.text in keywords and not w.quoted),
               len(words))
    _assign(cmd, positional, words[:cut], roles, greedy=False)
    rest = words[cut:]
    k = 0
    while k < len(rest):
        w = rest[k]
        spec = keywords.get(w.text)
        if spec is None or w.quoted:
            roles.append(Role(w, "extra", owner=cmd))
            k += 1
            continue
        roles.append(Role(w, "keyword", spec, cmd))
        k += 1
        if spec.type == "flag" or k >= len(rest):
            continue
        if spec.type in ("rest", "data"):
            roles.extend(Role(s, "text", spec, cmd) for s in rest[k:])
            break
        roles.append(Role(rest[k], "arg", spec, cmd))
        k += 1
    if do:
        roles.append(Role(do[0], "do", owner=cmd))
        if len(do) > 1:
            _walk_head(do[1:], BY_NAME, "command", roles)


def _assign(cmd: Command, specs: list[Arg], words: list[Span], roles: list[Role],
            greedy: bool) -> list[Arg | None]:
    """Place words on positional specs as the parser does; returns the spec of each word.

    ``greedy``: for a line still being typed, an optional argument takes a word that
    fits it even if later required ones would then lack one (they are yet to come).
    """
    placed: list[Arg | None] = []
    i = 0
    for idx, spec in enumerate(specs):
        later = specs[idx + 1:]
        required_after = sum(1 for s in later if not s.optional)
        avail = len(words) - i
        if avail <= 0:
            break
        if spec.type in REST_TYPES:
            _rest(cmd, spec, words[i:], roles)
            placed.extend([spec] * (len(words) - i))
            i = len(words)
            break
        if spec.many:
            take = avail if greedy else max(avail - required_after, 0)
            if take < 1:
                continue
            for w in words[i:i + take]:
                roles.append(Role(w, "arg", spec, cmd))
                placed.append(spec)
            i += take
            continue
        if spec.optional:
            room = greedy or avail > required_after
            if room and _fits_before(spec, words[i], later):
                roles.append(Role(words[i], "arg", spec, cmd))
                placed.append(spec)
                i += 1
            continue
        roles.append(Role(words[i], "arg", spec, cmd))
        placed.append(spec)
        i += 1
    for w in words[i:]:
        roles.append(Role(w, "extra", owner=cmd))
        placed.append(None)
    return placed


def _rest(cmd: Command, spec: Arg, words: list[Span], roles: list[Role]) -> None:
    t = spec.type
    if t == "raw":
        roles.extend(Role(w, "python", spec, cmd) for w in words)
    elif t in ("rest", "data"):
        roles.extend(Role(w, "text", spec, cmd) for w in words)
    elif t == "step":
        _walk_head(words, STEP_BY_NAME, "step", roles)
    elif t == "steppair":
        cut = next((k for k, w in enumerate(words) if w.text == "/" and not w.quoted), None)
        first = words if cut is None else words[:cut]
        if first:
            _walk_head(first, STEP_BY_NAME, "step", roles)
        if cut is not None:
            roles.append(Role(words[cut], "slash", spec, cmd))
            if words[cut + 1:]:
                _walk_head(words[cut + 1:], STEP_BY_NAME, "step", roles)
    elif t == "expect":
        _walk_head(words, EXPECT_BY_NAME, "expect", roles)
    elif t == "command_line":
        _walk_head(words, BY_NAME, "command", roles)


# ------------------------------------------------------------------ the cursor
def context(text: str) -> Context:
    """What can be typed at the end of ``text`` (the line up to the cursor)."""
    spans, comment = split_spans(text)
    if comment is not None:
        return Context("", len(text))
    if spans and (spans[-1].end == len(text) or not spans[-1].closed):
        partial = spans[-1]
        done = spans[:-1]
        if partial.raw:
            # inside py/note text: nothing to complete, but say whose argument it is
            ctx = Context(partial.text, partial.start)
            _where(done, BY_NAME, "command", ctx)
            ctx.suggestions = []
            return ctx
        ctx = Context(partial.text, partial.start)
    else:
        done = spans
        ctx = Context("", len(text))
    _where(done, BY_NAME, "command", ctx)
    return ctx


def _where(done: list[Span], table: dict[str, Command], kind: str, ctx: Context,
           nested: bool = False) -> None:
    """Fill ``ctx`` for the word after ``done`` (the words of one command/step/expect).

    ``nested``: a command after ``do``, which runs inside the reactor.
    """
    if not done:
        ctx.suggestions = [Suggestion(kind, want="reactor" if nested else "any")]
        return
    head = done[0]
    cmd = table.get(head.text) if not head.quoted else None
    if cmd is None:
        return
    ctx.command = cmd
    ctx.arg = None  # the innermost command says which argument the cursor is on
    if kind == "step" and cmd.name == "do":
        _where(done[1:], BY_NAME, "command", ctx, nested=True)
        return
    words, do = _split_do(cmd, done[1:])
    if do is not None:
        _where(do[1:], BY_NAME, "command", ctx, nested=True)
        return
    keywords = {a.keyword: a for a in cmd.args if a.keyword}
    positional = [a for a in cmd.args if not a.keyword and a.type != "do"]
    cut = next((k for k, w in enumerate(words) if w.text in keywords and not w.quoted),
               len(words))
    used_kw: set[str] = set()
    if cut < len(words):
        rest = words[cut:]
        k = 0
        while k < len(rest):
            spec = keywords.get(rest[k].text)
            if spec is None:
                return  # a word with no place: nothing sensible to offer
            used_kw.add(spec.keyword)
            if spec.type == "flag":
                k += 1
                continue
            if k + 1 >= len(rest):
                _offer_arg(cmd, spec, ctx)  # the keyword's value comes next
                return
            if spec.type in ("rest", "data"):
                ctx.arg = spec
                return
            k += 2
        _offer_more(cmd, keywords, used_kw, ctx)
        return
    # positional words so far: where does the next one go?
    placed = _assign(cmd, positional, words, [], greedy=True)
    if placed and placed[-1] is None:
        return
    if placed and placed[-1] is not None and placed[-1].type in REST_TYPES:
        spec = placed[-1]
        first = len(placed) - placed.index(spec)
        _inside_rest(cmd, spec, words[-first:], ctx)
        return
    last = placed[-1] if placed else None
    start = positional.index(last) if last is not None else -1
    if last is not None and last.many:
        start -= 1  # one more of the same may follow
    required_left = False
    for spec in positional[start + 1:]:
        _offer_arg(cmd, spec, ctx, keep_arg=ctx.arg is None)
        if not spec.optional:
            required_left = True
            break
    if not required_left:
        _offer_more(cmd, keywords, used_kw, ctx)


def _inside_rest(cmd: Command, spec: Arg, words: list[Span], ctx: Context) -> None:
    t = spec.type
    ctx.arg = spec
    if t == "step":
        _where(words, STEP_BY_NAME, "step", ctx)
    elif t == "steppair":
        cut = next((k for k, w in enumerate(words) if w.text == "/" and not w.quoted), None)
        if cut is None:
            _where(words, STEP_BY_NAME, "step", ctx)
            if ctx.command is not None and ctx.command.group == "step" and words:
                ctx.suggestions.append(Suggestion("keyword", ("/",)))
        else:
            ctx.command = cmd
            _where(words[cut + 1:], STEP_BY_NAME, "step", ctx)
    elif t == "expect":
        _where(words, EXPECT_BY_NAME, "expect", ctx)
    elif t == "command_line":
        _where(words, BY_NAME, "command", ctx, nested=True)


def _offer_more(cmd: Command, keywords: dict[str, Arg], used: set[str], ctx: Context) -> None:
    free = tuple(k for k in keywords if k not in used)
    if free:
        ctx.suggestions.append(Suggestion("keyword", free))
    if cmd.takes_do:
        ctx.suggestions.append(Suggestion("keyword", ("do",)))


def _offer_arg(cmd: Command, spec: Arg, ctx: Context, keep_arg: bool = True) -> None:
    if keep_arg:
        ctx.arg = spec
    for s in suggest_for(cmd, spec):
        ctx.suggestions.append(s)


# which object names fit: a refinement of the table's families by what the command does
_UNFIRED = ("fire", "fail", "timeout")
_ACTIVE = ("cancel", "reset", "delay", "removeReader", "addReader", "write", "close", "send",
           "drop", "abort")
_TOKEN_FAMILIES = {"gather": ("deferred", "thread", "client"), "race": ("deferred", "thread",
                                                                        "client"),
                   "connect": ("server",)}


def suggest_for(cmd: Command, spec: Arg) -> list[Suggestion]:
    """The suggestions for one argument of ``cmd``."""
    t = spec.type
    if spec.type == "flag":
        return [Suggestion("keyword", (spec.keyword,))]
    if t == "word" and spec.choices:
        return [Suggestion("keyword", spec.choices, arg=spec)]
    if t == "new":
        return [Suggestion("new-name", families=spec.families, arg=spec)]
    if t == "ref":
        fams = spec.families
        want = "unfired" if cmd.name in _UNFIRED else "active" if cmd.name in _ACTIVE else "any"
        if "any" in fams:
            fams = ()
        return [Suggestion("name", families=fams, want=want, arg=spec)]
    if t == "token":
        if cmd.group == "expect" or cmd.name == "predict":
            kinds = [Suggestion("name", arg=spec)]
            if cmd.group == "expect":
                kinds.append(Suggestion("kind", arg=spec))
            return kinds
        fams = _TOKEN_FAMILIES.get(cmd.name, ())
        return [Suggestion("name", families=fams, arg=spec)]
    if t == "kind":
        return [Suggestion("kind", arg=spec)]
    if t == "file":
        return [Suggestion("path", arg=spec)]
    if t == "command":
        return [Suggestion("help-topic", arg=spec)]
    if t == "step":
        return [Suggestion("step", arg=spec)]
    if t == "steppair":
        return [Suggestion("step", arg=spec)]
    if t == "expect":
        return [Suggestion("expect", arg=spec)]
    if t == "command_line":
        return [Suggestion("command", want="reactor", arg=spec)]
    return []  # durations, numbers, values, free text: nothing to list


def topic_words() -> list[str]:
    """What ``help`` takes: command words and the extra pages."""
    return sorted(BY_NAME) + list(HELP_TOPICS)
