"""The README's first example shows what it promises when typed at a person's pace on the
live clock (issue 10.2): every timer fires late, after the block, in deadline order, and
t3's Deferred turns 41 into 42. It reads the example out of the README itself."""

from __future__ import annotations

import os
import re
import time

from support import ROOT

from reactor_repl.engine.core import Config, Engine
from reactor_repl.session.driver import Driver

PACE = 1.0  # seconds between two typed lines


def readme_example() -> list[str]:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"Try, at the prompt[^\n]*\n\n```\n(.*?)```", text, re.S)
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
