"""Why is it stuck: pending Deferreds and what each ultimately waits for.

A chain goes from a pending Deferred to what could fire it: the Deferred it is
paused on, the coroutine suspended on it (and where), the inputs of a gather,
a timer, a LoopingCall, a connection, a reader, a thread job — or **nothing**:
no timer, connection, reader, thread job or other Deferred holds a way to fire it.

The known links come from the records (pause, await, DeferredList inputs); the
rest from who holds the Deferred (``gc.get_referrers``, bounded): a DelayedCall
whose function is ``d.callback``, a closure a LoopingCall or a protocol holds, a
thread job's hand-back. It runs only when asked (``waiting``, a hang), never on
the reactor's hot path.
"""

from __future__ import annotations

import functools
import types
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from twisted.internet import defer, task
from twisted.internet.base import DelayedCall

from reactor_repl.engine.registry import DState, Record

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

MAX_DEPTH = 5  # steps of a chain
FORWARD_DEPTH = 6  # references followed from a source
FORWARD_NODES = 300  # objects looked at per source


@dataclass
class Step:
    kind: str  # deferred coroutine gather timer loop connection reader job thread port nothing
    name: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "text": self.text}


@dataclass
class Waiter:
    name: str
    site: str
    age: float
    state: str
    chain: list[Step] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "site": self.site, "age": round(self.age, 6),
                "state": self.state, "chain": [s.as_dict() for s in self.chain]}


def _ds(d: Any) -> DState | None:
    return d.__dict__.get("_rr") if isinstance(d, defer.Deferred) else None


def is_pending(d: Any) -> bool:
    return not d.called or bool(d.paused)


def pending(eng: Engine) -> list[tuple[Record, Any]]:
    """Named Deferreds not yet fired (or paused), oldest first."""
    out = []
    for rec in list(eng.registry.by_name.values()):
        ds = rec.dstate
        if ds is None or rec.internal:
            continue
        d = ds.deferred
        if d is None or not is_pending(d):
            continue
        out.append((rec, d))
    out.sort(key=lambda pair: pair[0].dstate.born)  # type: ignore[union-attr]
    return out


def waiting(eng: Engine, older_than: float = 1.0) -> list[Waiter]:
    now = eng.clock.seconds()
    out = []
    for rec, d in pending(eng):
        ds = rec.dstate
        assert ds is not None
        age = now - ds.born
        if age + 1e-9 < older_than:
            continue
        from reactor_repl.engine.show import deferred_state

        out.append(Waiter(rec.name, rec.site, age, deferred_state(rec), chain_of(eng, d)))
    return out


def chain_of(eng: Engine, d: Any, depth: int = 0, seen: set[int] | None = None) -> list[Step]:
    """What ``d`` waits for, step by step, down to what could fire it (or nothing)."""
    seen = seen if seen is not None else set()
    if id(d) in seen:
        return [Step("deferred", _name(d), f"{_name(d)} (a cycle: it waits for itself)")]
    seen.add(id(d))
    if depth >= MAX_DEPTH:
        return [Step("more", "", "…")]
    ds = _ds(d)
    # a coroutine suspended on a Deferred, or a chain paused on one
    if ds is not None and ds.paused_on is not None and ds.awaiting is not None:
        inner = ds.awaiting()
        if inner is not None and inner is not d:
            if ds.coroutine:
                where = f" at {ds.waiting_at}" if ds.waiting_at else ""
                step = Step("coroutine", ds.rec.name,
                            f"{ds.coroutine}() suspended{where}, awaiting {_name(inner)}")
            else:
                step = Step("deferred", _name(inner), f"paused on {_name(inner)}")
            if is_pending(inner):
                return [step, *chain_of(eng, inner, depth + 1, seen)]
            return [step, Step("deferred", _name(inner), f"{_name(inner)} has fired: it goes on "
                                                         "at the next pass")]
    # a gather (DeferredList): k of n fired, and what the first pending input waits for
    inputs = getattr(d, "_deferredList", None)
    if isinstance(d, defer.DeferredList) and inputs is not None:
        fired = sum(1 for x in inputs if x.called)
        left = [x for x in inputs if not x.called]
        step = Step("gather", _name(d), f"{fired} of {len(inputs)} fired; waiting for "
                    + ", ".join(_name(x) for x in left[:5]) + (" …" if len(left) > 5 else ""))
        if left:
            return [step, *chain_of(eng, left[0], depth + 1, seen)]
        return [step]
    return named_sources(eng, d) or sources(eng, d, depth, seen)


def sources(eng: Engine, d: Any, depth: int, seen: set[int]) -> list[Step]:
    """What holds a way to fire ``d``: a timer, a loop, a thread job, a connection, a
    reader, or another pending Deferred whose callbacks reach it."""
    source = _index(eng).get(id(d))
    if source.__class__ is weakref.ref:
        source = source()  # (None: that Deferred is gone since)
    if source is None:
        return [Step("nothing", "", "nothing: no timer, connection, reader, thread job or "
                                    "other Deferred can fire it")]
    if isinstance(source, defer.Deferred):
        step = Step("deferred", _name(source), f"fired by {_name(source)} when it fires")
        return [step, *chain_of(eng, source, depth + 1, seen)]
    return [source]


def _index(eng: Engine) -> dict[int, Any]:
    """id(Deferred) → what could fire it (a Step, or a pending Deferred), built by following
    references forward from every live source (cached until the log moves on)."""
    key = (eng.log.seq, eng.clock.seconds())
    cached = getattr(eng, "_waiting_index", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    index: dict[int, Any] = {}
    for what, root in _roots(eng):
        # a Deferred by weak reference: the cache outlives this question, and it kept a
        # program's Deferreds (and the coroutine one awaited) from being collected — trial
        # logged a timed-out test's GeneratorExit a test later under plain Twisted
        source = weakref.ref(what) if isinstance(what, defer.Deferred) else what
        for target in _reachable(root):
            if target is not what:  # a Deferred's callbacks can reach back to it
                index.setdefault(id(target), source)
    eng._waiting_index = (key, index)  # type: ignore[attr-defined]
    return index


def _roots(eng: Engine) -> list[tuple[Any, Any]]:
    """(what it is, the object to follow) for every live source."""
    out: list[tuple[Any, Any]] = []
    now = eng.clock.seconds()
    reactor = eng.reactor
    loops = []
    for dc in list(reactor.getDelayedCalls()) if reactor is not None else []:
        if not dc.active():
            continue
        func = dc.__dict__.get("_rr_func", dc.func)
        if isinstance(func, task.LoopingCall):
            loops.append(func)
            continue
        rec = dc.__dict__.get("_rr")
        name = getattr(rec, "name", "") or ""
        label = f"timer {name}" if name else "a timer of Twisted's own"
        out.append((Step("timer", name, f"{label} {_due(dc.getTime() - now)}"),
                    (func, dc.args, dc.kw)))
    # a running loop has no timer while its call runs (a block in it, a Deferred it
    # returned): it was "nothing can fire it" for its own start() Deferred meanwhile
    seen = {id(lc) for lc in loops}
    for rec in list(eng.registry.by_name.values()):
        lc = rec.obj if rec.family == "loop" else None
        if isinstance(lc, task.LoopingCall) and lc.running and id(lc) not in seen:
            seen.add(id(lc))
            loops.append(lc)
    for lc in loops:
        lrec = lc.__dict__.get("_rr")
        lname = getattr(lrec, "name", "") or ""
        out.append((Step("loop", lname, f"loop {lname} (running)".replace("  ", " ")),
                    (lc.f, lc.a, lc.kw)))
        started = lc.__dict__.get("_deferred")  # what start() returned (its public
        if started is not None:  # name warns that it is deprecated): fired when it stops
            out.append((Step("loop", lname, f"loop {lname} (running): fires it when it "
                                            "stops or its call fails".replace("  ", " ")),
                        started))
    for act in list(eng.clock.activities):
        job = act.meta.get("record")
        if job is None or act.state not in ("queued", "running", "sleeping", "waking", "ended"):
            continue
        if act.started_at is not None and act.state != "queued":
            text = f"thread job {job.name} (running {now - act.started_at:.1f}s)"
        else:
            text = f"thread job {job.name} (queued)"
        out.append((Step("job", job.name, text), (act.meta.get("hand_back"),
                                                  act.meta.get("func"))))
    out += _outside_sources(eng)
    for rec in list(eng.registry.by_name.values()):
        if rec.family in ("conn", "client") and rec.state == "open":
            transport = rec.transport() if getattr(rec, "transport", None) is not None else None
            proto = getattr(transport, "protocol", None)
            if proto is not None:
                out.append((Step("connection", rec.name, f"connection {rec.name} (open)"),
                            proto))
        elif rec.family == "reader" and rec.state == "watching" and rec.obj is not None:
            out.append((Step("reader", rec.name, f"reader {rec.name} (watched)"), rec.obj))
    for _rec, d in pending(eng):
        out.append((d, list(d._callbacks)))
    return out


def others_threads(eng: Engine) -> Iterator[tuple[Any, str]]:
    """Live threads that are not the main one, the reactor's pool workers or ours (the
    engine's, the screen's): each with the module of what it runs."""
    import threading

    ours = set(getattr(eng, "_thread_labels", {}))
    pool = getattr(eng.reactor, "threadpool", None)
    workers = {t.ident for t in getattr(pool, "threads", ())} if pool is not None else set()
    main = threading.main_thread()
    for t in threading.enumerate():
        if t is main or t.ident in ours or t.ident in workers or not t.is_alive():
            continue
        target = getattr(t, "_target", None)
        module = getattr(target, "__module__", None) or type(t).__module__
        if not module.startswith(("reactor_repl.", "prompt_toolkit.")):
            yield t, module


def _outside_sources(eng: Engine) -> list[tuple[Step, Any]]:
    """Sources outside the reactor's own work: a thread of the program's own (what it
    runs), and a listening port (its factory, when a client comes)."""
    import threading

    from twisted.internet import tcp

    out: list[tuple[Step, Any]] = []
    r = eng.reactor
    for t, module in others_threads(eng):
        if module.startswith("twisted."):
            continue
        run = type(t).run if type(t).run is not threading.Thread.run else None
        out.append((Step("thread", t.name, f"thread {t.name} (running)"),
                    (getattr(t, "_target", None), getattr(t, "_args", ()),
                     getattr(t, "_kwargs", {}), run, t)))
    try:
        readers = list(r.getReaders()) if r is not None else []
    except Exception:
        readers = []
    for port in readers:
        if isinstance(port, tcp.Port):
            where = getattr(port, "_realPortNumber", "") or ""
            out.append((Step("port", str(where), f"listening port {where} (when a client "
                             "comes)"), getattr(port, "factory", None)))
    return out


def _globals_named(fn: types.FunctionType) -> list[Any]:
    """What a function's code names in its module's globals (``result.callback(…)`` in a
    ``deliver()`` a timer calls): a script keeps its Deferreds there. Modules and classes
    are left out."""
    names: set[str] = set()
    codes = [fn.__code__]
    while codes and len(names) < 256:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    g = fn.__globals__
    out = []
    for name in names:
        value = g.get(name)
        if value is not None and not isinstance(value, (types.ModuleType, type)):
            out.append(value)
    return out


def _reachable(root: Any) -> list[Any]:
    """Deferreds a source could fire: reached through callables, closures, partials,
    containers, plain objects' attributes and the globals a function's code names — not
    through a module's whole globals."""
    found: list[Any] = []
    stack: list[tuple[Any, int]] = [(root, 0)]
    seen: set[int] = set()
    nodes = 0
    while stack and nodes < FORWARD_NODES:
        obj, depth = stack.pop()
        if obj is None or id(obj) in seen or depth > FORWARD_DEPTH:
            continue
        seen.add(id(obj))
        nodes += 1
        if isinstance(obj, defer.Deferred):
            found.append(obj)
            continue
        nxt: list[Any] = []
        if isinstance(obj, types.MethodType):
            nxt = [obj.__self__]
        elif isinstance(obj, types.FunctionType):
            if obj.__dict__.get("_rr_awaits"):
                continue  # (`await b`: a step that waits for b; "b fired by a" was false)
            nxt = [c.cell_contents for c in (obj.__closure__ or ()) if _has(c)]
            wrapped = getattr(obj, "__wrapped__", None)
            if wrapped is not None:
                nxt.append(wrapped)
            if not (obj.__module__ or "").startswith(("twisted.", "reactor_repl.")):
                nxt += _globals_named(obj)
        elif isinstance(obj, functools.partial):
            nxt = [obj.func, *obj.args, *(obj.keywords or {}).values()]
        elif isinstance(obj, (tuple, list, set, frozenset)):
            nxt = list(obj)[:64]
        elif isinstance(obj, dict):
            if "__builtins__" in obj or "__name__" in obj:
                continue  # a module's globals: everything is reachable from there
            nxt = list(obj.values())[:64]
        elif isinstance(obj, (str, bytes, int, float, type, types.ModuleType, DState, Record)) \
                or _ours(obj):
            continue
        elif hasattr(obj, "__dict__"):
            nxt = list(vars(obj).values())[:64]
        stack.extend((x, depth + 1) for x in nxt)
    return found


_OURS = ("reactor_repl.engine", "reactor_repl.session", "reactor_repl.language",
         "reactor_repl.ui", "reactor_repl.observe")


def _ours(obj: Any) -> bool:
    """The explorer's own machinery (the engine, a parsed command, the reactor): everything
    is reachable from there, so a walk through it would find every Deferred a source."""
    module = getattr(type(obj), "__module__", "") or ""
    return module.startswith(_OURS) or module.startswith("twisted.internet.") and \
        hasattr(obj, "runUntilCurrent")


def _has(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def named_sources(eng: Engine, d: Any) -> list[Step]:
    """Commands fire Deferreds by name (``later 3 t9 do fire d9``): the timers, loops and
    triggers whose callable says it fires this one."""
    name = _name(d)
    if name == "a Deferred":
        return []
    now = eng.clock.seconds()
    for rec in list(eng.registry.by_name.values()):
        obj = rec.obj
        if obj is None:
            continue
        if rec.family == "timer" and isinstance(obj, DelayedCall) and obj.active():
            func = obj.__dict__.get("_rr_func")
            if name in getattr(func, "_rr_fires", ()):
                return [Step("timer", rec.name, f"timer {rec.name} "
                                                f"{_due(obj.getTime() - now)} fires it")]
        if rec.family == "loop" and isinstance(obj, task.LoopingCall) and obj.running:
            if name in getattr(obj.f, "_rr_fires", ()):
                return [Step("loop", rec.name, f"loop {rec.name} (running) fires it")]
    return []


def _name(d: Any) -> str:
    ds = _ds(d)
    if ds is not None and ds.rec.name:
        return ds.rec.name
    return "a Deferred"


def lines(waiters: list[Waiter], older_than: float) -> list[str]:
    if not waiters:
        return [f"no Deferred has been pending for {older_than:g}s or more"]
    out = []
    for w in waiters:
        where = f" made at {w.site}" if w.site else ""
        state = "" if w.state == "pending" else f": {w.state}"  # (not "pending …: pending")
        out.append(f"{w.name}  pending {w.age:.1f}s{where}{state}")
        for i, step in enumerate(w.chain):
            out.append("  " + "  " * i + "└ " + step.text)
    return out


def _due(left: float) -> str:
    """``due in 0.500s``, or ``overdue 1.4s`` (the loop blocked past it: "due in 0.000s"
    said of a timer 1.4 s late read as if it were about to run on time)."""
    if left >= -0.0005:
        return f"due in {max(0.0, left):.3f}s"
    return f"overdue {-left:.1f}s" if -left >= 0.05 else f"overdue {-left:.3f}s"
