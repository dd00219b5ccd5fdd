"""A module that writes around ``sys.stdout``: a print, a write on descriptor 1, a child
process's line, and a line on ``sys.__stderr__`` — what a session must record as output
(tests/test_cli.py, tests/test_ui_terminal.py; its plain program: noisy_plain.py)."""

import os
import subprocess
import sys


def shout():
    print("one: print")
    sys.stdout.flush()
    os.write(1, b"two: os.write\n")
    subprocess.run([sys.executable, "-c", "print('three: a child')"], check=True)
    print("four: sys.__stderr__", file=sys.__stderr__, flush=True)
