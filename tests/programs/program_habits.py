"""Things programs do with Twisted's objects that a recorder must not change.

Each line printed says what Twisted did with it; traced, every line must be the same:
* keyword arguments handed on to the program's callable, whatever their names (the
  recorder's own stand-ins take theirs positionally);
* a TypeError about a method's arguments names Twisted's method;
* a Deferred subclass with its own ``addCallback`` and ``addCallbacks``: its own runs,
  and Twisted's ``addCallback`` does not call ``addCallbacks``;
* a Deferred (with callbacks) deep-copied and pickled; what a timer or a chain keeps is
  the program's callable (repr, ``==``);
* ``installReactor`` of the reactor already installed, a trigger for no such phase;
* a DelayedCall's repr names Twisted's methods (trial prints those a test left).
"""

from __future__ import annotations

import copy
import pickle

from twisted.internet import defer, main, protocol, reactor, task, threads


def show(what: str, *args: object, **kw: object) -> str:
    print(what, "ran with", args, sorted(kw.items()))
    return what


def attempt(what: str, fn) -> None:  # noqa: ANN001
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        print(what, "raised", type(e).__name__, e)


class Counting(defer.Deferred):
    """A program's own Deferred that counts how links are added."""

    adds: list[str] = []

    def addCallback(self, callback, *args, **kw):  # noqa: ANN001, ANN002, ANN003, N802
        Counting.adds.append("addCallback")
        return super().addCallback(callback, *args, **kw)

    def addCallbacks(self, *args, **kw):  # noqa: ANN002, ANN003, N802
        Counting.adds.append("addCallbacks")
        return super().addCallbacks(*args, **kw)


def add(x: int, n: int) -> int:
    return x + n


def names() -> None:
    d: defer.Deferred[int] = defer.Deferred()
    d.addCallback(lambda r, **kw: show("callback", r, **kw), token=1, fn=2, result=3)
    d.addBoth(lambda r, **kw: show("both", r, **kw), link=4, branch=5)
    d.callback(0)
    reactor.callLater(0, show, "timer", func=6, token=7)
    reactor.callFromThread(show, "from thread", fn=8, ev=9)
    reactor.addSystemEventTrigger("before", "shutdown", show, "trigger", name=10, text=11,
                                  data=12, kind=13, fn=14)
    reactor.callLater(0.05, lambda: threads.deferToThread(lambda **kw: sorted(kw), token=15)
                      .addCallback(print))
    attempt("callLater(callable=)", lambda: reactor.callLater(0, show, callable=1))
    attempt("addCallback(self=)", lambda: defer.Deferred().addCallback(show, self=1))
    attempt("Deferred(x=)", lambda: defer.Deferred(x=1))


def subclass() -> None:
    d = Counting()
    d.addCallback(show, "counting")
    d.addErrback(print)
    d.addBoth(lambda r: r)
    d.callback(1)
    print("adds", Counting.adds)


def copies() -> None:
    d: defer.Deferred[int] = defer.Deferred()
    d.addCallback(add, 1)
    twin = copy.deepcopy(d)
    twin.addCallback(print)
    twin.callback(1)
    print("pickled back", pickle.loads(pickle.dumps(defer.succeed(5))).result)
    kept = pickle.loads(pickle.dumps(d))
    kept.addCallback(print)
    kept.callback(10)
    dc = reactor.callLater(10, add, 1, 2)
    print("timer keeps add:", repr(dc.func) == repr(add), dc.func == add,
          pickle.loads(pickle.dumps(dc.func))(1, 2))
    dc.cancel()
    d.callback(0)


def fires() -> None:
    """An event of the program's own: its DeferredList is Twisted's, never the program's."""
    reactor.addSystemEventTrigger("before", "custom", show, "custom trigger")
    reactor.fireSystemEvent("custom")


def by_hand() -> None:
    """What Twisted keeps, called by the program itself: Twisted did not fire them."""
    dc = reactor.callLater(5, show, "timer func called by hand")
    dc.func(*dc.args)
    dc.cancel()
    d: defer.Deferred[int] = defer.Deferred()
    d.addCallback(show, "callback called by hand")
    d._callbacks[0][0][0](0, *d._callbacks[0][0][1])


def installs() -> None:
    attempt("installReactor again", lambda: main.installReactor(reactor))
    attempt("trigger at no such phase",
            lambda: reactor.addSystemEventTrigger("sometime", "shutdown", print))


def reprs() -> None:
    """What trial prints of the timers a test left: each method as Twisted's."""
    d: defer.Deferred[None] = defer.Deferred()
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(protocol.Protocol),
                             interface="127.0.0.1")
    lc = task.LoopingCall(print)
    for f in (d.callback, d.addCallback, port.stopListening, lc.start, lc.stop):
        dc = reactor.callLater(1, f)
        print(str(dc).split("cancelled=0 ")[1], f.__name__, f.__qualname__)
        dc.cancel()
    port.stopListening()


def start() -> None:
    reprs()
    names()
    subclass()
    copies()
    fires()
    by_hand()
    installs()
    reactor.callLater(0.2, reactor.stop)


reactor.callWhenRunning(start)
reactor.run()
