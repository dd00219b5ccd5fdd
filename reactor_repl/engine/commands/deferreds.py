"""Deferred commands and the STEPs a callback can be: plain ``Deferred`` calls."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Callable

from twisted.internet import defer, error
from twisted.python.failure import Failure

from reactor_repl.engine.commands import handles, run_do
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
    with eng.claim("deferred", p["NAME"]):
        defer.Deferred()


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

        code = python.resolve(eng, a["FN"])

        def fn(result: Any) -> Any:
            return code(result)
    elif kind == "py":
        from reactor_repl.engine.commands.session import py_namespace

        code = _compile(a["EXPR"])

        def fn(result: Any) -> Any:
            ns = py_namespace(eng)
            ns["result"] = result
            return eval(code, ns)
    else:  # pragma: no cover - the table and this function list the same steps
        raise CommandError(f"unknown step {kind}")
    fn._rr_label = step.text  # type: ignore[attr-defined]
    return fn


# a value a step makes may not grow past this (mul on a string, a list …)
VALUE_MAX = 1 << 20


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > VALUE_MAX:
        raise ValueError(f"the result would be {len(value):,} long (at most {VALUE_MAX:,})")
    return value


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
    with eng.claim("deferred", requested, detail=f"gatherResults({names})"):
        defer.gatherResults(inputs)


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

    fn = python.resolve(eng, p["FN"])
    args = list(p["ARGS"] or [])
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
