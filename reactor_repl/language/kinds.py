"""The one table of event kinds.

Every reader derives from it: the parser and ``filter`` (which kinds exist),
``expect``/``predict`` (which event is a NAME's first dispatch), ``break``/``step``
and the loop statistics (which kinds are the reactor dispatching a callback),
``--quiet``, the trace (its arrows and the lag counter) and the ``.py`` export
(which dispatches the program prints).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    summary: str
    dispatch: bool = False  # the reactor calls back into code: break/step pause before it
    # not a dispatch, but an object doing something: SPEC §4 counts every event of a NAME
    # but *.schedule, *.add, *.new and input as its first dispatch (a cancelled timer's
    # is its cancel, a server's its listen); a person's look (show) or a warning is not
    acts: bool = False
    printed: bool = False  # the exported plain program prints it (KIND NAME)
    flow: tuple[str, str] | None = None  # trace arrow: (the kind it leads to, label)
    lag: bool = False  # carries data.late: the trace's lag counter
    quiet: bool = False  # --quiet prints it
    warning: bool = False  # a warn.* kind: counted in session.end, --strict fails on it
    multiline: bool = False  # data.lines holds more lines after the first (show, waiting)

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def first_dispatch(self) -> bool:
        """Its first event counts as the object's first dispatch for expect/predict."""
        return self.dispatch or self.acts


def _k(name: str, summary: str, **kw: object) -> Kind:
    return Kind(name, summary, **kw)  # type: ignore[arg-type]


KIND_TABLE: tuple[Kind, ...] = (
    # the session
    _k("session.start", "the session begins: its clock and reactor"),
    _k("session.end", "the session ends: what is still pending, loop statistics"),
    _k("session.reset", "a fresh session in the same explorer (reset)"),
    _k("input", "a line typed or read from a scenario"),
    _k("error", "a command that could not run (with its column and a hint)", quiet=True,
       multiline=True),
    _k("note", "a note in the log"),
    _k("log", "something Twisted (or a program) logged"),
    _k("output", "what Python code printed (py, a STEP, a program)"),
    _k("show", "an object's state, asked for with show", multiline=True),
    _k("waiting", "pending Deferreds and what each waits for, asked for with waiting",
       multiline=True),
    # timers
    _k("timer.schedule", "callLater: a timer is set", flow=("timer.fire", "scheduled")),
    _k("timer.fire", "a timer runs", dispatch=True, printed=True, lag=True),
    _k("timer.cancel", "DelayedCall.cancel", acts=True),
    _k("timer.reset", "DelayedCall.reset", flow=("timer.fire", "scheduled"), acts=True),
    _k("timer.delay", "DelayedCall.delay", flow=("timer.fire", "scheduled"), acts=True),
    # LoopingCall
    _k("loop.start", "LoopingCall.start", flow=("loop.call", "scheduled"), acts=True),
    _k("loop.call", "a LoopingCall calls its function", dispatch=True, printed=True, lag=True,
       flow=("loop.call", "scheduled")),
    _k("loop.stop", "a LoopingCall stops (stop(), or its function failed)", acts=True),
    _k("loop.count", "LoopingCall.withCount: the beats since the last call (every … count)",
       acts=True),
    # blocking
    _k("block.start", "the reactor thread blocks", acts=True),
    _k("block.end", "the block is over", acts=True),
    # thread calls
    _k("threadcall.queue", "callFromThread: a call handed to the reactor (or, 'unsafe', a "
       "thread about to call the reactor itself)",
       flow=("threadcall.run", "callFromThread"), acts=True),
    _k("threadcall.run", "the reactor runs a call handed from a thread", dispatch=True,
       printed=True),
    # Deferreds
    _k("deferred.new", "a Deferred is made"),
    _k("deferred.add", "callbacks added (addCallback, addErrback, addBoth, addCallbacks)"),
    _k("deferred.fire", "callback or errback: the chain starts", acts=True),
    _k("deferred.step", "one callback or errback runs (input, output, branch)", acts=True,
       printed=True),
    _k("deferred.pause", "the chain waits for another Deferred (or a coroutine awaits one)",
       acts=True),
    _k("deferred.resume", "what it waited for fired: the chain goes on", acts=True),
    _k("deferred.result", "the chain ran out of callbacks: its result", acts=True,
       printed=True),
    _k("deferred.cancel", "Deferred.cancel", acts=True),
    _k("deferred.error", "AlreadyCalledError: fired twice", acts=True),
    _k("deferred.unhandled", "Twisted logged 'Unhandled error in Deferred'", quiet=True, acts=True),
    _k("deferred.handled", "an errback was added to a chain that ended in a failure", acts=True),
    # thread pool
    _k("thread.queue", "a job handed to the thread pool", flow=("thread.start", "deferToThread"), acts=True),
    _k("thread.start", "a job starts in a pool thread", acts=True),
    _k("thread.end", "a job ends in its pool thread", acts=True, flow=("thread.result", "hand-back")),
    _k("thread.result", "the reactor runs a job's result hand-back", dispatch=True, printed=True),
    _k("thread.pool", "the pool's size changes", acts=True),
    # descriptors
    _k("reader.add", "addReader (or addWriter)"),
    _k("reader.write", "bytes written into a reader's pipe", acts=True),
    _k("reader.close", "a reader's writing end closed", acts=True),
    _k("reader.read", "the reactor calls doRead", dispatch=True, printed=True),
    _k("writer.write", "the reactor calls doWrite", dispatch=True, printed=True),
    _k("reader.remove", "removeReader", acts=True),
    _k("reader.lost", "the reactor calls connectionLost on a descriptor", dispatch=True,
       printed=True),
    # TCP
    _k("tcp.listen", "listenTCP", acts=True),
    _k("tcp.connecting", "connectTCP", acts=True),
    _k("tcp.build", "a factory's buildProtocol", dispatch=True),
    _k("tcp.made", "makeConnection → connectionMade", dispatch=True, printed=True),
    _k("tcp.data", "dataReceived", dispatch=True, printed=True),
    _k("tcp.write", "transport.write", acts=True),
    _k("tcp.drop", "transport.loseConnection", acts=True),
    _k("tcp.abort", "transport.abortConnection", acts=True),
    _k("tcp.halfclose", "transport.loseWriteConnection", acts=True),
    _k("tcp.pause", "transport.pauseProducing: no reading until resumed", acts=True),
    _k("tcp.resume", "transport.resumeProducing", acts=True),
    _k("tcp.readlost", "readConnectionLost: the peer half-closed (an IHalfCloseableProtocol)",
       dispatch=True),
    _k("tcp.lost", "connectionLost", dispatch=True, printed=True),
    _k("tcp.failed", "clientConnectionFailed", dispatch=True),
    _k("tcp.clientlost", "clientConnectionLost", dispatch=True),
    _k("tcp.stop", "stopListening", acts=True),
    # system events and the reactor
    _k("trigger.add", "addSystemEventTrigger", flow=("trigger.fire", "scheduled")),
    _k("trigger.fire", "a system event trigger runs", dispatch=True, printed=True),
    _k("trigger.remove", "removeSystemEventTrigger", acts=True),
    _k("reactor.stop", "reactor.stop(): shutdown next", acts=True),
    _k("reactor.crash", "reactor.crash(): the loop stops now, no shutdown triggers", acts=True),
    # the loop itself
    _k("io.ready", "a descriptor of Twisted's own is ready (the waker, a port)"),
    _k("io.wait", "the loop waited in the poller"),
    _k("clock.advance", "the virtual clock jumps to the next deadline"),
    # teaching and checks
    _k("break", "a break set, or the loop paused before a dispatch"),
    _k("predict", "a prediction, and whether it was right"),
    _k("expect.pass", "an expectation held"),
    _k("expect.fail", "an expectation failed", quiet=True),
    # warnings
    _k("warn.slow", "a callback ran longer than --slow", warning=True),
    _k("warn.blocked", "the loop has not come back for --slow (live)", warning=True),
    _k("warn.hang", "nothing left that could run, and Deferreds still pending", warning=True,
       quiet=True, multiline=True),
    _k("warn.unhandled", "a chain ended on a failure nobody handled", warning=True, quiet=True),
    _k("warn.thread", "a reactor API called from a thread that is not the reactor's",
       warning=True, quiet=True),
    _k("warn.spin", "zero-delay work kept the loop busy for more than a second", warning=True,
       quiet=True),
)

BY_KIND: dict[str, Kind] = {k.name: k for k in KIND_TABLE}
KINDS: tuple[str, ...] = tuple(k.name for k in KIND_TABLE)
KIND_FAMILIES: tuple[str, ...] = tuple(sorted({k.family for k in KIND_TABLE}))
DISPATCH_KINDS: frozenset[str] = frozenset(k.name for k in KIND_TABLE if k.dispatch)
FIRST_DISPATCH_KINDS: frozenset[str] = frozenset(k.name for k in KIND_TABLE if k.first_dispatch)
PRINTED_KINDS: tuple[str, ...] = tuple(k.name for k in KIND_TABLE if k.printed)
QUIET_KINDS: frozenset[str] = frozenset(k.name for k in KIND_TABLE if k.quiet)
WARNING_KINDS: tuple[str, ...] = tuple(k.name for k in KIND_TABLE if k.warning)
FLOWS: dict[str, tuple[str, str]] = {k.name: k.flow for k in KIND_TABLE if k.flow}
LAG_KINDS: frozenset[str] = frozenset(k.name for k in KIND_TABLE if k.lag)
MULTILINE_KINDS: frozenset[str] = frozenset(k.name for k in KIND_TABLE if k.multiline)
