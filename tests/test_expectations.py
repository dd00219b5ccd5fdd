"""Scenarios that check themselves (SPEC §4), in the form the issue's checks take:
each file in tests/expectations/ states, with ``expect`` lines, what plain Twisted
does, and must pass on the virtual clock and on the real one."""

from __future__ import annotations

import glob
import os

import pytest

from support import ROOT, run_scenario

FILES = sorted(glob.glob(os.path.join(ROOT, "tests", "expectations", "*.rr")))


@pytest.mark.parametrize("clock", ["virtual", "live"])
@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(f) for f in FILES])
def test_every_expectation_holds_on_both_clocks(path, clock):
    with open(path, encoding="utf-8") as f:
        events = run_scenario(f.read(), clock)
    problems = [e.text for e in events if e.kind in ("expect.fail", "error")]
    assert problems == []
    assert sum(e.kind == "expect.pass" for e in events) >= 3
