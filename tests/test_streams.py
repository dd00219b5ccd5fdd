"""Nothing recorded is lost or changed (issue 15): every scenario's event stream on the
virtual clock is the one in ``tests/streams.txt``, written by the engine before recording
was made cheaper — each event's JSON, its duration and its last inner event."""

from __future__ import annotations

import pytest

import streams

EXPECTED = streams.read()
CASES = streams.cases()


def test_the_fixture_has_every_case():
    assert sorted(EXPECTED) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_the_stream_is_the_recorded_one(case):
    got = streams.stream(case)
    want = EXPECTED[case]
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{case}: event {i + 1} differs"
    assert len(got) == len(want)


def test_the_comparison_can_fail():
    """A changed word in one event is caught (the comparison is not vacuous)."""
    case = CASES[0]
    got = streams.stream(case)
    changed = [line.replace("timer.fire", "timer.fired", 1) for line in got]
    assert changed != EXPECTED[case]
    assert got == EXPECTED[case]
