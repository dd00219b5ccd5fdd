"""What a session does per object stays O(1) or O(log n) in the number of objects
(issue 9 item 8): checked by counting the work, not by timing it."""

from __future__ import annotations

import threading

from reactor_repl.engine.clock import Activity, VirtualClock
from reactor_repl.engine.registry import Record, Registry


class CountingRecord(Record):
    looked_at = 0

    @property
    def pending(self) -> bool:  # type: ignore[override]
        CountingRecord.looked_at += 1
        return True


def test_adding_pending_objects_never_rescans_the_ones_already_there():
    """10,000 pending timers took 29 s: each add rescanned every object to retire some."""
    reg = Registry(max_objects=1000)
    CountingRecord.looked_at = 0
    for i in range(5000):
        reg.add(CountingRecord(f"t{i}", "timer"))
    assert CountingRecord.looked_at == 0  # only finished objects are ever looked at
    assert len(reg.by_name) == 5000  # pending ones are all kept
    done = [Record(f"d{i}", "deferred", state="fired") for i in range(3000)]
    for rec in done:
        reg.add(rec)
        reg.finished(rec)
    assert len(reg.by_name) <= 5000 + 1000  # finished ones were summarised
    assert reg.retired["deferred"] > 0


def test_a_virtual_wake_up_wakes_only_the_job_it_is_for():
    """With one shared condition, each of n sleeping jobs woke at every wake-up: n² switches
    (2,000 one-second jobs never finished). Each sleeper now has an event of its own."""
    clock = VirtualClock()
    clock.pool_max = lambda: 1000
    woken: dict[str, int] = {}
    acts = [Activity(f"j{i}", "job", state="queued") for i in range(40)]

    def job(act: Activity, seconds: float) -> None:
        clock.set_state(act, "running")
        wake = threading.Event()
        act.meta["wake"] = wake
        original = wake.wait

        def counting_wait(timeout: float | None = None) -> bool:
            got = original(timeout)
            if got:
                woken[act.name] = woken.get(act.name, 0) + 1
            return got

        wake.wait = counting_wait  # type: ignore[method-assign]
        clock.sleep(act, seconds)
        clock.set_state(act, "delivered")

    threads = []
    for i, act in enumerate(acts):
        clock.add(act)
        t = threading.Thread(target=job, args=(act, 1.0 + i), daemon=True)
        t.start()
        threads.append(t)
    assert clock.settle(10)
    for step in range(1, len(acts) + 1):
        clock.set_now(float(step) + 0.5)
    for t in threads:
        t.join(5)
    assert woken == {act.name: 1 for act in acts}
    assert clock.running_jobs() == 0 and not clock.activities


def test_names_summarised_away_are_forgotten_by_the_log_and_typed_ones_are_kept():
    """The log's first-dispatch index and counts kept every name for good: a program making
    a timer a millisecond grew without bound. What the registry retires, the log forgets."""
    from reactor_repl.engine.events import EventLog

    log = EventLog(size=50)
    reg = Registry(max_objects=100)
    reg.on_retire = log.forget
    typed = Record("mine", "timer", by_command=True)
    reg.add(typed)
    log.append(0.0, 1, "timer.fire", "mine", "reactor", "", {}, False)
    reg.finished(typed)
    for i in range(1, 400):
        rec = Record(f"t{i}", "timer")
        reg.add(rec)
        log.append(0.0, 1, "timer.fire", rec.name, "reactor", "", {}, False)
        rec.state = "fired"
        reg.finished(rec)
    assert log.first_dispatch("mine") is not None  # retired, but a typed name: kept
    assert log.count("timer.fire:mine") == 1
    assert log.first_dispatch("t1") is None and log.count("timer.fire:t1") == 0
    assert log.first_dispatch("timer.fire:t1") is None
    assert log.first_dispatch("t399") is not None  # not retired yet
    assert log.count("timer.fire") == 400  # the counts by kind stay whole
    # at most the 100 records kept (and "mine"), each under NAME and (KIND, NAME): 400
    # names went through
    assert len(log._first_name) <= 100 + 1 and len(log._first_pair) <= 100 + 1
    assert len(log._pairs) <= 100 + 1 and log.count("timer.fire:t399") == 1


def test_a_name_the_person_typed_stays_though_it_looks_automatic():
    """``every 0.01 l1`` typed, then thousands of timers: the registry took l1 (shaped as
    the names it gives itself) for an automatic name, retired it and the log forgot it —
    ``expect count loop.call:l1 5`` said 0 times, ``expect result dd 1`` no such name."""
    from reactor_repl.engine.events import EventLog

    log = EventLog(size=50)
    reg = Registry(max_objects=100)
    reg.on_retire = log.forget
    typed = Record("l1", "loop", by_command=True, chosen=True)
    reg.add(typed)
    log.append(0.0, 1, "loop.call", "l1", "reactor", "", {}, False)
    typed.state = "stopped"
    reg.finished(typed)
    for i in range(1, 400):
        rec = Record(f"t{i}", "timer")
        reg.add(rec)
        rec.state = "fired"
        reg.finished(rec)
    assert reg.get("l1") is typed
    assert log.count("loop.call:l1") == 1 and log.first_dispatch("l1") is not None
    assert reg.get("t1") is None  # an automatic one: summarised away


def test_names_a_command_makes_up_are_summarised_away_and_typed_ones_kept():
    """A coroutine's name and its sleep's were taken for typed ones (the command asked for
    them by name): none was retired, and 80,000 coroutines held 740 MB. A thread call's
    typed name (fromthread f1) was retired as if automatic."""
    from reactor_repl.engine.core import Config, Engine
    from reactor_repl.session.driver import Driver

    eng = Engine(Config(clock="virtual"))
    eng.registry.max_objects = 100
    driver = Driver(eng)
    eng.start()
    try:
        driver.run_lines("<test>", "fromthread f1 do note x\nwait 0.1\n"
                                   "every 0 l1 times 300 do async sleep 0\nwait 1\n"
                                   "expect count threadcall.run:f1 1\n")
    finally:
        eng.finish()
    names = set(eng.registry.by_name)
    assert {"f1", "l1"} <= names and len(names) <= 110, len(names)
    assert [e.kind for e in eng.log.snapshot() if e.kind.startswith("expect.")] == [
        "expect.pass"]
