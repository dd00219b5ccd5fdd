"""What the explorer shows is what plain Twisted does (SPEC: the one rule above all).

Each case is a small plain Twisted program, written by hand, that prints every
dispatch with the pass of ``runUntilCurrent`` it ran in (the reactor's own method,
wrapped to count), run in a subprocess on the epoll reactor and the real clock;
and the same behaviour as a scenario, replayed by the explorer on both clocks.
Dispatch order and which dispatches share a pass must agree. Pass numbers are
compared after renumbering 0, 1, 2 … over the passes that had a compared event
(the explorer's typed lines take passes of their own, the program's do not).

On the real clock a few groupings are races in Twisted itself (two timers typed
on two lines a millisecond apart may or may not fall in one pass): those cases
compare order only there (``live="order"``), or only some names (five timers typed
on five lines may run apart, each one's callLater(0) between them). One is a race on every clock: a timer
made in a timer for the instant of another one is due a hair after it (the first
timer ran a little late), and whether the reactor, waking a little late for the
other one, finds it due too is luck; the virtual clock wakes 1 ns late and says
no (``virtual="order"``).
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from textwrap import dedent
from typing import Any, Callable

import pytest

from support import run_scenario

from reactor_repl.engine.events import Event

PRELUDE = '''\
import sys, threading, time
from twisted.internet import epollreactor
epollreactor.install()
from twisted.internet import defer, reactor, task, threads
PASS = [0]
_run_until_current = reactor.runUntilCurrent
def _counted():
    PASS[0] += 1
    _run_until_current()
reactor.runUntilCurrent = _counted
def rec(kind, name, extra=""):
    print(kind, name or "-", PASS[0], extra, flush=True)
'''

POSTLUDE = '''
reactor.callWhenRunning(start)
reactor.callLater(UNTIL, reactor.stop)
reactor.run()
'''

Row = tuple  # (kind, name, pass[, extra])


@dataclass
class Case:
    id: str
    program: str  # defines start() and UNTIL, may use rec(kind, name, extra)
    scenario: str
    kinds: tuple[str, ...]
    live: str = "passes"  # "passes" | "order": what the real clock must match
    virtual: str = "passes"  # "passes" | "order": what the virtual clock must match
    live_names: tuple[str, ...] = ()  # live: compare only these (the rest is a race there)
    names: tuple[str, ...] = ()  # both clocks: compare only these
    extra: Callable[[Event], Any] | None = None  # the explorer's counterpart of rec's extra


def _branch(e: Event) -> Any:
    return e.data["branch"] if e.kind == "deferred.step" else ""


def _count(e: Event) -> Any:
    return str(e.data["missed"] + 1) if e.kind == "loop.call" else ""


def _coroutine(e: Event) -> Any:
    """Where a coroutine waits (the step), what it ended with, what a note says."""
    if e.kind in ("deferred.pause", "deferred.resume"):
        return e.data["at"]
    if e.kind == "deferred.result":
        return str(e.data["value"])
    return e.text if e.kind == "note" else ""


def _loop_count(e: Event) -> Any:
    return str(e.data["count"]) if e.kind == "loop.count" else ""


def _bytes(e: Event) -> Any:
    return str(e.data["bytes"]) if e.kind in ("tcp.data", "reader.read", "writer.write") else ""


CASES = [
    Case("timers-due-during-a-block-in-a-timer", """
        def b():
            rec("timer.fire", "b")
            time.sleep(0.2)
        def start():
            reactor.callLater(0.05, rec, "timer.fire", "t1")
            reactor.callLater(0.1, rec, "timer.fire", "t2")
            reactor.callLater(0.01, b)
            reactor.callLater(0.3, rec, "timer.fire", "t3")
        UNTIL = 0.4
        """, """
        later 0.05 t1
        later 0.1 t2
        later 0.01 b do block 0.2
        later 0.3 t3
        wait 0.4
        """, ("timer.fire",)),
    Case("timers-due-during-a-block-in-a-thread-call", """
        def blocker():
            rec("block.start", "")
            time.sleep(0.3)
        def start():
            reactor.callLater(0.1, rec, "timer.fire", "t1")
            reactor.callLater(0.6, rec, "timer.fire", "t2")
            threading.Timer(0.01, reactor.callFromThread, [blocker]).start()
        UNTIL = 0.7
        """, """
        later 0.1 t1
        later 0.6 t2
        block 0.3
        wait 0.6
        """, ("timer.fire", "block.start")),
    Case("looping-call-after-a-block", """
        def beat(count):
            rec("loop.call", "l1", count)
        def b():
            rec("timer.fire", "b")
            time.sleep(0.45)
        def start():
            task.LoopingCall.withCount(beat).start(0.2, now=False)
            reactor.callLater(0.25, b)
        UNTIL = 1.1
        """, """
        every 0.2 l1 delayed
        later 0.25 b do block 0.45
        wait 1.1
        """, ("loop.call", "timer.fire"), extra=_count),
    Case("deferred-errback-switching-recovery-and-await", """
        def step(branch, fn):
            def run(result):
                rec("deferred.step", "d1", branch)
                return fn(result)
            return run
        def boom(result):
            raise Exception("boom")
        def start():
            d1, d2 = defer.Deferred(), defer.Deferred()
            d1.addCallback(step("callback", lambda r: r + 1))
            d1.addCallback(step("callback", lambda r: d2))
            d1.addCallback(step("callback", boom))
            d1.addCallback(step("callback", lambda r: r + 100))
            d1.addErrback(step("errback", lambda f: 5))
            d1.addCallback(step("callback", lambda r: r * 2))
            d1.callback(1)
            def t1():
                rec("timer.fire", "t1")
                d2.callback(10)
            reactor.callLater(0.05, t1)
        UNTIL = 0.15
        """, """
        deferred d1
        deferred d2
        addCallback d1 add 1
        addCallback d1 await d2
        addCallback d1 raise boom
        addCallback d1 add 100
        addErrback d1 recover 5
        addCallback d1 mul 2
        fire d1 1
        later 0.05 t1 do fire d2 10
        wait 0.1
        """, ("deferred.step", "timer.fire"), extra=_branch),
    Case("a-callback-added-to-a-fired-deferred-runs-at-once", """
        d1 = defer.Deferred()
        def add(result):
            rec("deferred.step", "d1", "callback")
            return result + 1
        def t1():
            rec("timer.fire", "t1")
            d1.addCallback(add)
            rec("timer.fire", "t2") if False else None
        def start():
            d1.callback(1)
            reactor.callLater(0.05, t1)
            reactor.callLater(0.1, rec, "timer.fire", "t2")
        UNTIL = 0.2
        """, """
        deferred d1
        fire d1 1
        later 0.05 t1 do addCallback d1 add 1
        later 0.1 t2
        wait 0.2
        """, ("deferred.step", "timer.fire"), extra=_branch),
    Case("firing-twice-is-already-called-error", """
        d1 = defer.Deferred()
        def t1():
            rec("timer.fire", "t1")
            try:
                d1.callback(2)
            except defer.AlreadyCalledError:
                rec("deferred.error", "d1")
        def start():
            d1.callback(1)
            reactor.callLater(0.05, t1)
            reactor.callLater(0.1, rec, "timer.fire", "t2")
        UNTIL = 0.2
        """, """
        deferred d1
        fire d1 1
        later 0.05 t1 do fire d1 2
        later 0.1 t2
        wait 0.2
        """, ("deferred.error", "timer.fire")),
    Case("callLater0-made-in-timers-runs-next-pass-in-the-order-made", """
        def t(i):
            rec("timer.fire", "t%d" % i)
            reactor.callLater(0, rec, "timer.fire", "x%d" % i)
        def start():
            for i in range(1, 6):
                reactor.callLater(0.05, t, i)
            reactor.callLater(0.05, rec, "timer.fire", "t6")
        UNTIL = 0.15
        """, "".join(f"later 0.05 t{i} do later 0 x{i}\n" for i in range(1, 6))
        + "later 0.05 t6\nwait 0.1\n", ("timer.fire",), live="order",
        live_names=("x1", "x2", "x3", "x4", "x5")),
    Case("reset-and-delay-order-ties-as-real-time-does", """
        def start():
            c = reactor.callLater(0.1, rec, "timer.fire", "c")
            reactor.callLater(0.2, rec, "timer.fire", "d")
            c.reset(0.2)
            e = reactor.callLater(0.1, rec, "timer.fire", "e")
            e.delay(0.1)
            reactor.callLater(0.2, rec, "timer.fire", "f")
        UNTIL = 0.3
        """, """
        later 0.1 c
        later 0.2 d
        reset c 0.2
        later 0.1 e
        delay e 0.1
        later 0.2 f
        wait 0.3
        """, ("timer.fire",), live="order"),
    Case("an-exception-in-a-loops-call-stops-the-loop", """
        def start():
            t1 = reactor.callLater(0.05, rec, "timer.fire", "t1")
            def beat():
                rec("loop.call", "l1")
                t1.cancel()  # t1 has fired: AlreadyCalled, and the LoopingCall stops
            def begin():
                lc = task.LoopingCall(beat)
                lc.start(0.1, now=False).addErrback(lambda f: rec("loop.stop", "l1"))
            reactor.callLater(0.06, begin)
        UNTIL = 0.5
        """, """
        later 0.05 t1
        wait 0.06
        every 0.1 l1 delayed times 3 do cancel t1
        wait 0.4
        """, ("timer.fire", "loop.call", "loop.stop"), live="order"),
    Case("an-exception-in-a-steps-do-turns-the-chain-to-its-errbacks", """
        def start():
            t1 = reactor.callLater(0.01, rec, "timer.fire", "t1")
            d1 = defer.Deferred()
            def step(result):
                rec("deferred.step", "d1", "callback")
                t1.reset(1)  # t1 has fired: AlreadyCalled
            def recover(f):
                rec("deferred.step", "d1", "errback")
                return 0
            d1.addCallback(step)
            d1.addErrback(recover)
            def t2():
                rec("timer.fire", "t2")
                d1.callback(1)
            reactor.callLater(0.3, t2)
        UNTIL = 0.4
        """, """
        later 0.01 t1
        deferred d1
        addCallback d1 do reset t1 1
        addErrback d1 recover 0
        later 0.3 t2 do fire d1 1
        wait 0.4
        """, ("timer.fire", "deferred.step"), extra=_branch),
    Case("a-step-is-recorded-before-what-it-causes", """
        def start():
            d1, d2 = defer.Deferred(), defer.Deferred()
            def s1(result):
                rec("deferred.step", "d1", "callback")
                d2.callback("x")
                return result
            def s2(result):
                rec("deferred.step", "d2", "callback")
                return result
            d1.addCallback(s1)
            d2.addCallback(s2)
            def t1():
                rec("timer.fire", "t1")
                d1.callback(1)
            reactor.callLater(0.05, t1)
        UNTIL = 0.1
        """, """
        deferred d1
        deferred d2
        addCallback d1 do fire d2 x
        addCallback d2 pass
        later 0.05 t1 do fire d1 1
        wait 0.1
        expect order deferred.step:d1 deferred.step:d2
        """, ("timer.fire", "deferred.step"), extra=_branch),
    Case("small-tcp-writes-arrive-as-written-though-nagle-holds-them-a-moment", """
        from twisted.internet import protocol
        POEM = ("The reactor turns, the callbacks wait,\\n"
                "each one in line, none early, none late;\\n"
                "block it once and all stand still \u2014\\n"
                "return at once, and no one will.\\n")
        class Poetry(protocol.Protocol):
            def connectionMade(self):
                self.offset = 0
                self.send_next()
            def send_next(self):
                chunk = POEM[self.offset:self.offset + 16].encode()
                self.offset += 16
                self.transport.write(chunk)
                if self.offset < len(POEM):
                    reactor.callLater(0.1, self.send_next)
                else:
                    self.transport.loseConnection()
        class Client(protocol.Protocol):
            def connectionMade(self):
                self.transport.write(b"hi")
            def dataReceived(self, data):
                rec("tcp.data", "c1", len(data))
        def start():
            port = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Poetry),
                                     interface="127.0.0.1")
            reactor.connectTCP("127.0.0.1", port.getHost().port,
                               protocol.ClientFactory.forProtocol(Client))
        UNTIL = 1.2
        """, """
        listen s1 0 poetry
        connect c1 s1
        send c1 hi
        wait 1.2
        """, ("tcp.data",), live="order", virtual="order", names=("c1",),
         extra=lambda e: str(e.data["bytes"]) if e.name == "c1" else ""),
    Case("a-thread-hand-back-then-the-next-timer-in-the-next-pass", """
        def start():
            d = threads.deferToThread(time.sleep, 0.2)
            d.addCallback(lambda _: rec("thread.result", "j1"))
            reactor.callLater(0.4, rec, "timer.fire", "t1")
        UNTIL = 0.6
        """, """
        thread j1 0.2
        later 0.4 t1
        wait 0.6
        """, ("thread.result", "timer.fire")),
    Case("a-timer-made-later-for-the-same-instant-runs-after", """
        def t0():
            rec("timer.fire", "t0")
            reactor.callLater(0.05, rec, "timer.fire", "b")
        def start():
            reactor.callLater(0.1, rec, "timer.fire", "a")
            reactor.callLater(0.05, t0)
            reactor.callLater(0.2, rec, "timer.fire", "c")
        UNTIL = 0.3
        """, """
        later 0.1 a
        later 0.05 t0 do later 0.05 b
        later 0.2 c
        wait 0.3
        """, ("timer.fire",), live="order", virtual="order"),
    # -- what issue 14 added to the language, each against the program it stands for
    Case("coroutines-wait-at-their-steps-and-resume-inside-the-callback-that-fires", """
        d1 = defer.Deferred()
        async def c1():
            if not d1.called:
                rec("deferred.pause", "c1", "step 1 (await d1)")
            await d1
            rec("deferred.resume", "c1", "step 1 (await d1)")
            sleeping = task.deferLater(reactor, 0.2)
            rec("deferred.pause", "c1", "step 2 (sleep 0.2)")
            await sleeping
            rec("deferred.resume", "c1", "step 2 (sleep 0.2)")
            return 3
        @defer.inlineCallbacks
        def c2():
            if not d1.called:
                rec("deferred.pause", "c2", "step 1 (await d1)")
            yield d1
            rec("deferred.resume", "c2", "step 1 (await d1)")
            sleeping = task.deferLater(reactor, 0.1)
            rec("deferred.pause", "c2", "step 2 (sleep 0.1)")
            yield sleeping
            rec("deferred.resume", "c2", "step 2 (sleep 0.1)")
            return 4
        def t1():
            rec("timer.fire", "t1")
            d1.callback("x")
            rec("note", "", "after fire")
        def start():
            defer.ensureDeferred(c1()).addCallback(lambda r: rec("deferred.result", "c1", r))
            c2().addCallback(lambda r: rec("deferred.result", "c2", r))
            reactor.callLater(0.1, t1)
            reactor.callLater(0.25, rec, "timer.fire", "t2")
        UNTIL = 0.5
        """, """
        deferred d1
        async c1 await d1 ; sleep 0.2 ; return 3
        inlineCallbacks c2 await d1 ; sleep 0.1 ; return 4
        later 0.1 t1 do fire d1 x ; note after fire
        later 0.25 t2
        wait 0.5
        """, ("deferred.pause", "deferred.resume", "timer.fire", "note", "deferred.result"),
         live="order", virtual="order", names=("c1", "c2", "t1", "t2", ""), extra=_coroutine),
    Case("a-looping-call-waits-for-the-deferred-its-call-returns-and-counts-skipped-beats", """
        calls = [0]
        def beat(count):
            rec("loop.call", "l1")
            rec("loop.count", "l1", count)
            calls[0] += 1
            if calls[0] >= 3:
                lc.stop()
            return task.deferLater(reactor, 0.25)
        lc = task.LoopingCall.withCount(beat)
        def start():
            lc.start(0.1, now=False)
            reactor.callLater(0.2, rec, "timer.fire", "t1")
        UNTIL = 1.2
        """, """
        every 0.1 l1 delayed count wait 0.25 times 3
        later 0.2 t1
        wait 1.2
        """, ("loop.call", "loop.count", "timer.fire"), extra=_loop_count),
    Case("several-actions-in-a-callback-and-raise-in-a-timer-a-loop-and-a-chain", """
        d1, d2 = defer.Deferred(), defer.Deferred()
        d1.addCallback(lambda r: rec("deferred.step", "d1", "callback"))
        d2.addCallback(lambda r: rec("deferred.step", "d2", "callback"))
        def t1():
            rec("timer.fire", "t1")
            d1.callback(1)
            raise Exception("boom")
            d2.callback(2)
        def beat():
            rec("loop.call", "l1")
            raise Exception("enough")
        def failed(f):
            rec("loop.stop", "l1")
        d3 = defer.Deferred()
        def step(result):
            rec("deferred.step", "d3", "callback")
            raise Exception("no")
        d3.addCallback(step)
        d3.addErrback(lambda f: rec("deferred.step", "d3", "errback"))
        def t2():
            rec("timer.fire", "t2")
            d3.callback(0)
        def start():
            reactor.callLater(0.05, t1)
            task.LoopingCall(beat).start(0.1, now=False).addErrback(failed)
            reactor.callLater(0.2, t2)
            reactor.callLater(0.3, rec, "timer.fire", "t3")
        UNTIL = 0.4
        """, """
        deferred d1
        deferred d2
        addCallback d1 pass
        addCallback d2 pass
        later 0.05 t1 do fire d1 1 ; raise boom ; fire d2 2
        every 0.1 l1 delayed do raise enough
        deferred d3
        addCallback d3 raise no
        addErrback d3 pass
        later 0.2 t2 do fire d3 0
        later 0.3 t3
        wait 0.4
        """, ("timer.fire", "loop.call", "loop.stop", "deferred.step"), extra=_branch),
    Case("shutdown-waits-for-a-before-triggers-deferred-and-the-loop-runs-meanwhile", """
        def g1():
            rec("trigger.fire", "g1")
            return task.deferLater(reactor, 0.2)
        def t1():
            rec("timer.fire", "t1")
            reactor.callWhenRunning(lambda: rec("note", "", "running"))
            reactor.stop()
        def g2():
            rec("trigger.fire", "g2")
            raise Exception("logged, and the shutdown goes on")
        def start():
            reactor.addSystemEventTrigger("before", "shutdown", g1)
            reactor.addSystemEventTrigger("during", "shutdown", g2)
            reactor.addSystemEventTrigger("after", "shutdown", rec, "trigger.fire", "g3")
            reactor.callLater(0.1, t1)
            reactor.callLater(0.2, rec, "timer.fire", "t2")
        UNTIL = 0.6
        """, """
        trigger before shutdown g1 wait 0.2
        trigger during shutdown g2 do raise logged, and the shutdown goes on
        trigger after shutdown g3
        later 0.1 t1 do callWhenRunning do note running ; stop
        later 0.2 t2
        wait 0.6
        """, ("trigger.fire", "timer.fire", "note"), names=("g1", "g2", "g3", "t1", "t2", ""),
         extra=_coroutine),
    Case("crash-stops-the-loop-at-once-no-shutdown-triggers", """
        def t1():
            rec("timer.fire", "t1")
            reactor.crash()
        def start():
            reactor.addSystemEventTrigger("before", "shutdown", rec, "trigger.fire", "g1")
            reactor.callLater(0.1, t1)
            reactor.callLater(0.2, rec, "timer.fire", "t2")
        UNTIL = 0.4
        """, """
        trigger before shutdown g1
        later 0.1 t1 do crash
        later 0.2 t2
        wait 0.4
        """, ("trigger.fire", "timer.fire")),
    Case("a-job-hands-the-reactor-calls-partway-through", """
        d1 = defer.Deferred()
        d1.addCallback(lambda r: rec("deferred.step", "d1", "callback"))
        def j1():
            time.sleep(0.2)
            reactor.callFromThread(rec, "threadcall.run", "f1")
            time.sleep(0.3)
            return 2
        def f2():
            rec("threadcall.run", "f2")
            d1.callback("ok")
        def j2():
            time.sleep(0.1)
            threads.blockingCallFromThread(reactor, f2)
            time.sleep(0.2)
            return 3
        def j3():
            time.sleep(0.4)
            reactor.callFromThread(rec, "threadcall.run", "f3")
        def start():
            threads.deferToThread(j1).addCallback(lambda r: rec("thread.result", "j1"))
            threads.deferToThread(j2).addCallback(lambda r: rec("thread.result", "j2"))
            reactor.callInThread(j3)
            reactor.callLater(0.6, rec, "timer.fire", "t1")
        UNTIL = 0.8
        """, """
        deferred d1
        addCallback d1 pass
        thread j1 sleep 0.2 ; fromthread f1 ; sleep 0.3 ; return 2
        thread j2 sleep 0.1 ; blocking f2 do fire d1 ok ; sleep 0.2 ; return 3
        callInThread j3 sleep 0.4 ; fromthread f3
        later 0.6 t1
        wait 0.8
        """, ("threadcall.run", "thread.result", "timer.fire", "deferred.step"), extra=_branch),
    Case("a-writer-on-a-pipe-writes-in-chunks-and-a-reader-reads-them", """
        import os
        from zope.interface import implementer
        from twisted.internet.interfaces import IReadDescriptor, IWriteDescriptor
        rfd, wfd = os.pipe()
        os.set_blocking(rfd, False)
        os.set_blocking(wfd, False)
        @implementer(IReadDescriptor)
        class Reader:
            def fileno(self): return rfd
            def logPrefix(self): return "Reader"
            def doRead(self):
                rec("reader.read", "r1", len(os.read(rfd, 4)))
            def connectionLost(self, reason): pass
        @implementer(IWriteDescriptor)
        class Writer:
            buffer = b""
            def fileno(self): return wfd
            def logPrefix(self): return "Writer"
            def doWrite(self):
                n = os.write(wfd, self.buffer[:3])
                rec("writer.write", "w1", n)
                self.buffer = self.buffer[n:]
                if not self.buffer:
                    reactor.removeWriter(self)
            def connectionLost(self, reason): pass
        w = Writer()
        def send():
            w.buffer += b"hello"
            reactor.addWriter(w)
        def start():
            reactor.addReader(Reader())
            reactor.addWriter(w)
            reactor.callLater(0.1, send)
        UNTIL = 0.3
        """, """
        reader r1 chunk 4
        writer w1 r1 chunk 3
        wait 0.1
        send w1 hello
        wait 0.2
        """, ("reader.read", "writer.write"), live="order", extra=_bytes),
    Case("greet-halfclose-and-producers-on-a-connection", """
        from twisted.internet import protocol
        class Greet(protocol.Protocol):
            def connectionMade(self):
                self.transport.write(b"welcome")
            def connectionLost(self, reason):
                rec("tcp.lost", "s1.1")
        class Echo(protocol.Protocol):
            def dataReceived(self, data):
                self.transport.write(data)
        class Client(protocol.Protocol):
            def __init__(self, name):
                self.name = name
            def dataReceived(self, data):
                rec("tcp.data", self.name, len(data))
            def connectionLost(self, reason):
                rec("tcp.lost", self.name)
        conns = {}
        def client(name):
            def build(addr):
                p = Client(name)
                conns[name] = p
                return p
            f = protocol.ClientFactory()
            f.buildProtocol = build
            return f
        def start():
            p1 = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Greet),
                                   interface="127.0.0.1")
            p2 = reactor.listenTCP(0, protocol.ServerFactory.forProtocol(Echo),
                                   interface="127.0.0.1")
            reactor.connectTCP("127.0.0.1", p1.getHost().port, client("c1"))
            reactor.connectTCP("127.0.0.1", p2.getHost().port, client("c2"))
            reactor.callLater(0.1, lambda: conns["c1"].transport.loseWriteConnection())
            def paused():
                conns["c2"].transport.setTcpNoDelay(True)
                conns["c2"].transport.pauseProducing()
                conns["c2"].transport.write(b"ping")
            reactor.callLater(0.2, paused)
            reactor.callLater(0.3, rec, "timer.fire", "t1")
            reactor.callLater(0.4, lambda: conns["c2"].transport.resumeProducing())
            reactor.callLater(0.6, lambda: conns["c2"].transport.loseConnection())
        UNTIL = 0.8
        """, """
        listen s1 0 discard greet welcome
        listen s2 0 echo
        connect c1 s1
        connect c2 s2
        wait 0.1
        halfclose c1
        wait 0.1
        setTcpNoDelay c2
        pauseProducing c2
        send c2 ping
        later 0.1 t1
        wait 0.2
        resumeProducing c2
        wait 0.2
        drop c2
        wait 0.2
        """, ("tcp.data", "tcp.lost", "timer.fire"), live="order", virtual="order",
         names=("c1", "c2", "s1.1", "t1"), extra=_bytes),
]


def _program(case: Case) -> str:
    return PRELUDE + dedent(case.program) + POSTLUDE


def _run_program(case: Case) -> list[Row]:
    r = subprocess.run([sys.executable, "-c", _program(case)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        kind, name, n, *extra = line.split(" ", 3)
        rows.append((kind, "" if name == "-" else name, int(n), (extra or [""])[0].strip()))
    return rows


# programs run at once: they mostly wait, but two dozen Pythons starting together on a
# small machine make each one's own timers late enough to merge passes
PLAIN_AT_ONCE = 6


@pytest.fixture(scope="module")
def plain() -> dict[str, list[Row]]:
    """Every program at once: they mostly wait, so the lot takes as long as the longest."""
    with ThreadPoolExecutor(PLAIN_AT_ONCE) as pool:
        return dict(zip([c.id for c in CASES], pool.map(_run_program, CASES)))


def renumber(rows: list[Row]) -> list[Row]:
    """Passes 0, 1, 2 … in the order they first appear."""
    passes: dict[int, int] = {}
    return [(k, n, passes.setdefault(p, len(passes)), *rest) for k, n, p, *rest in rows]


def explorer_rows(case: Case, clock: str) -> list[Row]:
    events = run_scenario(dedent(case.scenario), clock)
    extra = case.extra or (lambda e: "")
    return [(e.kind, e.name, e.tick, extra(e)) for e in events
            if e.kind in case.kinds and not e.internal]


@pytest.mark.parametrize("clock", ["virtual", "live"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_explorer_dispatches_as_plain_twisted_does(case, clock, plain):
    expected = renumber(plain[case.id])
    assert expected, "the plain program printed nothing"
    got = renumber(explorer_rows(case, clock))
    keep = case.names or (case.live_names if clock == "live" else ())
    if keep:
        expected = [row for row in expected if row[1] in keep]
        got = [row for row in got if row[1] in keep]
    if (case.live if clock == "live" else case.virtual) == "order":
        assert [(k, n, x) for k, n, _, x in got] == [(k, n, x) for k, n, _, x in expected]
    else:
        assert got == expected


def test_the_programs_show_what_the_cases_are_about(plain):
    """The plain programs' own output, spelled out once: the facts the cases rest on."""
    assert renumber(plain["timers-due-during-a-block-in-a-timer"]) == [
        ("timer.fire", "b", 0, ""), ("timer.fire", "t1", 1, ""), ("timer.fire", "t2", 1, ""),
        ("timer.fire", "t3", 2, "")]
    assert renumber(plain["timers-due-during-a-block-in-a-thread-call"]) == [
        ("block.start", "", 0, ""), ("timer.fire", "t1", 0, ""), ("timer.fire", "t2", 1, "")]
    assert [(k, x) for k, _, _, x in plain["looping-call-after-a-block"]] == [
        ("loop.call", "1"), ("timer.fire", ""), ("loop.call", "2"), ("loop.call", "1"),
        ("loop.call", "1")]
    assert [n for _, n, _, _ in plain["callLater0-made-in-timers-runs-next-pass-in-the-order-made"]
            ] == ["t1", "t2", "t3", "t4", "t5", "t6", "x1", "x2", "x3", "x4", "x5"]
    assert [n for _, n, _, _ in plain["reset-and-delay-order-ties-as-real-time-does"]] == [
        "d", "c", "e", "f"]


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_no_empty_pass_follows_a_thread_hand_back(clock, plain):
    """Renumbering hides empty passes; here the distance itself must be the plain one: the
    timer runs in the pass right after the job's hand-back, not one later."""
    case = [c for c in CASES if c.id == "a-thread-hand-back-then-the-next-timer-in-the-next-pass"][0]
    (_, _, result, _), (_, _, timer, _) = plain[case.id]
    got = explorer_rows(case, clock)
    assert [row[:2] for row in got] == [("thread.result", "j1"), ("timer.fire", "t1")]
    assert got[1][2] - got[0][2] == timer - result == 1


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_a_coroutine_resumes_in_the_pass_of_the_callback_that_fires_what_it_awaits(clock, plain):
    """The coroutines start on typed lines (a pass each; the program starts them in one), so
    the case compares order; from the timer on, the passes too."""
    case = [c for c in CASES if c.id.startswith("coroutines-wait-at-their-steps")][0]
    expected = renumber(plain[case.id][2:])
    got = renumber([row for row in explorer_rows(case, clock) if row[1] in case.names][2:])
    assert [row[:3] for row in expected] == [
        ("timer.fire", "t1", 0), ("deferred.resume", "c1", 0), ("deferred.pause", "c1", 0),
        ("deferred.resume", "c2", 0), ("deferred.pause", "c2", 0), ("note", "", 0),
        ("deferred.resume", "c2", 1), ("deferred.result", "c2", 1), ("timer.fire", "t2", 2),
        ("deferred.resume", "c1", 3), ("deferred.result", "c1", 3)]
    assert got == expected


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_expect_order_sees_a_step_before_the_step_it_caused(clock):
    case = [c for c in CASES if c.id == "a-step-is-recorded-before-what-it-causes"][0]
    events = run_scenario(dedent(case.scenario), clock)
    assert [(e.kind, e.text.split(":")[0]) for e in events if e.kind.startswith("expect.")] == [
        ("expect.pass", "order deferred.step")]


# ------------------------------------------------------------------ results, not passes

RESULTS_PROGRAM = '''
def show(name):
    def got(value):
        if hasattr(value, "type"):
            rec("result", name, value.type.__name__ + (":%d" % value.value.index
                                                         if value.check(defer.FirstError) else ""))
        else:
            rec("result", name, repr(value))
    return got
def start():
    d1, d2 = defer.Deferred(), defer.Deferred()
    r = defer.race([d1, d2])
    reactor.callLater(0.05, d2.callback, "b")
    d3 = defer.Deferred()
    d3.addTimeout(0.1, reactor)
    d4 = defer.Deferred()
    d4.cancel()
    d5, d6 = defer.Deferred(), defer.Deferred()
    g = defer.gatherResults([d5, d6])
    d6.errback(Exception("nope"))
    d7, d8 = defer.Deferred(), defer.Deferred()
    g2 = defer.gatherResults([d7, d8])
    d8.callback("y")
    d7.callback("x")
    d9, d10 = defer.Deferred(), defer.Deferred()
    g3 = defer.gatherResults([d9, d10])
    g3.cancel()  # Twisted's canceller cancels d9 and d10
    d11, d12 = defer.Deferred(), defer.Deferred()
    g4 = defer.gatherResults([d11, d12])
    g4.addTimeout(0.1, reactor)  # the timeout cancels: FirstError(CancelledError)
    def report():
        for name, d in [("r", r), ("d1", d1), ("d2", d2), ("d3", d3), ("d4", d4), ("g", g),
                        ("g2", g2), ("g3", g3), ("d9", d9), ("d10", d10), ("g4", g4)]:
            d.addBoth(show(name))
            d.addErrback(lambda f: None)
    reactor.callLater(0.2, report)
UNTIL = 0.3
'''

RESULTS_SCENARIO = """\
deferred d1
deferred d2
race r d1 d2
later 0.05 t1 do fire d2 b
deferred d3
timeout d3 0.1
deferred d4
cancel d4
deferred d5
deferred d6
gather g d5 d6
fail d6 nope
deferred d7
deferred d8
gather g2 d7 d8
fire d8 y
fire d7 x
deferred d9
deferred d10
gather g3 d9 d10
cancel g3
deferred d11
deferred d12
gather g4 d11 d12
timeout g4 0.1
wait 0.2
"""


def _explorer_result(events: list[Event], name: str) -> str:
    last = [e for e in events if e.kind == "deferred.result" and e.name == name][-1]
    value = last.data["value"]
    if last.data["how"] == "failure":
        message = last.text
        return value["failure"] + (":" + message.split("#")[1].split(" ")[0]
                                   if value["failure"] == "FirstError" else "")
    return repr(tuple(value) if name == "r" else value)


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_race_gather_timeout_and_cancel_end_as_in_plain_twisted(clock):
    r = subprocess.run([sys.executable, "-c", PRELUDE + RESULTS_PROGRAM + POSTLUDE],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    plain = {line.split(" ", 3)[1]: line.split(" ", 3)[3] for line in r.stdout.splitlines()}
    assert plain == {"r": "(1, 'b')", "d1": "None", "d2": "None", "d3": "TimeoutError",
                     "d4": "CancelledError", "g": "FirstError:1", "g2": "['x', 'y']",
                     "g3": "FirstError:0", "d9": "CancelledError", "d10": "CancelledError",
                     "g4": "FirstError:0"}
    events = run_scenario(RESULTS_SCENARIO, clock)
    assert {name: _explorer_result(events, name) for name in plain} == plain


LISTS_PROGRAM = '''
def form(v):
    if hasattr(v, "type"):  # a Failure
        return v.type.__name__ + (":%d" % v.value.index if v.check(defer.FirstError) else "")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(form(x) for x in v) + "]"
    return repr(v)
def show(name):
    def got(value):
        rec("result", name, form(value))
    return got
def start():
    d1, d2 = defer.Deferred(), defer.Deferred()
    l1 = defer.DeferredList([d1, d2], fireOnOneCallback=True)
    d2.callback("b")
    d3, d4 = defer.Deferred(), defer.Deferred()
    l2 = defer.DeferredList([d3, d4], fireOnOneErrback=True, consumeErrors=True)
    d4.errback(Exception("bad"))
    d5, d6 = defer.Deferred(), defer.Deferred()
    l3 = defer.DeferredList([d5, d6], consumeErrors=True)
    d5.callback(1)
    d6.errback(Exception("x"))
    d7, d8 = defer.Deferred(), defer.Deferred()
    g = defer.gatherResults([d7, d8], consumeErrors=True)
    d8.errback(Exception("y"))
    d9 = defer.Deferred(lambda d: d.callback("gone"))
    d9.cancel()
    d10 = defer.Deferred(lambda d: None)
    d10.cancel()
    def report():
        for name, d in [("l1", l1), ("d2", d2), ("l2", l2), ("d4", d4), ("l3", l3), ("d6", d6),
                        ("g", g), ("d8", d8), ("d9", d9), ("d10", d10)]:
            d.addBoth(show(name))
            d.addErrback(lambda f: None)
    reactor.callLater(0.1, report)
UNTIL = 0.2
'''

LISTS_SCENARIO = """\
deferred d1
deferred d2
deferredList l1 d1 d2 fireOnOneCallback
fire d2 b
deferred d3
deferred d4
deferredList l2 d3 d4 fireOnOneErrback consumeErrors
fail d4 bad
deferred d5
deferred d6
dlist l3 d5 d6 consumeErrors
fire d5 1
fail d6 x
deferred d7
deferred d8
gather g d7 d8 consumeErrors
fail d8 y
deferred d9 canceller do fire d9 gone
cancel d9
deferred d10 canceller
cancel d10
wait 0.1
"""


def _form(value: Any) -> str:
    """A result as the program's form() writes it (from the event's data)."""
    if isinstance(value, dict) and "failure" in value:
        first = value["failure"] == "FirstError"
        return value["failure"] + (":" + value["message"].split("#")[1].split(" ")[0]
                                   if first else "")
    if isinstance(value, list):
        return "[" + ", ".join(_form(v) for v in value) + "]"
    return repr(value)


@pytest.mark.parametrize("clock", ["virtual", "live"])
def test_deferred_lists_consumed_errors_and_cancellers_end_as_in_plain_twisted(clock):
    r = subprocess.run([sys.executable, "-c", PRELUDE + LISTS_PROGRAM + POSTLUDE],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    plain = {line.split(" ", 3)[1]: line.split(" ", 3)[3] for line in r.stdout.splitlines()}
    assert plain == {"l1": "['b', 1]", "d2": "'b'", "l2": "FirstError:1", "d4": "None",
                     "l3": "[[True, 1], [False, Exception]]", "d6": "None",
                     "g": "FirstError:1", "d8": "None", "d9": "'gone'",
                     "d10": "CancelledError"}
    events = run_scenario(LISTS_SCENARIO, clock)
    results = {e.name: _form(e.data["value"]) for e in events if e.kind == "deferred.result"}
    assert {name: results[name] for name in plain} == plain
