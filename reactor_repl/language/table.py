"""The one command table.

Each command is declared once, here: its name, aliases, argument signature, a
one-line summary, the Twisted API it exercises and an example. The parser,
``help``, completion and the pygments lexer are all built from this table, and
the engine dispatches on ``Command.name``. Callback STEPs and ``expect`` forms
are declared the same way, so they parse, complete and show help alike.

Signature mini-language (one string per command)::

    NAME:type[=extra]     a required argument          [NAME:type]  optional
    NAME:type...          one or more                  [word]       a literal flag
    [word NAME:type]      a keyword with a value        [do]         do COMMAND… to the end
    word NAME:type        a keyword that must be there (it picks a form: ``call FN``)

Types: duration int(=MIN..MAX) number value new(=family) ref(=family|…) word(=a|b) rest
raw token target step steppair steps(=coroutine|job) kind command file data pyref
protocol(=a|b) module.

A standalone ``;`` separates the actions of a ``do`` (``do fire d1 ; cancel t2``) and the
steps of a ``steps`` argument (``async c1 await d1 ; sleep 1 ; return 2``); it binds to
the outermost list: an action's own ``do`` takes one action.

A word may have several forms (``reset NAME DELAY`` and ``reset``; ``thread … DURATION``
and ``thread … call FN``): they are entries of their own with the same name. The parser
tries the forms whose required keywords the line has (else those with none), in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reactor_repl.language.kinds import KIND_FAMILIES, KINDS  # noqa: F401  (the one table)

# name families: the prefix used for automatic names
FAMILIES: dict[str, str] = {
    "timer": "t",
    "loop": "l",
    "deferred": "d",
    "reader": "r",
    "thread": "j",
    "server": "s",
    "client": "c",
    "trigger": "g",
    "threadcall": "f",
    "writer": "w",
}


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    extra: str = ""
    optional: bool = False
    many: bool = False
    keyword: str = ""  # introduced by this literal word; type "flag" when alone
    label: str = ""  # how help shows it, when the name alone would mislead

    @property
    def choices(self) -> tuple[str, ...]:
        if self.type in ("word", "protocol") and self.extra:
            return tuple(self.extra.split("|"))
        return ()

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(self.extra.split("|")) if self.extra else ()

    @property
    def bounds(self) -> tuple[int, int | None]:
        """An int's range: ``int=1..1000``; ``int=0`` is a minimum alone. Ports 0..65535;
        other counts and sizes start at 1."""
        low, _, high = self.extra.partition("..")
        default = 0 if self.name == "PORT" else 1
        return (int(low) if low else default), (int(high) if high else None)

    @property
    def called(self) -> str:
        """What an error calls it: ``missing TARGET`` (the label's last word) or the name."""
        words = [w.strip("[]…;") for w in self.label.split()] if self.label else []
        words = [w for w in words if w]  # (``STEP ; STEP …``: missing STEP, not "missing ")
        return words[-1] if words else self.name

    def syntax(self) -> str:
        if self.type == "flag":
            return f"[{self.keyword}]"
        if self.type == "do":
            return "[do …]"
        shown = self.name + ("…" if self.many else "")
        if self.label:
            shown = self.label
        elif self.type == "word" and self.choices and len(self.choices) <= 3:
            shown = "|".join(self.choices)
        if self.keyword:
            shown = f"{self.keyword} {shown}"
        return f"[{shown}]" if self.optional else shown


def parse_signature(sig: str) -> tuple[Arg, ...]:
    args: list[Arg] = []
    i = 0
    tokens = sig.replace("[", " [ ").replace("]", " ] ").split()
    while i < len(tokens):
        tok = tokens[i]
        if tok == "[":
            close = tokens.index("]", i)
            inner = tokens[i + 1 : close]
            i = close + 1
            if len(inner) == 1 and ":" not in inner[0]:
                word = inner[0]
                if word == "do":
                    args.append(Arg("do", "do", optional=True))
                else:
                    args.append(Arg(word, "flag", optional=True, keyword=word))
                continue
            keyword = ""
            if len(inner) == 2:
                keyword, spec = inner
            else:
                (spec,) = inner
            args.append(_arg(spec, optional=True, keyword=keyword))
            continue
        if ":" not in tok and i + 1 < len(tokens) and tokens[i + 1] != "[":
            args.append(_arg(tokens[i + 1], optional=False, keyword=tok))  # call FN:pyref
            i += 2
            continue
        args.append(_arg(tok, optional=False))
        i += 1
    return tuple(args)


def _arg(spec: str, optional: bool, keyword: str = "") -> Arg:
    many = spec.endswith("...")
    spec = spec.removesuffix("...")
    name, _, typ = spec.partition(":")
    typ, _, extra = typ.partition("=")
    return Arg(name, typ, extra, optional, many, keyword)


@dataclass(frozen=True)
class Command:
    name: str
    group: str
    sig: str
    summary: str
    api: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()
    # "reactor": runs as a callback in the reactor thread (typed ones via callFromThread);
    # "here": runs in whichever thread asked (the prompt, or the callback of a do);
    # "prompt": only at the prompt or in a scenario, never inside the reactor;
    # "callback": only inside a callback (after do), as ``raise`` makes sense only there.
    where: str = "reactor"
    args: tuple[Arg, ...] = field(default=(), compare=False)
    examples: tuple[str, ...] = ()  # more examples, after ``example``
    more: tuple[str, ...] = ()  # more lines for its help page
    # arguments of which at most one may be given (by Arg name: ("now", "delayed"))
    exclusive: tuple[tuple[str, ...], ...] = ()
    python: bool = False  # runs the person's Python: off in scenario files without the flag
    # an argument that only goes with another one (by Arg name: ("do", "canceller"))
    needs: tuple[tuple[str, str], ...] = ()

    def syntax(self) -> str:
        return " ".join([self.name, *(a.syntax() for a in self.args)])

    @property
    def takes_do(self) -> bool:
        return any(a.type == "do" for a in self.args)

    @property
    def required_keywords(self) -> frozenset[str]:
        """Keywords this form must have (``call``): they tell it from the word's other forms."""
        return frozenset(a.keyword for a in self.args
                         if a.keyword and not a.optional and a.type != "flag")

    def all_examples(self) -> tuple[str, ...]:
        return ((self.example,) if self.example else ()) + self.examples


def _cmd(name: str, group: str, sig: str, summary: str, api: str = "", example: str = "",
         aliases: tuple[str, ...] = (), where: str = "reactor", *,
         labels: dict[str, str] | None = None, examples: tuple[str, ...] = (),
         more: tuple[str, ...] = (), exclusive: tuple[tuple[str, ...], ...] = (),
         python: bool = False, needs: tuple[tuple[str, str], ...] = ()) -> Command:
    args = parse_signature(sig)
    if labels:
        args = tuple(replace(a, label=labels.get(a.name, "")) for a in args)
    return Command(name, group, sig, summary, api, example, aliases, where, args, examples,
                   more, exclusive, python, needs)


GROUPS = {
    "time": "Time and the loop",
    "deferred": "Deferreds",
    "thread": "Threads",
    "io": "File descriptors (IReadDescriptor)",
    "tcp": "TCP: transports, protocols, factories",
    "session": "Session, teaching and checks",
    "python": "Your own code (Python: off in scenario files unless --allow-python)",
}

# what help says of a connection's name, for send, drop and abort
_CONN_MORE = ("NAME is a client (c1), or the server's side of a connection: s1.1 is the first",
              "connection server s1 accepted, s1.2 the next (the names show in tcp.build)")
# what help says of a job's STEPs
_JOB_MORE = ("a STEP: sleep S (time.sleep in the pool thread) · fromthread [NAME] [do …] "
             "(reactor.callFromThread: the job goes on) ·",
             "blocking [NAME] [do …] (threads.blockingCallFromThread: the job waits until the "
             "reactor ran it) · return VALUE · raise [MESSAGE]",
             "a job's first word is its NAME unless it is a STEP word")
# what help says of a name of your code
_PY_MORE = ("FN names a callable of your code: module.attr or module:attr, after use (help use)",)

COMMANDS: tuple[Command, ...] = (
    # -- time and the loop
    _cmd("later", "time", "DELAY:duration [NAME:new=timer] [do]",
         "a timer: records timer.fire when it runs, then its do", "reactor.callLater",
         "later 1.5 t1 do fire d1 ok"),
    _cmd("every", "time",
         "INTERVAL:duration [NAME:new=loop] [now] [delayed] [times N:int=1..10000000] [count] "
         "[wait SECONDS:duration] [do]",
         "a repeating call, the first at once (now=True); 'delayed': the first after INTERVAL",
         "task.LoopingCall.start, LoopingCall.withCount, task.deferLater", "every 0.5 l1 times 3",
         examples=("every 0.5 l2 delayed", "every 0.1 l3 delayed wait 0.3 times 3",
                   "every 0.1 l4 count do block 0.35"),
         more=("'times N' stops it after N calls; 'now' (the default, as in Twisted) is still "
               "accepted", "'delayed' is LoopingCall.start(INTERVAL, now=False)",
               "'wait SECONDS': the call returns task.deferLater(reactor, SECONDS); the loop "
               "waits for it before the next beat",
               "'count' is LoopingCall.withCount: each call gets the beats since the last one "
               "(loop.count), a skipped beat counts"),
         exclusive=(("now", "delayed"),)),
    _cmd("cancel", "time", "NAME:ref=timer|loop|deferred|reader|server|trigger",
         "cancel a timer, stop a loop, cancel a Deferred, remove a reader, stop a server, remove a trigger",
         "DelayedCall.cancel, LoopingCall.stop, Deferred.cancel, removeReader, stopListening",
         "cancel t1"),
    _cmd("reset", "time", "NAME:ref=timer DELAY:duration", "make a pending timer fire DELAY from now",
         "DelayedCall.reset", "reset t1 2"),
    _cmd("delay", "time", "NAME:ref=timer SECONDS:duration", "push a pending timer SECONDS later",
         "DelayedCall.delay", "delay t1 0.5"),
    _cmd("block", "time", "DURATION:duration [cpu]",
         "block the reactor thread (sleep, or spin with cpu): nothing else can run", "time.sleep",
         "block 1.2"),
    _cmd("fromthread", "time", "[NAME:new=threadcall] [unsafe] [do]",
         "a helper thread hands a call to the reactor ('unsafe': the thread runs it itself, "
         "the bug warn.thread catches)", "reactor.callFromThread",
         "fromthread f1 do note hello from a thread",
         examples=("fromthread f2 unsafe do later 1 t9",)),
    _cmd("trigger", "time",
         "PHASE:word=before|during|after EVENT:word=startup|shutdown [NAME:new=trigger] "
         "[wait SECONDS:duration] [do]",
         "a system event trigger", "reactor.addSystemEventTrigger, task.deferLater",
         "trigger before shutdown g1 do note bye",
         examples=("trigger before shutdown g2 wait 2 do note saving",),
         more=("'wait SECONDS': it returns task.deferLater(reactor, SECONDS) — a 'before' "
               "trigger's Deferred holds the event (shutdown waits for it)",)),
    _cmd("callWhenRunning", "time", "[do]",
         "run do once the reactor runs (it is running: at once)", "reactor.callWhenRunning",
         "callWhenRunning do note the loop runs"),
    _cmd("stop", "time", "", "stop the reactor: shutdown triggers run, then the session ends",
         "reactor.stop", "stop"),
    _cmd("crash", "time", "",
         "stop the loop at once: no shutdown triggers, thread jobs abandoned; the session ends",
         "reactor.crash", "crash"),
    _cmd("raise", "time", "[MESSAGE:rest]",
         "raise Exception(MESSAGE) in this callback: Twisted does with it what it does",
         "", "later 1 t1 do raise boom", where="callback",
         examples=("every 0.5 l1 do note beat ; raise enough",),
         more=("only after do: a timer's error is logged, a LoopingCall stops, a trigger's is "
               "logged, a Deferred chain turns to its errbacks",
               "; separates several actions of one do: those after the raise do not run")),
    _cmd("wait", "time", "DURATION:duration",
         "let time pass (live: the prompt sleeps; virtual: the clock advances)", "",
         "wait 2", where="prompt"),
    _cmd("step", "time", "", "run the next dispatch, then pause before the one after", "",
         "step", where="prompt"),
    _cmd("continue", "time", "", "resume after a break or step", "", "continue", where="prompt"),
    # -- Deferreds
    _cmd("deferred", "deferred", "[NAME:new=deferred] [canceller] [do]", "a new Deferred",
         "Deferred(), Deferred(canceller)", "deferred d1", aliases=("defer",),
         examples=("deferred d2 canceller do cancel t1",),
         more=("'canceller': cancel() calls it first, and its do runs; unless it fired the "
               "Deferred, Twisted then fails it with CancelledError",),
         needs=(("do", "canceller"),)),
    _cmd("addCallback", "deferred", "NAME:ref=deferred STEP:step",
         "add a callback STEP", "Deferred.addCallback", "addCallback d1 add 1", aliases=("then",)),
    _cmd("addErrback", "deferred", "NAME:ref=deferred STEP:step", "add an errback STEP",
         "Deferred.addErrback", "addErrback d1 recover 0", aliases=("catch",)),
    _cmd("addBoth", "deferred", "NAME:ref=deferred STEP:step",
         "add a STEP run on success and on failure", "Deferred.addBoth", "addBoth d1 pass",
         aliases=("finally",)),
    _cmd("addCallbacks", "deferred", "NAME:ref=deferred STEPS:steppair",
         "add a callback and an errback as one link: STEP / STEP", "Deferred.addCallbacks",
         "addCallbacks d1 add 1 / recover 0", labels={"STEPS": "STEP / STEP"}),
    _cmd("fire", "deferred", "NAME:ref=deferred [VALUE:value]", "fire with a result",
         "Deferred.callback", "fire d1 41", aliases=("callback",)),
    _cmd("fail", "deferred", "NAME:ref=deferred [MESSAGE:rest]",
         "fire with a failure: Exception(MESSAGE)", "Deferred.errback", "fail d1 boom",
         aliases=("errback",)),
    _cmd("chain", "deferred", "NAME:ref=deferred OTHER:ref=deferred",
         "OTHER gets NAME's result", "Deferred.chainDeferred", "chain d1 d2"),
    _cmd("gather", "deferred", "NAMES:token... [consumeErrors]",
         "a new Deferred NAME with all the results of D…", "defer.gatherResults",
         "gather d3 d1 d2", labels={"NAMES": "[NAME] D…"},
         examples=("gather d4 d1 d2 consumeErrors",),
         more=("the first word is the new name unless it is a Deferred already",
               "'consumeErrors': a failure of D… stops there (its chain ends handled)")),
    _cmd("deferredList", "deferred",
         "NAMES:token... [fireOnOneCallback] [fireOnOneErrback] [consumeErrors]",
         "a new Deferred NAME: a DeferredList of D… ((success, result) pairs)",
         "defer.DeferredList", "deferredList l d1 d2", aliases=("dlist",),
         labels={"NAMES": "[NAME] D…"},
         examples=("deferredList first d1 d2 fireOnOneCallback",
                   "deferredList dl2 d1 d2 fireOnOneErrback consumeErrors"),
         more=("the first word is the new name unless it is a Deferred already",
               "fireOnOneCallback: the first success fires it with (result, index); "
               "fireOnOneErrback: the first failure fails it with FirstError;",
               "consumeErrors: a failure of D… stops there (its chain ends handled)")),
    _cmd("race", "deferred", "NAMES:token...",
         "a new Deferred NAME with the first result of D…", "defer.race", "race d3 d1 d2",
         labels={"NAMES": "[NAME] D…"},
         more=("the first word is the new name unless it is a Deferred already",)),
    _cmd("timeout", "deferred", "NAME:ref=deferred SECONDS:duration",
         "cancel NAME if it has not fired within SECONDS", "Deferred.addTimeout", "timeout d1 2"),
    _cmd("async", "deferred", "[NAME:new=deferred] STEPS:steps=coroutine",
         "an async def of STEPs, started at once; NAME is its Deferred",
         "async def + defer.ensureDeferred", "async c1 await d1 ; sleep 0.5 ; return 3",
         labels={"STEPS": "STEP ; STEP …"},
         examples=("async c2 do note starts ; await d2 ; raise boom",),
         more=("a STEP: await D (await a Deferred) · sleep S (await task.deferLater(reactor, "
               "S)) · return VALUE · raise [MESSAGE] · do COMMAND (runs a command);",
               "deferred.pause and deferred.resume say at which step it waits "
               "('step 2 (sleep 0.5)'); a sleep's Deferred is NAME.K, K the step")),
    _cmd("inlineCallbacks", "deferred", "[NAME:new=deferred] STEPS:steps=coroutine",
         "an inlineCallbacks generator of STEPs, called at once; NAME is its Deferred",
         "@defer.inlineCallbacks", "inlineCallbacks c3 await d1 ; return 4",
         aliases=("inline",), labels={"STEPS": "STEP ; STEP …"},
         more=("the STEPs of async; await D is 'yield D' there, sleep S 'yield "
               "task.deferLater(reactor, S)'",)),
    _cmd("show", "deferred", "NAME:ref=any",
         "an object's state: for a Deferred its links (✓ run), result, paused-on", "",
         "show d1", where="here"),
    # -- threads
    _cmd("thread", "thread",
         "[NAME:new=thread] DURATION:duration [raise MESSAGE:rest] [return VALUE:value]",
         "a job taking DURATION in a pool thread; NAME is also its Deferred",
         "threads.deferToThread", "thread j1 2",
         examples=("thread j2 1 raise boom", "thread j3 0.5 return 41"),
         more=("the job returns 'done', or VALUE with 'return', or raises Exception(MESSAGE)",),
         exclusive=(("MESSAGE", "VALUE"),)),
    _cmd("thread", "thread", "[NAME:new=thread] STEPS:steps=job",
         "a job of STEPs in a pool thread; NAME is also its Deferred", "threads.deferToThread",
         "thread j4 sleep 0.5 ; fromthread f1 do note half way ; sleep 0.5 ; return 2",
         labels={"STEPS": "STEP ; STEP …"},
         examples=("thread j5 sleep 0.2 ; blocking f2 do fire d1 ; return ok",),
         more=_JOB_MORE),
    _cmd("callInThread", "thread",
         "[NAME:new=thread] DURATION:duration [raise MESSAGE:rest]",
         "a job taking DURATION in a pool thread; nothing comes back (no Deferred)",
         "reactor.callInThread", "callInThread j6 1", examples=("callInThread j7 1 raise boom",),
         more=("an error it raises is Twisted's to log",)),
    _cmd("callInThread", "thread", "[NAME:new=thread] STEPS:steps=job",
         "a job of STEPs in a pool thread; nothing comes back (no Deferred)",
         "reactor.callInThread", "callInThread j8 sleep 0.5 ; fromthread f3 do fire d1",
         labels={"STEPS": "STEP ; STEP …"}, more=_JOB_MORE),
    _cmd("threadpool", "thread", "SIZE:int=1..1000", "set the pool's maximum size",
         "reactor.suggestThreadPoolSize", "threadpool 2"),
    # -- file descriptors
    _cmd("reader", "io", "[NAME:new=reader] [chunk N:int=1..1048576]",
         "a pipe with an IReadDescriptor on its reading end; doRead reads ≤ N bytes",
         "reactor.addReader", "reader r1 chunk 4", more=("N is 1024 unless given",)),
    _cmd("write", "io", "NAME:ref=reader DATA:data", "write DATA into the pipe",
         "os.write", "write r1 hello", where="here", examples=("write r1 two\\nlines",),
         more=("DATA is the rest of the line, spaces kept; quotes group and are dropped;",
               "escapes: \\n \\r \\t \\0, and \\\\ for a backslash (UTF-8 bytes are written)")),
    _cmd("close", "io", "NAME:ref=reader",
         "close the writing end: doRead sees end of file, then connectionLost", "os.close",
         "close r1", where="here"),
    _cmd("writer", "io", "[NAME:new=writer] READER:ref=reader [chunk N:int=1..1048576]",
         "an IWriteDescriptor on READER's pipe: send buffers, doWrite writes ≤ N bytes",
         "reactor.addWriter", "writer w1 r1 chunk 4",
         more=("send NAME DATA buffers DATA and calls addWriter; each doWrite writes at most N "
               "bytes (1024 unless given); with nothing left it calls removeWriter",)),
    _cmd("removeReader", "io", "NAME:ref=reader", "stop watching the pipe", "reactor.removeReader",
         "removeReader r1"),
    _cmd("addReader", "io", "NAME:ref=reader", "watch the pipe again", "reactor.addReader",
         "addReader r1"),
    # -- TCP
    _cmd("listen", "tcp",
         "[NAME:new=server] [PORT:int=0..65535] [PROTOCOL:protocol=echo|discard|poetry] "
         "[greet DATA:data]",
         "a server on 127.0.0.1 (port 0: a free one)", "reactor.listenTCP",
         "listen s1 0 echo", labels={"PROTOCOL": "echo|discard|poetry|module:Factory"},
         examples=("listen s2 0 discard greet welcome\\n",),
         more=("the protocol is echo unless given; its connections are s1.1, s1.2 …",
               "module:Factory is a factory or protocol class of your code (Python: help use)",
               "'greet DATA': each connection writes DATA in connectionMade (DATA as for "
               "write: the rest of the line)")),
    _cmd("connect", "tcp", "NAMES:target... [PROTOCOL:protocol]",
         "a client to a server NAME or a port; NAME is a Deferred of all bytes received",
         "reactor.connectTCP + ClientFactory", "connect c1 s1",
         labels={"NAMES": "[NAME] TARGET", "PROTOCOL": "module:Protocol"},
         more=("TARGET is a server's name or a port (1 to 65,535);",
               "module:Protocol is a protocol class of your code (Python: help use)")),
    _cmd("send", "tcp", "NAME:ref=client|conn|writer DATA:data",
         "write DATA to a connection (or a writer)",
         "transport.write", "send c1 hello", examples=("send s1.1 hello from the server",),
         more=_CONN_MORE + ("DATA as for write: the rest of the line, escapes \\n \\r \\t "
                            "\\0 \\\\", "a writer (help writer) buffers DATA and calls "
                            "addWriter")),
    _cmd("drop", "tcp", "NAME:ref=client|conn", "close after pending writes",
         "transport.loseConnection", "drop c1", examples=("drop s1.1",), more=_CONN_MORE),
    _cmd("abort", "tcp", "NAME:ref=client|conn", "close at once", "transport.abortConnection",
         "abort c1", examples=("abort s1.1",), more=_CONN_MORE),
    _cmd("halfclose", "tcp", "NAME:ref=client|conn",
         "close the writing side only: the peer sees end of file, reading goes on",
         "transport.loseWriteConnection", "halfclose c1", aliases=("loseWriteConnection",),
         examples=("halfclose s1.1",), more=_CONN_MORE),
    _cmd("pauseProducing", "tcp", "NAME:ref=client|conn",
         "stop reading from the connection: no dataReceived until resumeProducing",
         "transport.pauseProducing", "pauseProducing c1", more=_CONN_MORE),
    _cmd("resumeProducing", "tcp", "NAME:ref=client|conn",
         "read from the connection again", "transport.resumeProducing", "resumeProducing c1",
         more=_CONN_MORE),
    _cmd("setTcpNoDelay", "tcp", "NAME:ref=client|conn [off]",
         "send small writes at once (TCP_NODELAY: no Nagle); 'off' turns it back off",
         "transport.setTcpNoDelay", "setTcpNoDelay c1", examples=("setTcpNoDelay c1 off",),
         more=_CONN_MORE),
    # -- session
    _cmd("note", "session", "TEXT:rest", "a note in the log", "", "note timers run in order"),
    _cmd("expect", "session", "CHECK:expect", "check the log so far (see help expect)", "",
         "expect order t1 t2", where="here"),
    _cmd("predict", "session", "WHAT:word=order NAMES:token...",
         "say the order you expect; checked when all have dispatched", "",
         "predict order t2 t1", where="here", labels={"NAMES": "TOKENS…"},
         examples=("predict order timer.fire:t2 deferred.fire:d1",),
         more=("a token is NAME, KIND:NAME or KIND, as in expect order",)),
    _cmd("break", "session", "KIND:kind [NAME:token]", "pause before a matching dispatch", "",
         "break timer.fire t2", where="here"),
    _cmd("unbreak", "session", "[KIND:kind] [NAME:token]",
         "remove breaks: every one, or those before KIND (and NAME)", "",
         "unbreak loop.call l1", where="here"),
    _cmd("filter", "session", "[KINDS:kind...] [from PLACES:rest]",
         "show only these kinds (and/or what code in these files or modules did)", "",
         "filter timer deferred", where="prompt", labels={"PLACES": "MODULE_OR_FILE…"},
         examples=("filter from echo", "filter tcp from mymod.py"),
         more=("a KIND is a kind (timer.fire) or a family (timer); errors always show; "
               "filter alone shows every kind",
               "from: events whose site (file:line) is in one of these files or modules, "
               "and the later events of the objects made there")),
    _cmd("internals", "session", "MODE:word=on|off", "show internal dispatches", "",
         "internals on", where="prompt"),
    _cmd("help", "session", "[COMMAND:command]", "the commands, or one command's page", "",
         "help later", where="prompt", labels={"COMMAND": "TOPIC"},
         more=("TOPIC: a command, steps (what a callback does), expect, or keys",)),
    _cmd("load", "session", "FILE:file [fresh]",
         "replay a scenario into this session; 'fresh' starts a fresh one first (as reset)",
         "", "load scenarios/01-calllater-order.rr", where="prompt",
         examples=("load scenarios/03-blocking-the-loop.rr fresh",)),
    _cmd("reset", "session", "",
         "a fresh session in this explorer: objects stopped and closed, names free, clock at 0",
         "", "reset", where="prompt"),
    _cmd("waiting", "session", "[SECONDS:duration]",
         "pending Deferreds older than SECONDS (default 1), and what each waits for", "",
         "waiting 0.5", where="here"),
    _cmd("next", "session", "",
         "while paused: what runs next (due timers in the heap's order, thread calls, readers)",
         "", "next", where="here"),
    _cmd("save", "session", "FILE:file [force]",
         "write the commands that ran as a scenario (force: overwrite FILE)", "",
         "save mine.rr", where="prompt"),
    _cmd("export", "session", "FILE:file [force]",
         "by suffix: .jsonl events, .json Chrome trace, .py a plain Twisted program, .txt the "
         "log as text (force: overwrite FILE)", "",
         "export run.json", where="prompt"),
    _cmd("clear", "session", "", "clear the log pane", "", "clear", where="prompt"),
    _cmd("quit", "session", "", "end the session", "", "quit", aliases=("exit",), where="prompt"),
    # -- your own code: Python, refused in scenario files without --allow-python
    _cmd("py", "python", "CODE:raw",
         "Python in the reactor thread: reactor, defer, task, threads and every named object",
         "", "py print(reactor.seconds())", python=True),
    _cmd("use", "python", "MODULE:module",
         "import FILE.py or package.module into the session's Python (the py namespace)", "",
         "use mymod.py", where="prompt", examples=("use mypackage.clients",), python=True,
         more=("then name its objects as module:attr (or module.attr): listen s1 0 "
               "mymod:Factory,", "connect c1 s1 mymod:Client, later 1 call mymod.tick, "
               "spawn mymod.main", "using your module again reloads it, also one another of yours "
               "imported (an installed or standard module, such as Twisted's, is taken as it "
               "is)")),
    _cmd("later", "python", "DELAY:duration [NAME:new=timer] call FN:pyref",
         "a timer that calls FN() of your code", "reactor.callLater",
         "later 1 t1 call mymod.tick", more=_PY_MORE),
    _cmd("every", "python",
         "INTERVAL:duration [NAME:new=loop] [now] [delayed] [times N:int=1..10000000] "
         "call FN:pyref",
         "a loop that calls FN() of your code", "task.LoopingCall.start",
         "every 0.5 l1 call mymod.poll", more=_PY_MORE, exclusive=(("now", "delayed"),)),
    _cmd("thread", "python", "[NAME:new=thread] call FN:pyref",
         "a job that runs FN() of your code in a pool thread; NAME is its Deferred",
         "threads.deferToThread", "thread j1 call mymod.slow_io", more=_PY_MORE),
    _cmd("spawn", "python", "FN:pyref [ARGS:value...] [as NAME:new=deferred]",
         "start FN(ARGS…), an async def or inlineCallbacks function of your code",
         "defer.ensureDeferred", "spawn mymod.crawl 3 as d9",
         more=("NAME (default: the next d…) is the Deferred of its result",) + _PY_MORE),
)

# STEPs: what a callback does (addCallback d1 STEP)
STEPS: tuple[Command, ...] = (
    _cmd("pass", "step", "", "return the result unchanged", example="addCallback d1 pass"),
    _cmd("add", "step", "N:number", "result + N", example="addCallback d1 add 1"),
    _cmd("mul", "step", "N:number", "result * N", example="addCallback d1 mul 2"),
    _cmd("return", "step", "VALUE:value", "return VALUE", example="addCallback d1 return done"),
    _cmd("raise", "step", "[MESSAGE:rest]", "raise Exception(MESSAGE)",
         example="addCallback d1 raise oops"),
    _cmd("recover", "step", "[VALUE:value]", "swallow the failure, return VALUE",
         example="addErrback d1 recover 0"),
    _cmd("trap", "step", "TYPE:word", "Failure.trap(TYPE): re-raise other errors",
         example="addErrback d1 trap CancelledError"),
    _cmd("await", "step", "NAME:ref=deferred",
         "return Deferred NAME: the chain pauses until it fires", example="addCallback d1 await d2"),
    _cmd("block", "step", "DURATION:duration [cpu]", "block the reactor inside the callback",
         example="addCallback d1 block 0.5"),
    _cmd("do", "step", "COMMAND:command_line", "run a command; the result passes on",
         example="addCallback d1 do fire d2"),
    _cmd("py", "step", "EXPR:raw", "a Python expression of result (Python)",
         example="addCallback d1 py result * 10", python=True),
    _cmd("call", "step", "FN:pyref", "FN(result), a callable of your code (Python)",
         example="addCallback d1 call mymod.parse", python=True),
)

# the STEPs of async and inlineCallbacks: one statement of the coroutine's body each
COROUTINE_STEPS: tuple[Command, ...] = (
    _cmd("await", "coroutine", "NAME:ref=deferred",
         "await the Deferred NAME (inlineCallbacks: yield it); it waits if NAME has not fired",
         example="async c1 await d1 ; return 1"),
    _cmd("sleep", "coroutine", "SECONDS:duration", "await task.deferLater(reactor, SECONDS)",
         example="async c1 sleep 0.5 ; return 1"),
    _cmd("return", "coroutine", "VALUE:value", "return VALUE: its Deferred fires with it",
         example="async c1 return done"),
    _cmd("raise", "coroutine", "[MESSAGE:rest]",
         "raise Exception(MESSAGE): its Deferred fails with it", example="async c1 raise boom"),
    _cmd("do", "coroutine", "COMMAND:command_line", "run a command, then the next step",
         example="async c1 do fire d2 ; await d1"),
)

# the STEPs of a thread job: what the function run in the pool thread does
JOB_STEPS: tuple[Command, ...] = (
    _cmd("sleep", "job", "SECONDS:duration", "time.sleep(SECONDS) in the pool thread",
         example="thread j1 sleep 0.5 ; return 1"),
    _cmd("fromthread", "job", "[NAME:new=threadcall] [do]",
         "reactor.callFromThread: hand the reactor a call that runs do; the job goes on",
         example="thread j1 sleep 0.5 ; fromthread f1 do note half way ; sleep 0.5"),
    _cmd("blocking", "job", "[NAME:new=threadcall] [do]",
         "threads.blockingCallFromThread: the reactor runs do, the job waits until it has",
         example="thread j1 blocking f1 do fire d1 ; sleep 0.5"),
    _cmd("return", "job", "VALUE:value", "return VALUE: the job's result",
         example="thread j1 sleep 0.1 ; return 41"),
    _cmd("raise", "job", "[MESSAGE:rest]", "raise Exception(MESSAGE) in the pool thread",
         example="thread j1 sleep 0.1 ; raise boom"),
)

# several actions of one do, in order (``do fire d1 ; cancel t2``): made by the parser,
# never typed as a word of its own
ACTIONS = _cmd("actions", "time", "ACTIONS:command_line",
               "several actions in one callback, in order", where="callback")

EXPECTS: tuple[Command, ...] = (
    _cmd("order", "expect", "TOKENS:token...", "first dispatches in this order",
         example="expect order t1 d1 t2"),
    _cmd("same-tick", "expect", "A:token B:token", "first dispatches in one loop iteration",
         example="expect same-tick t1 t2"),
    _cmd("later-tick", "expect", "A:token B:token", "A's first dispatch in an earlier iteration",
         example="expect later-tick t1 f1"),
    _cmd("result", "expect", "NAME:ref=deferred VALUE:value", "NAME's current result is VALUE",
         example="expect result d1 42"),
    _cmd("failure", "expect", "NAME:ref=deferred [TEXT:rest]",
         "NAME's current result is a failure (mentioning TEXT)", example="expect failure d1 boom"),
    _cmd("pending", "expect", "NAME:ref=any", "NAME has not fired or finished",
         example="expect pending t2"),
    _cmd("count", "expect", "WHAT:kindtoken N:int=0..1000000000",
         "KIND or KIND:NAME happened N times",
         example="expect count loop.call:l1 3"),
    _cmd("late", "expect", "NAME:ref=timer|loop OP:word=>=|<= SECONDS:duration",
         "how late NAME ran (its latest firing)", example="expect late t1 >= 0.5"),
)



def _forms(table: tuple[Command, ...]) -> dict[str, tuple[Command, ...]]:
    """Every word (name or alias) → its forms, in table order."""
    out: dict[str, tuple[Command, ...]] = {}
    for c in table:
        for word in (c.name, *c.aliases):
            out[word] = out.get(word, ()) + (c,)
    return out


FORMS: dict[str, tuple[Command, ...]] = _forms(COMMANDS)
STEP_FORMS: dict[str, tuple[Command, ...]] = _forms(STEPS)
EXPECT_FORMS: dict[str, tuple[Command, ...]] = _forms(EXPECTS)
COROUTINE_FORMS: dict[str, tuple[Command, ...]] = _forms(COROUTINE_STEPS)
JOB_FORMS: dict[str, tuple[Command, ...]] = _forms(JOB_STEPS)
# a ``steps`` argument's table, by its extra (``STEPS:steps=job``)
STEP_TABLES: dict[str, dict[str, tuple[Command, ...]]] = {"coroutine": COROUTINE_FORMS,
                                                         "job": JOB_FORMS}
# a word's first form: what help pages and completion menus lead with
BY_NAME: dict[str, Command] = {w: forms[0] for w, forms in FORMS.items()}
# help's pages that are not a command's (the parser, completion and help read this)
HELP_TOPICS = ("steps", "expect", "keys", "kinds")
STEP_BY_NAME: dict[str, Command] = {w: forms[0] for w, forms in STEP_FORMS.items()}
EXPECT_BY_NAME: dict[str, Command] = {w: forms[0] for w, forms in EXPECT_FORMS.items()}


def auto_name(family: str, counters: dict[str, int], taken: object) -> str:
    """The next free name of a family (``t1 t2 …``): ``counters`` moves on, never back.

    ``taken`` is anything supporting ``in`` (the names in use)."""
    prefix = FAMILIES[family]
    n = counters.get(prefix, 0)
    while True:
        n += 1
        name = f"{prefix}{n}"
        if name not in taken:  # type: ignore[operator]
            counters[prefix] = n
            return name


def command_words() -> list[str]:
    """Every word that starts a command (names and aliases)."""
    return sorted(BY_NAME)
