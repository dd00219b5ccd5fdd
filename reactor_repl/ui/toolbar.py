"""The lines under the input: the syntax of the command being typed (its current
argument underlined), the error the line has right now (with its column), key hints."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples

from reactor_repl.language import completion
from reactor_repl.language.parser import ParseError, parse_line

# the key hints in the order shown, each with its rank: on a narrow terminal the hints
# with the highest rank go first, so that help and quit are always there
HINTS = (("F1 help", 0), ("F2 state", 2), ("F3 mouse", 5), ("Tab complete", 3),
         ("^R search", 6), ("PgUp/PgDn scroll", 4), ("^D quit", 1))
SEP = " · "
KEYS = SEP.join(h for h, _ in HINTS)


def keys_hint(width: int = 200) -> str:
    """The key hints that fit in ``width`` columns, the least needed left out first."""
    kept = list(HINTS)
    while len(kept) > 2 and len(SEP.join(h for h, _ in kept)) > width:
        kept.remove(max(kept, key=lambda hint: hint[1]))
    return SEP.join(h for h, _ in kept)


def check(text: str) -> ParseError | None:
    """The line's parse error, if it has one now (validation as you type)."""
    if not text.strip():
        return None
    try:
        parse_line(text)
    except ParseError as e:
        return e
    except Exception as e:  # the parser must never take the UI down
        return ParseError(f"{type(e).__name__}: {e}", 1)
    return None


def error_text(e: ParseError) -> str:
    return f"✗ col {e.col}: {e.message}" + (f" — {e.hint}" if e.hint else "")


def syntax_fragments(before_cursor: str) -> StyleAndTextTuples:
    """``fire NAME [VALUE]  Deferred.callback — fire with a result``, current arg underlined."""
    ctx = completion.context(before_cursor)
    cmd = ctx.command
    if cmd is None:
        return []
    out: StyleAndTextTuples = [("class:toolbar.syntax", cmd.name)]
    for a in cmd.args:
        style = "class:toolbar.current" if a is ctx.arg else "class:toolbar.syntax"
        out += [("class:toolbar.syntax", " "), (style, a.syntax())]
    if cmd.api:
        out.append(("class:toolbar", f"  {cmd.api}"))
    out.append(("class:toolbar", f" — {cmd.summary}"))
    return out


def toolbar_fragments(before_cursor: str, err: ParseError | None, width: int = 200
                      ) -> StyleAndTextTuples:
    """Two lines: the syntax (or the keys), then the line's error (``check``) or the keys."""
    syntax = syntax_fragments(before_cursor)
    keys = keys_hint(width)
    # the keys stay on the last row (they moved up a row whenever the line was empty)
    said: StyleAndTextTuples = []
    if err is not None and err.message.startswith("missing") and err.col > len(
            before_cursor.rstrip()):
        said = [("class:toolbar", "… " + error_text(err)[2:])]  # not wrong, just unfinished
    elif err is not None:
        said = [("class:toolbar.error", error_text(err))]
    if syntax:  # the syntax, then what is wrong (or the keys)
        first, second = syntax, said or [("class:toolbar", keys)]
    else:  # what is wrong (or nothing), then the keys
        first, second = said, [("class:toolbar", keys)]
    return _fit(first, width) + [("", "\n")] + _fit(second, width)


def _fit(line: StyleAndTextTuples, width: int) -> StyleAndTextTuples:
    """``line`` in ``width`` columns, cut at a word with "…" when longer (the screen cut
    it mid-word: "… a result, paused-")."""
    if sum(len(text) for _, text, *_ in line) <= width or width < 8:
        return line
    out: StyleAndTextTuples = []
    room = width - 1
    for style, text, *_ in line:
        if len(text) <= room:
            out.append((style, text))
            room -= len(text)
            continue
        cut = text[:room]
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
        elif out:  # no whole word of it fits: it goes, the … after the one before
            last_style, last = out[-1][0], out[-1][1]
            out[-1] = (last_style, last.rstrip(" ,;:—-") + "…")
            break
        out.append((style, cut.rstrip(" ,;:—-") + "…"))
        break
    else:
        return line
    return out
