"""``export FILE.py``: the session as a plain Twisted program a learner could write.

Each command becomes the Twisted calls it stands for (``reactor.callLater``,
``task.LoopingCall``, ``Deferred``, ``deferToThread``, ``addReader``,
``listenTCP``/``connectTCP``, ``addSystemEventTrigger``, ``reactor.stop``), and
the program prints one line ``KIND NAME`` per dispatch of the kinds in
``PRINTED_KINDS``, so its output can be compared with the explorer's log.

Timing follows the explorer's replay of a scenario: each line is delivered with
``callFromThread`` once the loop has done everything due at that moment (a
zero-delay timer, a thread call, a finished thread job, bytes in a pipe or a
socket), and ``wait S`` lets S seconds pass. The program does the same with two
helpers, ``turn()`` and ``wait()``, written out in it.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from reactor_repl.language.parser import ParseError, Parsed, Step, parse_line
from reactor_repl.language.table import auto_name

# the dispatches the program prints, in the explorer's kinds
PRINTED_KINDS = (
    "timer.fire", "loop.call", "threadcall.run", "thread.result", "deferred.step",
    "deferred.result", "reader.read", "reader.lost", "tcp.made", "tcp.data", "tcp.lost",
    "trigger.fire",
)

DEFERRED_FAMILIES = ("deferred", "thread", "client")
_RESERVED = {"reactor", "defer", "task", "threads", "error", "main", "protocol", "time", "sys",
             "os", "threading", "socket", "show", "turn", "wait", "busy", "session", "Failure",
             "Named", "sweep", "job", "job_result", "from_a_thread", "spin", "calls", "conns",
             "readers", "helpers", "jobs_waiting", "jobs_running", "result", "failure",
             "contextlib", "implementer", "IReadDescriptor", "Pipe", "Peer", "Server", "Client",
             "POEM"}


def program(lines: list[str], clock: str = "virtual") -> str:
    """The session's command lines as a standalone Twisted program (its source text)."""
    first = _Exporter(clock)  # a first pass learns every name the session makes
    for line in lines:
        first.add_line(line)
    ex = _Exporter(clock, first.names.family, first.fired_in_callbacks, first.pauses)
    for line in lines:
        ex.add_line(line)
    return ex.render()


# ----------------------------------------------------------------------------- model
@dataclass
class _Names:
    """The session's names as the explorer would give them, and their Python variables."""

    family: dict[str, str] = field(default_factory=dict)
    var: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def new(self, family: str, requested: str | None) -> str | None:
        if requested:
            if requested in self.family:
                return None  # the explorer rejects a taken name
            name = requested
        else:
            name = auto_name(family, self.counters, self.family)
        self.family[name] = family
        if name not in self.var:  # a callback written earlier may already use it
            self.var[name] = self._variable(name)
        return name

    def _variable(self, name: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if keyword.iskeyword(base) or base in _RESERVED or hasattr(builtins, base):
            base += "_"
        taken = set(self.var.values())
        v, k = base, 1
        while v in taken:
            k += 1
            v = f"{base}_{k}"
        return v

    def of(self, name: str, *families: str) -> str | None:
        fam = self.family.get(name)
        if fam is None or (families and fam not in families):
            return None
        return self.var[name]


class _Skip(Exception):
    """A line the explorer would reject: it becomes a comment."""


class _Exporter:
    def __init__(self, clock: str, later_names: dict[str, str] | None = None,
                 later_fired: set[str] | None = None, pausing: bool = False) -> None:
        self.clock = clock
        self.names = _Names()
        # names made further on: a callback may use them (it runs later)
        self.later_names = later_names or {}
        self.depth = 0  # > 0 while writing a callback's body
        # Deferreds that may have fired already where a line fires one: only there does
        # the program need Twisted's AlreadyCalledError handled (the first pass tells
        # which ones something fires from a callback, at a time a line cannot know)
        self.fired: set[str] = set()
        self.fired_in_callbacks: set[str] = set()
        self.later_fired = later_fired or set()
        # break/step/continue: the program then pauses (without time) where the explorer
        # would, and queues the lines typed meanwhile (see _PAUSE)
        self.pausing = pausing
        self.pauses = False
        self.body: list[str] = []
        self.used: set[str] = set()
        self.count = 0
        self.funcs: set[str] = set()
        self.stopped = False

    # ------------------------------------------------------------------ lines
    def add_line(self, line: str) -> None:
        text = line.strip()
        if not text:
            if self.body and self.body[-1]:
                self.body.append("")
            return
        try:
            parsed = parse_line(text)
        except ParseError as e:
            self.body += [f"    # {text}", f"    #   (not run: {e})"]
            return
        if parsed is None:
            if text.startswith("#"):
                self.body.append("    " + text)
            return
        self.count += 1
        name = parsed.name
        said = name in _SAID
        if self.body and self.body[-1] and not (said and self.body[-1].startswith("    #")):
            self.body.append("")  # notes and checks in a row stay together
        self.body.append(f"    # {text}")
        if name == "note":
            self.body[-1] = f"    # note: {parsed['TEXT']}"
            return
        if said:
            self.body[-1] += f"   ({_SAID[name]})"
            return
        if name in ("break", "step", "continue"):
            self.pauses = True
            if name == "break":
                self.body.append(f"    breaks.append(({parsed['KIND']!r}, {(parsed['NAME'] or '')!r}))")
            else:
                self.body.append(f"    yield go_on(step={name == 'step'})")
            return
        try:
            if name == "wait":
                seconds = _num(parsed["DURATION"])
                if self.pausing:
                    self.body.append(f"    yield wait_line({seconds})")
                else:
                    self.body += ["    yield turn()", f"    yield wait({seconds})"]
                return
            code = self.command(parsed, top=True)
        except _Skip as e:
            self.body.append(f"    #   (not run: {e})")
            return
        if self.pausing:
            f = self._func(f"line_{self.count}")
            self.body += ["    " + c for c in _hoist_globals(
                [f"def {f}():"] + _indent(_globals_first(code, self.names)))]
            # write and close act from outside the loop: at once, even while it is paused
            runner = "outside" if parsed.command.where == "here" else "typed"
            self.body.append(f"    yield {runner}({f})")
            return
        self.body.append("    yield turn()")
        self.body += ["    " + c for c in _hoist_globals(code)]

    # --------------------------------------------------------------- commands
    def command(self, p: Parsed, top: bool = False) -> list[str]:
        """The Python statements (unindented) that do what command ``p`` does."""
        fn = getattr(self, "cmd_" + p.name, None)
        if fn is None:
            if p.name in ("note",):
                return [f"pass  # note: {p['TEXT']}"]
            if p.name in ("expect", "predict", "show", "break"):
                return [f"pass  # {p.text} (the explorer's own)"]
            raise _Skip(f"{p.name} has no plain-Twisted equivalent here")
        out: list[str] = fn(p, top) if _takes_top(fn) else fn(p)
        return out

    def do_body(self, p: Parsed | None) -> list[str]:
        """A callback's body for its ``do``, indented; names it makes are globals."""
        code = self.do_block(p)
        made = [m.group(1) for m in map(_ASSIGN.match, code) if m
                and m.group(1) in self.names.var.values()]
        if made:
            code.insert(0, "global " + ", ".join(dict.fromkeys(made)))
        return _indent(code)

    def do_block(self, p: Parsed | None) -> list[str]:
        if p is None:
            return []
        if p.name in ("fire", "fail"):
            self.fired_in_callbacks.add(p["NAME"])
        self.depth += 1
        try:
            return self.command(p)
        finally:
            self.depth -= 1

    def _func(self, base: str) -> str:
        name, k = base, 1
        taken = set(self.names.var.values())
        while name in self.funcs or name in _RESERVED or name in taken:
            k += 1
            name = f"{base}_{k}"
        self.funcs.add(name)
        return name

    def _ref(self, name: str, *families: str) -> str:
        v = self.names.of(name, *families)
        if v is None and self.depth and name in self.later_names and (
                not families or self.later_names[name] in families):
            v = self.names._variable(name) if name not in self.names.var else self.names.var[name]
            self.names.var.setdefault(name, v)
            return v
        if v is None:
            what = " or ".join(families) or "object"
            raise _Skip(f"no {what} named {name}")
        return v

    def _deferred(self, name: str) -> str:
        return self._ref(name, *DEFERRED_FAMILIES)

    def _new(self, family: str, requested: str | None) -> tuple[str, str]:
        name = self.names.new(family, requested)
        if name is None:
            raise _Skip(f"the name {requested} is taken")
        return name, self.names.var[name]

    # -- time and the loop
    def cmd_later(self, p: Parsed) -> list[str]:
        name, var = self._new("timer", p["NAME"])
        f = self._func(f"{var}_fires")
        return ([f"def {f}():", f"    show('timer.fire', {name!r})"]
                + self.do_body(p.do)
                + [f"{var} = reactor.callLater({_num(p['DELAY'])}, {f})"])

    def cmd_every(self, p: Parsed) -> list[str]:
        name, var = self._new("loop", p["NAME"])
        f = self._func(f"{var}_calls")
        times = p["N"]
        self.used.add("calls")
        code = [f"def {f}():", f"    show('loop.call', {name!r})"] + self.do_body(p.do)
        if times is not None:
            code += [f"    calls[{name!r}] += 1",
                     f"    if calls[{name!r}] >= {times} and {var}.running:",
                     f"        {var}.stop()  # times {times}"]
        code += [f"calls[{name!r}] = 0" if times is not None else None,
                 f"{var} = task.LoopingCall({f})",
                 f"{var}.start({_num(p['INTERVAL'])}, now={bool(p['now'])})"
                 ".addErrback(lambda failure: None)  # an error in a call stops the loop"]
        return [c for c in code if c is not None]

    def cmd_cancel(self, p: Parsed) -> list[str]:
        name = p["NAME"]
        fam = self.names.family.get(name)
        var = self._ref(name)
        if fam == "timer":
            return [f"if {var}.active():", f"    {var}.cancel()"]
        if fam == "loop":
            return [f"if {var}.running:", f"    {var}.stop()"]
        if fam == "trigger":
            return [f"reactor.removeSystemEventTrigger({var})"]
        if fam in DEFERRED_FAMILIES:
            self.fired.add(name)
            return [f"{var}.cancel()"]
        if fam == "reader":
            return [f"{var}.pause()  # reactor.removeReader"]
        if fam == "server":
            return [f"{var}.stopListening()"]
        raise _Skip(f"{name} cannot be cancelled")

    def cmd_reset(self, p: Parsed) -> list[str]:
        var = self._ref(p["NAME"], "timer")
        return [f"if {var}.active():", f"    {var}.reset({_num(p['DELAY'])})"]

    def cmd_delay(self, p: Parsed) -> list[str]:
        var = self._ref(p["NAME"], "timer")
        return [f"if {var}.active():", f"    {var}.delay({_num(p['SECONDS'])})"]

    def cmd_block(self, p: Parsed) -> list[str]:
        return self._block(p["DURATION"], bool(p["cpu"]))

    def _block(self, seconds: float, cpu: bool) -> list[str]:
        if cpu:
            self.used.add("spin")
            return [f"spin({_num(seconds)})  # block: the loop can do nothing else meanwhile"]
        self.used.add("sleep")
        return [f"time.sleep({_num(seconds)})  # block: the loop can do nothing else meanwhile"]

    def cmd_fromthread(self, p: Parsed) -> list[str]:
        name, var = self._new("threadcall", p["NAME"])
        self.used.add("fromthread")
        f = self._func(f"{var}_runs")
        return ([f"def {f}():", f"    show('threadcall.run', {name!r})"]
                + self.do_body(p.do) + [f"from_a_thread({f})"])

    def cmd_trigger(self, p: Parsed) -> list[str]:
        name, var = self._new("trigger", p["NAME"])
        f = self._func(f"{var}_fires")
        return ([f"def {f}():", f"    show('trigger.fire', {name!r})"]
                + self.do_body(p.do)
                + [f"{var} = reactor.addSystemEventTrigger({p['PHASE']!r}, {p['EVENT']!r}, {f})"])

    def cmd_stop(self, p: Parsed) -> list[str]:
        return ["reactor.stop()"]

    # -- Deferreds
    def cmd_deferred(self, p: Parsed) -> list[str]:
        name, var = self._new("deferred", p["NAME"])
        self.used.add("named")
        return [f"{var} = Named({name!r})"]

    def cmd_addCallback(self, p: Parsed) -> list[str]:
        return self._add(p, "addCallback", p["STEP"])

    def cmd_addErrback(self, p: Parsed) -> list[str]:
        return self._add(p, "addErrback", p["STEP"])

    def cmd_addBoth(self, p: Parsed) -> list[str]:
        return self._add(p, "addBoth", p["STEP"])

    def cmd_addCallbacks(self, p: Parsed) -> list[str]:
        var = self._deferred(p["NAME"])
        ok, bad = p["STEPS"]
        pre1, f1 = self.step(var, ok, "result")
        pre2, f2 = self.step(var, bad, "failure")
        return pre1 + pre2 + [f"{var}.addCallbacks({f1}, {f2})"]

    def _add(self, p: Parsed, method: str, step: Step) -> list[str]:
        var = self._deferred(p["NAME"])
        pre, f = self.step(var, step, "failure" if method == "addErrback" else "result")
        return pre + [f"{var}.{method}({f})"]

    def step(self, var: str, s: Step, arg: str) -> tuple[list[str], str]:
        """(definitions, the callable) for a callback STEP."""
        a = s.args
        k = s.name
        if k == "pass":
            return [], f"lambda {arg}: {arg}"
        if k == "add":
            return [], f"lambda {arg}: {arg} + {a['N']!r}"
        if k == "mul":
            return [], f"lambda {arg}: {arg} * {a['N']!r}"
        if k in ("return", "recover"):
            return [], f"lambda {arg}: {a['VALUE']!r}"
        if k == "await":
            other = self._deferred(a["NAME"])
            f = self._func(f"{var}_waits")
            return [f"def {f}({arg}):",
                    f"    return {other}  # a Deferred: the chain waits until it has a result"], f
        if k == "py":
            return [], f"lambda result: ({a['EXPR']})"
        f = self._func(f"{var}_{_STEP_VERB.get(k, k)}")
        if k == "raise":
            return [f"def {f}({arg}):", f"    raise Exception({(a['MESSAGE'] or '')!r})"], f
        if k == "trap":
            exc = _exception(a["TYPE"])
            self.used.add("failure")
            if exc.startswith("error."):
                self.used.add("error")
            return [f"def {f}(failure):",
                    "    if not isinstance(failure, Failure):",
                    "        return failure",
                    f"    failure.trap({exc})  # any other error goes on down the chain",
                    "    return None"], f
        if k == "block":
            return ([f"def {f}({arg}):"] + _indent(self._block(a["DURATION"], bool(a["cpu"])))
                    + [f"    return {arg}"]), f
        if k == "do":
            return ([f"def {f}({arg}):"] + (self.do_body(s.do) or ["    pass"])
                    + [f"    return {arg}"]), f
        raise _Skip(f"unknown step {k}")

    def cmd_fire(self, p: Parsed, top: bool = False) -> list[str]:
        var = self._deferred(p["NAME"])
        return _once(f"{var}.callback({p['VALUE']!r})", top and self._fires(p["NAME"]))

    def cmd_fail(self, p: Parsed, top: bool = False) -> list[str]:
        var = self._deferred(p["NAME"])
        self.used.add("failure")
        return _once(f"{var}.errback(Failure(Exception({(p['MESSAGE'] or '')!r})))",
                     top and self._fires(p["NAME"]))

    def _fires(self, name: str) -> bool:
        """A line fires ``name``: could it have fired already?"""
        maybe = (name in self.fired or name in self.later_fired
                 or self.names.family.get(name) != "deferred")
        self.fired.add(name)
        return maybe

    def cmd_chain(self, p: Parsed) -> list[str]:
        a, b = self._deferred(p["NAME"]), self._deferred(p["OTHER"])
        self.fired.add(p["OTHER"])
        if a == b:
            raise _Skip("a Deferred cannot be chained to itself")
        return [f"{a}.chainDeferred({b})"]

    def _gathered(self, p: Parsed) -> tuple[str, str, list[str]]:
        words = list(p["NAMES"])
        requested = None
        if len(words) >= 2 and words[0] not in self.names.family:
            requested = words.pop(0)
        inputs = [self._deferred(w) for w in words]
        if p.name == "race":
            self.fired.update(words)  # race cancels the losers
        name, var = self._new("deferred", requested)
        self.used.add("named")
        return name, var, inputs

    def cmd_gather(self, p: Parsed) -> list[str]:
        name, var, inputs = self._gathered(p)
        return [f"{var} = Named({name!r})",
                f"defer.gatherResults([{', '.join(inputs)}]).chainDeferred({var})"]

    def cmd_race(self, p: Parsed) -> list[str]:
        name, var, inputs = self._gathered(p)
        return [f"{var} = Named({name!r})",
                f"defer.race([{', '.join(inputs)}]).chainDeferred({var})"]

    def cmd_timeout(self, p: Parsed) -> list[str]:
        var = self._deferred(p["NAME"])
        self.fired.add(p["NAME"])
        return [f"{var}.addTimeout({_num(p['SECONDS'])}, reactor)"]

    # -- threads
    def cmd_thread(self, p: Parsed) -> list[str]:
        name, var = self._new("thread", p["NAME"])
        self.used.update(("named", "thread"))
        args = f"{name!r}, {_num(p['DURATION'])}"
        if p["MESSAGE"] is not None:
            args += f", error={p['MESSAGE']!r}"
        return [f"{var} = Named({name!r})",
                f"jobs_waiting.append({name!r})",
                f"threads.deferToThread(job, {args}).addBoth(job_result, {name!r})"
                f".chainDeferred({var})"]

    def cmd_threadpool(self, p: Parsed) -> list[str]:
        return [f"reactor.suggestThreadPoolSize({p['SIZE']})"]

    # -- the seed's IReadDescriptor, on a pipe
    def cmd_reader(self, p: Parsed) -> list[str]:
        name, var = self._new("reader", p["NAME"])
        self.used.add("reader")
        chunk = p["N"] or 1024
        return [f"{var} = PipeReader({name!r}, chunk={chunk})",
                f"reactor.addReader({var})"]

    def cmd_write(self, p: Parsed) -> list[str]:
        var = self._ref(p["NAME"], "reader")
        return [f"{var}.write({p['DATA'].encode('utf-8')!r})  # os.write into the pipe"]

    def cmd_close(self, p: Parsed) -> list[str]:
        var = self._ref(p["NAME"], "reader")
        return [f"{var}.close_writing()  # the reader will see the end of the file"]

    def cmd_removeReader(self, p: Parsed) -> list[str]:
        var = self._ref(p["NAME"], "reader")
        return [f"{var}.pause()  # reactor.removeReader"]

    def cmd_addReader(self, p: Parsed) -> list[str]:
        var = self._ref(p["NAME"], "reader")
        return [f"{var}.resume()  # reactor.addReader"]

    # -- TCP on loopback: transports, protocols, factories
    def cmd_listen(self, p: Parsed) -> list[str]:
        name, var = self._new("server", p["NAME"])
        self.used.add("tcp")
        behaviour = p["PROTOCOL"] or "echo"
        return [f"{var} = reactor.listenTCP({p['PORT'] or 0}, Server({name!r}, {behaviour!r}), "
                "interface='127.0.0.1')",
                f"ports[{name!r}] = {var}.getHost().port  # 0 asks the system for a free port"]

    def cmd_connect(self, p: Parsed) -> list[str]:
        words = list(p["NAMES"])
        if len(words) > 2:
            raise _Skip("connect takes [NAME] TARGET")
        target = words[-1]
        if target.isdigit():
            port = target
        else:
            self._ref(target, "server")
            port = f"ports[{target!r}]"
        name, var = self._new("client", words[0] if len(words) == 2 else None)
        self.used.update(("tcp", "named"))
        return [f"{var} = Named({name!r})  # every byte received, when the connection closes",
                f"reactor.connectTCP('127.0.0.1', {port}, Client({name!r}, {var}), timeout=5)"]

    def _conn(self, name: str) -> str:
        fam = self.later_names.get(name) or self.names.family.get(name)
        if fam != "client" and not re.fullmatch(r".+[.][0-9]+", name):
            raise _Skip(f"no connection named {name}")
        self.used.add("tcp")
        return f"conns[{name!r}]"

    def cmd_send(self, p: Parsed) -> list[str]:
        return [f"{self._conn(p['NAME'])}.send({p['DATA'].encode('utf-8')!r})  # transport.write"]

    def cmd_drop(self, p: Parsed) -> list[str]:
        return [f"{self._conn(p['NAME'])}.transport.loseConnection()"]

    def cmd_abort(self, p: Parsed) -> list[str]:
        return [f"{self._conn(p['NAME'])}.transport.abortConnection()"]

    # -- Python
    def cmd_py(self, p: Parsed) -> list[str]:
        self.used.add("contextlib")
        return ["with contextlib.redirect_stdout(sys.stderr):  # py: not a dispatch",
                f"    {p['CODE']}"]

    # ----------------------------------------------------------------- render
    def render(self) -> str:
        used = self.used
        if "named" in used:
            used.add("failure")
        imports = ["import os", "import sys"]
        if "contextlib" in used:
            imports.insert(0, "import contextlib")
        if "fromthread" in used:
            imports.append("import threading")
        imports.append("import time")
        twisted = sorted({"defer", "reactor", "task"}
                         | ({"threads"} if used & {"thread", "contextlib"} else set())
                         | ({"error"} if "error" in used else set()))
        if "reader" in used:
            imports += ["", "from twisted.internet import main",
                        "from twisted.internet.interfaces import IReadDescriptor",
                        "from zope.interface import implementer"]
        if "tcp" in used:
            imports += ["" if "reader" not in used else None,
                        "from twisted.internet.protocol import ClientFactory, Protocol, "
                        "ServerFactory"]
        imports = [i for i in imports if i is not None]
        parts = [_HEADER.format(n=self.count, clock=self.clock,
                                clock_note=_CLOCK_NOTE.get(self.clock, "")),
                 "\n".join(imports) + "\n\n",
                 f"from twisted.internet import {', '.join(twisted)}\n",
                 "from twisted.python.failure import Failure\n" if "failure" in used else "",
                 _SHOW_PAUSING if self.pausing else _SHOW]
        for part, text in (("named", _NAMED), ("thread", _THREAD), ("fromthread", _FROMTHREAD),
                           ("spin", _SPIN), ("reader", _READER), ("tcp", _TCP)):
            if part in used:
                parts.append(text)
        parts.append(_TURN.replace("    # BUSY\n", self._busy()))
        if self.pausing:
            parts.append(_PAUSE)
        if "calls" in used:
            parts.append("\n\ncalls = {}  # how many times each LoopingCall has called\n")
        parts.append(_SESSION_HEAD)
        names = sorted(set(self.names.var.values()))
        if names:
            parts.append(_wrap_global(names))
        body = "\n".join(self.body).rstrip("\n")
        parts.append(body + "\n" if body else "")
        parts.append(_SESSION_END.replace(
            "    # END\n", "    if not Pause.paused:\n        yield until(lambda: not busy())\n"
            if self.pausing else "    yield turn()\n"))
        parts.append(_MAIN)
        return "".join(parts)

    def _busy(self) -> str:
        parts = []
        if "thread" in self.used:
            parts.append(_BUSY_THREAD)
        if "fromthread" in self.used:
            parts.append(_BUSY_HELPER)
        if "reader" in self.used:
            parts.append(_BUSY_READER)
        if "tcp" in self.used:
            parts.append(_BUSY_TCP)
        return "".join(parts)


# lines that only the explorer acts on: kept as comments, with what it does with them
_SAID = {"note": "", "expect": "the explorer checks it", "predict": "the explorer checks it",
         "show": "the explorer shows it", "filter": "the explorer's view",
         "internals": "the explorer's view", "help": "the explorer's help",
         "clear": "the explorer's view", "save": "the explorer's", "load": "the explorer's",
         "export": "the explorer's", "quit": "the explorer's"}
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) = ")
_STEP_VERB = {"raise": "raises", "trap": "traps", "block": "blocks", "do": "does"}


def _takes_top(fn: Any) -> bool:
    return "top" in fn.__code__.co_varnames[: fn.__code__.co_argcount]


def _once(call: str, top: bool) -> list[str]:
    if not top:
        return [call]
    return ["try:", f"    {call}",
            "except defer.AlreadyCalledError:",
            "    pass  # a Deferred fires once: the explorer logs deferred.error"]


def _globals_first(code: list[str], names: _Names) -> list[str]:
    """A function body that assigns session names starts with ``global`` for them."""
    made = [m.group(1) for m in map(_ASSIGN.match, code) if m
            and m.group(1) in names.var.values()]
    return (["global " + ", ".join(dict.fromkeys(made))] if made else []) + code


def _hoist_globals(code: list[str]) -> list[str]:
    """Move each ``global`` line up to the top of the function it belongs to."""
    out = list(code)
    for i, line in enumerate(code):
        stripped = line.lstrip()
        if not stripped.startswith("global "):
            continue
        depth = len(line) - len(stripped)
        j = out.index(line)
        k = j - 1
        while k >= 0 and not (out[k].startswith(" " * (depth - 4) + "def ")
                              and len(out[k]) - len(out[k].lstrip()) == depth - 4):
            k -= 1
        if k >= 0:
            out.pop(j)
            out.insert(k + 1, line)
    return out


def _indent(lines: list[str], by: str = "    ") -> list[str]:
    return [by + line for line in lines]


def _num(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _exception(name: str) -> str:
    """The Python spelling of an exception type the explorer's ``trap`` accepts
    (Twisted's own first, as the explorer looks them up)."""
    from twisted.internet import defer, error

    for module, space in (("defer", defer), ("error", error), ("", builtins)):
        t = getattr(space, name, None)
        if isinstance(t, type) and issubclass(t, BaseException):
            return f"{module}.{name}" if module else name
    raise _Skip(f"unknown exception type {name}")


def _wrap_global(names: list[str]) -> str:
    """``global a, b, …`` statements of at most 88 characters."""
    lines: list[str] = []
    cur: list[str] = []
    for n in names:
        if cur and len("    global " + ", ".join(cur + [n])) > 88:
            lines.append("    global " + ", ".join(cur))
            cur = []
        cur.append(n)
    lines.append("    global " + ", ".join(cur))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------- program parts
_HEADER = '''#!/usr/bin/env python3
"""A plain Twisted program, exported by reactor-repl from a session ({n} lines, {clock} clock).

Run it with ``python`` and it does what the session did, with Twisted's own APIs,
printing one line ``KIND NAME`` for each dispatch the reactor makes (``timer.fire t1``,
``deferred.step d1`` ...), in order: the same lines, in the same order, as the
explorer's log.

How the session's lines become a program: each line runs in its turn, handed to the
reactor with ``callFromThread`` once the loop has done everything due at that moment,
as the explorer delivers a typed line (``turn()`` below); ``wait S`` lets S seconds
pass. The session's own comments and notes are kept as comments.{clock_note}
"""
'''

_CLOCK_NOTE = {
    "live": "\n\nThe session ran on the live clock: the time you spent between typed lines is\n"
            "not in it. Add ``yield wait(S)`` where that time mattered.",
}

_SHOW = '''

def show(kind, name, printed=True):
    """One dispatch, one line: what the explorer's log shows as KIND NAME."""
    if printed:
        print(kind, name, flush=True)
'''

_SHOW_PAUSING = '''

def show(kind, name, printed=True):
    """One dispatch, one line: what the explorer's log shows as KIND NAME. First, as the
    explorer does, pause here if a `break` or a `step` says so (see gate())."""
    gate(kind, name)
    if printed:
        print(kind, name, flush=True)
'''

_NAMED = '''

# -- Deferreds with names, as the explorer traces them: each callback or errback that
#    runs prints deferred.step NAME; deferred.result NAME when the chain has run out
#    of callbacks after it fired or ran one. Twisted alone decides what runs when.

class Named(defer.Deferred):
    made = 0
    watched = set()

    def __init__(self, name):
        super().__init__()
        self.name = name
        Named.made += 1
        self.order = Named.made  # results of one action show in the order Deferreds were made
        self.touched = False  # fired or ran a callback since its result last showed
        self.waiting = False  # paused on a Deferred that one of its callbacks returned

    def addCallbacks(self, callback, errback=None, callbackArgs=(), callbackKeywords=None,
                     errbackArgs=(), errbackKeywords=None):
        super().addCallbacks(self._shown(callback), self._shown(errback or defer.passthru),
                             callbackArgs, callbackKeywords or {}, errbackArgs,
                             errbackKeywords or {})
        sweep()
        return self

    def addCallback(self, callback, *args, **kw):
        return self.addCallbacks(callback, defer.passthru, callbackArgs=args,
                                 callbackKeywords=kw)

    def addErrback(self, errback, *args, **kw):
        return self.addCallbacks(defer.passthru, errback, errbackArgs=args, errbackKeywords=kw)

    def addBoth(self, callback, *args, **kw):
        return self.addCallbacks(callback, callback, args, kw, args, kw)

    def _shown(self, fn):
        if fn is defer.passthru:
            return fn

        def step(result, *args, **kw):
            self.waiting = False
            self.touched = True
            Named.watched.add(self)
            show("deferred.step", self.name)
            out = fn(result, *args, **kw)
            if isinstance(out, defer.Deferred) and out is not self and (
                    not hasattr(out, "result") or isinstance(out.result, defer.Deferred)
                    or out.paused):
                self.waiting = True
            return out

        return step

    def callback(self, result):
        self._fire(super().callback, result)

    def errback(self, fail=None):
        if not self.called and not isinstance(fail, Failure):
            fail = Failure(fail) if fail is not None else Failure()
        self._fire(super().errback, fail)

    def _fire(self, fire, value):
        if self.called:
            fire(value)  # AlreadyCalledError (eaten once after a cancel)
            return
        self.touched = True
        Named.watched.add(self)
        fire(value)
        sweep()

    def cancel(self):
        super().cancel()
        sweep()

    def _runCallbacks(self):
        if self._runningCallbacks:
            return
        super()._runCallbacks()
        sweep()


def sweep():
    """After anything done to a named Deferred: show the chains that have run out."""
    for d in sorted(Named.watched, key=lambda d: d.order):
        if d.waiting and not d.paused:
            d.waiting, d.touched = False, True
        if (d.touched and d.called and not d.paused and not d._callbacks
                and not d._runningCallbacks):
            show("deferred.result", d.name)
            d.touched = False
        if not d.touched and not d.waiting:
            Named.watched.discard(d)
'''

_THREAD = '''

# -- thread jobs: deferToThread runs job() in Twisted's thread pool

jobs_waiting = []  # jobs handed to the pool that have no thread yet
jobs_running = {}  # job -> when its result is due


def job(name, seconds, error=None):
    """The work of `thread NAME SECONDS`: it blocks (a sleep), so it runs in a thread."""
    jobs_running[name] = time.time() + seconds
    jobs_waiting.remove(name)
    time.sleep(seconds)
    if error is not None:
        raise Exception(error)
    return "done"


def job_result(result, name):
    """The pool hands the result back to the reactor with callFromThread."""
    jobs_running.pop(name, None)
    show("thread.result", name)
    return result
'''

_FROMTHREAD = '''

helpers = []  # threads about to hand a call to the reactor


def from_a_thread(f):
    """`fromthread`: another thread hands f to the reactor with callFromThread."""
    helper = threading.Thread(target=reactor.callFromThread, args=(f,))
    helpers.append(helper)
    helper.start()
'''

_SPIN = '''

def spin(seconds):
    """`block S cpu`: keep the reactor's thread busy computing for S seconds."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
'''

_READER = '''

# -- the seed's IReadDescriptor, on a pipe (the seed reads a socket; a pipe behaves
#    the same and needs no server). reactor.addReader(r) makes the loop call
#    r.doRead() whenever the pipe has something to read.

readers = []


@implementer(IReadDescriptor)
class PipeReader:
    """The seed's MySocket done right: non-blocking, at most `chunk` bytes a doRead."""

    def __init__(self, name, chunk=1024):
        self.name = name
        self.chunk = chunk
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self.unread = 0  # bytes written and not read yet (turn() waits for them)
        self.watched = True
        readers.append(self)

    def fileno(self):
        return self.rfd if self.rfd is not None else -1

    def logPrefix(self):
        return self.name

    def doRead(self):
        try:
            data = os.read(self.rfd, self.chunk)
        except BlockingIOError:
            show("reader.read", self.name)
            return None
        except OSError:
            show("reader.read", self.name)
            return main.CONNECTION_LOST
        self.unread -= len(data)
        show("reader.read", self.name)
        if not data:
            return main.CONNECTION_DONE  # end of file: the reactor calls connectionLost
        return None

    def connectionLost(self, reason):
        show("reader.lost", self.name)
        reactor.removeReader(self)
        os.close(self.rfd)
        self.rfd = None
        self.watched = False

    # what the session does to the pipe from outside the loop
    def write(self, data):
        self.unread += os.write(self.wfd, data)

    def close_writing(self):
        os.close(self.wfd)
        self.wfd = None

    def pause(self):
        reactor.removeReader(self)
        self.watched = False

    def resume(self):
        reactor.addReader(self)
        self.watched = True
'''

_TCP = '''

# -- TCP on loopback: the seed's transports, protocols and factories. A factory
#    builds one protocol per connection; Twisted hands the protocol its transport
#    (makeConnection), then calls connectionMade, dataReceived, connectionLost.

POEM = (
    "The reactor turns, the callbacks wait,\\n"
    "each one in line, none early, none late;\\n"
    "block it once and all stand still \\u2014\\n"
    "return at once, and no one will.\\n"
)
ports = {}  # server name -> its port number
conns = {}  # connection name -> its protocol
clients = []  # client factories


class Peer(Protocol):
    """One end of a connection: a server's echo, discard or poetry, or a client."""

    def __init__(self, name, behaviour, done=None):
        self.name = name
        self.behaviour = behaviour
        self.done = done  # a client's Deferred: every byte received, when it closes
        self.received = []
        self.sent = 0  # bytes written; turn() waits until the other end has them
        self.got = 0
        self.state = "connecting"
        self.ends = (None, None)  # (this end's port, the other end's port)
        conns[name] = self

    def connectionMade(self):
        self.state = "open"
        self.ends = (self.transport.getHost().port, self.transport.getPeer().port)
        show("tcp.made", self.name)
        if self.behaviour == "poetry":
            self.poem_from(0)

    def dataReceived(self, data):
        self.received.append(data)
        self.got += len(data)
        show("tcp.data", self.name)
        if self.behaviour == "echo":
            self.send(data)

    def connectionLost(self, reason):
        self.state = "closed"
        show("tcp.lost", self.name)
        if self.done is not None and not self.done.called:
            self.done.callback(b"".join(self.received))

    def send(self, data):
        self.sent += len(data)
        self.transport.write(data)

    def poem_from(self, offset):
        """The poetry server: the poem in chunks of 16 bytes, 0.1 s apart, then close."""
        if self.state != "open":
            return
        self.send(POEM[offset:offset + 16].encode())
        if offset + 16 < len(POEM):
            reactor.callLater(0.1, self.poem_from, offset + 16)
        else:
            self.transport.loseConnection()


class Server(ServerFactory):
    def __init__(self, name, behaviour):
        self.name = name
        self.behaviour = behaviour
        self.count = 0

    def buildProtocol(self, addr):
        self.count += 1
        name = f"{self.name}.{self.count}"
        show("tcp.build", name, printed=False)  # a dispatch, not one the comparison prints
        return Peer(name, self.behaviour)


class Client(ClientFactory):
    def __init__(self, name, done):
        self.name = name
        self.done = done
        self.state = "connecting"
        clients.append(self)

    def buildProtocol(self, addr):
        self.state = "connected"
        show("tcp.build", self.name, printed=False)
        return Peer(self.name, "client", self.done)

    def clientConnectionFailed(self, connector, reason):
        self.state = "failed"
        show("tcp.failed", self.name, printed=False)
        self.done.errback(reason)


def other_end(peer):
    """The protocol at the other end of a loopback connection, if it is ours."""
    for p in conns.values():
        if p is not peer and p.ends == (peer.ends[1], peer.ends[0]):
            return p
    return None
'''

_TURN = '''

# -- how the explorer replays a session: a line is handed to the reactor with
#    callFromThread once the loop has done everything due at that moment; time
#    passes at `wait`.

def busy():
    """Is anything due right now? A timer, a thread call, a job's result, I/O."""
    now = reactor.seconds()
    if reactor.threadCallQueue:
        return "a thread call is queued"
    if any(call.getTime() <= now for call in reactor.getDelayedCalls()):
        return "a timer is due"
    # BUSY
    return ""


def turn():
    """A Deferred that fires when it is the next line's turn."""
    d = defer.Deferred()
    began = time.monotonic()

    def check():
        try:
            why = busy()
        except Exception as e:  # a bug here must not hang the program
            why = ""
            print(f"# turn(): {e!r}", file=sys.stderr)
        if why and time.monotonic() - began < 10:
            reactor.callLater(0, check)
            return
        if why:  # nothing stays due for long: this program has a bug
            print(f"# turn(): still busy after 10 s ({why}); going on", file=sys.stderr)
        reactor.callFromThread(d.callback, None)

    reactor.callLater(0, check)
    return d


def wait(seconds):
    """`wait S`: let S seconds pass."""
    return task.deferLater(reactor, seconds, lambda: None)
'''

_BUSY_THREAD = '''    pool = reactor.getThreadPool()
    if jobs_waiting and len(jobs_running) < pool.max:
        return "a job is about to start"
    if any(due <= now for due in jobs_running.values()):
        return "a job has done its work: its result is on the way"
'''

_BUSY_HELPER = '''    helpers[:] = [h for h in helpers if h.is_alive()]
    if helpers:
        return "a helper thread is about to call callFromThread"
'''

_PAUSE = '''

# -- break, step and continue, as the explorer does them on its virtual clock. A pause
#    takes no time there: the loop stops before a dispatch, the lines typed meanwhile
#    wait in its queue, and they run at the start of the pass after the paused one,
#    once `continue` or `step` lets it go on. This program does not stop its loop; it
#    only holds the session's lines back the same way.

DISPATCHES = {"timer.fire", "loop.call", "threadcall.run", "thread.result", "reader.read",
              "reader.lost", "tcp.build", "tcp.made", "tcp.data", "tcp.lost", "tcp.failed",
              "trigger.fire"}
breaks = []  # (kind or family, name or "") from `break` lines


class Pause:
    paused = False  # the explorer's loop would be waiting before a dispatch now
    stepping = False
    budget = 0  # dispatches a step lets through before it pauses again
    held = []  # lines typed while paused
    waiting = None  # the Deferred the session waits on; a pause fires it
    target = None  # when the latest `wait` ends: after a continue the loop runs on to it


def gate(kind, name):
    """Before a dispatch: would the explorer pause here?"""
    if kind not in DISPATCHES:
        return
    if Pause.stepping:
        if Pause.budget > 0:
            Pause.budget -= 1
            return
        paused_here()
        return
    for b_kind, b_name in breaks:
        if b_kind in (kind, kind.split(".")[0]) and b_name in ("", name):
            paused_here()
            return


def paused_here():
    Pause.paused = True
    d, Pause.waiting = Pause.waiting, None
    if d is not None and not d.called:
        d.callback(None)  # the session reads on: its lines are held until continue/step


def until(done):
    """A Deferred that fires when done() says so, or at a pause, whichever comes first."""
    d = Pause.waiting = defer.Deferred()

    def until_check():
        if d.called:
            return
        if done():
            Pause.waiting = None
            d.callback(None)
            return
        now = reactor.seconds()
        if busy():
            delay = 0
        elif Pause.target is not None and now < Pause.target:
            delay = Pause.target - now
        else:
            delay = 0.005  # waiting for a dispatch to come
        reactor.callLater(delay, until_check)

    until_check()
    return d


@defer.inlineCallbacks
def typed(line):
    """A line typed at the prompt: it runs in its turn, or waits while the loop is paused."""
    if not Pause.paused:
        yield until(lambda: not busy())
    if Pause.paused:
        Pause.held.append(line)
        return
    yield settle_then(line)


def outside(line):
    """`write`/`close` act on the pipe from outside the loop: at once while it is paused."""
    if Pause.paused:
        line()
        return None
    return typed(line)


def settle_then(line):
    d = defer.Deferred()
    reactor.callFromThread(lambda: d.callback(line()))
    return d


def set_target(seconds):
    Pause.target = reactor.seconds() + seconds


def wait_line(seconds):
    """`wait S`: S seconds pass (a pause ends the wait early, and the loop runs on to its
    end after a continue)."""
    if Pause.paused:
        Pause.held.append(lambda: set_target(seconds))
        return None
    return typed(lambda: set_target(seconds)).addCallback(lambda _: until(on_time))


def on_time():
    return not busy() and (Pause.target is None or reactor.seconds() >= Pause.target)


def nothing_left():
    return on_time() and all(getattr(c.func, "__name__", "") == "until_check"
                             for c in reactor.getDelayedCalls())


def go_on(step):
    """`continue` (step=False) or `step`: the loop goes on; the held lines run next pass."""
    was_paused = Pause.paused
    Pause.paused = False
    Pause.stepping = step
    Pause.budget = (0 if was_paused else 1) if step else 0
    if Pause.held:
        held, Pause.held = Pause.held, []
        reactor.callFromThread(lambda: [line() for line in held])
    return until(nothing_left if step else on_time)
'''

_BUSY_READER = '''    for r in readers:
        if r.watched and (r.unread > 0 or r.wfd is None):
            return "the pipe has bytes, or its end, for doRead"
'''

_BUSY_TCP = '''    if any(c.state == "connecting" for c in clients):
        return "connectTCP in progress"
    for p in list(conns.values()):
        if p.state != "open":
            continue
        other = other_end(p)
        if other is None and p.behaviour == "client":
            return "the server has not accepted it yet"
        if other is not None and (p.sent > other.got or other.state == "closed"):
            return "bytes on their way, or a close this end is about to see"
        if p.transport.disconnecting:
            return "loseConnection in progress"
'''

_SESSION_HEAD = '''

@defer.inlineCallbacks
def session():
    """The session, line by line."""
'''

_SESSION_END = '''
    # -- the session ends here: the explorer stops the loop where it is (no shutdown
    #    triggers run; thread jobs still at work are abandoned)
    # END
    reactor.crash()
'''

_MAIN = '''

def main():
    def failed(failure):
        print(failure.getTraceback(), file=sys.stderr)
        reactor.crash()

    reactor.callWhenRunning(lambda: session().addErrback(failed))
    reactor.run()
    sys.stdout.flush()
    os._exit(0)  # do not wait for thread jobs still sleeping


if __name__ == "__main__":
    main()
'''
