"""Each command as the Twisted calls it stands for, written as Python statements.

A command at the session's top level makes what its line made in the explorer,
under the name the event stream gives; inside a callback (``do``) it names what it
makes at run time by the explorer's rule (``new_name``), when the session needs
that. Code is built as lines plus the session variables it assigns, so a function
that wraps it declares them ``global`` without reading the code again.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Callable

from twisted.internet import defer, error

from reactor_repl.engine.commands.deferreds import _exception_type
from reactor_repl.engine.commands.time import _now
from reactor_repl.engine.core import CommandError
from reactor_repl.language.parser import Parsed, Step
from reactor_repl.views.escape import printable
from reactor_repl.views.pyexport.stream import MAKES, Line, Session


@dataclass
class Code:
    """Statements (unindented) and the session variables they assign (module globals)."""

    lines: list[str] = field(default_factory=list)
    assigns: list[str] = field(default_factory=list)

    def __iadd__(self, other: Code | list[str]) -> Code:
        if isinstance(other, Code):
            self.lines += other.lines
            self.assigns += [a for a in other.assigns if a not in self.assigns]
        else:
            self.lines += other
        return self


def indent(lines: list[str]) -> list[str]:
    return ["    " + line if line else line for line in lines]


def function(name: str, params: str, body: Code, head_word: str = "def") -> Code:
    """``def name(params):`` around ``body``, declaring the session variables it assigns
    (``head_word`` "async def" for a coroutine)."""
    head = [f"{head_word} {name}({params}):"]
    if body.assigns:
        head.append("    global " + ", ".join(body.assigns))
    return Code(head + indent(body.lines or ["pass"]))


class Unsupported(Exception):
    """A command the program cannot write (it stays a comment)."""


@dataclass
class Made:
    """How code refers to an object it makes: its name, as a Python expression, and
    where it is kept."""

    name: str  # a Python expression of the name: a literal, or a local holding it
    store: str  # what it is assigned to
    var: str  # the session variable, or "" (kept in Names.objects)
    setup: list[str] = field(default_factory=list)  # before it is made (run-time naming)
    after: list[str] = field(default_factory=list)  # after (the registry of names)
    base: str = ""  # for the names of its callbacks


class Writer:
    """Writes the commands of one session."""

    def __init__(self, session: Session, reserved: set[str], registry: bool,
                 pausing: bool, callback_names: set[str]) -> None:
        self.session = session
        self.callback_names = callback_names  # names callbacks ask for: session variables
        self.registry = registry  # names are kept at run time (callbacks make objects)
        self.pausing = pausing
        self.reserved = reserved | set(dir(builtins)) | set(keyword.kwlist)
        self.vars: dict[str, str] = {}
        self.funcs: set[str] = set()
        self.line: Line | None = None  # the top-level line being written
        for name in sorted(session.family):
            self.var_of(name)

    # ------------------------------------------------------------------ names
    def var_of(self, name: str) -> str:
        """The session variable for ``name``: an identifier no other name or part has."""
        v = self.vars.get(name)
        if v is not None:
            return v
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not base.isidentifier():
            base = "_" + base
        if base in self.reserved:
            base += "_"
        v, k = base, 1
        taken = set(self.vars.values()) | self.funcs
        while v in taken:
            k += 1
            v = f"{base}_{k}"
        self.vars[name] = v
        return v

    def func(self, base: str) -> str:
        """A fresh name for a function or a local."""
        name, k = base, 1
        taken = set(self.vars.values()) | self.reserved
        while name in self.funcs or name in taken:
            k += 1
            name = f"{base}_{k}"
        self.funcs.add(name)
        return name

    def ref(self, name: str) -> str:
        """Python for the object ``name`` (a variable; Names.objects for one a callback
        named at run time)."""
        if name in self.session.family and name not in self.session.by_lines \
                and name not in self.callback_names:
            return f"Names.objects[{name!r}]"
        return self.var_of(name)

    def made(self, p: Parsed, family: str) -> Made:
        """How the object ``p`` makes is named: the stream's name for a line's; at run
        time for a callback's."""
        if self.line is not None:
            name = self.line.made
            if name is None:
                raise Unsupported("the log does not say what it made")
            var = self.var_of(name)
            after = []
            if self.registry:
                auto = requested(p, self.session, name) is None
                after = [f"made({family!r}, {name!r}{', auto=True' if auto else ''})"]
            return Made(repr(name), var, var, after=after, base=var)
        wanted = requested(p, self.session)
        if wanted is not None:
            var = self.var_of(wanted)
            setup = [f"new_name({family!r}, {wanted!r})"] if self.registry else []
            return Made(repr(wanted), var, var, setup=setup, base=var)
        local = self.func(f"{family}_name")
        return Made(local, f"Names.objects[{local}]", "",
                    setup=[f"{local} = new_name({family!r})"], base=family)

    def code_made(self, m: Made, body: list[str], kept: bool = True) -> Code:
        """``body`` with the naming around it; ``kept``: it assigns the session variable."""
        return Code(m.setup + body + m.after, [m.var] if m.var and kept else [])

    # --------------------------------------------------------------- commands
    def command(self, p: Parsed) -> Code:
        """The statements that do what ``p`` does."""
        if own_code(p):
            raise Unsupported(OWN_CODE)
        fn: Callable[[Parsed], Code] | None = getattr(self, "cmd_" + p.name, None)
        if fn is None:
            if p.name == "note":
                return Code([f"pass  # note: {printable(p['TEXT'] or '')}"])
            if p.name in SAID:
                return Code([f"pass  # {printable(p.text)} ({SAID[p.name]})"])
            raise Unsupported(f"{p.name} has no plain-Twisted equivalent here")
        return fn(p)

    def do(self, p: Parsed | None) -> Code:
        """A callback's ``do``: the command, written to run inside the reactor."""
        if p is None:
            return Code()
        outer, self.line = self.line, None
        try:
            return self.command(p)
        finally:
            self.line = outer

    def callback(self, m: Made, verb: str, kind: str, p: Parsed) -> tuple[str, Code]:
        """The function the reactor calls for ``p``: it shows the dispatch, then its ``do``."""
        f = self.func(f"{m.base}_{verb}")
        body = Code([f"show({kind!r}, {m.name})"])
        body += self.do(p.do)
        return f, body

    # -- time and the loop
    def cmd_later(self, p: Parsed) -> Code:
        m = self.made(p, "timer")
        f, body = self.callback(m, "fires", "timer.fire", p)
        code = function(f, "", body)
        code += [f"{m.store} = reactor.callLater({num(p['DELAY'])}, {f})"]
        return self.code_made(m, code.lines)

    def cmd_every(self, p: Parsed) -> Code:
        m = self.made(p, "loop")
        times = p["N"]
        wait = p["SECONDS"]
        f = self.func(f"{m.base}_calls")
        body = Code([f"show('loop.call', {m.name})"])
        if times is not None:
            body += [f"calls[{m.name}] += 1"]
        body += self.do(p.do)
        if wait is not None:
            body += [f"waited = task.deferLater(reactor, {num(wait)})  # the loop waits for it"]
        if times is not None:
            body += [f"if calls[{m.name}] >= {times} and {m.store}.running:",
                     f"    {m.store}.stop()  # times {times}"]
        if wait is not None:
            body += ["return waited"]
        code = function(f, "count" if p["count"] else "", body)
        if times is not None:
            code += [f"calls[{m.name}] = 0"]
        maker = "task.LoopingCall.withCount" if p["count"] else "task.LoopingCall"
        code += [f"{m.store} = {maker}({f})",
                 f"{m.store}.start({num(p['INTERVAL'])}, now={_now(p)})"]
        return self.code_made(m, code.lines)

    def cmd_cancel(self, p: Parsed) -> Code:
        name = p["NAME"]
        obj = self.ref(name)
        family = self.session.family.get(name)
        if family == "loop":
            return Code([f"{obj}.stop()"])
        if family == "trigger":
            return Code([f"reactor.removeSystemEventTrigger({obj})"])
        if family == "reader":
            return Code([f"reactor.removeReader({obj})"])
        if family == "server":
            return Code([f"{obj}.stopListening()"])
        return Code([f"{obj}.cancel()"])  # a timer or a Deferred

    def cmd_reset(self, p: Parsed) -> Code:
        if p["NAME"] is None:  # the session's reset: the program begins after the last one
            return Code([f"pass  # {printable(p.text)} (the explorer's)"])
        return Code([f"{self.ref(p['NAME'])}.reset({num(p['DELAY'])})"])

    def cmd_delay(self, p: Parsed) -> Code:
        return Code([f"{self.ref(p['NAME'])}.delay({num(p['SECONDS'])})"])

    def cmd_block(self, p: Parsed) -> Code:
        return Code([block(p["DURATION"], bool(p["cpu"]))])

    def cmd_fromthread(self, p: Parsed) -> Code:
        m = self.made(p, "threadcall")
        if p["unsafe"]:  # the thread runs it itself (the bug warn.thread names): no dispatch
            f = self.func(f"{m.base}_runs")
            code = function(f, "", self.do(p.do) or Code(["pass"]))
            code += [f"helpers.started(in_a_thread({f}))"]
            return self.code_made(m, code.lines, kept=False)
        f, body = self.callback(m, "runs", "threadcall.run", p)
        code = function(f, "", body)
        code += [f"helpers.started(from_a_thread(reactor, {f}))"]
        return self.code_made(m, code.lines, kept=False)

    def cmd_trigger(self, p: Parsed) -> Code:
        m = self.made(p, "trigger")
        f, body = self.callback(m, "fires", "trigger.fire", p)
        if p["SECONDS"] is not None:
            body += [f"return task.deferLater(reactor, {num(p['SECONDS'])})"
                     "  # a 'before' trigger's Deferred holds the event"]
        code = function(f, "", body)
        code += [f"{m.store} = reactor.addSystemEventTrigger({p['PHASE']!r}, {p['EVENT']!r}, "
                 f"{f})"]
        return self.code_made(m, code.lines)

    def cmd_stop(self, p: Parsed) -> Code:
        return Code(["reactor.stop()"])

    def cmd_crash(self, p: Parsed) -> Code:
        return Code(["reactor.crash()  # the loop stops now: no shutdown triggers"])

    def cmd_callWhenRunning(self, p: Parsed) -> Code:
        f = self.func("when_running")
        body = self.do(p.do)
        code = function(f, "", body)
        code += [f"reactor.callWhenRunning({f})  # it runs: Twisted calls {f} at once"]
        return code

    def cmd_actions(self, p: Parsed) -> Code:
        """``do A ; B``: each in turn."""
        code = Code()
        for sub in p["ACTIONS"]:
            code += self.command(sub)
        return code

    def cmd_raise(self, p: Parsed) -> Code:
        return Code([f"raise Exception({(p['MESSAGE'] or '')!r})"])

    # -- Deferreds
    def deferred(self, m: Made, make: str, comment: str = "") -> Code:
        """``make`` (a call making a Deferred) under ``naming``: the program shows its steps."""
        return self.code_made(m, [f"with naming({m.name}):", f"    {m.store} = {make}{comment}"])

    def cmd_deferred(self, p: Parsed) -> Code:
        m = self.made(p, "deferred")
        if not p["canceller"]:
            return self.deferred(m, "defer.Deferred()")
        f = self.func(f"{m.base}_cancels")
        body = self.do(p.do)
        code = function(f, "deferred", body)
        code += self.deferred(m, f"defer.Deferred({f})")
        return code

    def cmd_addCallback(self, p: Parsed) -> Code:
        return self._add(p, "addCallback", p["STEP"])

    def cmd_addErrback(self, p: Parsed) -> Code:
        return self._add(p, "addErrback", p["STEP"])

    def cmd_addBoth(self, p: Parsed) -> Code:
        return self._add(p, "addBoth", p["STEP"])

    def _add(self, p: Parsed, method: str, step: Step) -> Code:
        obj = self.ref(p["NAME"])
        code, fn = self.step(p["NAME"], step, "failure" if method == "addErrback" else "result")
        code += [f"{obj}.{method}({fn})"]
        return code

    def cmd_addCallbacks(self, p: Parsed) -> Code:
        obj = self.ref(p["NAME"])
        ok, bad = p["STEPS"]
        code, f1 = self.step(p["NAME"], ok, "result")
        more, f2 = self.step(p["NAME"], bad, "failure")
        code += more
        code += [f"{obj}.addCallbacks({f1}, {f2})"]
        return code

    def step(self, owner: str, s: Step, arg: str) -> tuple[Code, str]:
        """(definitions, the callable) for a callback STEP of ``owner``."""
        a, k = s.args, s.name
        if k == "pass":
            return Code(), f"lambda {arg}: {arg}"
        if k in ("add", "mul"):
            return Code(), f"lambda {arg}: {arg} {'+' if k == 'add' else '*'} {a['N']!r}"
        if k in ("return", "recover"):
            return Code(), f"lambda {arg}: {a['VALUE']!r}"
        if k == "py":
            # what it prints goes where a py line's does: not among the KIND NAME lines
            f = self.func(f"{self.var_of(owner)}_evaluates")
            return function(f, "result", Code([
                "with contextlib.redirect_stdout(sys.stderr):  # py: not a dispatch",
                f"    return ({python(a['EXPR'], 'eval')})"])), f
        if k == "call":
            raise Unsupported(OWN_CODE)
        f = self.func(f"{self.var_of(owner)}_{STEP_VERBS[k]}")
        if k == "await":
            body = Code([f"return {self.ref(a['NAME'])}  # a Deferred: the chain waits for it"])
        elif k == "raise":
            body = Code([f"raise Exception({(a['MESSAGE'] or '')!r})"])
        elif k == "trap":
            body = Code([f"if not isinstance({arg}, Failure):", f"    return {arg}",
                         f"return {arg}.trap({exception(a['TYPE'])})"
                         "  # another error goes on down the chain"])
        elif k == "block":
            body = Code([block(a["DURATION"], bool(a["cpu"])), f"return {arg}"])
        elif k == "do":
            body = self.do(s.do)
            body += [f"return {arg}"]
        else:  # pragma: no cover - the table and this method list the same steps
            raise Unsupported(f"unknown step {k}")
        return function(f, arg, body), f

    def cmd_fire(self, p: Parsed) -> Code:
        return self._fire(p, f"{self.ref(p['NAME'])}.callback({p['VALUE']!r})")

    def cmd_fail(self, p: Parsed) -> Code:
        message = p["MESSAGE"] or ""
        return self._fire(p, f"{self.ref(p['NAME'])}.errback(Failure(Exception({message!r})))")

    def _fire(self, p: Parsed, call: str) -> Code:
        if self.line is None or not self.line.fired_twice:
            return Code([call])
        return Code(["try:", f"    {call}", "except defer.AlreadyCalledError:",
                     "    pass  # a Deferred fires once: the explorer logs deferred.error"])

    def cmd_chain(self, p: Parsed) -> Code:
        return Code([f"{self.ref(p['NAME'])}.chainDeferred({self.ref(p['OTHER'])})"])

    def cmd_gather(self, p: Parsed) -> Code:
        m, inputs = self._gathered(p)
        consume = ", consumeErrors=True" if p["consumeErrors"] else ""
        return self.deferred(m, f"defer.gatherResults([{inputs}]{consume})")

    def cmd_deferredList(self, p: Parsed) -> Code:
        m, inputs = self._gathered(p)
        flags = "".join(f", {f}=True" for f in ("fireOnOneCallback", "fireOnOneErrback",
                                                "consumeErrors") if p[f])
        return self.deferred(m, f"defer.DeferredList([{inputs}]{flags})")

    def cmd_async(self, p: Parsed) -> Code:
        m = self.made(p, "deferred")
        f = self.func(f"{m.base}_coroutine")
        code = function(f, "", self.coroutine_body(p, m, "await"), "async def")
        code += self.deferred(m, f"defer.ensureDeferred({f}())")
        return code

    def cmd_inlineCallbacks(self, p: Parsed) -> Code:
        m = self.made(p, "deferred")
        f = self.func(f"{m.base}_generator")
        code = Code(["@defer.inlineCallbacks"])
        code += function(f, "", self.coroutine_body(p, m, "yield"))
        code += self.deferred(m, f"{f}()")
        return code

    def coroutine_body(self, p: Parsed, m: Made, wait: str) -> Code:
        """The statements of a coroutine's STEPs; ``wait`` is await (async def) or yield."""
        body = Code()
        waits = False
        coroutine = self.line.made if self.line is not None else None
        for k, step in enumerate(p["STEPS"], 1):
            a = step.args
            if step.name == "await":
                body += [f"{wait} {self.ref(a['NAME'])}  # step {k}"]
                waits = True
            elif step.name == "sleep":
                made = repr(f"{coroutine}.{k}") if coroutine else f"{m.name} + {'.' + str(k)!r}"
                body += [f"with naming({made}):  # step {k}",
                         f"    sleeping = task.deferLater(reactor, {num(a['SECONDS'])})",
                         f"{wait} sleeping"]
                waits = True
            elif step.name == "return":
                body += [f"return {a['VALUE']!r}  # step {k}"]
            elif step.name == "raise":
                body += [f"raise Exception({(a['MESSAGE'] or '')!r})  # step {k}"]
            else:
                body += [f"# step {k}: {printable(step.text)}"]
                body += self.do(step.do)
        if wait == "yield" and not waits:
            body.lines.insert(0, "yield from ()  # (a generator, as inlineCallbacks wants)")
        return body

    def cmd_race(self, p: Parsed) -> Code:
        m, inputs = self._gathered(p)
        return self.deferred(m, f"defer.race([{inputs}])")

    def _gathered(self, p: Parsed) -> tuple[Made, str]:
        m = self.made(p, "deferred")
        words = list(p["NAMES"])
        made = self.line.made if self.line is not None else None
        if requested(p, self.session, made) is not None:
            words = words[1:]
        return m, ", ".join(self.ref(w) for w in words)

    def cmd_timeout(self, p: Parsed) -> Code:
        return Code([f"{self.ref(p['NAME'])}.addTimeout({num(p['SECONDS'])}, reactor)"])

    # -- threads
    def cmd_callInThread(self, p: Parsed) -> Code:
        return self.cmd_thread(p)

    def job_work(self, p: Parsed, m: Made) -> tuple[Code, str]:
        """The function a job runs in its pool thread (a job of STEPs, or callInThread's)."""
        f = self.func(f"{m.base}_work")
        body = Code()
        if p["STEPS"] is None:
            body += [f"job.sleep({num(p['DURATION'])})  # time.sleep, saying when it is due"]
            if p["MESSAGE"] is not None:
                body += [f"raise Exception({p['MESSAGE']!r})"]
            return function(f, "job", body), f
        for step in p["STEPS"]:
            a = step.args
            if step.name == "sleep":
                body += [f"job.sleep({num(a['SECONDS'])})"]
            elif step.name == "return":
                body += [f"return {a['VALUE']!r}"]
            elif step.name == "raise":
                body += [f"raise Exception({(a['MESSAGE'] or '')!r})"]
            else:
                body += self.hand_over(step)
        return function(f, "job", body), f

    def hand_over(self, step: Step) -> Code:
        """``fromthread`` / ``blocking`` in a job: a call handed to the reactor from there."""
        wanted = step.args["NAME"]
        if wanted is not None:
            name = repr(wanted)
            code = Code([f"new_name('threadcall', {name})"] if self.registry else [])
        else:
            name = self.func("threadcall_name")
            code = Code([f"{name} = new_name('threadcall')"])
        f = self.func(f"{self.var_of(wanted) if wanted else 'threadcall'}_runs")
        body = Code([f"show('threadcall.run', {name})"])
        body += self.do(step.do)
        code += function(f, "", body)
        if step.name == "fromthread":
            code += [f"reactor.callFromThread({f})"]
        else:
            code += [f"threads.blockingCallFromThread(reactor, {f})  # waits until it ran"]
        return code

    def cmd_thread(self, p: Parsed) -> Code:
        m = self.made(p, "thread")
        if p.name == "callInThread" or p["STEPS"] is not None:
            code, f = self.job_work(p, m)
            back = ", hands_back=False" if p.name == "callInThread" else ""
            pacing = f"jobs.steps({m.name}{back}).run"
            if p.name == "callInThread":
                code += [f"reactor.callInThread({pacing}, {f})  # nothing comes back"]
                return self.code_made(m, code.lines, kept=False)
            code += self.deferred(m, f"threads.deferToThread({pacing}, {f})")
            return code
        args = num(p["DURATION"])
        if p["VALUE"] is not None:
            args += f", value={p['VALUE']!r}"
        if p["MESSAGE"] is not None:
            args += f", error={p['MESSAGE']!r}"
        return self.deferred(m, f"threads.deferToThread(job, {args}, "
                                f"sleep=jobs.sleep({m.name}))")

    def cmd_threadpool(self, p: Parsed) -> Code:
        return Code([f"reactor.suggestThreadPoolSize({p['SIZE']})"])

    # -- the seed's IReadDescriptor, on a pipe
    def cmd_reader(self, p: Parsed) -> Code:
        m = self.made(p, "reader")
        return self.code_made(m, [f"{m.store} = NamedReader({m.name}, chunk={p['N'] or 1024})",
                                  f"reactor.addReader({m.store})"])

    def cmd_writer(self, p: Parsed) -> Code:
        m = self.made(p, "writer")
        return self.code_made(m, [f"{m.store} = NamedWriter({m.name}, {self.ref(p['READER'])}, "
                                  f"reactor, chunk={p['N'] or 1024})",
                                  f"reactor.addWriter({m.store})  # nothing to write yet"])

    def cmd_write(self, p: Parsed) -> Code:
        data = p["DATA"].encode("utf-8")
        return Code([f"{self.ref(p['NAME'])}.write({data!r})  # os.write into the pipe"])

    def cmd_close(self, p: Parsed) -> Code:
        return Code([f"{self.ref(p['NAME'])}.close_write()  # the reader will see end of file"])

    def cmd_removeReader(self, p: Parsed) -> Code:
        return Code([f"reactor.removeReader({self.ref(p['NAME'])})"])

    def cmd_addReader(self, p: Parsed) -> Code:
        return Code([f"reactor.addReader({self.ref(p['NAME'])})"])

    # -- TCP on loopback
    def cmd_listen(self, p: Parsed) -> Code:
        m = self.made(p, "server")
        greet = p["DATA"]
        greeting = f", greet={greet.encode('utf-8')!r}" if greet is not None else ""
        factory = (f"named_server({m.name}, server_factory({(p['PROTOCOL'] or 'echo')!r}"
                   f"{greeting}))")
        return self.code_made(m, [f"{m.store} = reactor.listenTCP({p['PORT'] or 0}, {factory}, "
                                  "interface='127.0.0.1')",
                                  f"Connections.ports[{m.name}] = {m.store}.getHost().port"])

    def cmd_connect(self, p: Parsed) -> Code:
        target = list(p["NAMES"])[-1]
        port = target if target.isdigit() else f"Connections.ports[{target!r}]"
        m = self.made(p, "client")
        code = self.deferred(m, "defer.Deferred()", "  # all it receives, when it closes")
        code += [f"reactor.connectTCP('127.0.0.1', {port}, "
                 f"named_client({m.name}, Collector({m.store})), timeout=5)"]
        return code

    def cmd_send(self, p: Parsed) -> Code:
        if self.session.family.get(p["NAME"]) == "writer":
            return Code([f"{self.ref(p['NAME'])}.write({p['DATA'].encode('utf-8')!r})"
                         "  # it buffers, and calls addWriter"])
        return Code([f"transport({p['NAME']!r}).write({p['DATA'].encode('utf-8')!r})"])

    def cmd_halfclose(self, p: Parsed) -> Code:
        return Code([f"transport({p['NAME']!r}).loseWriteConnection()"])

    def cmd_pauseProducing(self, p: Parsed) -> Code:
        return Code([f"transport({p['NAME']!r}).pauseProducing()"])

    def cmd_resumeProducing(self, p: Parsed) -> Code:
        return Code([f"transport({p['NAME']!r}).resumeProducing()"])

    def cmd_setTcpNoDelay(self, p: Parsed) -> Code:
        return Code([f"transport({p['NAME']!r}).setTcpNoDelay({not p['off']})"])

    def cmd_drop(self, p: Parsed) -> Code:
        return Code([f"transport({p['NAME']!r}).loseConnection()"])

    def cmd_abort(self, p: Parsed) -> Code:
        return Code([f"transport({p['NAME']!r}).abortConnection()"])

    # -- the explorer's own, and Python
    def cmd_break(self, p: Parsed) -> Code:
        if not self.pausing:
            return Code([f"pass  # {printable(p.text)} (the explorer's own)"])
        return Code([f"pause.breaks.append(({p['KIND']!r}, {(p['NAME'] or '')!r}))"])

    def cmd_py(self, p: Parsed) -> Code:
        # the names it sets are the program's globals, as the session's py namespace
        # persists (each was a local of its function: the next py line's NameError)
        return Code(["with contextlib.redirect_stdout(sys.stderr):  # py: not a dispatch",
                     f"    {python(p['CODE'], 'exec')}"], assigned_names(p["CODE"]))


# lines only the explorer acts on: comments in the program, saying what it does with them
SAID = {"note": "", "expect": "the explorer checks it", "predict": "the explorer checks it",
        "show": "the explorer shows it", "waiting": "the explorer shows it",
        "next": "the explorer shows it", "filter": "the explorer's view",
        "internals": "the explorer's view", "help": "the explorer's help",
        "clear": "the explorer's view", "save": "the explorer's", "load": "the explorer's",
        "export": "the explorer's", "quit": "the explorer's"}
STEP_VERBS = {"await": "waits", "raise": "raises", "trap": "traps", "block": "blocks",
              "do": "does"}


OWN_CODE = ("your own code (use, call, spawn, module:Factory) is not in the export yet: "
            "import it and write the call yourself")


def own_code(p: Parsed) -> bool:
    """Does ``p`` run the person's own code (a module they ``use``)?"""
    return (p.command.group == "python" and p.name != "py") or p.name == "spawn" or \
        (p.name in ("listen", "connect") and ":" in (p["PROTOCOL"] or ""))


def requested(p: Parsed, session: Session, made: str | None = None) -> str | None:
    """The name a creating command asks for, if any. ``gather g d1 d2`` names g when g is
    no object yet (the explorer decides when it runs): a line made ``made``; a callback's
    first word names no object a line made."""
    if isinstance(p, Step):  # a job's fromthread or blocking
        return p.args.get("NAME")
    if p.name in ("gather", "race", "deferredList"):
        words = list(p["NAMES"])
        if len(words) < 2:
            return None
        first = words[0]
        if made is not None:
            return first if first == made else None
        return first if first not in session.by_lines else None
    if p.name == "connect":
        words = list(p["NAMES"])
        return words[0] if len(words) == 2 else None
    return p["NAME"] if p.name in MAKES else None


def num(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def block(seconds: float, cpu: bool) -> str:
    if cpu:
        return f"block({num(seconds)}, cpu=True)  # block: the loop can do nothing else meanwhile"
    return f"time.sleep({num(seconds)})  # block: the loop can do nothing else meanwhile"


def exception(name: str) -> str:
    """The Python spelling of an exception type ``trap`` accepts, by the explorer's lookup."""
    try:
        t = _exception_type(name)
    except CommandError as e:
        raise Unsupported(e.message) from None
    for module, space in (("defer", defer), ("error", error)):
        if getattr(space, name, None) is t:
            return f"{module}.{name}"
    return name


def python(code: str, mode: str) -> str:
    """Python a person wrote (``py``), as it goes into the program: as written when it is
    one clean line of valid Python, else run from a string (it cannot leave it)."""
    try:
        compile(code, "<py>", mode)
        clean = code.isprintable()
    except SyntaxError:
        clean = False
    if clean:
        return code
    if mode == "exec":  # (in the program's globals, as the session's py namespace)
        return f"exec({code!r}, globals())"
    return f"eval({code!r})"  # (a STEP's: it reads result, a local)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def assigned_names(code: str) -> list[str]:
    """The names a ``py`` statement binds in its own scope (not in a def, class, lambda or
    comprehension inside it): assignments, imports, a def's or class's own name."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        if not isinstance(node, _SCOPES):
            todo += list(ast.iter_child_nodes(node))
    return list(dict.fromkeys(names))
