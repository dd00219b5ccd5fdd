"""Deferred commands and the STEPs a callback can be: plain ``Deferred`` calls."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import defer, error, task
from twisted.python.failure import Failure

from reactor_repl import runtime
from reactor_repl.engine.commands import handles, record_error, run_do
from reactor_repl.engine.core import CommandError

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine
    from reactor_repl.language.parser import Parsed, Step


def deferred_of(eng: Engine, name: str) -> defer.Deferred:  # type: ignore[type-arg]
    rec = eng.get(name, "deferred")
    d = rec.deferred
    if d is None:
        raise CommandError(f"{name} is gone (collected)", "it finished and nothing held it")
    return d


@handles("deferred")
def deferred_cmd(eng: Engine, p: Parsed) -> None:
    if not p["canceller"]:
        with eng.claim("deferred", p["NAME"]):
            defer.Deferred()
        return
    do = p.do
    site = eng.command_site

    def canceller(d: defer.Deferred) -> None:  # type: ignore[type-arg]
        run_do(eng, do, site)

    canceller._rr_label = do.text if do else "nothing"  # type: ignore[attr-defined]
    with eng.claim("deferred", p["NAME"], detail="Deferred(canceller)" + (
            f" do {do.text}" if do else "")):
        defer.Deferred(canceller)


def _exception_type(name: str) -> type[BaseException]:
    # Twisted's own first: addTimeout raises defer.TimeoutError, not the builtin one
    for space in (defer, error, builtins):
        t = getattr(space, name, None)
        if isinstance(t, type) and issubclass(t, BaseException):
            return t
    raise CommandError(f"unknown exception type {name}",
                       "e.g. Exception, ValueError, CancelledError, TimeoutError, ConnectionDone")


def build_step(eng: Engine, step: Step) -> Callable[..., Any]:
    """A Python callable doing what a STEP says; labelled with the step's text."""
    a = step.args
    kind = step.name
    site = eng.command_site
    fn: Callable[..., Any]
    if kind == "pass":
        def fn(result: Any) -> Any:
            return result
    elif kind == "add":
        n = a["N"]

        def fn(result: Any) -> Any:
            return result + n
    elif kind == "mul":
        n = a["N"]

        def fn(result: Any) -> Any:
            if isinstance(result, (str, bytes, list, tuple)) and isinstance(n, int):
                _bounded_length(len(result) * max(n, 0))  # before it is built
            return _bounded(result * n)
    elif kind == "return":
        value = a["VALUE"]

        def fn(result: Any) -> Any:
            return value
    elif kind == "raise":
        message = a["MESSAGE"] or ""

        def fn(result: Any) -> Any:
            raise Exception(message)
    elif kind == "recover":
        value = a["VALUE"]

        def fn(result: Any) -> Any:
            return value
    elif kind == "trap":
        exc = _exception_type(a["TYPE"])

        def fn(result: Any) -> Any:
            if not isinstance(result, Failure):
                return result
            return result.trap(exc)
    elif kind == "await":
        other = deferred_of(eng, a["NAME"])

        def fn(result: Any) -> Any:
            return other
        fn._rr_awaits = True  # type: ignore[attr-defined]  # waits for it, fires it not
    elif kind == "block":
        seconds, cpu = a["DURATION"], bool(a["cpu"])

        def fn(result: Any) -> Any:
            from reactor_repl.engine.commands.time import block

            block(eng, seconds, cpu)
            return result
    elif kind == "do":
        sub = step.do

        def fn(result: Any) -> Any:
            run_do(eng, sub, site)
            return result
    elif kind == "call":
        from reactor_repl.engine import python

        code = python.resolve_callable(eng, a["FN"])

        def fn(result: Any) -> Any:
            return code(result)
    elif kind == "py":
        from reactor_repl.engine.commands.session import let_named_go, py_namespace

        code = _compile(a["EXPR"])

        def fn(result: Any) -> Any:
            ns = py_namespace(eng)
            ns["result"] = result
            try:
                return eval(code, ns)
            finally:
                let_named_go(eng, ns)
    else:  # pragma: no cover - the table and this function list the same steps
        raise CommandError(f"unknown step {kind}")
    fn._rr_label = step.text  # type: ignore[attr-defined]
    return fn


# a value a step makes may not grow past this (mul on a string, a list …)
VALUE_MAX = 1 << 20


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple)):
        _bounded_length(len(value))
    return value


def _bounded_length(length: int) -> None:
    if length > VALUE_MAX:
        raise ValueError(f"the result would be {length:,} long (at most {VALUE_MAX:,})")


def _compile(expr: str) -> Any:
    try:
        return compile(expr, "<py>", "eval")
    except SyntaxError as e:
        raise CommandError(f"Python syntax error: {e.msg}", "py EXPR takes an expression of result")


@handles("addCallback", "addErrback", "addBoth")
def add_step(eng: Engine, p: Parsed) -> None:
    d = deferred_of(eng, p["NAME"])
    fn = build_step(eng, p["STEP"])
    {"addCallback": d.addCallback, "addErrback": d.addErrback, "addBoth": d.addBoth}[p.name](fn)


@handles("addCallbacks")
def add_steps(eng: Engine, p: Parsed) -> None:
    d = deferred_of(eng, p["NAME"])
    ok, bad = p["STEPS"]
    d.addCallbacks(build_step(eng, ok), build_step(eng, bad))


@handles("fire")
def fire(eng: Engine, p: Parsed) -> None:
    deferred_of(eng, p["NAME"]).callback(p["VALUE"])


@handles("fail")
def fail(eng: Engine, p: Parsed) -> None:
    deferred_of(eng, p["NAME"]).errback(Failure(Exception(p["MESSAGE"] or "")))


@handles("chain")
def chain(eng: Engine, p: Parsed) -> None:
    d = deferred_of(eng, p["NAME"])
    other = deferred_of(eng, p["OTHER"])
    if other is d:
        raise CommandError("a Deferred cannot be chained to itself")
    d.chainDeferred(other)


def _new_and_inputs(eng: Engine, p: Parsed) -> tuple[str | None, list[Any], str]:
    words = list(p["NAMES"])
    requested = None
    if len(words) >= 2 and words[0] not in eng.objects:
        requested = words.pop(0)
    if not words:
        raise CommandError(f"{p.name} needs at least one Deferred")
    return requested, [deferred_of(eng, w) for w in words], " ".join(words)


@handles("gather")
def gather(eng: Engine, p: Parsed) -> None:
    requested, inputs, names = _new_and_inputs(eng, p)
    consume = bool(p["consumeErrors"])
    shown = f"gatherResults({names}" + (", consumeErrors=True" if consume else "") + ")"
    with eng.claim("deferred", requested, detail=shown):
        defer.gatherResults(inputs, consumeErrors=consume)


LIST_FLAGS = ("fireOnOneCallback", "fireOnOneErrback", "consumeErrors")


@handles("deferredList")
def deferred_list(eng: Engine, p: Parsed) -> None:
    requested, inputs, names = _new_and_inputs(eng, p)
    flags = {f: True for f in LIST_FLAGS if p[f]}
    shown = ", ".join([f"[{names}]"] + [f"{f}=True" for f in flags])
    with eng.claim("deferred", requested, detail=f"DeferredList({shown})"):
        defer.DeferredList(inputs, **flags)


def _coroutine_steps(eng: Engine, name: str, p: Parsed) -> list[tuple[str, Any]]:
    """(at, run) for each STEP of a coroutine: what ``runtime.steps_coroutine`` runs."""
    site = eng.command_site
    out: list[tuple[str, Any]] = []
    for k, step in enumerate(p["STEPS"], 1):
        a = step.args
        run: Callable[[], Any]
        if step.name == "await":
            def run(other: str = a["NAME"]) -> Any:
                try:
                    return deferred_of(eng, other)
                except CommandError as e:
                    # the line's error, with its place, as a `do`'s at run time; then
                    # into the coroutine, which fails with it
                    record_error(eng, p.text, e, site, p.col)
                    raise
        elif step.name == "sleep":
            def run(seconds: float = a["SECONDS"], made: str = f"{name}.{k}") -> Any:
                if eng.registry.taken(made):  # a person's own name: the next automatic one
                    made = ""
                with eng.claim("deferred", made or None, chosen=False,
                               detail=f"deferLater(reactor, {seconds:g})"):
                    return task.deferLater(eng.reactor, seconds)
        elif step.name == "return":
            def run(value: Any = a["VALUE"]) -> Any:
                return runtime.Done(value)
        elif step.name == "raise":
            def run(message: str = a["MESSAGE"] or "") -> Any:
                raise Exception(message)
        else:  # do
            def run(sub: Any = step.do) -> Any:
                run_do(eng, sub, site)
                return None
        out.append((f"step {k} ({step.text})", run))
    return out


@handles("async", "inlineCallbacks")
def coroutine(eng: Engine, p: Parsed) -> None:
    """An async def (or an inlineCallbacks generator) whose body is the STEPs, started at
    once (ensureDeferred, or the call): it runs to its first wait in this very call."""
    name = eng.new_name("deferred", p["NAME"])
    steps = _coroutine_steps(eng, name, p)
    with eng.claim("deferred", name, chosen=bool(p["NAME"])):
        if p.name == "async":
            defer.ensureDeferred(runtime.named(runtime.steps_coroutine, name)(steps))
        else:
            defer.inlineCallbacks(runtime.named(runtime.steps_generator, name))(steps)


@handles("race")
def race(eng: Engine, p: Parsed) -> None:
    requested, inputs, names = _new_and_inputs(eng, p)
    with eng.claim("deferred", requested, detail=f"race({names})"):
        defer.race(inputs)


@handles("spawn")
def spawn(eng: Engine, p: Parsed) -> None:
    """Start an async def or inlineCallbacks function of the person's code on the reactor."""
    import inspect

    from reactor_repl.engine import python

    fn = python.resolve_callable(eng, p["FN"], "spawn takes an async def or an "
                                 "inlineCallbacks function", fits=python.spawnable)
    args = list(p["ARGS"] or [])
    python.check_arguments(fn, p["FN"], args)
    shown = ", ".join(repr(a) for a in args)
    with eng.claim("deferred", p["NAME"], detail=f"spawn {p['FN']}({shown})"):
        out = fn(*args)
        if inspect.iscoroutine(out) or inspect.isgenerator(out):
            out = defer.ensureDeferred(out)
    if not isinstance(out, defer.Deferred):
        raise CommandError(f"{p['FN']}({shown}) returned {type(out).__name__}, not a Deferred",
                           "spawn takes an async def or an inlineCallbacks function")


@handles("timeout")
def timeout(eng: Engine, p: Parsed) -> None:
    d = deferred_of(eng, p["NAME"])
    d.addTimeout(p["SECONDS"], eng.reactor)
