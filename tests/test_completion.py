"""Completion: what can go here (a pure function of the table), then the candidates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from reactor_repl.language.completion import context
from reactor_repl.language.table import STEP_BY_NAME
from reactor_repl.ui.completer import ReplCompleter


def kinds(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(type, words or families) of each suggestion at the end of ``text``."""
    return [(s.type, s.words or s.families) for s in context(text).suggestions]


def test_what_can_go_here() -> None:
    assert kinds("") == [("command", ())]
    assert kinds("fi") == [("command", ())]
    assert kinds("fire ") == [("name", ("deferred",))]
    assert kinds("later 1 ") == [("new-name", ("timer",)), ("keyword", ("do",)),
                                 ("keyword", ("call",))]
    assert kinds("later 1 t1 ") == [("keyword", ("do",)), ("keyword", ("call",))]
    assert kinds("later 1 t1 do ") == [("command", ())]
    assert kinds("later 1 t1 do fire ") == [("name", ("deferred",))]
    assert kinds("every 1 ") == [("new-name", ("loop",)),
                                 ("keyword", ("now", "delayed", "times", "count", "wait")),
                                 ("keyword", ("do",)), ("keyword", ("call",))]
    assert kinds("every 1 l1 now ") == [("keyword", ("times", "count", "wait")),
                                        ("keyword", ("do",)), ("keyword", ("call",))]
    assert kinds("thread ") == [("new-name", ("thread",)), ("step", JOB),
                                ("keyword", ("call",))]
    assert kinds("thread 2 ") == [("keyword", ("raise", "return"))]
    assert kinds("addCallback d1 ") == [("step", ())]
    assert kinds("addCallback d1 await ") == [("name", ("deferred",))]
    assert kinds("addCallbacks d1 add 1 ") == [("keyword", ("/",))]
    assert kinds("addCallbacks d1 add 1 / ") == [("step", ())]
    assert kinds("listen s1 ") == [("keyword", ("echo", "discard", "poetry")), ("python", ()),
                                   ("keyword", ("greet",))]
    assert kinds("trigger before ") == [("keyword", ("startup", "shutdown"))]
    assert kinds("filter timer ") == [("kind", ()), ("keyword", ("from",))]
    assert kinds("expect ") == [("expect", ())]
    assert kinds("expect order t1 ") == [("name", ()), ("kind", ())]
    assert kinds("load sc") == [("path", ())]
    assert kinds("help ") == [("help-topic", ())]
    assert kinds("fier ") == []
    assert kinds("note some te") == []
    assert kinds("later 1 # ") == []


JOB = ("sleep", "fromthread", "blocking", "return", "raise")
COROUTINE = ("await", "sleep", "return", "raise", "do")


def test_what_can_go_after_a_semicolon_and_in_a_list_of_steps() -> None:
    assert kinds("later 1 do fire d1 ; ") == [("command", ())]
    assert kinds("later 1 do fire d1 ; cancel ")[0][0] == "name"
    assert kinds("addCallback d1 do note x ; ") == [("command", ())]
    assert kinds("async c1 ") == [("step", COROUTINE)]
    assert kinds("async c1 await d1 ; ") == [("step", COROUTINE)]
    assert kinds("async c1 await ") == [("name", ("deferred",))]
    assert kinds("inlineCallbacks c1 sleep 1 ; do ") == [("command", ())]
    assert kinds("thread j1 sleep 1 ; ") == [("step", JOB)]
    assert kinds("thread j1 fromthread f1 do ") == [("command", ())]
    assert ("new-name", ("threadcall",)) in kinds("callInThread j1 blocking ")


def test_the_steps_of_a_coroutine_say_what_they_do() -> None:
    menu = {c.text: c.display_meta_text for c in ReplCompleter(lambda: [], lambda family: "").get_completions(
        Document("async c1 await d1 ; "), CompleteEvent(completion_requested=True))}
    assert menu["sleep"] == "await task.deferLater(reactor, SECONDS)"
    assert list(menu) == ["await", "sleep", "return", "raise", "do"]


def test_every_word_offered_says_what_it_is() -> None:
    """After `thread ` or `later 1 `, the menu's `call` had no words beside it."""
    completer = ReplCompleter(lambda: [], lambda family: "x1")
    for line in ("thread ", "later 1 t1 ", "every 1 ", "addCallback d1 "):
        menu = {c.text: c.display_meta_text for c in completer.get_completions(
            Document(line), CompleteEvent(completion_requested=True))}
        assert menu and all(menu.values()), (line, menu)


def test_the_callables_of_a_used_module_are_offered_after_call_spawn_and_listen(tmp_path) -> None:
    """Completion asked for Python names there, and the screen's completer had none to
    give (issue 12: the module's callables and classes after call/spawn/listen …)."""
    from reactor_repl.engine import python
    from reactor_repl.engine.core import Config, Engine

    (tmp_path / "shopmod.py").write_text("def buy(x):\n    return x\n\n\n"
                                         "class Shop:\n    pass\n", encoding="utf-8")
    eng = Engine(Config(clock="virtual"))
    python.use(eng, str(tmp_path / "shopmod.py"))  # (module, how)
    completer = ReplCompleter(lambda: [], lambda family: "", lambda: python.callables_of(eng))
    for line in ("later 1 t1 call sh", "spawn sh", "listen s1 0 sh", "thread j1 call sh",
                 "addCallback d1 call sh", "every 0.5 l1 call shopmod.b"):
        words = [c.text for c in completer.get_completions(
            Document(line), CompleteEvent(completion_requested=True))]
        # (listen's protocol takes the colon: a dotted word there was refused every time)
        sep = ":" if line.startswith("listen") else "."
        assert words == (["shopmod.buy"] if line.endswith(".b") else
                         [f"shopmod{sep}Shop", f"shopmod{sep}buy"]), line


def test_raise_is_offered_inside_a_callback_only() -> None:
    words = [c.text for c in ReplCompleter(lambda: [], lambda family: "").get_completions(
        Document("ra"), CompleteEvent(completion_requested=True))]
    assert words == ["race"]
    words = [c.text for c in ReplCompleter(lambda: [], lambda family: "").get_completions(
        Document("later 1 do ra"), CompleteEvent(completion_requested=True))]
    assert words == ["race", "raise"]


def test_the_cursor_word_command_and_argument() -> None:
    ctx = context("addCallback d1 mul ")
    assert (ctx.word, ctx.start, ctx.command.name, ctx.arg.name) == ("", 19, "mul", "N")
    ctx = context("fire d")
    assert (ctx.word, ctx.start, ctx.command.name, ctx.arg.name) == ("d", 5, "fire", "NAME")
    assert context("cancel ").suggestions[0].want == "active"
    assert context("fire ").suggestions[0].want == "unfired"
    assert context("show ").suggestions[0].want == "any"


ITEMS: list[dict[str, Any]] = [
    {"name": "t1", "family": "timer", "state": "pending", "pending": True, "deferred": None,
     "fired": False},
    {"name": "t2", "family": "timer", "state": "fired", "pending": False, "deferred": None,
     "fired": False},
    {"name": "d1", "family": "deferred", "state": "pending", "pending": False,
     "deferred": "fired: 42", "fired": True},
    {"name": "d2", "family": "deferred", "state": "pending", "pending": True,
     "deferred": "pending", "fired": False},
    {"name": "j1", "family": "thread", "state": "running", "pending": True,
     "deferred": "pending", "fired": False},
]


def complete(text: str, requested: bool = False,
             next_name: Any = lambda family: {"timer": "t3"}.get(family, "?")) -> list[str]:
    completer = ReplCompleter(lambda: ITEMS, next_name)
    event = CompleteEvent(completion_requested=requested)
    out = []
    for c in completer.get_completions(Document(text), event):
        line = text[:len(text) + c.start_position] + c.text
        out.append(line.split(" ")[-1])  # the word as it stands once completed
    return out


def test_fire_offers_only_unfired_deferreds() -> None:
    assert complete("fire ") == ["d2", "j1"]
    assert complete("fail d") == ["d2"]


def test_cancel_offers_what_can_be_cancelled() -> None:
    # a thread job is a Deferred too: cancel j1 is Deferred.cancel
    assert complete("cancel ") == ["t1", "d2", "j1"]


def test_show_offers_everything_and_new_names_are_fresh() -> None:
    assert complete("show ") == ["t1", "t2", "d1", "d2", "j1"]
    assert complete("later 1 ") == ["t3", "do", "call"]


def test_a_new_name_offered_is_the_one_the_engine_would_give() -> None:
    """One naming rule: after a user-named t5 the engine's next timer is t1, and that is
    what completion offers (it once offered t6)."""
    from reactor_repl.engine.core import Config, Engine
    from reactor_repl.ui.session import Session

    engine = Engine(Config(clock="virtual"))
    engine.start()
    session = Session(engine)
    try:
        session.driver.submit("later 1 t5")
        assert complete("later 2 ", next_name=session.next_name)[0] == "t1"
        session.driver.submit("later 2")
        assert [o.name for o in engine.objects.values()] == ["t5", "t1"]
        assert complete("later 3 ", next_name=session.next_name)[0] == "t2"
        assert complete("deferred ", next_name=session.next_name)[0] == "d1"
    finally:
        engine.finish()


def test_step_words_and_commands_inside_do() -> None:
    assert complete("addCallback d2 ") == list(STEP_BY_NAME)
    inside = complete("later 1 do ")
    assert "fire" in inside and "note" in inside
    assert "wait" not in inside and "quit" not in inside and "help" not in inside
    assert complete("add") == ["addBoth", "addCallback", "addCallbacks", "addErrback",
                               "addReader"]


def test_empty_line_pops_up_nothing_until_tab() -> None:
    assert complete("") == []
    assert "later" in complete("", requested=True)


def test_file_paths_for_load(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "intro.rr").write_text("note hi\n")
    (tmp_path / "other.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    assert complete("load in") == ["intro.rr"]
    assert sorted(complete("save ")) == ["intro.rr", "other.txt"]


def test_predict_offers_kinds_as_expect_order_does() -> None:
    assert kinds("predict order ") == [("name", ()), ("kind", ())]
    assert kinds("predict order t1 ") == [("name", ()), ("kind", ())]


def test_the_forms_of_a_word_are_offered_until_a_keyword_picks_one() -> None:
    assert kinds("thread j1 call ") == [("python", ())]
    assert context("thread j1 call ").command.syntax() == "thread [NAME] call FN"
    assert context("thread j1 ").command.syntax() == (
        "thread [NAME] DURATION [raise MESSAGE] [return VALUE]")
    assert kinds("later 1 do thread j1 ") == [("step", JOB), ("keyword", ("call",))]
    assert kinds("every 1 l1 call ") == [("python", ())]
    assert kinds("every 1 delayed ") == [("keyword", ("times", "count", "wait")),
                                         ("keyword", ("do",)),
                                         ("keyword", ("call",))]  # no 'now' after 'delayed'
    assert kinds("reset ") == [("name", ("timer",))]
    assert kinds("addCallback d1 call ") == [("python", ())]
    assert kinds("spawn ") == [("python", ())]
    assert kinds("spawn mymod.crawl ") == [("keyword", ("as",))]
    assert kinds("use ") == [("path", ())]
    assert kinds("load s.rr ") == [("keyword", ("fresh",))]
    assert kinds("connect ") == [("name", ("server",))]
    assert kinds("connect c1 s1 ") == [("name", ("server",)), ("python", ())]
    assert kinds("waiting ") == []
    assert "waiting" in complete("wai", requested=True)
