"""Memory stays bounded however long a session runs (issue 9 item 12): each kind of session,
run ten times longer, ends with the same peak RSS give or take a little. The ring is small
(--log-size 1000) so it is full at 1×."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import ROOT

SLACK_MB = 12  # allocator noise; a leak of the 10× session's payloads is far more
SESSIONS = {
    # bytes to a discard server: received chunks are not kept, event payloads are capped
    "discard": lambda n: (f"listen s1 0 discard\nconnect c1 s1\nwait 0.1\n"
                          f"every 0 l1 times {n} do send c1 {'x' * 1000}\nwait 1\n"),
    # lines of a scenario: the saved history is bounded
    "lines": lambda n: "note x\n" * (4 * n),
    # a new timer each call: the log's indexes forget the names the registry summarised away
    # (40,000 timers kept 40 MB more: each name's first event and counts, for good)
    # (5 × n: 20,000 timers in the long run would keep 20 MB more, past the slack)
    "timers": lambda n: f"every 0 l1 times {5 * n} do later 0\nwait 1\n",
    # dispatches: the ring and the statistics are bounded
    "dispatches": lambda n: f"every 0 l1 times {10 * n}\nwait 1\n",
}


def peak_rss_mb(tmp_path, name: str, text: str) -> int:
    path = tmp_path / f"{name}.rr"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "reactor_repl", "run", str(path), "--quiet",
                             "--log-size", "1000", "--max-dispatches", "10000000"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return usage.ru_maxrss // 1024


@pytest.mark.parametrize("kind", sorted(SESSIONS))
def test_ten_times_longer_ends_with_the_same_peak_memory(tmp_path, kind):
    short = peak_rss_mb(tmp_path, "short", SESSIONS[kind](400))
    long = peak_rss_mb(tmp_path, "long", SESSIONS[kind](4000))
    assert long <= short + SLACK_MB, (short, long)
