"""The command language: words, durations, values, names, do nesting, errors with hints.

The parser knows syntax only (the table says what fits where); whether a name exists
is the engine's business. Every bad line is a ParseError with a 1-based column.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reactor_repl.language import values
from reactor_repl.language.helptext import help_text
from reactor_repl.language.parser import Options, ParseError, parse_line, parse_script
from reactor_repl.language.table import BY_NAME, COMMANDS, EXPECT_BY_NAME, KINDS, STEP_BY_NAME
from reactor_repl.language.words import split_words


def error(line: str, **options: bool) -> tuple[int, str]:
    """(column, message — hint) of a line that must not parse."""
    with pytest.raises(ParseError) as info:
        parse_line(line, Options(**options))
    return info.value.col, str(info.value)


# ------------------------------------------------------------------ words


def test_words_split_like_a_shell_and_remember_their_columns():
    words = split_words("""fire  d1 "two words" 'single' x\\ y # a comment""")
    assert [(w.text, w.col, w.quoted) for w in words] == [
        ("fire", 1, False), ("d1", 7, False), ("two words", 10, True), ("single", 22, True),
        ("x y", 31, False)]


def test_blank_and_comment_lines_are_nothing():
    assert parse_line("") is None
    assert parse_line("   # only a comment") is None
    assert parse_line("later 1 # the rest is a comment")["NAME"] is None


def test_a_hash_inside_quotes_or_a_note_is_text():
    assert parse_line("fire d1 '#1'")["VALUE"] == "#1"
    assert parse_line("note it's # not a comment")["TEXT"] == "it's # not a comment"


def test_unterminated_quote():
    assert error('deferred "d1') == (10, 'unterminated " quote — close it with "')


# ------------------------------------------------------------------ durations and values


@pytest.mark.parametrize("text, seconds", [
    ("0", 0.0), ("0.5", 0.5), ("2", 2.0), ("1e-3", 0.001), ("250ms", 0.25), ("2s", 2.0),
    ("1.5min", 90.0), ("86400", 86400.0), ("100us", 0.0001),
])
def test_durations(text, seconds):
    assert values.parse_duration(text) == pytest.approx(seconds)
    assert parse_line(f"later {text}")["DELAY"] == pytest.approx(seconds)


@pytest.mark.parametrize("text, message", [
    ("-1", "'-1' is negative — durations are 0 to 86400s"),
    ("inf", "'inf' is not a finite duration — durations are 0 to 86400s"),
    ("nan", "'nan' is not a finite duration — durations are 0 to 86400s"),
    ("1e400", "'1e400' is longer than one day — durations are at most 86400s"),
    ("1e300", "'1e300' is longer than one day — durations are at most 86400s"),
    ("86401", "'86401' is longer than one day — durations are at most 86400s"),
    ("2days", "'2days' is not a duration — write seconds (0.5, 2, 1e-3) or 250ms / 2s"),
    ("1.5.2", "'1.5.2' is not a duration — write seconds (0.5, 2, 1e-3) or 250ms / 2s"),
])
def test_durations_are_finite_non_negative_and_at_most_one_day(text, message):
    for line, col in ((f"later {text}", 7), (f"wait {text}", 6), (f"block {text}", 7),
                      (f"every {text}", 7), (f"addCallback d1 block {text}", 22)):
        assert error(line) == (col, message)


@pytest.mark.parametrize("word, value", [
    ("41", 41), ("-2", -2), ("1.5", 1.5), ("1e3", 1000.0), ("none", None), ("true", True),
    ("false", False), ("bare", "bare"), ("'two words'", "two words"), ('"41"', "41"),
    ("inf", "inf"),
])
def test_values(word, value):
    assert parse_line(f"fire d1 {word}")["VALUE"] == value


@pytest.mark.parametrize("name", ["t1", "_x", "a.b-c_9", "D"])
def test_good_names(name):
    assert parse_line(f"deferred {name}")["NAME"] == name


@pytest.mark.parametrize("name", ["9x", "-a", "a/b", "é"])
def test_bad_names_say_what_a_name_is(name):
    col, message = error(f"deferred {name}")
    assert col == 10
    assert message == (f"'{name}' is not a valid name — names start with a letter or _ and use "
                       "letters, digits, _ . -")


# ------------------------------------------------------------------ commands


def test_do_nests_a_command_that_runs_inside_the_reactor():
    p = parse_line("later 1.5 t1 do later 0 t2 do fire d1 ok")
    assert (p.name, p.args) == ("later", {"DELAY": 1.5, "NAME": "t1"})
    assert (p.do.name, p.do.args, p.do.col) == ("later", {"DELAY": 0.0, "NAME": "t2"}, 17)
    assert (p.do.do.name, p.do.do.args) == ("fire", {"NAME": "d1", "VALUE": "ok"})
    assert p.do.text == "later 0 t2 do fire d1 ok"


def test_prompt_commands_cannot_run_inside_the_reactor():
    assert error("later 1 do wait 2") == (12, "wait cannot run inside the reactor — type it at "
                                               "the prompt instead")
    assert error("addCallback d1 do step")[1].startswith("step cannot run inside the reactor")
    assert error("later 1 do") == (11, "do needs a command after it — e.g. do note hello")


def test_keywords_flags_and_optional_arguments():
    assert parse_line("every 250ms l1 now times 3 do note hi there").args == {
        "INTERVAL": 0.25, "NAME": "l1", "now": True, "delayed": False, "N": 3}
    assert parse_line("every 1").args == {"INTERVAL": 1.0, "NAME": None, "now": False,
                                          "delayed": False, "N": None}
    assert parse_line("thread j1 2 raise oops now").args == {
        "NAME": "j1", "DURATION": 2.0, "MESSAGE": "oops now", "VALUE": None}
    assert parse_line("thread 2").args == {"NAME": None, "DURATION": 2.0, "MESSAGE": None,
                                           "VALUE": None}
    assert parse_line("block 1 cpu").args == {"DURATION": 1.0, "cpu": True}


def test_steps_and_step_pairs():
    step = parse_line("addCallback d1 add 1")["STEP"]
    assert (step.name, step.args, step.text) == ("add", {"N": 1}, "add 1")
    ok, bad = parse_line("addCallbacks d1 add 1 / recover 0")["STEPS"]
    assert (ok.text, bad.text) == ("add 1", "recover 0")
    step = parse_line("then d1 do fire d2 x")["STEP"]  # alias of addCallback
    assert (step.name, step.do.name, step.do.args) == ("do", "fire", {"NAME": "d2", "VALUE": "x"})
    assert parse_line("catch d1 trap CancelledError")["STEP"].args == {"TYPE": "CancelledError"}


def test_aliases_resolve_to_the_command():
    assert {parse_line(line).name for line in ("defer d1", "callback d1 1", "errback d1 x",
                                               "finally d1 pass")} == {
        "deferred", "fire", "fail", "addBoth"}


def test_expect_forms():
    p = parse_line("expect order t1 timer.fire:t2 loop.call")["CHECK"]
    assert (p.name, p.args) == ("order", {"TOKENS": ["t1", "timer.fire:t2", "loop.call"]})
    assert parse_line("expect count timer.fire:t3 0")["CHECK"].args == {
        "WHAT": "timer.fire:t3", "N": 0}
    assert parse_line("expect late t1 >= 250ms")["CHECK"].args == {
        "NAME": "t1", "OP": ">=", "SECONDS": 0.25}
    assert parse_line("expect failure d1 two words")["CHECK"].args == {
        "NAME": "d1", "TEXT": "two words"}


# ------------------------------------------------------------------ errors, located, with hints


@pytest.mark.parametrize("line, col, message", [
    ("fier d1", 1, "unknown command 'fier' — did you mean fire?"),
    ("latr 1", 1, "unknown command 'latr' — did you mean later?"),
    ("frobnicate", 1, "unknown command 'frobnicate' — type help for the list of commands"),
    ("add 1", 1, "unknown command 'add' — add is a callback STEP: e.g. addCallback d1 add 1"),
    ("later", 7, "missing DELAY — usage: later DELAY [NAME] [do …]"),
    ("later 1 t1 t2", 12, "unexpected 't2' — usage: later DELAY [NAME] [do …]"),
    ("later 1 1x", 9, "'1x' is not a valid name — names start with a letter or _ and use "
                      "letters, digits, _ . -"),
    ("addCallback d1 ad 1", 16, "unknown step 'ad' — did you mean add?"),
    ("expect ordr t1 t2", 8, "unknown expectation 'ordr' — did you mean order?"),
    ("expect order t1", 14, "expect order needs at least two tokens — e.g. expect order t1 t2"),
    ("expect late t1 == 3", 16, "'==' is not one of >=|<= — did you mean >=?"),
    ("trigger befor shutdown", 9, "'befor' is not one of before|during|after — did you mean "
                                  "before?"),
    ("break timer.fyre", 7, "unknown event kind 'timer.fyre' — did you mean timer.fire?"),
    ("help nosuch", 6, "no help for 'nosuch' — type help for the list"),
    ("every 0.5 l1 times", 19, "'times' needs N — e.g. every 0.5 l1 times 3"),
    ("every 1 times 0", 15, "0 is too small — use a number from 1 to 10,000,000"),
    ("addCallbacks d1 add 1", 17, "addCallbacks needs STEP / STEP — e.g. addCallbacks d1 add 1 / "
                                  "recover 0"),
])
def test_errors_have_a_column_and_a_hint(line, col, message):
    assert error(line) == (col, message)


def test_python_is_refused_where_it_is_off():
    assert error("py 1 + 1", allow_python=False) == (
        1, "py is off in scenario files — run with --allow-python to allow Python")
    assert error("addCallback d1 py result * 2", allow_python=False)[0] == 16
    assert parse_line("py 1 + 1", Options(allow_python=True))["CODE"] == "1 + 1"


def test_a_script_reports_every_bad_line_with_its_number():
    text = "later 1 t1\nfier d1\n\n# comment\nlater -1\nexpect order t1\nnote fine\n"
    lines, errors = parse_script(text)
    assert [(n, e.col, e.message) for n, e in errors] == [
        (2, 1, "unknown command 'fier'"), (5, 7, "'-1' is negative"),
        (6, 14, "expect order needs at least two tokens")]
    assert [ln.lineno for ln in lines if ln.parsed is not None] == [1, 7]


# ------------------------------------------------------------------ the table drives help


@pytest.mark.parametrize("command", sorted({c.name for c in COMMANDS}))
def test_every_command_has_a_help_page_with_its_syntax_and_an_example_that_parses(command):
    c = BY_NAME[command]
    page = help_text(command)
    assert page.splitlines()[0] == c.syntax()
    if c.example:
        assert f"example: {c.example}" in page
        parsed = parse_line(c.example)
        assert parsed is not None and parsed.name == command


def test_help_overview_lists_every_command_once():
    text = help_text()
    for c in COMMANDS:
        assert f"  {c.syntax()}" in text


# ------------------------------------------------------------------ fuzzing

WORDS = sorted(set(BY_NAME) | set(STEP_BY_NAME) | set(EXPECT_BY_NAME) | set(KINDS) | {
    "do", "/", "now", "times", "cpu", "raise", "chunk", ">=", "<=", "t1", "d1", "l1", "-1", "0",
    "1e400", "nan", "inf", "1e-3", "250ms", "86401", "'a b'", '"q"', "'", '"', "\\", "#", "é",
    "\x00", "None", "99999999999999999999", "0x10", "1_000", "\t"})
LINES = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=9).map(" ".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(LINES, st.booleans())
def test_any_line_parses_or_is_a_located_parse_error(line, allow_python):
    try:
        parsed = parse_line(line, Options(allow_python=allow_python))
    except ParseError as e:
        assert 1 <= e.col <= len(line) + 2
        assert e.message and "\n" not in str(e)
    else:
        assert parsed is None or parsed.name in BY_NAME
