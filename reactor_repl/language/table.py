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
raw token target step steppair kind command file data pyref protocol(=a|b) module.

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
        if self.label:
            return self.label.split()[-1].strip("[]…")
        return self.name

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
    # "prompt": only at the prompt or in a scenario, never inside the reactor.
    where: str = "reactor"
    args: tuple[Arg, ...] = field(default=(), compare=False)
    examples: tuple[str, ...] = ()  # more examples, after ``example``
    more: tuple[str, ...] = ()  # more lines for its help page
    # arguments of which at most one may be given (by Arg name: ("now", "delayed"))
    exclusive: tuple[tuple[str, ...], ...] = ()
    python: bool = False  # runs the person's Python: off in scenario files without the flag

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
         python: bool = False) -> Command:
    args = parse_signature(sig)
    if labels:
        args = tuple(replace(a, label=labels.get(a.name, "")) for a in args)
    return Command(name, group, sig, summary, api, example, aliases, where, args, examples,
                   more, exclusive, python)


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
# what help says of a name of your code
_PY_MORE = ("FN names a callable of your code: module.attr or module:attr, after use (help use)",)

COMMANDS: tuple[Command, ...] = (
    # -- time and the loop
    _cmd("later", "time", "DELAY:duration [NAME:new=timer] [do]",
         "a timer: records timer.fire when it runs, then its do", "reactor.callLater",
         "later 1.5 t1 do fire d1 ok"),
    _cmd("every", "time",
         "INTERVAL:duration [NAME:new=loop] [now] [delayed] [times N:int=1..10000000] [do]",
         "a repeating call, the first at once (now=True); 'delayed': the first after INTERVAL",
         "task.LoopingCall.start", "every 0.5 l1 times 3", examples=("every 0.5 l2 delayed",),
         more=("'times N' stops it after N calls; 'now' (the default, as in Twisted) is still "
               "accepted", "'delayed' is LoopingCall.start(INTERVAL, now=False)"),
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
         "addCallbacks d1 add 1 / recover 0", labels={"STEPS": "STEP / STEP"}),
    _cmd("fire", "deferred", "NAME:ref=deferred [VALUE:value]", "fire with a result",
         "Deferred.callback", "fire d1 41", aliases=("callback",)),
    _cmd("fail", "deferred", "NAME:ref=deferred [MESSAGE:rest]",
         "fire with a failure: Exception(MESSAGE)", "Deferred.errback", "fail d1 boom",
         aliases=("errback",)),
    _cmd("chain", "deferred", "NAME:ref=deferred OTHER:ref=deferred",
         "OTHER gets NAME's result", "Deferred.chainDeferred", "chain d1 d2"),
    _cmd("gather", "deferred", "NAMES:token...",
         "a new Deferred NAME with all the results of D…", "defer.gatherResults",
         "gather d3 d1 d2", labels={"NAMES": "[NAME] D…"},
         more=("the first word is the new name unless it is a Deferred already",)),
    _cmd("race", "deferred", "NAMES:token...",
         "a new Deferred NAME with the first result of D…", "defer.race", "race d3 d1 d2",
         labels={"NAMES": "[NAME] D…"},
         more=("the first word is the new name unless it is a Deferred already",)),
    _cmd("timeout", "deferred", "NAME:ref=deferred SECONDS:duration",
         "cancel NAME if it has not fired within SECONDS", "Deferred.addTimeout", "timeout d1 2"),
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
    _cmd("removeReader", "io", "NAME:ref=reader", "stop watching the pipe", "reactor.removeReader",
         "removeReader r1"),
    _cmd("addReader", "io", "NAME:ref=reader", "watch the pipe again", "reactor.addReader",
         "addReader r1"),
    # -- TCP
    _cmd("listen", "tcp",
         "[NAME:new=server] [PORT:int=0..65535] [PROTOCOL:protocol=echo|discard|poetry]",
         "a server on 127.0.0.1 (port 0: a free one)", "reactor.listenTCP",
         "listen s1 0 echo", labels={"PROTOCOL": "echo|discard|poetry|module:Factory"},
         more=("the protocol is echo unless given; its connections are s1.1, s1.2 …",
               "module:Factory is a factory or protocol class of your code (Python: help use)")),
    _cmd("connect", "tcp", "NAMES:target... [PROTOCOL:protocol]",
         "a client to a server NAME or a port; NAME is a Deferred of all bytes received",
         "reactor.connectTCP + ClientFactory", "connect c1 s1",
         labels={"NAMES": "[NAME] TARGET", "PROTOCOL": "module:Protocol"},
         more=("TARGET is a server's name or a port (1 to 65,535);",
               "module:Protocol is a protocol class of your code (Python: help use)")),
    _cmd("send", "tcp", "NAME:ref=client|conn DATA:data", "write DATA to a connection",
         "transport.write", "send c1 hello", examples=("send s1.1 hello from the server",),
         more=_CONN_MORE + ("DATA as for write: the rest of the line, escapes \\n \\r \\t "
                            "\\0 \\\\",)),
    _cmd("drop", "tcp", "NAME:ref=client|conn", "close after pending writes",
         "transport.loseConnection", "drop c1", examples=("drop s1.1",), more=_CONN_MORE),
    _cmd("abort", "tcp", "NAME:ref=client|conn", "close at once", "transport.abortConnection",
         "abort c1", examples=("abort s1.1",), more=_CONN_MORE),
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
               "spawn mymod.main", "using a module again reloads it")),
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
    _cmd("count", "expect", "WHAT:token N:int=0..1000000000", "KIND or KIND:NAME happened N times",
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
# a word's first form: what help pages and completion menus lead with
BY_NAME: dict[str, Command] = {w: forms[0] for w, forms in FORMS.items()}
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
