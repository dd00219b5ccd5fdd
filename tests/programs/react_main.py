"""A ``task.react`` main: it echoes its arguments, waits twice, and exits with the code
given as its first argument (``react_main.py 3 a b`` exits 3; no argument exits 0)."""

from __future__ import annotations

import sys

from twisted.internet import task


async def main(reactor, *argv: str) -> None:
    print(f"argv {sys.argv[1:]}")
    await task.deferLater(reactor, 0.02, lambda: None)
    print("first wait over")
    await task.deferLater(reactor, 0.02, lambda: None)
    print("second wait over")
    code = int(argv[0]) if argv else 0
    if code:
        print(f"exiting with {code}")
        raise SystemExit(code)


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
