"""Recording at the cost of an append (issue 15), and what it must still give.

An event keeps what happened and makes its words when a view reads them; the log numbers
events without a lock and counts them in batches; Twisted's own Deferreds cost the
observer nothing. Each test here pins one of those, by what a view sees (the event
streams as a whole are pinned by tests/test_streams.py).
"""

from __future__ import annotations

import gc
import json
import math
import threading

from support import run_scenario

from reactor_repl.engine.clock import LINE_GAP, VirtualClock
from reactor_repl.engine.core import Config, Engine
from reactor_repl.engine.events import COUNT_BY, RUNNING, Event, EventLog
from reactor_repl.session.driver import Driver


def made(*args: object) -> tuple[str, dict]:
    made.calls += 1  # type: ignore[attr-defined]
    return f"made from {args}", {"args": list(args)}


# ------------------------------------------------------------------ a lazy event
def test_a_lazy_event_makes_its_text_and_data_once_when_read():
    made.calls = 0  # type: ignore[attr-defined]
    log = EventLog(10)
    ev = log.append_lazy(0.5, 3, "loop.call", "l1", "reactor", made, (1, 0, 0.0), False)
    assert made.calls == 0  # type: ignore[attr-defined]
    assert (ev.seq, ev.kind, ev.name, ev.tick) == (1, "loop.call", "l1", 3)
    assert ev.text == "made from (1, 0, 0.0)"
    assert ev.data == {"args": [1, 0, 0.0]}
    assert ev.line() == "#0001  0.500  [3]  loop.call  l1  made from (1, 0, 0.0)"
    assert made.calls == 1  # type: ignore[attr-defined]


def test_a_lazy_event_reads_as_an_eager_one_to_json_and_to_setters():
    log = EventLog(10)
    lazy = log.append_lazy(0.25, 1, "k", "n", "reactor", made, ("x", 2), False)
    eager = Event(1, 0.25, 1, "k", "n", "reactor", "made from ('x', 2)", {"args": ["x", 2]},
                  False)
    assert lazy.to_json() == eager.to_json()
    lazy.data["more"] = 1  # the data made is the event's own, kept
    assert lazy.data == {"args": ["x", 2], "more": 1}
    other = log.append_lazy(0.25, 1, "k", "n", "reactor", made, (3,), False)
    other.text = "changed"
    assert (other.text, other.data) == ("changed", {"args": [3]})


def test_what_is_still_running_is_made_anew_until_its_outcome_is_known():
    """A step that runs shows "… → …" to a view that reads it meanwhile, and the outcome
    once it is over: the words made while it ran are not kept."""
    log = EventLog(10)

    def step(value: int, out: object) -> tuple[str, dict]:
        return (f"{value} → …" if out is RUNNING else f"{value} → {out}"), {}

    ev = log.append_lazy(0.0, 1, "deferred.step", "d1", "reactor", step, (1, RUNNING), False)
    assert ev.text == "1 → …"
    ev.outcome((1, 2))
    assert ev.text == "1 → 2"


def test_to_json_is_what_json_dumps_gives():
    data = {"a": 1, "b": [1, 2.5, None, True], "c": 'é "q"\n', "d": {"x": math.inf},
            "e": object(), 3: "a number as key"}
    ev = Event(7, 0.1234567, 2, "k", "n", "reactor", "téxt", data, True)
    assert ev.to_json() == json.dumps(ev.to_dict(), ensure_ascii=False, default=repr)
    cycle: dict = {}
    cycle["self"] = cycle
    looped = Event(8, 0.0, 0, "k", "", "reactor", "", cycle, False)
    try:
        looped.to_json()
    except ValueError as e:
        assert "Circular reference" in str(e)
    else:
        raise AssertionError("a cycle in data is an error, as json.dumps says")


# ------------------------------------------------------------------ the log
def test_threads_recording_at_once_number_the_ring_in_order_and_count_every_event():
    log = EventLog(5000)
    per_thread, threads = 3000, 4

    def record(k: int) -> None:
        for i in range(per_thread):
            log.append(0.0, 0, f"kind{k}", f"n{i % 3}", f"t{k}", "", None, False)

    workers = [threading.Thread(target=record, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seqs = [e.seq for e in log.snapshot()]
    assert seqs == list(range(per_thread * threads - 5000 + 1, per_thread * threads + 1))
    assert [e.seq for e in log.since(seqs[-10])] == seqs[-9:]
    assert all(log.count(f"kind{k}") == per_thread for k in range(threads))
    assert log.count("kind0:n1") == per_thread // 3
    assert log.first_dispatch("kind2:n0").thread == "t2"


def test_counts_and_firsts_outlive_the_ring():
    log = EventLog(100)  # counted every 50 events: nothing leaves the ring uncounted
    log.append(0.0, 1, "timer.fire", "t1", "reactor", "", None, False)
    for _ in range(1000):
        log.append(0.0, 2, "loop.call", "l1", "reactor", "", None, False)
    assert log.count("loop.call") == 1000
    assert log.count("timer.fire:t1") == 1
    assert log.first_dispatch("t1").seq == 1
    assert log.first_dispatch("loop.call").seq == 2
    assert log.count_dispatches() == 1001
    assert log.counts["loop.call"] == 1000


def test_the_indexes_are_counted_a_few_thousand_events_at_a_time_and_forget_by_name(monkeypatch):
    """Half a ring at a time (50,000 events) held a traced program's loop 0.1 s at every
    50,000th event once its names were many (a timer or a connection each): its timers
    late, and warn.blocked and --strict blamed its code. Batches are COUNT_BY events;
    forgetting a name drops its own pairs (rebuilding the indexes cost the names kept)."""
    log = EventLog(100_000)
    batches: list[int] = []
    count_batch = log._count_batch
    monkeypatch.setattr(log, "_count_batch", lambda batch: (batches.append(len(batch)),
                                                           count_batch(batch)))
    for i in range(12_000):
        log.append(0.0, i, "timer.schedule", f"t{i}", "reactor", "", None, False)
        log.append(0.0, i, "timer.fire", f"t{i}", "reactor", "", None, False)
        if i % 100 == 99:
            log.forget([f"t{j}" for j in range(i - 99, i - 49)])  # half of them retired
    assert batches and max(batches) <= COUNT_BY
    assert log.counts["timer.fire"] == 12_000  # a forgotten name's events still count
    assert log.count("timer.fire:t10") == 0 and log.first_dispatch("t10") is None
    assert log.count("timer.fire:t60") == 1 and log.first_dispatch("t60").kind == "timer.fire"
    assert len(log._pairs) == 2 * 6_000 and len(log._kinds_of) == 6_000


def test_following_gives_the_next_events_after_a_seq_without_copying_the_rest():
    log = EventLog(100)
    for i in range(250):
        log.append(0.0, i, "note", f"n{i}", "reactor", "", None, False)
    assert [e.seq for e in log.following(200, 3)] == [201, 202, 203]
    assert [e.seq for e in log.following(249, 5)] == [250]
    assert [e.seq for e in log.following(10, 2)] == [151, 152]  # (dropped: the oldest kept)


# ------------------------------------------------------------------ the engine
def _session(text: str) -> Engine:
    engine = Engine(Config(clock="virtual"))
    driver = Driver(engine)
    engine.start()
    try:
        driver.run_lines("<test>", text)
    except BaseException:
        engine.finish()
        raise
    return engine


def test_an_objects_detail_is_made_from_what_was_counted():
    engine = _session("every 0 l1 times 3\nlater 0 t1\nwait 0.1\n"
                      "listen s1 0 echo\nconnect c1 s1\nwait 0.1\nsend c1 hello\nwait 0.1\n")
    try:
        details = {o.name: o.detail for o in engine.objects.values()}
    finally:
        engine.finish()
    assert details["l1"] == "3 calls"
    assert details["t1"] == "late +0.000s"
    assert details["s1.1"] == "5 bytes in"


def test_twisted_s_own_deferreds_in_a_loop_s_beat_never_reach_the_observer():
    """maybeDeferred's Deferred in each beat of a LoopingCall is Twisted's: not followed,
    and not even handed to the observer to find that out."""
    engine = Engine(Config(clock="virtual"))
    seen = []
    new = engine.recorder.deferred_new
    engine.recorder.deferred_new = lambda d, frame: seen.append(d) or new(d, frame)
    driver = Driver(engine)
    engine.start()
    try:
        driver.run_lines("<test>", "every 0 l1 times 50\n")
    finally:
        engine.finish()
    assert engine.log.count("loop.call:l1") == 50
    # only what the command made while it named what it makes: start()'s Deferred, and
    # the first beat's (start calls at once); none of the other 49 beats'
    assert len(seen) <= 2


class _NoSearch(list):
    """A chain's links that may not be searched: a step finds its place in its link."""

    def index(self, *a: object) -> int:  # type: ignore[override]
        raise AssertionError("searched the chain for a link")

    def __contains__(self, item: object) -> bool:
        raise AssertionError("searched the chain for a link")


def test_a_long_chain_records_each_step_at_its_place(monkeypatch):
    """A Deferred with many callbacks: each step says its place in the chain, found in
    its link (searching the chain for it made a 100,000-callback chain quadratic)."""
    from reactor_repl.engine import registry

    init = registry.DState.__init__

    def links_not_searched(self, *a: object, **kw: object) -> None:
        init(self, *a, **kw)
        self.links = _NoSearch()

    monkeypatch.setattr(registry.DState, "__init__", links_not_searched)
    events = run_scenario("py from twisted.internet import defer\n"
                          "py d = defer.Deferred()\n"
                          "py for _ in range(3000): d.addCallback(lambda x: x + 1)\n"
                          "py d.callback(0)\n")
    steps = [e.data for e in events if e.kind == "deferred.step"]
    assert [s["index"] for s in steps] == list(range(1, 3001))
    assert [(s["input"], s["output"]) for s in steps[:2]] == [(0, 1), (1, 2)]
    assert steps[-1]["output"] == 3000


def test_a_step_whose_result_may_change_shows_it_as_it_was_returned():
    events = run_scenario("py from twisted.internet import defer\n"
                          "py box = []\n"
                          "py d = defer.Deferred()\n"
                          "py d.addCallback(lambda _: box)\n"
                          "py d.callback(1)\n"
                          "py box.append('later')\n")
    (step,) = [e for e in events if e.kind == "deferred.step"]
    assert step.text.endswith(": 1 → []")
    assert step.data["output"] == []


def test_an_int_s_words_made_directly_are_reprlib_s_short_and_cut_long():
    """A step's int in words without reprlib (a long chain's events written): the same
    words as before, for a small one, a negative one, a bool, and one too long to show."""
    from reactor_repl.engine.describe import show_plain, show_value, shown_repr

    for value in (0, 7, -12, True, 10**59, 10**60, -(10**70), 2**200):
        assert show_plain(value) == show_value(value, shown_repr), value
    assert show_plain(10**70).endswith("...") and len(show_plain(10**70)) == 60


def test_a_thread_s_label_goes_with_the_thread():
    engine = Engine(Config(clock="virtual"))
    idents = []

    def labelled() -> None:
        idents.append(threading.get_ident())
        engine.set_thread_label("helper-x")

    t = threading.Thread(target=labelled)
    t.start()
    t.join()
    gc.collect()
    assert idents[0] not in engine._labels  # a later thread with that ident: its own name


def test_the_nudge_before_a_deadline_is_one_float_step_at_least_line_gap():
    clock = VirtualClock()
    for start in (0.0, 1.5, 4095.999, 8191.9999, 8192.0, 8192.5, 1e6):
        clock.now = start
        clock.nudge()
        assert clock.now == start + max(LINE_GAP, math.ulp(start))


def test_a_callables_words_carry_no_memory_address():
    """automat's methods read "<implementation for <function f at 0x7f…>>": a step's text
    differed from run to run (ClientService's steps)."""
    from reactor_repl.engine.describe import label_of

    def made() -> None:
        return None

    made.__qualname__ = "<implementation for <function _Client._connectionMade at 0x7fcd63>>"
    assert label_of(made) == "<implementation for <function _Client._connectionMade>>"
