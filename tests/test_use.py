"""A person's own code in a session: use a module, call its functions, spawn its
coroutines, serve its protocols (SPEC §7). The module is tests/mods/shop.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import ROOT, cli, run_scenario, seen

SHOP = os.path.join(ROOT, "tests", "mods", "shop.py")
BROKEN = os.path.join(ROOT, "tests", "mods", "broken.py")


def texts_of(events, kind):
    return [e for e in events if e.kind == kind]


def texts(events, kind):
    return [e.text for e in events if e.kind == kind]


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_each_form_runs_the_persons_code_and_records_what_it_does(clock):
    events = run_scenario(f"""\
use {SHOP}
later 0.2 t1 call shop.tick
every 0.1 l1 times 2 call shop.tick
deferred d1
addCallback d1 call shop.parse
fire d1 21
thread j1 call shop.slow_io
spawn shop.crawl 2 as c
spawn shop.fetch 41 as f
listen s1 0 shop:ShoutFactory
connect c2 s1
wait 0.1
send c2 hey
wait 0.5
expect result d1 42
expect result j1 read
expect result c 1
expect result f 42
""", clock)
    assert [e.text.split(":")[0] for e in events if e.kind.startswith("expect.")] == [
        "result d1 42", "result j1 read", "result c 1", "result f 42"]
    assert all(e.kind == "expect.pass" for e in events if e.kind.startswith("expect."))
    # the coroutine suspends where its code awaits, and resumes there
    pauses = [e for e in events if e.kind == "deferred.pause" and e.name == "c"]
    assert [e.data["at"] for e in pauses] == ["tests/mods/shop.py:24"] * 2
    assert seen(events, ["timer.fire", "loop.call", "loop.stop"]) == [
        ("loop.call", "l1"), ("loop.call", "l1"), ("loop.stop", "l1"), ("timer.fire", "t1")]
    # the person's protocol, served by the explorer: it shouts back
    assert [e.data["data"] for e in events if e.kind == "tcp.data"] == ["hey", "HEY"]
    # deferLater inside the module: Deferreds made there carry its site
    sites = {e.data.get("site") for e in events if e.kind == "deferred.new"
             and e.name not in ("d1", "j1", "c", "f", "c2")}
    assert sites == {"tests/mods/shop.py:24", "tests/mods/shop.py:30"}


def test_an_import_error_shows_its_traceback_and_the_session_goes_on():
    events = run_scenario(f"use {BROKEN}\nnote still here\n")
    error = [e for e in events if e.kind == "error"][0]
    assert error.text == ("<test>:1:5: use " + BROKEN + ": NameError: name 'missing_name' is not "
                          "defined")  # (the line's FILE:LINE, as any line's error says)
    lines = error.data["lines"]
    assert lines[1] == "Traceback (most recent call last):"
    assert any("broken.py\", line 7, in helper" in ln for ln in lines)
    assert not any("reactor_repl" in ln for ln in lines)
    assert texts(events, "note")[-1] == "still here"


def test_a_file_that_is_not_there_is_the_lines_error_with_a_hint_not_a_traceback():
    events = run_scenario("use nonexist.py\nnote still here\n")
    error = [e for e in events if e.kind == "error"][0]
    assert error.text == ("<test>:1:5: use nonexist.py: no file nonexist.py — give the path of "
                          "a .py file, or a module name")
    assert "lines" not in error.data  # no traceback of ours
    assert texts(events, "note")[-1] == "still here"


def test_a_name_the_modules_code_took_says_whose_it_is():
    """A used module's own Deferreds take d1, d2 … as they come: a scenario that names one
    d1 later learns why it cannot."""
    beats = os.path.join(ROOT, "tests", "mods", "beats.py")
    events = run_scenario(f"use {beats}\nevery 0.1 l1 delayed call beats.failbeat\n"
                          "wait 0.15\ndeferred d1\ndeferred d9\n")
    assert texts(events, "error") == [
        "<test>:4:10: deferred d1: the name d1 is taken (by the deferred made at "
        "tests/mods/beats.py:10) — names are never reused in a session; pick another"]


def test_using_a_module_again_reloads_it():
    events = run_scenario(f"use {SHOP}\npy shop.ticks.append(1)\npy len(shop.ticks)\n"
                          f"use {SHOP}\npy len(shop.ticks)\n")
    assert [t for t in texts(events, "log") if t.isdigit()] == ["1", "0"]


def test_a_module_imported_already_is_taken_as_it_is_not_reloaded():
    # `use twisted.internet.defer` reloaded Twisted's module: its Deferred was no longer
    # the one the observation hooks, and `deferred d1` made nothing
    events = run_scenario("use twisted.internet.defer\ndeferred d1\nfire d1 3\nexpect result d1 3\n")
    assert texts(events, "error") == []
    assert [e.kind for e in events if e.kind.startswith("expect.")] == ["expect.pass"]
    # an installed package is taken as it is wherever it lies: this project's own, an
    # editable checkout in the current folder (reloaded, its hooks recursed)
    events = run_scenario("use reactor_repl.observe.deferreds\ndeferred d1\nfire d1 3\n"
                          "expect result d1 3\n")
    assert texts(events, "error") == []
    assert [e.kind for e in events if e.kind.startswith("expect.")] == ["expect.pass"]


def test_a_file_named_as_an_imported_module_is_refused_with_a_hint(tmp_path):
    (tmp_path / "time.py").write_text("print('the wrong time')\n", encoding="utf-8")
    events = run_scenario(f"use {tmp_path / 'time.py'}\npy __import__('time').monotonic() > 0\n")
    assert texts(events, "error")[0].endswith("a module named time is imported already (built "
                                              "in); this file would take its name for every "
                                              "import in the session — rename time.py")
    assert "True" in texts(events, "log")


def test_a_file_named_as_one_of_the_sessions_names_is_refused_and_runs_none_of_it(tmp_path):
    """``use task.py`` took the session's ``task`` (twisted.internet.task) silently:
    ``py task.LoopingCall`` broke after it."""
    (tmp_path / "task.py").write_text("print('imported')\n", encoding="utf-8")
    events = run_scenario(f"use {tmp_path / 'task.py'}\npy task.LoopingCall.__name__\n")
    assert texts(events, "error")[0].endswith(
        "a module named task would hide the session's task (twisted.internet.task) for every "
        "py line and command — rename task.py")
    assert "'LoopingCall'" in texts(events, "log") and "imported" not in texts(events, "output")


def test_a_package_in_the_working_folder_is_used_by_its_dotted_name(tmp_path):
    """From the console script (whose folder, not the working one, is first on sys.path),
    `use mypkg.task` failed; and it bound `task` over the session's twisted.internet.task."""
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "task.py").write_text("def hello():\n    print('hello from mypkg')\n",
                                 encoding="utf-8")
    (tmp_path / "s.rr").write_text("use mypkg.task\nlater 0 t1 call mypkg.task.hello\n"
                                   "every 0.1 l1 times 1\nwait 0.5\n", encoding="utf-8")
    script = os.path.join(os.path.dirname(sys.executable), "reactor-repl")
    r = subprocess.run([script, "run", "--allow-python", "s.rr"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "hello from mypkg" in r.stdout and "loop.stop  l1" in r.stdout, r.stdout
    assert "mypkg imported (1 callable; 1 in use)" in r.stdout or "mypkg.task" in r.stdout


def test_a_deferred_made_fired_has_its_result_at_once():
    """defer.succeed() fires without running callbacks: its result was recorded only at
    the next chain's end, a second later here."""
    events = run_scenario("py kept = defer.succeed(5)\nwait 1\ndeferred d9\nfire d9 1\n")
    rows = [(e.kind, e.tick, e.t) for e in events if e.kind.startswith("deferred.")
            and e.name != "d9"]
    assert [k for k, _, _ in rows] == ["deferred.new", "deferred.fire", "deferred.result"]
    assert len({(tick, t) for _, tick, t in rows}) == 1, rows


def test_a_module_that_exits_while_imported_is_the_lines_error(tmp_path):
    (tmp_path / "exiter.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    events = run_scenario(f"use {tmp_path / 'exiter.py'}\nnote after\n")
    assert texts(events, "error") == [f"<test>:1:5: use {tmp_path / 'exiter.py'}: SystemExit: 3"]
    assert texts(events, "note")[-1] == "after"


def test_no_such_module_is_the_lines_error_with_a_hint():
    events = run_scenario("use nosuchmod_here\n")
    assert texts(events, "error") == [
        "<test>:1:5: use nosuchmod_here: no module named nosuchmod_here — give the path of a .py "
        "file, or the name of a module importable from this folder"]


def test_an_error_the_modules_code_raises_says_where(tmp_path):
    """Twisted's logged traceback names the person's line; the log said only the error."""
    (tmp_path / "raiser.py").write_text("def tick(*args):\n    raise ValueError('boom')\n",
                                        encoding="utf-8")
    events = run_scenario(f"use {tmp_path / 'raiser.py'}\nlater 0 t1 call raiser.tick\n"
                          "wait 0.1\n")
    logged = [e for e in events if e.kind == "log" and "boom" in e.text]
    assert [e.text for e in logged] == [
        f"while handling timed call: ValueError: boom (at {tmp_path / 'raiser.py'}:2)"]
    assert logged[0].data["site"] == f"{tmp_path / 'raiser.py'}:2"
    # a chain's step and a thread job that raise say it too
    events = run_scenario(f"use {tmp_path / 'raiser.py'}\ndeferred d1\n"
                          "addCallback d1 call raiser.tick\nfire d1 1\n"
                          "thread j1 call raiser.tick\nwait 0.1\n")
    where = f"(at {tmp_path / 'raiser.py'}:2)"
    assert [e.text.endswith(where) for e in events if e.kind in ("deferred.step", "thread.end")
            ] == [True, True]


def test_a_modules_own_loop_that_raises_stops_by_that_error_before_its_errback(tmp_path):
    """LoopingCall stops, then errbacks start()'s Deferred: the errback handled the
    failure before the recorder looked, so it said only "stopped", after the errback."""
    (tmp_path / "looper.py").write_text(
        "from twisted.internet import task\n\n\ndef poll():\n    raise ValueError('gone')\n"
        "\n\ndef start():\n    task.LoopingCall(poll).start(0.1).addErrback(lambda f: None)\n",
        encoding="utf-8")
    events = run_scenario(f"use {tmp_path / 'looper.py'}\nlater 0 t1 call looper.start\n"
                          "wait 0.1\n")
    rows = [(e.kind, e.text) for e in events if e.kind in ("loop.stop", "deferred.fire")]
    assert rows == [("loop.stop", "stopped by an error: ValueError: gone"),
                    ("deferred.fire", "errback(Failure(ValueError: gone))")]


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_what_the_module_made_and_dropped_is_freed_when_plain_python_frees_it(clock):
    """A Deferred made at import (or seen by a py line) and dropped by the module: Twisted
    logs its failure when it is freed — in the timer's pass, as a plain program that
    imports the module logs it — not when the next py line or the session ends."""
    dropper = os.path.join(ROOT, "tests", "mods", "dropper.py")  # (its plain program: below)
    events = run_scenario(f"use {dropper}\nwait 0.3\nnote after\n"
                          "py dropper.later_drop()\npy 1\nwait 0.3\nnote end\n", clock)
    rows = [(e.kind, e.name) for e in events
            if e.kind in ("timer.fire", "deferred.unhandled", "note")][1:]
    assert rows == [("timer.fire", "t1"), ("deferred.unhandled", "d1"), ("note", ""),
                    ("timer.fire", "t2"), ("deferred.unhandled", "d2"), ("note", "")]
    fired = {e.name: e.tick for e in events if e.kind == "timer.fire"}
    assert [(e.name, e.tick) for e in events if e.kind == "deferred.unhandled"] == [
        ("d1", fired["t1"]), ("d2", fired["t2"])]


def test_the_plain_program_that_imports_the_module_logs_each_failure_before_the_next_mark():
    """The witness of the test above: plain Twisted, the same module imported."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "mods", "dropper_plain.py")],
                       capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tests", "mods")))
    said = [ln.split("] ", 1)[-1] for ln in r.stdout.splitlines()
            if "MARK" in ln or "Unhandled error in Deferred" in ln]
    assert said == ["Unhandled error in Deferred:", "MARK after",
                    "Unhandled error in Deferred:", "MARK end"], r.stdout


def test_what_cannot_be_called_or_served_that_way_is_the_lines_error():
    """A non-callable was taken, and failed at the timer's firing with a bare TypeError; a
    missing argument, a deeper missing name and a server's factory given to connect were
    Python's or Twisted's errors without a hint."""
    events = run_scenario(f"use {SHOP}\npy shop.count = 5\nlater 1 t1 call shop.count\n"
                          "thread j1 call shop.count\ndeferred d1\naddCallback d1 call shop.count\n"
                          "spawn shop.crawl\nspawn shop.crawl 1 2\n"
                          "later 1 call shop.Shout.nosuch.deeper\nlisten s1 0 shop:ShoutFactory\n"
                          "connect c1 s1 shop:ShoutFactory\nconnect c2 s1 shop:Shout\nwait 0.1\n")
    errors = [e.text.split(": ", 1)[1] for e in texts_of(events, "error")]
    hint = "shop.Shout, shop.ShoutFactory, shop.crawl, shop.fetch, shop.parse, shop.slow_io"
    assert errors == [
        f"later 1 t1 call shop.count: shop.count is an int, not something to call — call "
        f"takes a function or class: {hint}",
        f"thread j1 call shop.count: shop.count is an int, not something to call — call "
        f"takes a function or class: {hint}",
        f"addCallback d1 call shop.count: shop.count is an int, not something to call — "
        f"call takes a function or class: {hint}",
        "spawn shop.crawl: shop.crawl: missing a required argument: 'n' — spawn shop.crawl "
        "takes ARGS: n",
        "spawn shop.crawl 1 2: shop.crawl: too many positional arguments — spawn shop.crawl "
        "takes ARGS: n",
        "later 1 call shop.Shout.nosuch.deeper: shop.Shout has no nosuch — its names: "
        "connected, connectionLost, connectionMade, dataReceived, factory, logPrefix, "
        "makeConnection, transport",
        "connect c1 s1 shop:ShoutFactory: shop:ShoutFactory is a server's factory: connect "
        "needs a client's (it has no startedConnecting) — name a ClientFactory subclass, or "
        "the Protocol class (connect wraps it in one)",
    ]
    assert not [e for e in events if e.kind == "tcp.failed"]
    assert [e.name for e in events if e.kind == "tcp.made"] == ["s1.1", "c2"]


def test_a_name_the_module_lacks_is_an_error_with_a_hint():
    events = run_scenario(f"use {SHOP}\nlater 1 call shop.tik\nlater 1 call nomod.f\n")
    errors = texts(events, "error")
    assert errors[0].endswith("shop has no tik — did you mean tick?")
    assert errors[0].startswith("<test>:2:14: ")  # the word at fault's column
    assert "no module nomod in this session — use nomod.py first" in errors[1]
    # the note counts the module's own callables, then all in use
    notes = [t for t in texts(events, "note") if t.startswith("use ")]
    # (imported, or reloaded when an earlier test of this process used it)
    assert notes and notes[0].endswith(("shop imported (7 callables; 7 in use)",
                                        "shop reloaded (7 callables; 7 in use)")), notes


def test_use_in_a_scenario_file_needs_allow_python_and_runs_none_of_it(tmp_path):
    marker = tmp_path / "ran"
    module = tmp_path / "side.py"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    path = tmp_path / "s.rr"
    path.write_text(f"note hi\nuse {module}\n", encoding="utf-8")
    r = cli("run", str(path))
    assert r.returncode == 2
    assert r.stderr.startswith(f"{path}:2:1: ") and "--allow-python" in r.stderr
    assert not marker.exists()
    r = cli("run", str(path), "--allow-python")
    assert r.returncode == 0, r.stdout + r.stderr
    assert marker.exists()


def test_twisteds_chatter_about_the_persons_factory_is_internal_and_the_same_every_run():
    """Twisted logs "Starting factory" under the factory's class's name: a person's
    subclass made it look like the person's own line, shown, with its address."""
    events = run_scenario(f"use {SHOP}\nlisten s1 0 shop:ShoutFactory\nconnect c1 s1\n"
                          "wait 0.1\n")
    said = [(e.text, e.internal) for e in events
            if e.kind == "log" and "factory" in e.text.lower()]
    assert ("Starting factory <shop.ShoutFactory object at 0x…>", True) in said
    assert all(internal for _, internal in said)


def test_your_module_another_of_yours_imported_is_reloaded_when_used_and_says_so(tmp_path):
    """``use helper.py`` of a file another used module imports: it said "imported" and
    kept the old code; plain ``importlib.reload(helper)`` gives the new one (and the module
    that imported it sees it: the same module object)."""
    (tmp_path / "helper.py").write_text("def v():\n    return 'v1'\n", encoding="utf-8")
    (tmp_path / "user.py").write_text("import helper\n\n\ndef show():\n    return helper.v()\n",
                                      encoding="utf-8")
    events = run_scenario(
        f"use {tmp_path / 'user.py'}\npy user.show()\n"
        f"py open({str(tmp_path / 'helper.py')!r}, 'w').write(\"def v():\\n    return 'v2 edited'\\n\")\n"
        f"use {tmp_path / 'helper.py'}\npy user.show()\nuse twisted.internet.task\n")
    notes = [t.split(": ", 1)[1] for t in texts(events, "note") if t.startswith("use ")]
    assert [n.split(" (")[0] for n in notes] == [
        "user imported", "helper reloaded",
        "twisted.internet.task imported already, taken as it is"]
    # (a new size: Python's cached bytecode is checked by the file's size and mtime in
    # whole seconds, as for any reload)
    assert [t for t in texts(events, "log") if t.startswith("'v")] == ["'v1'", "'v2 edited'"]


def test_a_module_named_where_a_function_goes_and_spawns_hint_say_what_fits():
    """``later 1 call shop`` said "no module  in this session — use .py first"; spawn's
    hint listed classes and plain functions among what it starts."""
    events = run_scenario(f"use {SHOP}\npy shop.items = []\nlater 1 call shop\n"
                          "later 1 call nomod\nspawn shop.items\n")
    errors = [e.text.split(": ", 1)[1] for e in texts_of(events, "error")]
    assert errors == [
        "later 1 call shop: shop is a module, not something to call — name what in it to "
        "call, as module.function: shop.Shout, shop.ShoutFactory, shop.crawl, shop.fetch, "
        "shop.parse, shop.slow_io",
        "later 1 call nomod: nomod: name a module's function, as module.function — use "
        "FILE.py first, then module.function",
        "spawn shop.items: shop.items is a list, not something to call — spawn takes an "
        "async def or an inlineCallbacks function: shop.crawl, shop.fetch",
    ]


def test_pythons_own_modules_are_not_counted_as_yours_in_use():
    """After ``py import shutil`` the note said "7 callables; 35 in use" and Tab offered
    shutil's functions after call."""
    events = run_scenario(f"py import shutil\nuse {SHOP}\n")
    notes = [t for t in texts(events, "note") if t.startswith("use ")]
    assert notes[0].endswith("(7 callables; 7 in use)"), notes


def test_an_installed_packages_file_by_path_is_refused_with_its_dotted_name():
    """``use …/site-packages/twisted/web/client.py`` imported a second copy of the module
    (its classes not Twisted's: a LoopingCall of task.py's copy was not a loop)."""
    import twisted.web

    path = os.path.join(os.path.dirname(twisted.web.__file__), "client.py")
    events = run_scenario(f"use {path}\n")
    assert texts(events, "error")[0].endswith("— use twisted.web.client")
