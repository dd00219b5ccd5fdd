"""The same log every run: every scenario and differential case, run again and again on
the virtual clock, gives identical JSON logs — but for what the OS picks and the session
cannot (free port numbers, file descriptor numbers, object addresses in Twisted's own
log lines). (tests/test_streams.py compares each with the log recorded before, too.)"""

from __future__ import annotations

import glob
import os
import re

import pytest

from support import FUZZ_DEEP, ROOT, run_scenario

FILES = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.rr"))
               + glob.glob(os.path.join(ROOT, "tests", "differential", "*.rr")))
# by default each case runs once, in test_streams.py, and its stream is compared with the
# one recorded in tests/streams.txt (another run, on another day): two runs, the same log.
# REACTOR_REPL_FUZZ=deep runs each case five times more here.
RUNS = 5 if FUZZ_DEEP else 2
RUN_HERE = FILES if FUZZ_DEEP else []
ADDRESS = re.compile(r"0x[0-9a-f]+")
FD = re.compile(r'(fd |"fd": )\d+')


def _ports(events: list) -> set[str]:
    found = set()
    for e in events:
        data = e.data or {}
        for key in ("port", "peer"):
            if isinstance(data.get(key), int):
                found.add(str(data[key]))
    return found


def normalised(events: list) -> list[str]:
    """JSON lines with the OS's port numbers (as P1, P2 … in order of appearance) and
    object addresses replaced."""
    ports = sorted(_ports(events), key=len, reverse=True)
    names: dict[str, str] = {}
    out = []
    for e in events:
        line = FD.sub(r"\1N", ADDRESS.sub("0x…", e.to_json()))
        for p in ports:
            if p in line:
                line = re.sub(rf"(?<![0-9]){p}(?![0-9])",
                              lambda m: names.setdefault(p, f"P{len(names) + 1}"), line)
        out.append(line)
    return out


@pytest.mark.parametrize("path", RUN_HERE, ids=[os.path.basename(p) for p in RUN_HERE])
def test_virtual_runs_give_the_same_log(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    logs = [normalised(run_scenario(text)) for _ in range(RUNS)]
    for i, log in enumerate(logs[1:], 2):
        assert log == logs[0], f"run {i} differs"


def test_connections_lost_at_stop_come_in_file_descriptor_order():
    """Twisted disconnects what is left at stop in the order of a set of objects (by their
    identity); the explorer gives that list in file-descriptor order, the same every run."""
    text = "listen s1 0 echo\nconnect c1 s1\nconnect c2 s1\nconnect c3 s1\nwait 0.1\nstop\n"
    orders = {tuple(e.name for e in run_scenario(text) if e.kind == "tcp.lost")
              for _ in range(RUNS)}
    assert len(orders) == 1
    (order,) = orders
    assert sorted(order) == ["c1", "c2", "c3", "s1.1", "s1.2", "s1.3"]
