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

Types: duration int number value new(=family) ref(=family|…) word(=a|b) rest raw
token step steppair kind command file data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
}


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    extra: str = ""
    optional: bool = False
    many: bool = False
    keyword: str = ""  # introduced by this literal word; type "flag" when alone

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self.extra.split("|")) if self.type == "word" and self.extra else ()

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(self.extra.split("|")) if self.extra else ()

    def syntax(self) -> str:
        if self.type == "flag":
            return f"[{self.keyword}]"
        if self.type == "do":
            return "[do …]"
        shown = self.name + ("…" if self.many else "")
        if self.type == "word" and self.choices and len(self.choices) <= 3:
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
    # "prompt": only at the prompt or in a scenario, never inside the reactor.
    where: str = "reactor"
    args: tuple[Arg, ...] = field(default=(), compare=False)

    def syntax(self) -> str:
        return " ".join([self.name, *(a.syntax() for a in self.args)])

    @property
    def takes_do(self) -> bool:
        return any(a.type == "do" for a in self.args)


def _cmd(name: str, group: str, sig: str, summary: str, api: str = "", example: str = "",
         aliases: tuple[str, ...] = (), where: str = "reactor") -> Command:
    return Command(name, group, sig, summary, api, example, aliases, where, parse_signature(sig))


GROUPS = {
    "time": "Time and the loop",
    "deferred": "Deferreds",
    "thread": "Threads",
    "io": "File descriptors (IReadDescriptor)",
    "tcp": "TCP: transports, protocols, factories",
    "session": "Session, teaching and checks",
}

COMMANDS: tuple[Command, ...] = (
    # -- time and the loop
    _cmd("later", "time", "DELAY:duration [NAME:new=timer] [do]",
         "a timer: records timer.fire when it runs, then its do", "reactor.callLater",
         "later 1.5 t1 do fire d1 ok"),
    _cmd("every", "time", "INTERVAL:duration [NAME:new=loop] [now] [times N:int] [do]",
         "a repeating call; 'now' calls at once, 'times N' stops after N calls",
         "task.LoopingCall.start", "every 0.5 l1 now times 3"),
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
    _cmd("fromthread", "time", "[NAME:new=threadcall] [do]",
         "a helper thread hands a call to the reactor", "reactor.callFromThread",
         "fromthread f1 do note hello from a thread"),
    _cmd("trigger", "time",
         "PHASE:word=before|during|after EVENT:word=startup|shutdown [NAME:new=trigger] [do]",
         "a system event trigger", "reactor.addSystemEventTrigger",
         "trigger before shutdown g1 do note bye"),
    _cmd("stop", "time", "", "stop the reactor: shutdown triggers run, then the session ends",
         "reactor.stop", "stop"),
    _cmd("wait", "time", "DURATION:duration",
         "let time pass (live: the prompt sleeps; virtual: the clock advances)", "",
         "wait 2", where="prompt"),
    _cmd("step", "time", "", "run the next dispatch, then pause before the one after", "",
         "step", where="prompt"),
    _cmd("continue", "time", "", "resume after a break or step", "", "continue", where="prompt"),
    # -- Deferreds
    _cmd("deferred", "deferred", "[NAME:new=deferred]", "a new Deferred", "Deferred()",
         "deferred d1", aliases=("defer",)),
    _cmd("addCallback", "deferred", "NAME:ref=deferred STEP:step",
         "add a callback STEP", "Deferred.addCallback", "addCallback d1 add 1", aliases=("then",)),
    _cmd("addErrback", "deferred", "NAME:ref=deferred STEP:step", "add an errback STEP",
         "Deferred.addErrback", "addErrback d1 recover 0", aliases=("catch",)),
    _cmd("addBoth", "deferred", "NAME:ref=deferred STEP:step",
         "add a STEP run on success and on failure", "Deferred.addBoth", "addBoth d1 pass",
         aliases=("finally",)),
    _cmd("addCallbacks", "deferred", "NAME:ref=deferred STEPS:steppair",
         "add a callback and an errback as one link: STEP / STEP", "Deferred.addCallbacks",
         "addCallbacks d1 add 1 / recover 0"),
    _cmd("fire", "deferred", "NAME:ref=deferred [VALUE:value]", "fire with a result",
         "Deferred.callback", "fire d1 41", aliases=("callback",)),
    _cmd("fail", "deferred", "NAME:ref=deferred [MESSAGE:rest]",
         "fire with a failure: Exception(MESSAGE)", "Deferred.errback", "fail d1 boom",
         aliases=("errback",)),
    _cmd("chain", "deferred", "NAME:ref=deferred OTHER:ref=deferred",
         "OTHER gets NAME's result", "Deferred.chainDeferred", "chain d1 d2"),
    _cmd("gather", "deferred", "NAMES:token...",
         "[NAME] D…: a new Deferred with all the results", "defer.gatherResults",
         "gather d3 d1 d2"),
    _cmd("race", "deferred", "NAMES:token...",
         "[NAME] D…: a new Deferred with the first result", "defer.race", "race d3 d1 d2"),
    _cmd("timeout", "deferred", "NAME:ref=deferred SECONDS:duration",
         "cancel NAME if it has not fired within SECONDS", "Deferred.addTimeout", "timeout d1 2"),
    _cmd("show", "deferred", "NAME:ref=any",
         "an object's state: for a Deferred its links (✓ run), result, paused-on", "",
         "show d1"),
    # -- threads
    _cmd("thread", "thread", "[NAME:new=thread] DURATION:duration [raise MESSAGE:rest]",
         "a job taking DURATION in a pool thread; NAME is also its Deferred",
         "threads.deferToThread", "thread j1 2"),
    _cmd("threadpool", "thread", "SIZE:int", "set the pool's maximum size",
         "reactor.suggestThreadPoolSize", "threadpool 2"),
    # -- file descriptors
    _cmd("reader", "io", "[NAME:new=reader] [chunk N:int]",
         "a pipe with an IReadDescriptor on its reading end; doRead reads ≤ N bytes",
         "reactor.addReader", "reader r1 chunk 4"),
    _cmd("write", "io", "NAME:ref=reader DATA:data", "write into the pipe (\\n escapes allowed)",
         "os.write", "write r1 hello", where="here"),
    _cmd("close", "io", "NAME:ref=reader",
         "close the writing end: doRead sees end of file, then connectionLost", "os.close",
         "close r1", where="here"),
    _cmd("removeReader", "io", "NAME:ref=reader", "stop watching the pipe", "reactor.removeReader",
         "removeReader r1"),
    _cmd("addReader", "io", "NAME:ref=reader", "watch the pipe again", "reactor.addReader",
         "addReader r1"),
    # -- TCP
    _cmd("listen", "tcp", "[NAME:new=server] [PORT:int] [PROTOCOL:word=echo|discard|poetry]",
         "a server on 127.0.0.1 (port 0: a free one)", "reactor.listenTCP",
         "listen s1 0 echo"),
    _cmd("connect", "tcp", "NAMES:token...",
         "[NAME] TARGET: a client to a server NAME or a port; NAME is a Deferred of all bytes received",
         "reactor.connectTCP + ClientFactory", "connect c1 s1"),
    _cmd("send", "tcp", "NAME:ref=client|conn DATA:data", "write to a connection",
         "transport.write", "send c1 hello"),
    _cmd("drop", "tcp", "NAME:ref=client|conn", "close after pending writes",
         "transport.loseConnection", "drop c1"),
    _cmd("abort", "tcp", "NAME:ref=client|conn", "close at once", "transport.abortConnection",
         "abort c1"),
    # -- session
    _cmd("note", "session", "TEXT:rest", "a note in the log", "", "note timers run in order"),
    _cmd("expect", "session", "CHECK:expect", "check the log so far (see help expect)", "",
         "expect order t1 t2", where="here"),
    _cmd("predict", "session", "WHAT:word=order NAMES:token...",
         "say the order you expect; checked when all have dispatched", "",
         "predict order t2 t1", where="here"),
    _cmd("break", "session", "KIND:kind [NAME:token]", "pause before a matching dispatch", "",
         "break timer.fire t2", where="here"),
    _cmd("filter", "session", "[KINDS:kind...]", "show only these kinds in the log pane", "",
         "filter timer deferred", where="prompt"),
    _cmd("internals", "session", "MODE:word=on|off", "show internal dispatches", "",
         "internals on", where="prompt"),
    _cmd("help", "session", "[COMMAND:command]", "the commands, or one command's page", "",
         "help later", where="prompt"),
    _cmd("load", "session", "FILE:file", "replay a scenario into this session", "",
         "load scenarios/01-calllater.rr", where="prompt"),
    _cmd("save", "session", "FILE:file", "write this session's commands as a scenario", "",
         "save mine.rr", where="prompt"),
    _cmd("export", "session", "FILE:file",
         "by suffix: .jsonl events, .json Chrome trace, .py a plain Twisted program", "",
         "export run.json", where="prompt"),
    _cmd("clear", "session", "", "clear the log pane", "", "clear", where="prompt"),
    _cmd("quit", "session", "", "end the session", "", "quit", aliases=("exit",), where="prompt"),
    _cmd("py", "session", "CODE:raw",
         "Python in the reactor thread: reactor, defer, task, threads and every named object",
         "", "py print(reactor.seconds())"),
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
    _cmd("py", "step", "EXPR:raw", "a Python expression of result",
         example="addCallback d1 py result * 10"),
)

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
    _cmd("count", "expect", "WHAT:token N:int=0", "KIND or KIND:NAME happened N times",
         example="expect count loop.call:l1 3"),
    _cmd("late", "expect", "NAME:ref=timer|loop OP:word=>=|<= SECONDS:duration",
         "how late NAME ran (its latest firing)", example="expect late t1 >= 0.5"),
)

KINDS: tuple[str, ...] = (
    "session.start", "session.end", "input", "error", "note", "log", "show", "output",
    "timer.schedule", "timer.fire", "timer.cancel", "timer.reset", "timer.delay",
    "loop.start", "loop.call", "loop.stop",
    "block.start", "block.end",
    "threadcall.queue", "threadcall.run",
    "deferred.new", "deferred.add", "deferred.fire", "deferred.step", "deferred.pause",
    "deferred.resume", "deferred.result", "deferred.cancel", "deferred.error",
    "deferred.unhandled",
    "thread.queue", "thread.start", "thread.end", "thread.result", "thread.pool",
    "reader.add", "reader.write", "reader.close", "reader.read", "reader.remove", "reader.lost",
    "tcp.listen", "tcp.connecting", "tcp.build", "tcp.made", "tcp.data", "tcp.write",
    "tcp.lost", "tcp.failed", "tcp.clientlost", "tcp.stop",
    "trigger.add", "trigger.fire", "trigger.remove", "reactor.stop",
    "io.ready", "clock.advance", "break", "predict",
    "warn.slow", "warn.blocked",
    "expect.pass", "expect.fail",
)

KIND_FAMILIES: tuple[str, ...] = tuple(sorted({k.split(".")[0] for k in KINDS}))


def _index(table: tuple[Command, ...]) -> dict[str, Command]:
    out: dict[str, Command] = {}
    for c in table:
        out[c.name] = c
        for a in c.aliases:
            out[a] = c
    return out


BY_NAME: dict[str, Command] = _index(COMMANDS)
STEP_BY_NAME: dict[str, Command] = _index(STEPS)
EXPECT_BY_NAME: dict[str, Command] = _index(EXPECTS)


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
