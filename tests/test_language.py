"""The command language: words, durations, values, names, do nesting, errors with hints.

The parser knows syntax only (the table says what fits where); whether a name exists
is the engine's business. Every bad line is a ParseError with a 1-based column.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import examples

from reactor_repl.language import values
from reactor_repl.language.helptext import help_text
from reactor_repl.language.parser import Options, ParseError, parse_line, parse_script
from reactor_repl.language.table import (
    BY_NAME,
    COMMANDS,
    COROUTINE_STEPS,
    EXPECT_BY_NAME,
    JOB_STEPS,
    KINDS,
    STEP_BY_NAME,
    STEPS,
)
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
    assert message == (f"'{name}' is not a valid name — names start with an ASCII letter or _ "
                       "and use ASCII letters, digits, _ . -")


@pytest.mark.parametrize("line", ["deferred timer.fire", "later 1 loop.call",
                                  "every 1 l1 do later 1 tcp.data"])
def test_a_kind_is_not_a_name(line):
    """``deferred timer.fire`` was taken: ``expect order t2 timer.fire`` then read it as
    the name and ``expect count timer.fire 1`` as the kind."""
    col, message = error(line)
    word = line.split()[-1]
    assert col == line.rindex(word) + 1
    assert message == (f"'{word}' is an event kind, not a name — pick another name: expect "
                       "and predict would read it as the kind")
    assert parse_line("deferred timer")["NAME"] == "timer"  # (a family is not a token)


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
        "INTERVAL": 0.25, "NAME": "l1", "now": True, "delayed": False, "N": 3,
        "count": False, "SECONDS": None}
    assert parse_line("every 1").args == {"INTERVAL": 1.0, "NAME": None, "now": False,
                                          "delayed": False, "N": None, "count": False,
                                          "SECONDS": None}
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
    ("async", 7, "missing STEP — usage: async [NAME] STEP ; STEP …"),  # (was "missing  —")
    ("later 1 t1 t2", 12, "unexpected 't2' — usage: later DELAY [NAME] [do …]"),
    ("later 1 1x", 9, "'1x' is not a valid name — names start with an ASCII letter or _ "
                      "and use ASCII letters, digits, _ . -"),
    ("addCallback d1 ad 1", 16, "unknown step 'ad' — did you mean add?"),
    # the dotted form (completion offered it): a protocol of your code takes the colon
    ("listen s1 0 mymod.Factory", 13, "'mymod.Factory' is not a protocol — your code's class "
                                      "goes with a colon here: mymod:Factory"),
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


def test_a_help_topic_is_found_in_capitals_too():
    assert parse_line("help STEPS")["COMMAND"] == "steps"
    assert parse_line("help Kinds")["COMMAND"] == "kinds"


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


@pytest.mark.parametrize("between", ["\x0c", "note a\u2028b", "note a\x85b", "note a\x1cb"])
def test_lines_are_numbered_as_an_editor_numbers_them(between, tmp_path):
    """A form feed, NEL, U+2028 or a file separator is not a line break (splitlines'
    are): an error on the third line is said at line 3, and a note keeps its text."""
    from support import cli

    text = f"note one\r\n{between}\nfier d1\rlater 1 t1\n"
    lines, errors = parse_script(text)
    assert [(n, e.message) for n, e in errors] == [(3, "unknown command 'fier'")]
    blank = between == "\x0c"
    assert [ln.lineno for ln in lines if ln.parsed is not None] == ([1, 4] if blank else [1, 2, 4])
    path = tmp_path / "paged.rr"
    path.write_text(text, encoding="utf-8", newline="")
    r = cli("check", str(path))
    assert (r.returncode, r.stderr.splitlines()) == (2, [f"{path}:3:1: unknown command 'fier' — did you mean fire?"])


# ------------------------------------------------------------------ the table drives help


@pytest.mark.parametrize("command", sorted({c.name for c in COMMANDS}))
def test_every_command_has_a_help_page_with_its_syntax_and_an_example_that_parses(command):
    c = BY_NAME[command]
    page = help_text(command)
    assert page.splitlines()[0] == c.syntax()
    if c.example:
        assert f"example: {c.example}" in page
        parsed = parse_line(c.example)
        if c.where == "callback":  # (only after do: its example is a callback's)
            parsed = parsed.do
        assert parsed is not None and parsed.name == command


def _actions(p):
    """The commands a do runs: one, or each of ``do A ; B``."""
    return list(p.args["ACTIONS"]) if p.name == "actions" else [p]


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


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=list(HealthCheck))
@given(LINES, st.booleans())
def test_any_line_parses_or_is_a_located_parse_error(line, allow_python):
    try:
        parsed = parse_line(line, Options(allow_python=allow_python))
    except ParseError as e:
        assert 1 <= e.col <= len(line) + 2
        assert e.message and "\n" not in str(e)
    else:
        assert parsed is None or parsed.name in BY_NAME


# ------------------------------------------------------------------ DATA (write, send)


@pytest.mark.parametrize("line, data", [
    ("write r1 a\\nb", "a\nb"),  # help says escapes work unquoted: they do
    ("write r1 'a\\nb'", "a\nb"),
    ('write r1 "tab\\there"', "tab\there"),
    ("write r1 two  spaces kept", "two  spaces kept"),
    ("write r1 \"hello world\" again", "hello world again"),
    ("write r1 back\\\\slash", "back\\slash"),
    ("write r1 a\\ b\\#c", "a b#c"),
    ("send s1.1 cr\\r\\nlf\\0", "cr\r\nlf\0"),
    ("write r1 it's\\ fine'", "its fine"),
])
def test_data_is_the_rest_of_the_line_with_the_escapes_help_names(line, data):
    assert parse_line(line)["DATA"] == data


def test_write_with_an_escape_writes_the_byte_into_the_pipe():
    from support import run_scenario

    events = run_scenario("reader r1\nwrite r1 a\\nb\nwait 0.1\n")
    assert [e.text for e in events if e.kind == "reader.read"] == ["doRead(): 3 bytes b'a\\nb'"]


# ------------------------------------------------------------------ messages (issue 10.20)


@pytest.mark.parametrize("line, col, message", [
    ("thread j2 1 raise", 18, "'raise' needs MESSAGE — e.g. thread j2 1 raise boom"),
    ("expect order", 14, "missing TOKENS — usage: expect order TOKENS…"),
    ("expect same-tick t1", 21, "missing B — usage: expect same-tick A B"),
    ("predict chaos a b", 9, "expected 'order', not 'chaos' — usage: predict order TOKENS…"),
    ("connect", 9, "missing TARGET — usage: connect [NAME] TARGET [module:Protocol]"),
    ("gather", 8, "missing D — usage: gather [NAME] D… [consumeErrors]"),
    ("race", 6, "missing D — usage: race [NAME] D…"),
    ("every 1 times 2 times 3", 17, "'times' given twice — give it once"),
    ("every 1 now delayed", 13, "'delayed' cannot go with 'now' — usage: every INTERVAL [NAME] "
                                "[now] [delayed] [times N] [count] [wait SECONDS] "
                                    "[do …]"),
])
def test_messages_show_the_real_syntax(line, col, message):
    assert error(line) == (col, message)


@pytest.mark.parametrize("command, syntax", [
    ("connect", "connect [NAME] TARGET [module:Protocol]"),
    ("gather", "gather [NAME] D… [consumeErrors]"),
    ("race", "race [NAME] D…"),
    ("async", "async [NAME] STEP ; STEP …"),
    ("predict", "predict order TOKENS…"),
    ("addCallbacks", "addCallbacks NAME STEP / STEP"),
    ("help", "help [TOPIC]"),
])
def test_help_shows_the_syntax_a_person_types(command, syntax):
    assert help_text(command).splitlines()[0] == syntax
    assert f"  {syntax} " in help_text()


def test_every_example_in_help_parses_to_its_own_command():
    for c in COMMANDS:
        for example in c.all_examples():
            parsed = parse_line(example)
            if c.where == "callback":
                assert c in [a.command for a in _actions(parsed.do)], example
            else:
                assert parsed.command is c, example
    for s in STEPS:
        assert parse_line(s.example)["STEP"].command is s
    for s in COROUTINE_STEPS + JOB_STEPS:  # each example uses its STEP
        assert s in [step.command for step in parse_line(s.example)["STEPS"]], s.example


@pytest.mark.parametrize("command", ["send", "drop", "abort"])
def test_help_says_how_to_name_the_server_side_of_a_connection(command):
    page = help_text(command)
    assert "s1.1 is the first" in page
    assert f"example: {command} s1.1" in page
    assert parse_line(f"{command} s1.1" + (" hi" if command == "send" else ""))["NAME"] == "s1.1"


# ------------------------------------------------------------------ the table for SPEC §7–§9


@pytest.mark.parametrize("line, name, group, args", [
    ("reset", "reset", "session", {}),
    ("reset t1 2", "reset", "time", {"NAME": "t1", "DELAY": 2.0}),
    ("load s.rr fresh", "load", "session", {"FILE": "s.rr", "fresh": True}),
    ("load s.rr", "load", "session", {"FILE": "s.rr", "fresh": False}),
    ("waiting", "waiting", "session", {"SECONDS": None}),
    ("waiting 250ms", "waiting", "session", {"SECONDS": 0.25}),
    ("next", "next", "session", {}),
    ("use mymod.py", "use", "python", {"MODULE": "mymod.py"}),
    ("use pkg.mod", "use", "python", {"MODULE": "pkg.mod"}),
    ("later 1 t1 call mymod.tick", "later", "python",
     {"DELAY": 1.0, "NAME": "t1", "FN": "mymod.tick"}),
    ("every 0.5 l1 delayed times 3 call mymod:poll", "every", "python",
     {"INTERVAL": 0.5, "NAME": "l1", "now": False, "delayed": True, "N": 3,
      "FN": "mymod:poll"}),
    ("every 0.5 l1 delayed", "every", "time",
     {"INTERVAL": 0.5, "NAME": "l1", "now": False, "delayed": True, "N": None, "count": False,
      "SECONDS": None}),
    ("thread j1 call mymod.slow_io", "thread", "python", {"NAME": "j1", "FN": "mymod.slow_io"}),
    ("thread call mymod.slow_io", "thread", "python", {"NAME": None, "FN": "mymod.slow_io"}),
    ("thread j1 1 return 41", "thread", "thread",
     {"NAME": "j1", "DURATION": 1.0, "MESSAGE": None, "VALUE": 41}),
    ("thread j1 1 return 'forty one'", "thread", "thread",
     {"NAME": "j1", "DURATION": 1.0, "MESSAGE": None, "VALUE": "forty one"}),
    ("spawn mymod.crawl 3 two as d9", "spawn", "python",
     {"FN": "mymod.crawl", "ARGS": [3, "two"], "NAME": "d9"}),
    ("spawn mymod.main", "spawn", "python", {"FN": "mymod.main", "ARGS": [], "NAME": None}),
    ("listen s1 0 mymod:EchoFactory", "listen", "tcp",
     {"NAME": "s1", "PORT": 0, "PROTOCOL": "mymod:EchoFactory", "DATA": None}),
    ("listen s1 mymod:EchoFactory", "listen", "tcp",
     {"NAME": "s1", "PORT": None, "PROTOCOL": "mymod:EchoFactory", "DATA": None}),
    ("connect c1 s1 mymod:Client", "connect", "tcp",
     {"NAMES": ["c1", "s1"], "PROTOCOL": "mymod:Client"}),
    ("connect s1 mymod:Client", "connect", "tcp", {"NAMES": ["s1"], "PROTOCOL": "mymod:Client"}),
    ("connect c1 8000", "connect", "tcp", {"NAMES": ["c1", "8000"], "PROTOCOL": None}),
])
def test_new_commands_and_forms_parse_to_these_arguments(line, name, group, args):
    p = parse_line(line)
    assert (p.name, p.command.group, p.args) == (name, group, args)


def test_a_call_step_names_your_code():
    step = parse_line("addCallback d1 call mymod.parse")["STEP"]
    assert (step.name, step.args) == ("call", {"FN": "mymod.parse"})


def test_the_session_reset_runs_at_the_prompt_only():
    assert parse_line("reset").command.where == "prompt"
    assert parse_line("reset t1 2").command.where == "reactor"
    assert error("later 1 do reset") == (12, "reset cannot run inside the reactor — type it at "
                                             "the prompt instead")
    assert error("reset t1") == (10, "missing DELAY — usage: reset NAME DELAY")
    page = help_text("reset")
    assert page.splitlines()[0] == "reset NAME DELAY" and "\nreset\n" in page


@pytest.mark.parametrize("line, col, message", [
    ("use mymod.py", 1, "use runs Python: off in scenario files"),
    ("later 1 t1 call mymod.tick", 17, "'mymod.tick' names Python code: off in scenario files"),
    ("every 1 call mymod.poll", 14, "'mymod.poll' names Python code: off in scenario files"),
    ("thread j1 call mymod.io", 16, "'mymod.io' names Python code: off in scenario files"),
    ("later 1 do thread call mymod.io", 24, "'mymod.io' names Python code: off in scenario "
                                            "files"),
    ("addCallback d1 call mymod.parse", 16, "call runs Python: off in scenario files"),
    ("spawn mymod.crawl", 7, "'mymod.crawl' names Python code: off in scenario files"),
    ("listen s1 0 mymod:Factory", 13, "'mymod:Factory' names Python code: off in scenario files"),
    ("connect c1 s1 mymod:Client", 15, "'mymod:Client' names Python code: off in scenario "
                                       "files"),
])
def test_everything_that_names_python_code_is_off_in_scenario_files(line, col, message):
    assert error(line, allow_python=False) == (
        col, f"{message} — run with --allow-python to allow Python")
    assert parse_line(line, Options(allow_python=True)) is not None
    # and the built-in protocols are not Python
    assert parse_line("listen s1 0 poetry", Options(allow_python=False))["PROTOCOL"] == "poetry"


@pytest.mark.parametrize("line, col, message", [
    ("thread j1 1 return 5 raise x", 13, "'return' cannot go with 'raise' — usage: thread "
                                         "[NAME] DURATION [raise MESSAGE] [return VALUE]"),
    ("later 1 t1 call m.f do note x", 21, "unexpected 'do' — usage: later DELAY [NAME] call FN"),
    ("thread j1 call", 15, "'call' needs FN — e.g. thread j1 call mymod.slow_io"),
    ("spawn 9x", 7, "'9x' does not name Python code — write module.attr or module:attr"),
    ("use 9x", 5, "'9x' is not a module — write FILE.py or package.module"),
    ("listen s1 0 bogus", 13, "'bogus' is not a protocol — one of: echo|discard|poetry|"
                              "module:Class"),
    ("connect c1 0", 12, "0 is too small — use a number from 1 to 65,535"),
])
def test_new_forms_have_located_errors(line, col, message):
    assert error(line) == (col, message)


def test_every_scenario_of_the_course_still_parses():
    import glob
    import os

    from support import ROOT

    paths = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.rr")))
    assert len(paths) >= 12
    for path in paths:
        with open(path, encoding="utf-8") as f:
            _, errors = parse_script(f.read(), Options(allow_python=False))
        assert errors == [], path


def test_a_file_that_names_python_code_is_refused_by_check_and_run(tmp_path):
    from support import cli

    path = tmp_path / "mine.rr"
    path.write_text("note mine\nuse mymod.py\nlater 1 t1 call mymod.tick\n", encoding="utf-8")
    expected = [f"{path}:2:1: use runs Python: off in scenario files — run with "
                "--allow-python to allow Python",
                f"{path}:3:17: 'mymod.tick' names Python code: off in scenario files — run with "
                "--allow-python to allow Python"]
    for command in ("check", "run"):
        r = cli(command, str(path))
        assert (r.returncode, r.stderr.splitlines()) == (2, expected)
    assert cli("check", "--allow-python", str(path)).returncode == 0


# ------------------------------------------------------------------ issue 14: more of Twisted


def test_do_runs_several_actions_separated_by_a_standalone_semicolon():
    p = parse_line("later 1 t1 do fire d1 ; cancel t2 ; note done")
    assert [(a.name, a.text) for a in _actions(p.do)] == [
        ("fire", "fire d1"), ("cancel", "cancel t2"), ("note", "note done")]
    assert p.do.text == "fire d1 ; cancel t2 ; note done"
    assert parse_line("later 1 do note a;b ; fire d1").do["ACTIONS"][0].args == {"TEXT": "a;b"}
    assert parse_line("later 1 do fire d1 ';'").do.args == {"NAME": "d1", "VALUE": ";"}
    # a nested do takes one action: the ; belongs to the outermost list
    outer = parse_line("later 1 do later 2 do fire d1 ; note after")
    assert [a.text for a in _actions(outer.do)] == ["later 2 do fire d1", "note after"]


def test_a_note_in_a_do_ends_at_the_next_semicolon_and_py_takes_the_rest():
    assert [a.args for a in _actions(parse_line("later 1 do note a, b ; note c").do)] == [
        {"TEXT": "a, b"}, {"TEXT": "c"}]
    assert parse_line("note a ; b")["TEXT"] == "a ; b"
    assert parse_line("later 1 do py x = 1 ; y = 2").do["CODE"] == "x = 1 ; y = 2"


@pytest.mark.parametrize("line, col, message", [
    ("later 1 do ; note x", 12, "nothing before ';' — write a command before it"),
    ("later 1 do note x ;", 19, "nothing after ';' — write a command after it, or leave the "
                                "';' out"),
    ("later 1 t1 ; later 2", 12, "unexpected ';' — ; separates the actions of a do (later 1 do "
                                 "fire d1 ; cancel t2) and the STEPs of async, inlineCallbacks "
                                 "and thread: one command a line"),
    ("raise boom", 1, "raise runs only inside a callback — after do: e.g. later 1 t1 do raise "
                      "boom"),
    ("async c1 return 1 ; await d1", 21, "step 2 comes after return: it never runs — end with "
                                         "return, or move it last"),
    ("async c1 cancel t1", 10, "unknown coroutine step 'cancel' — a command runs as a step "
                               "with do: do cancel …"),
    ("thread j1 sleep 1 ; cancel t1", 21, "unknown job step 'cancel' — a job hands commands "
                                          "to the reactor: fromthread do cancel …"),
    ("deferred d1 do note x", 13, "'do' goes with 'canceller' — e.g. deferred d2 canceller do "
                                  "cancel t1"),
    ("later 1 do wait 1 ; note x", 12, "wait cannot run inside the reactor — type it at the "
                                       "prompt instead"),
])
def test_lists_have_located_errors(line, col, message):
    assert error(line) == (col, message)


def test_coroutine_and_job_steps_parse_to_their_tables():
    p = parse_line("async c1 await d1 ; sleep 250ms ; do fire d2 ; return 3")
    assert [(s.name, s.command.group, s.args) for s in p["STEPS"]] == [
        ("await", "coroutine", {"NAME": "d1"}), ("sleep", "coroutine", {"SECONDS": 0.25}),
        ("do", "coroutine", {}), ("return", "coroutine", {"VALUE": 3})]
    assert p["STEPS"][2].do.text == "fire d2"
    job = parse_line("thread j1 sleep 1 ; blocking ask do fire d1 ; return 2")
    assert [(s.name, s.command.group, s.args.get("NAME")) for s in job["STEPS"]] == [
        ("sleep", "job", None), ("blocking", "job", "ask"), ("return", "job", None)]
    # a job's first word is a STEP, not its name; the course's 'thread sleep 10' keeps its
    assert parse_line("thread sleep 1 ; return 2")["NAME"] is None
    assert parse_line("thread sleep 10").args == {"NAME": "sleep", "DURATION": 10.0,
                                                  "MESSAGE": None, "VALUE": None}
    assert parse_line("callInThread j2 0.5").args == {"NAME": "j2", "DURATION": 0.5,
                                                      "MESSAGE": None}


def test_help_lists_the_steps_of_coroutines_and_jobs():
    assert "STEPs of a coroutine (; between two):\n  await NAME" in help_text("async")
    assert "STEPs of a job (; between two):\n  sleep SECONDS" in help_text("callInThread")
    assert "do A ; B runs A then B" in help_text("later")


def test_help_kinds_lists_every_event_kind_with_its_meaning():
    """The kinds beyond SPEC §3's list (tcp.stop, io.wait …) were named nowhere."""
    from reactor_repl.language.kinds import KIND_TABLE

    page = help_text("kinds").splitlines()
    for k in KIND_TABLE:
        assert any(line.split()[:1] == [k.name] and k.summary in line for line in page), k.name
    assert parse_line("help kinds").args["COMMAND"] == "kinds"
    assert "help kinds" in help_text()


def test_a_files_unterminated_quote_error_is_not_cut_as_a_quoted_word():
    """check printed "unterminated 'quote — close it wit…'": the message's own ' and the
    hint's were taken for a quoted word and shortened."""
    from reactor_repl.session.scenario import check

    problems = check("note a\nfire d1 'a\n", allow_python=False)
    assert [(p.line, p.col, p.message) for p in problems] == [
        (2, 9, "unterminated ' quote — close it with '")]


def test_expect_count_names_a_kind_it_can_count():
    """`expect count timer.fired 0` passed check and passed when run (nothing of an unknown
    kind ever happens), while `break timer.fired` was flagged."""
    with pytest.raises(ParseError) as e:
        parse_line("expect count timer.fired 0")
    assert (e.value.col, e.value.hint) == (14, "did you mean timer.fire?")
    with pytest.raises(ParseError):
        parse_line("expect count timer 2")  # a family is not a kind: it counted 0
    assert parse_line("expect count loop.call:l1 3").args["CHECK"].args["WHAT"] == "loop.call:l1"


def test_a_values_escapes_read_as_datas():
    r"""send c1 one\ntwo sends a newline; expect result c1 one\ntwo read "onentwo" (a
    word's \X is X) and could never match it."""
    from reactor_repl.language.parser import Options, parse_line

    assert [parse_line(text, Options())["CHECK"].args["VALUE"] for text in (
        r"expect result c1 one\ntwo", r'expect result c1 "one\ttwo"', "expect result d1 5",
        "expect result d1 none", r"expect result d1 a\\b")] == [
        "one\ntwo", "one\ttwo", 5, None, "a\\b"]
    assert parse_line(r"send c1 one\ntwo", Options())["DATA"] == "one\ntwo"
