"""The language's bounds (issue 9): no line is deep, huge or slow for the parser, the
completer, the lexer or the syntax toolbar, and every bound is a located error with the
allowed range as its hint.

Speed is measured in ``tests/bench/bench.py`` (section ``language``); here the work is
counted instead (how many edit distances a suggestion computes, how many tokens a line
yields), so nothing depends on the machine's load.
"""

from __future__ import annotations

import re

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import cli, examples

from reactor_repl.language import completion, parser, values
from reactor_repl.language.helptext import help_text
from reactor_repl.language.lexer import ReactorReplLexer
from reactor_repl.language.parser import Options, ParseError, parse_line, parse_script, suggest
from reactor_repl.ui import toolbar


def error(line: str, **options: bool) -> tuple[int, str]:
    with pytest.raises(ParseError) as info:
        parse_line(line, Options(**options))
    return info.value.col, str(info.value)


def nested(levels: int, head: str = "later 1 ", link: str = "do later 1 ") -> str:
    return head + link * levels + "do note x"


# ------------------------------------------------------------------ 9.5 nesting


def test_do_nests_twenty_deep_and_no_deeper():
    p = parse_line(nested(values.MAX_DO_DEPTH - 1))  # 20 do in all
    depth = 0
    while p.do is not None:
        p, depth = p.do, depth + 1
    assert (depth, p.name) == (20, "note")
    line = nested(values.MAX_DO_DEPTH)  # 21 do: the last is one too many
    col = line.rindex("do note") + 1
    assert error(line) == (col, "do nested more than 20 deep — name the objects and act on "
                                "them on lines of their own")


def test_a_deep_line_is_a_parse_error_not_a_recursion_error():
    for line in (nested(300), nested(200, "addCallback d1 ", "do addCallback d1 "),
                 nested(100, "addCallback d1 ", "do later 0 do addCallback d1 ")):
        assert len(line) <= values.MAX_LINE
        with pytest.raises(ParseError) as info:
            parse_line(line)
        assert info.value.message == "do nested more than 20 deep"
    # the 600 levels are longer than a line may be: refused before any nesting
    _, errors = parse_script("note ok\n" + nested(600) + "\n")
    assert [(n, e.message) for n, e in errors] == [(2, "line too long: 6,617 characters")]


def test_check_and_run_refuse_a_deep_line_with_file_line_col_and_exit_2(tmp_path):
    path = tmp_path / "deep.rr"
    line = nested(300)
    path.write_text("note first\n" + line + "\n", encoding="utf-8")
    col = [i for i in range(len(line)) if line.startswith("do ", i)][20] + 1
    expected = [f"{path}:2:{col}: do nested more than 20 deep — name the objects and act on "
                "them on lines of their own"]
    for command in ("check", "run"):
        r = cli(command, str(path))
        assert (r.returncode, r.stderr.splitlines()) == (2, expected), r.stderr
        assert "Traceback" not in r.stderr
    # piped standard input: an error event, and the session goes on
    r = cli(stdin=f"{line}\n{nested(600)}\nnote after\n")
    assert "Traceback" not in r.stdout + r.stderr
    # (the error repeats the start of its line after the location: issue 10.19)
    assert re.search(rf"error    <stdin>:1:{col}: [^\n]*: do nested more than 20 deep", r.stdout)
    assert re.search(r"error    <stdin>:2:4097: [^\n]*: line too long: 6,617 characters",
                     r.stdout)
    assert "note    after" in r.stdout


def test_completion_the_lexer_and_the_toolbar_stay_shallow_on_a_deep_line():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(250)  # less than the 300 levels: any recursion per level fails
    try:
        for line in (nested(300), nested(200, "addCallback d1 ", "do addCallback d1 "),
                     nested(600)):
            roles = completion.analyze(line).roles
            assert "".join(v for _, v in ReactorReplLexer().get_tokens(line)) == line + "\n"
            assert roles[-1].kind == "extra"  # past the bound: shown as an error, not read
            assert completion.context(line + " ").suggestions == []
            err = toolbar.check(line)
            assert err is not None and err.message in ("do nested more than 20 deep",
                                                       "line too long: 6,617 characters")
            toolbar.toolbar_fragments(line, err)
    finally:
        sys.setrecursionlimit(limit)


# ------------------------------------------------------------------ 9.7 counts and sizes


@pytest.mark.parametrize("line, col, message", [
    ("every 0 times 99999999999999999999", 15,
     "'99999999999999999999' is too large — use a number from 1 to 10,000,000"),
    ("every 0 times 10000001", 15, "'10000001' is too large — use a number from 1 to 10,000,000"),
    ("threadpool 99999999999999999999", 12,
     "'99999999999999999999' is too large — use a number from 1 to 1,000"),
    ("threadpool 0", 12, "0 is too small — use a number from 1 to 1,000"),
    ("reader r1 chunk 9999999999", 17, "'9999999999' is too large — use a number from 1 to "
                                       "1,048,576"),
    ("listen s1 70000", 11, "'70000' is too large — use a number from 0 to 65,535 "
                            "(0: a free port)"),
    ("connect c1 70000", 12, "'70000' is too large — use a number from 1 to 65,535"),
    ("expect count timer.fire 99999999999", 25,
     "'99999999999' is too large — use a number from 0 to 1,000,000,000"),
    ("later 1e300", 7, "'1e300' is longer than one day — durations are at most 86400s"),
    ("later inf", 7, "'inf' is not a finite duration — durations are 0 to 86400s"),
    ("wait nan", 6, "'nan' is not a finite duration — durations are 0 to 86400s"),
    ("fire d1 99999999999999999999", 9, "'99999999999999999999' is too large — integers have "
                                        "at most 18 digits; quote it for a string"),
    ("fire d1 -1e400", 9, "'-1e400' is out of range — floats are finite: at most about 1.8e308; "
                          "quote it for a string"),
    ("addCallback d1 mul 1" + "0" * 30, 20, "'1000000000000000000000000000000' is too large — "
                                            "integers have at most 18 digits; quote it for a "
                                            "string"),
    ("expect result d1 " + "9" * 4000, 18, "'" + "9" * 39 + "…' is too large — integers have "
                                           "at most 18 digits; quote it for a string"),
])
def test_counts_sizes_and_numbers_are_bounded_with_the_range_as_the_hint(line, col, message):
    assert error(line) == (col, message)


def test_the_largest_allowed_values_parse():
    assert parse_line("every 0 times 10000000")["N"] == 10_000_000
    assert parse_line("threadpool 1000")["SIZE"] == 1000
    assert parse_line("reader r1 chunk 1048576")["N"] == 1_048_576
    assert parse_line("fire d1 999999999999999999")["VALUE"] == 999_999_999_999_999_999
    assert parse_line("fire d1 '99999999999999999999'")["VALUE"] == "99999999999999999999"
    assert parse_line("fire d1 1.5e308")["VALUE"] == 1.5e308


@pytest.mark.parametrize("command, text", [
    ("every", "N: a whole number, 1 to 10,000,000"),
    ("threadpool", "SIZE: a whole number, 1 to 1,000"),
    ("reader", "N: a whole number, 1 to 1,048,576"),
    ("listen", "PORT: a whole number, 0 to 65,535"),
    ("later", "DELAY: seconds, 0 to 86400"),
])
def test_help_names_each_bound(command, text):
    assert text in help_text(command)


def test_help_names_the_line_bounds():
    assert "A line is at most 4,096 characters; do nests at most 20 deep." in help_text()
    assert "numbers: integers of at most 18 digits, or finite floats" in help_text("steps")


# ------------------------------------------------------------------ 9.8 bounded work


@pytest.fixture
def distances(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every edit distance the suggestions compute, as (word, option)."""
    calls: list[tuple[str, str]] = []
    real = parser._distance

    def counting(a: str, b: str, limit: int | None = None) -> int:
        calls.append((a, b))
        return real(a, b, limit)

    monkeypatch.setattr(parser, "_distance", counting)
    return calls


def test_a_pasted_20_kb_word_costs_no_suggestion_work(distances):
    word = "x" * 20_000
    assert suggest(word, ["fire", "later"]) == ""
    for line in (word, "help " + word[:4000], "later 1 do " + word[:4000],
                 "addCallback d1 " + word[:4000], "expect " + word[:4000],
                 "break " + word[:4000]):
        with pytest.raises(ParseError):
            parse_line(line)
    assert distances == []


def test_suggestions_among_100000_names_are_capped(distances):
    names = [f"t{i}" for i in range(100_000)]
    assert suggest("t99999x", names) == "did you mean t99999?"
    assert len(distances) <= parser.MAX_SUGGEST_OPTIONS


def test_suggestions_still_find_the_near_words():
    assert suggest("fier", ["fire", "fail", "later"]) == "did you mean fire?"
    assert suggest("tim", ["timeout", "times"]) == "did you mean times?"
    assert suggest("deferrred", ["deferred", "defer"]) == "did you mean deferred?"
    assert suggest("zzzz", ["fire"]) == ""


def test_a_line_longer_than_the_bound_is_refused_and_read_no_further():
    line = "note " + "word " * 30_000  # 150 KB
    assert error(line) == (4097, "line too long: 150,005 characters — a line is at most "
                                 "4,096 characters")
    assert completion.context(line).suggestions == []
    analysis = completion.analyze(line)
    assert analysis.roles[-1].kind == "extra" and analysis.roles[-1].span.start == 4096
    tokens = list(ReactorReplLexer().get_tokens_unprocessed(line))
    assert "".join(v for _, _, v in tokens) == line
    assert len(tokens) < 10  # the text of a note is one token; the overflow is one more
    many = "x " * 50_000
    assert len(list(ReactorReplLexer().get_tokens_unprocessed(many))) <= 4096 + 2


def test_long_runs_of_digits_do_not_make_a_pattern_backtrack():
    # 4,000 digits then a letter: the old duration pattern took seconds on this
    word = "1" * 4000 + "x"
    for line in (f"later {word}", f"addCallback d1 add {word}", f"every 1 times {word}",
                 f"expect late t1 >= {word}"):
        with pytest.raises(ParseError):
            parse_line(line)
        list(ReactorReplLexer().get_tokens(line))
        completion.context(line + " ")
    assert parse_line(f"fire d1 {word}")["VALUE"] == word  # a VALUE: a bare word


def test_messages_quote_at_most_40_characters_of_a_word_and_escape_control_characters():
    col, message = error("\x1b[2J" + "y" * 100)
    assert message == ("unknown command '\\x1b[2J" + "y" * 35 + "…' — type help for the list "
                       "of commands")


# ------------------------------------------------------------------ fuzzing with hostile pieces

PIECES = st.one_of(
    st.sampled_from(["later 1", "do", "do later 1", "addCallback d1", "do addCallback d1",
                     "every 0 times", "threadpool", "fire d1", "write r1", "help", "expect order",
                     "predict order", "thread j1 1 return", "spawn", "call", "/", "'", '"', "\\",
                     "#", "\x1b[2J", "\r", "\x00", "\u2028", "9" * 30, "1e400", "-1e400", "nan",
                     "inf", "mymod:F", "s1.1"]),
    st.integers(1, 6000).map(lambda n: "x" * n),
    st.integers(1, 400).map(lambda n: "do later 1 " * n),
    st.integers(1, 4000).map(lambda n: "9" * n),
    st.text(max_size=8),
)
HOSTILE = st.lists(PIECES, max_size=8).map(" ".join)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
@given(HOSTILE, st.booleans())
def test_hostile_lines_are_parse_errors_or_commands_and_never_break_the_tools(line, allow):
    try:
        parse_line(line, Options(allow_python=allow))
    except ParseError as e:
        assert 1 <= e.col <= len(line) + 2
        assert len(str(e)) < 400  # a message never carries a long word along
        assert str(e).isprintable()
    completion.context(line)
    tokens = list(ReactorReplLexer().get_tokens_unprocessed(line))
    assert "".join(v for _, _, v in tokens) == line
    toolbar.toolbar_fragments(line, toolbar.check(line))
