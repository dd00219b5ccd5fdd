"""The README's first example shows what it promises when typed at a person's pace on the
live clock (issue 10.2): every timer fires late, after the block, in deadline order, and
t3's Deferred turns 41 into 42. It reads the example out of the README itself."""

from __future__ import annotations

import glob
import os
import re
import time

from support import ROOT, run_scenario

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver
from reactor_repl.views.text import format_line

PACE = 1.0  # seconds between two typed lines


def readme_example() -> list[str]:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"Try, at the prompt.*?:\n\n```\n(.*?)```", text, re.S)
    assert block, "the README's first example"
    return block.group(1).splitlines()


def test_the_first_example_typed_a_line_a_second_shows_the_block_making_timers_late():
    lines = readme_example()
    engine = Engine(Config(clock="live"))
    driver = Driver(engine)
    engine.start()
    try:
        for line in lines:
            driver.submit(line, wait=False)
            time.sleep(PACE)
        time.sleep(5.5)  # the rest of the block, and the timers after it
    finally:
        engine.finish()
    events = engine.log.snapshot()
    block_end = [e for e in events if e.kind == "block.end"][0]
    fired = [e for e in events if e.kind == "timer.fire"]
    assert [e.name for e in fired] == ["t2", "t1", "t3"]
    assert all(e.seq > block_end.seq and e.data["late"] > 0.5 for e in fired)
    steps = [e for e in events if e.kind == "deferred.step" and e.name == "d1"]
    assert [s.text for s in steps] == ["callback add 1: 41 → 42"]


# ------------------------------------------------- the course's excerpts in the README

PORT = re.compile(r"127\.0\.0\.1:\d+")


def course_excerpts() -> list[tuple[list[str], list[str]]]:
    """(scenario numbers, log lines) of each excerpt under "What the log says"."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"^\*\*[^\n]*?\*\* \(([\d, ]+)\):.*?\n```\n(.*?)```", text, re.S | re.M)
    return [([n.strip() for n in numbers.split(",")], block.splitlines())
            for numbers, block in found]


def test_the_readme_shows_what_each_course_scenario_logs():
    """Each excerpt line is a line `run scenarios/NN-….rr` prints (ports aside): the
    excerpts had gone stale (numbering, `1 bytes`) as the log changed."""
    excerpts = course_excerpts()
    assert len(excerpts) >= 9
    wanted = sorted({n for numbers, _ in excerpts for n in numbers})
    logs = {}
    for n in wanted:
        (path,) = glob.glob(os.path.join(ROOT, "scenarios", f"{n}-*.rr"))
        with open(path, encoding="utf-8") as f:
            events = run_scenario(f.read())
        logs[n] = {PORT.sub("127.0.0.1:PORT", format_line(e, False)) for e in events}
    stale = [line for numbers, lines in excerpts for line in lines
             if not any(PORT.sub("127.0.0.1:PORT", line) in logs[n] for n in numbers)]
    assert stale == []
