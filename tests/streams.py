"""The event stream of every scenario, as recorded: the fixture ``tests/streams.txt`` and
the code that writes it and reads it back (``test_streams.py`` compares).

Recording was made cheaper (issue 15: record what happened, derive text and data when a
view asks); nothing recorded may change with it. Each case's stream is its events as
``to_json`` writes them, normalised as ``test_determinism`` does (ports, descriptors and
addresses are the OS's), then each dispatch's duration and last inner event (the trace
view reads them).

    .venv/bin/python tests/streams.py    # write the fixture anew (after a deliberate change)
"""

from __future__ import annotations

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURE = os.path.join(HERE, "streams.txt")
HEADER = "=== "


def cases() -> list[str]:
    """Every scenario file that runs on the virtual clock: the course, the differential
    cases, the self-checking expectations (paths relative to the project)."""
    found = []
    for pattern in ("scenarios/*.rr", "tests/differential/*.rr", "tests/expectations/*.rr"):
        found += sorted(glob.glob(os.path.join(ROOT, pattern)))
    return [os.path.relpath(p, ROOT) for p in found]


def stream(case: str) -> list[str]:
    """The normalised lines of one case's run on the virtual clock."""
    from support import run_scenario
    from test_determinism import normalised

    with open(os.path.join(ROOT, case), encoding="utf-8") as f:
        events = run_scenario(f.read())
    lines = normalised(events)
    return [f"{line}\t{ev.dur!r} {ev.end_seq}" for line, ev in zip(lines, events)]


def read() -> dict[str, list[str]]:
    """The fixture: case → its lines."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    with open(FIXTURE, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.startswith(HEADER):
                current = out[line[len(HEADER):]] = []
            else:
                current.append(line)
    return out


def write() -> None:
    with open(FIXTURE, "w", encoding="utf-8") as f:
        for case in cases():
            f.write(HEADER + case + "\n")
            for line in stream(case):
                f.write(line + "\n")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    import conftest  # noqa: F401 (each session starts with the garbage of the last collected)

    os.chdir(ROOT)  # as pytest runs: sites are relative to the working directory
    write()
