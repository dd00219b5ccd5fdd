"""The pygments lexer: found through pygments' plugin lookup, generated from the table."""

from __future__ import annotations

from pygments.lexers import find_lexer_class_for_filename, get_lexer_by_name
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String, Text, Token

from reactor_repl.language.lexer import ReactorReplLexer
from reactor_repl.language.table import COMMANDS, EXPECTS, STEPS


def tokens(text: str) -> list[tuple[object, str]]:
    """Non-blank tokens of one line."""
    lexer = get_lexer_by_name("reactor-repl")
    return [(t, v) for t, v in lexer.get_tokens(text) if v.strip()]


def test_found_by_name_alias_and_filename() -> None:
    assert type(get_lexer_by_name("reactor-repl")) is ReactorReplLexer
    assert type(get_lexer_by_name("rr")) is ReactorReplLexer
    assert find_lexer_class_for_filename("x.rr") is ReactorReplLexer


def test_a_timer_with_a_do() -> None:
    assert tokens("later 1.5 t1 do fire d1 ok  # then d1 runs") == [
        (Keyword, "later"), (Number, "1.5"), (Name.Variable, "t1"), (Keyword.Pseudo, "do"),
        (Keyword, "fire"), (Name.Variable, "d1"), (String, "ok"),
        (Comment.Single, "# then d1 runs"),
    ]


def test_steps_keywords_and_kinds() -> None:
    assert tokens("addCallbacks d1 add 1 / recover none") == [
        (Keyword, "addCallbacks"), (Name.Variable, "d1"), (Name.Function, "add"),
        (Number, "1"), (Operator, "/"), (Name.Function, "recover"), (Keyword.Constant, "none"),
    ]
    assert tokens("every 0.5 l1 now times 3") == [
        (Keyword, "every"), (Number, "0.5"), (Name.Variable, "l1"), (Keyword.Pseudo, "now"),
        (Keyword.Pseudo, "times"), (Number.Integer, "3"),
    ]
    assert tokens("break timer.fire t2") == [
        (Keyword, "break"), (Name.Tag, "timer.fire"), (Name.Variable, "t2"),
    ]
    assert tokens("expect order t1 d1") == [
        (Keyword, "expect"), (Name.Function, "order"), (Name.Variable, "t1"),
        (Name.Variable, "d1"),
    ]


def test_bad_words_are_errors() -> None:
    assert tokens("fier d1") == [(Error, "fier"), (Text, "d1")]
    assert tokens("later soon") == [(Keyword, "later"), (Error, "soon")]
    assert tokens("cancel t1 t2") == [(Keyword, "cancel"), (Name.Variable, "t1"), (Error, "t2")]


def test_python_after_py_is_python() -> None:
    toks = tokens("py print(reactor.seconds())")
    assert toks[0] == (Keyword, "py")
    assert (Name.Builtin, "print") in toks
    assert all(t is not Error for t, _ in toks)


def test_every_example_in_the_table_lexes_clean_and_round_trips() -> None:
    lexer = ReactorReplLexer()
    examples = [ex for c in COMMANDS + STEPS for ex in c.all_examples()] + [
        "expect " + e.example.removeprefix("expect ") for e in EXPECTS]
    assert len(examples) > 60
    for ex in examples:
        toks = list(lexer.get_tokens_unprocessed(ex))
        assert "".join(v for _, _, v in toks) == ex
        bad = [v for _, t, v in toks if t in Error]
        assert bad == [], ex
    # every command word (and alias) of the table is a keyword
    for c in COMMANDS:
        for word in (c.name, *c.aliases):
            first = next(t for _, t, v in lexer.get_tokens_unprocessed(word + " ") if v.strip())
            assert first is Keyword, word


def test_a_scenario_file_keeps_offsets_across_lines() -> None:
    text = "note hi\n\n# a comment\nfire d1 'a b'\n"
    toks = list(ReactorReplLexer().get_tokens_unprocessed(text))
    assert "".join(v for _, _, v in toks) == text
    for offset, _, value in toks:
        assert text[offset:offset + len(value)] == value
    assert (Token.Literal.String, "'a b'") in [(t, v) for _, t, v in toks]


def test_the_new_forms_colour_your_code_as_functions() -> None:
    assert tokens("later 1 t1 call mymod.tick") == [
        (Keyword, "later"), (Number, "1"), (Name.Variable, "t1"), (Keyword.Pseudo, "call"),
        (Name.Function, "mymod.tick")]
    assert tokens("listen s1 0 mymod:Factory")[-1] == (Name.Function, "mymod:Factory")
    assert tokens("listen s1 0 poetry")[-1] == (Name.Constant, "poetry")
    assert tokens("connect c1 8000")[-1] == (Number.Integer, "8000")
    assert tokens("spawn mymod.crawl 3 as d9") == [
        (Keyword, "spawn"), (Name.Function, "mymod.crawl"), (Number, "3"),
        (Keyword.Pseudo, "as"), (Name.Variable, "d9")]
    assert tokens("every 1 delayed times 3")[2] == (Keyword.Pseudo, "delayed")
    assert tokens("reset") == [(Keyword, "reset")]


def test_semicolons_separate_actions_and_steps() -> None:
    assert tokens("later 1 t1 do fire d1 ; raise boom") == [
        (Keyword, "later"), (Number, "1"), (Name.Variable, "t1"), (Keyword.Pseudo, "do"),
        (Keyword, "fire"), (Name.Variable, "d1"), (Operator, ";"), (Keyword, "raise"),
        (String, "boom"),
    ]
    assert tokens("async c1 await d1 ; sleep 0.5 ; do note hi") == [
        (Keyword, "async"), (Name.Variable, "c1"), (Name.Function, "await"),
        (Name.Variable, "d1"), (Operator, ";"), (Name.Function, "sleep"), (Number, "0.5"),
        (Operator, ";"), (Name.Function, "do"), (Keyword, "note"), (String, "hi"),
    ]
    assert tokens("thread j1 sleep 1 ; fromthread f1 do note x ; return 2") == [
        (Keyword, "thread"), (Name.Variable, "j1"), (Name.Function, "sleep"), (Number, "1"),
        (Operator, ";"), (Name.Function, "fromthread"), (Name.Variable, "f1"),
        (Keyword.Pseudo, "do"), (Keyword, "note"), (String, "x"), (Operator, ";"),
        (Name.Function, "return"), (Number, "2"),
    ]
    assert tokens("async c1 cancel t1") == [(Keyword, "async"), (Name.Variable, "c1"),
                                             (Error, "cancel"), (Text, "t1")]
