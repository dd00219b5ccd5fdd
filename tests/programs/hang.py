"""A program that hangs: it waits on a Deferred that nothing will ever fire.

Plain, it runs forever (the way a real hang looks). ``hang.py --timeout SECONDS`` gives
up after SECONDS instead (reactor time: on ``--clock virtual`` that passes at once),
so a headless run ends on its own.
"""

from __future__ import annotations

import sys

from twisted.internet import defer, reactor


def arrived(value: object) -> None:
    print(f"reply arrived: {value}")  # never printed: nothing fires the Deferred


def main(argv: list[str]) -> None:
    reply: defer.Deferred[str] = defer.Deferred()
    reply.addCallback(arrived)
    print("waiting for a reply that never comes")
    if argv[:1] == ["--timeout"]:
        seconds = float(argv[1])

        def give_up() -> None:
            print(f"gave up after {seconds:g}s; reply still pending: {not reply.called}")
            reactor.stop()

        reactor.callLater(seconds, give_up)
    reactor.run()


if __name__ == "__main__":
    main(sys.argv[1:])
