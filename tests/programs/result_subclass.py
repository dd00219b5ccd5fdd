"""Results that are subclasses of list, str and bytes with methods of their own (a lazy
result set that raises until fetched, a counted string), passed through a Deferred's
chain and handed back by a pool thread: plain Twisted never calls those methods. Traced,
the recording listed them with ``list(value)``, ``len(value)`` and slices to describe
them: the program's code ran for the observer, and a raising ``__iter__`` broke the chain
(the callback never ran; with deferToThread neither callback nor errback did)."""

from __future__ import annotations

from twisted.internet import defer, reactor, threads

calls: list[str] = []


class LazyRows(list):
    def __iter__(self):  # type: ignore[no-untyped-def]
        calls.append("iter")
        raise RuntimeError("not fetched yet: iterate after connect()")

    def __len__(self) -> int:
        calls.append("len")
        return super().__len__()


class Counted(str):
    def __len__(self) -> int:
        calls.append("str len")
        return super().__len__()

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        calls.append("str getitem")
        return super().__getitem__(key)


class Blob(bytes):
    def __bytes__(self) -> bytes:
        calls.append("bytes")
        return super().__bytes__()


def rows(value: object) -> object:
    print("rows:", type(value).__name__, flush=True)
    return Counted("hello")


def text(value: object) -> object:
    print("text:", type(value).__name__, flush=True)
    return Blob(b"data")


def fetched(value: object) -> None:
    print("thread result:", type(value).__name__, flush=True)


def failed(f: object) -> None:
    print("thread failed", flush=True)


def main() -> None:
    d: defer.Deferred[object] = defer.Deferred()
    d.addCallback(rows)
    d.addCallback(text)
    d.addCallback(lambda blob: print("blob:", type(blob).__name__, flush=True))
    d.callback(LazyRows([1, 2, 3]))
    job = threads.deferToThread(LazyRows, [4, 5])
    job.addCallbacks(fetched, failed)
    job.addBoth(lambda _: reactor.stop())


reactor.callWhenRunning(main)
reactor.run()
print("the program's methods called by others:", calls, flush=True)
