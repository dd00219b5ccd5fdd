"""An ``async def`` pipeline: each stage's work runs in the thread pool (``deferToThread``).

Three records go through fetch → parse → total in order; the coroutine awaits each
stage's Deferred, so the lines come out the same on every run.
"""

from __future__ import annotations

from twisted.internet import defer, reactor, threads

RECORDS = ["3 apples", "5 pears", "7 plums"]


def fetch(i: int) -> str:
    return RECORDS[i]


def parse(text: str) -> tuple[int, str]:
    count, fruit = text.split()
    return int(count), fruit


async def pipeline() -> int:
    total = 0
    for i in range(len(RECORDS)):
        text = await threads.deferToThread(fetch, i)
        print(f"fetched {text!r}")
        count, fruit = await threads.deferToThread(parse, text)
        print(f"parsed {count} {fruit}")
        total += count
        print(f"total {total}")
    return total


def main() -> None:
    def finished(total: int) -> None:
        print(f"pipeline done: {total}")
        reactor.stop()

    reactor.callWhenRunning(lambda: defer.ensureDeferred(pipeline()).addCallback(finished))
    reactor.run()


if __name__ == "__main__":
    main()
