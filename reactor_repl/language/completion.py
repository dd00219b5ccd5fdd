"""What can go here: a pure reading of a (partial) line against the command table.

Two questions, both answered from ``table.py`` alone (no second list of commands):

* ``analyze(line)`` — the role of every word of a line (command word, step word,
  keyword, argument with its ``Arg`` spec, Python, comment …). The pygments lexer
  colours by it.
* ``context(text_before_cursor)`` — what kind of thing can be typed at the cursor,
  as typed suggestions (like pgcli's ``sqlcompletion.suggest_type``): ``command``,
  ``step``, ``name`` of some families … The UI's completer turns these into
  candidates with what it knows of the session (object names and their states).

Nothing here raises on bad input: half-typed lines are the normal case. Nothing here
is deep or slow either: past ``values.MAX_DO_DEPTH`` nested ``do`` the rest of a line is
not read, and past ``values.MAX_LINE`` characters neither is the rest of the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reactor_repl.language import values
from reactor_repl.language.parser import REST_TYPES, candidate_forms, is_separator, many_take
from reactor_repl.language.words import scan_words
from reactor_repl.language.table import (
    BY_NAME,
    HELP_TOPICS,
    EXPECT_FORMS,
    FORMS,
    KIND_FAMILIES,
    KINDS,
    STEP_FORMS,
    STEP_TABLES,
    Arg,
    Command,
)



@dataclass(slots=True)  # (not frozen: a frozen one costs 6x to make, one per word)
class Span:
    """A word of a line: ``start``/``end`` are offsets in the line (end exclusive)."""

    text: str
    start: int
    end: int
    quoted: bool = False
    raw: bool = False  # the untouched rest of the line after py / note
    closed: bool = True  # False when a quote is still open


@dataclass(slots=True)  # (not frozen: a frozen one costs 6x to make, one per word)
class Role:
    """What a word is: ``kind`` is one of command, step, expect, keyword, do, slash,
    separator (a ``;`` between actions or STEPs), arg, python, text, bad (an unknown
    head word), unknown (the words after one) or extra (a word with no place)."""

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

    type: command | step (a callback's; or, with ``words``, a coroutine's or a job's:
    ``families`` names the table) | expect | keyword | name | new-name | kind | path |
    help-topic | value | python (a callable or class of the person's code, after
    ``call``/``spawn`` or as a protocol: ``module.attr``). ``words`` are the literal words for keyword-like types,
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
def fits(spec: Arg, word: Span, later: list[Arg] | None = None) -> bool:
    """Could ``word`` be a value of ``spec``? (Used to place optional arguments.)

    ``later`` is not used: the parser's ``_fits`` takes it, and ``many_take`` either."""
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
        elif t == "target":
            return text.isdigit() or bool(values.NAME_RE.match(text))
        elif t == "protocol":
            return text in spec.choices or ":" in text
        return True
    except values.ValueProblem:
        return False


def _fits_before(spec: Arg, word: Span, later: list[Arg]) -> bool:
    """Like the parser: an optional argument gives way to a later one the word fits better."""
    for other in later:
        if other.type == "word" and word.text in other.choices:
            return False
    if is_separator(word) or not fits(spec, word):
        return False
    if spec.type == "new" and later and not word.quoted:
        if later[0].type == "steps" and word.text in STEP_TABLES.get(later[0].extra, {}):
            return False  # the first STEP, not a name
        if later[0].type in ("duration", "int"):
            return not fits(later[0], word)
    return True


# ------------------------------------------------------------------ analysis
def analyze(line: str) -> Analysis:
    """The role of every word of ``line`` (a complete line, as the lexer sees it).

    A line longer than ``values.MAX_LINE`` is read up to there; the rest is one
    ``extra`` word (the parser refuses the line)."""
    if len(line) > values.MAX_LINE:
        out = analyze(line[: values.MAX_LINE])
        if out.comment is None:
            tail = Span(line[values.MAX_LINE:], values.MAX_LINE, len(line))
            out.roles.append(Role(tail, "extra"))
        return out
    spans, comment = split_spans(line)
    out = Analysis(comment=comment)
    if spans:
        _walk_head(spans, FORMS, "command", out.roles, 0)
    return out


def _groups(spans: list[Span]) -> list[tuple[Span | None, list[Span]]]:
    """The groups a list's standalone ``;`` separate, each with the ``;`` before it."""
    out: list[tuple[Span | None, list[Span]]] = [(None, [])]
    for s in spans:
        if is_separator(s):
            out.append((s, []))
        else:
            out[-1][1].append(s)
    return out


def _walk_list(spans: list[Span], table: dict[str, tuple[Command, ...]], kind: str,
               roles: list[Role], depth: int) -> None:
    """The roles of ``A ; B ; …``: each group against ``table``, the ``;`` as separators."""
    for sep, group in _groups(spans):
        if sep is not None:
            roles.append(Role(sep, "separator"))
        if group:
            _walk_head(group, table, kind, roles, depth)


def _walk_head(spans: list[Span], table: dict[str, tuple[Command, ...]], kind: str,
               roles: list[Role], depth: int) -> None:
    head = spans[0]
    if depth > values.MAX_DO_DEPTH:  # too deep for the parser: the rest is not read
        roles.extend(Role(s, "extra") for s in spans)
        return
    forms = table.get(head.text) if not head.quoted else None
    if not forms:
        roles.append(Role(head, "bad"))
        roles.extend(Role(s, "unknown") for s in spans[1:])
        return
    cmd = _best_form(candidate_forms(forms, spans[1:]), spans[1:])
    roles.append(Role(head, kind, owner=cmd))
    if cmd.name == "do" and kind == "step":
        if len(spans) > 1:
            _walk_list(spans[1:], FORMS, "command", roles, depth + 1)
        return
    _walk_args(cmd, spans[1:], roles, depth)


def _best_form(forms: list[Command], words: list[Span]) -> Command:
    """Of a word's forms, the one that leaves the fewest words without a place."""
    if len(forms) == 1:
        return forms[0]

    def misfits(cmd: Command) -> int:
        trial: list[Role] = []
        _walk_args(cmd, words, trial, depth=0, read_do=False)
        return sum(1 for r in trial if r.kind == "extra")

    return min(forms, key=misfits)


def _split_do(cmd: Command, words: list[Span]) -> tuple[list[Span], list[Span] | None]:
    if cmd.takes_do:
        for k, w in enumerate(words):
            if w.text == "do" and not w.quoted and not w.raw:
                return words[:k], words[k:]
    return words, None


def _walk_args(cmd: Command, words: list[Span], roles: list[Role], depth: int,
               read_do: bool = True) -> None:
    words, do = _split_do(cmd, words)
    keywords = {a.keyword: a for a in cmd.args if a.keyword}
    positional = [a for a in cmd.args if not a.keyword and a.type != "do"]
    cut = next((k for k, w in enumerate(words) if w.text in keywords and not w.quoted),
               len(words))
    _assign(cmd, positional, words[:cut], roles, greedy=False, depth=depth)
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
    if do and read_do:
        roles.append(Role(do[0], "do", owner=cmd))
        if len(do) > 1:
            _walk_list(do[1:], FORMS, "command", roles, depth + 1)


def _assign(cmd: Command, specs: list[Arg], words: list[Span], roles: list[Role] | None,
            greedy: bool, depth: int = 0) -> list[Arg | None]:
    """Place words on positional specs as the parser does; returns the spec of each word.

    ``greedy``: for a line still being typed, an optional argument takes a word that
    fits it even if later required ones would then lack one (they are yet to come).
    ``roles`` None: only the placing is wanted, not the roles (nor those of a STEP or
    expect form the words go on into: walking those at every level was quadratic).
    """
    placed: list[Arg | None] = []
    walk_rest = roles is not None
    roles = roles if roles is not None else []
    i = 0
    for idx, spec in enumerate(specs):
        later = specs[idx + 1:]
        required_after = sum(1 for s in later if not s.optional)
        avail = len(words) - i
        if avail <= 0:
            break
        if spec.type in REST_TYPES:
            if walk_rest:
                _rest(cmd, spec, words[i:], roles, depth)
            placed.extend([spec] * (len(words) - i))
            i = len(words)
            break
        if spec.many:
            take = avail if greedy else max(many_take(spec, words[i:], later, fits), 0)
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


def _rest(cmd: Command, spec: Arg, words: list[Span], roles: list[Role], depth: int) -> None:
    t = spec.type
    if t == "raw":
        roles.extend(Role(w, "python", spec, cmd) for w in words)
    elif t in ("rest", "data"):
        roles.extend(Role(w, "text", spec, cmd) for w in words)
    elif t == "step":
        _walk_head(words, STEP_FORMS, "step", roles, depth)
    elif t == "steppair":
        cut = next((k for k, w in enumerate(words) if w.text == "/" and not w.quoted), None)
        first = words if cut is None else words[:cut]
        if first:
            _walk_head(first, STEP_FORMS, "step", roles, depth)
        if cut is not None:
            roles.append(Role(words[cut], "slash", spec, cmd))
            if words[cut + 1:]:
                _walk_head(words[cut + 1:], STEP_FORMS, "step", roles, depth)
    elif t == "steps":
        _walk_list(words, STEP_TABLES.get(spec.extra, {}), "step", roles, depth)
    elif t == "expect":
        _walk_head(words, EXPECT_FORMS, "expect", roles, depth)
    elif t == "command_line":
        _walk_list(words, FORMS, "command", roles, depth)


# ------------------------------------------------------------------ the cursor
def context(text: str) -> Context:
    """What can be typed at the end of ``text`` (the line up to the cursor)."""
    if len(text) > values.MAX_LINE:  # the parser refuses the line: nothing fits
        return Context("", len(text))
    spans, comment = split_spans(text)
    if comment is not None:
        return Context("", len(text))
    if spans and (spans[-1].end == len(text) or not spans[-1].closed):
        partial = spans[-1]
        done = spans[:-1]
        if partial.raw:
            # inside py/note text: nothing to complete, but say whose argument it is
            ctx = Context(partial.text, partial.start)
            _where(done, FORMS, "command", ctx)
            ctx.suggestions = []
            return ctx
        ctx = Context(partial.text, partial.start)
    else:
        done = spans
        ctx = Context("", len(text))
    _where(done, FORMS, "command", ctx)
    return ctx


def _where(done: list[Span], table: dict[str, tuple[Command, ...]], kind: str, ctx: Context,
           nested: bool = False, depth: int = 0) -> None:
    """Fill ``ctx`` for the word after ``done`` (the words of one command/step/expect).

    ``nested``: a command after ``do``, which runs inside the reactor. A word with
    several forms offers what fits any of them (``later 1 t1 ``: ``do`` or ``call``),
    until a form's keyword picks it."""
    if depth > values.MAX_DO_DEPTH:
        return
    if not done:
        if kind == "step" and table is not STEP_FORMS:  # a coroutine's or a job's STEPs
            ctx.suggestions = [_steps_of(table)]
            return
        ctx.suggestions = [Suggestion(kind, want="reactor" if nested else "any")]
        return
    head = done[0]
    forms = table.get(head.text) if not head.quoted else None
    if not forms:
        return
    candidates = candidate_forms(forms, done[1:], typing=True)
    if len(candidates) > 1 and any(w.text == "do" and not w.quoted for w in done[1:]):
        candidates = [f for f in candidates if f.takes_do] or candidates  # inside its do
    if len(candidates) == 1:
        _where_form(candidates[0], done, kind, ctx, depth)
        return
    first: Context | None = None
    # the form the words so far fit best says what is being typed (thread j1 sleep 1 ; …)
    best = _best_form(candidates, done[1:]) if len(done) > 1 else candidates[0]
    offered: set[str] = set()  # keywords already offered by a form before
    for cmd in candidates:
        trial = Context(ctx.word, ctx.start)
        _where_form(cmd, done, kind, trial, depth)
        if cmd is best:
            first = trial
        for s in trial.suggestions:
            if s.type == "keyword":
                words = tuple(w for w in s.words if w not in offered)
                offered.update(words)
                if not words:
                    continue
                s = replace(s, words=words)
            if s not in ctx.suggestions:
                ctx.suggestions.append(s)
    assert first is not None
    ctx.command, ctx.arg = first.command, first.arg


def _where_form(cmd: Command, done: list[Span], kind: str, ctx: Context, depth: int) -> None:
    """``_where`` for one form of the word."""
    ctx.command = cmd
    ctx.arg = None  # the innermost command says which argument the cursor is on
    if kind == "step" and cmd.name == "do":
        _where(_last_group(done[1:]), FORMS, "command", ctx, nested=True, depth=depth + 1)
        return
    words, do = _split_do(cmd, done[1:])
    if do is not None:
        _where(_last_group(do[1:]), FORMS, "command", ctx, nested=True, depth=depth + 1)
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
    placed = _assign(cmd, positional, words, None, greedy=True)
    if placed and placed[-1] is None:
        return
    if placed and placed[-1] is not None and placed[-1].type in REST_TYPES:
        spec = placed[-1]
        first = len(placed) - placed.index(spec)
        _inside_rest(cmd, spec, words[-first:], ctx, depth)
        return
    last = placed[-1] if placed else None
    start = positional.index(last) if last is not None else -1
    if last is not None and last.many:
        start -= 1  # one more of the same may follow
    required_left = False
    for spec in positional[start + 1:]:
        _offer_arg(cmd, spec, ctx, keep_arg=ctx.arg is None)
        if not spec.optional and spec is not last:  # (a NAME… that has one may end here)
            required_left = True
            break
    if not required_left:
        _offer_more(cmd, keywords, used_kw, ctx)


def _last_group(words: list[Span]) -> list[Span]:
    """The words after the last standalone ``;``: the action or STEP being typed."""
    return _groups(words)[-1][1]


def _inside_rest(cmd: Command, spec: Arg, words: list[Span], ctx: Context, depth: int) -> None:
    t = spec.type
    ctx.arg = spec
    if t == "steps":
        _where(_last_group(words), STEP_TABLES.get(spec.extra, {}), "step", ctx, depth=depth)
    elif t == "step":
        _where(words, STEP_FORMS, "step", ctx, depth=depth)
    elif t == "steppair":
        cut = next((k for k, w in enumerate(words) if w.text == "/" and not w.quoted), None)
        if cut is None:
            _where(words, STEP_FORMS, "step", ctx, depth=depth)
            if ctx.command is not None and ctx.command.group == "step" and words:
                ctx.suggestions.append(Suggestion("keyword", ("/",)))
        else:
            ctx.command = cmd
            _where(words[cut + 1:], STEP_FORMS, "step", ctx, depth=depth)
    elif t == "expect":
        _where(words, EXPECT_FORMS, "expect", ctx, depth=depth)
    elif t == "command_line":
        _where(_last_group(words), FORMS, "command", ctx, nested=True, depth=depth + 1)


def _offer_more(cmd: Command, keywords: dict[str, Arg], used: set[str], ctx: Context) -> None:
    names = {a.name for a in keywords.values() if a.keyword in used}
    ruled_out = {n for group in cmd.exclusive if names & set(group) for n in group}
    free = tuple(k for k, a in keywords.items() if k not in used and a.name not in ruled_out)
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
                                                                        "client")}


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
            return [Suggestion("name", arg=spec), Suggestion("kind", arg=spec)]
        fams = _TOKEN_FAMILIES.get(cmd.name, ())
        return [Suggestion("name", families=fams, arg=spec)]
    if t in ("kind", "kindtoken"):
        return [Suggestion("kind", arg=spec)]
    if t == "target":
        return [Suggestion("name", families=("server",), arg=spec)]
    if t == "pyref":
        return [Suggestion("python", arg=spec)]
    if t == "protocol":
        out = [Suggestion("keyword", spec.choices, arg=spec)] if spec.choices else []
        return out + [Suggestion("python", arg=spec)]
    if t in ("file", "module"):
        return [Suggestion("path", arg=spec)]
    if t == "command":
        return [Suggestion("help-topic", arg=spec)]
    if t == "step":
        return [Suggestion("step", arg=spec)]
    if t == "steppair":
        return [Suggestion("step", arg=spec)]
    if t == "steps":
        return [_steps_of(STEP_TABLES.get(spec.extra, {}), spec)]
    if t == "expect":
        return [Suggestion("expect", arg=spec)]
    if t == "command_line":
        return [Suggestion("command", want="reactor", arg=spec)]
    return []  # durations, numbers, values, free text: nothing to list


def _steps_of(table: dict[str, tuple[Command, ...]], spec: Arg | None = None) -> Suggestion:
    """The STEP words of a coroutine's or a job's table (``words``; the table's name in
    ``families``, so the UI can say what each one does)."""
    name = next((n for n, t in STEP_TABLES.items() if t is table), "")
    return Suggestion("step", tuple(table), (name,), arg=spec)


def topic_words() -> list[str]:
    """What ``help`` takes: command words and the extra pages."""
    return sorted(BY_NAME) + list(HELP_TOPICS)
