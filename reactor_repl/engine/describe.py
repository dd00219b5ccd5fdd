"""How values, failures and callables read in events: one short line each."""

from __future__ import annotations

import collections
import dataclasses
import re
import reprlib
from typing import Any, Callable

from twisted.internet import defer
from twisted.python.failure import Failure

from reactor_repl.language.values import show_value
from reactor_repl.observe.sites import library_file

PAYLOAD_SHOWN = 60  # characters of bytes shown in a line
PAYLOAD_KEPT = 256  # characters of a payload kept in an event's data (and its length)

# Whether a value's own __repr__ (and an exception's own __str__) may run to describe it.
# In a session they are the person's values; a traced program never called them itself:
# its __repr__ ran 8 times an object (a side effect, and a slow one made timers late).
_program_code = [True]


def program_code(allowed: bool) -> None:
    """A traced program's recording (False): values are described without running the
    program's own ``__repr__``/``__str__``, as ``<ClassName>``."""
    _program_code[0] = allowed


def _own_code(cls: type, method: str) -> bool:
    """``cls.method`` is Python code of the program's (not C, nor a library's: the sites'
    own test of whose code a frame runs)."""
    code = getattr(getattr(cls, method, None), "__code__", None)
    return code is not None and not library_file(code.co_filename)


class _ProgramRepr(reprlib.Repr):
    """repr with containers walked here, and an object whose ``__repr__`` is the
    program's shown as ``<ClassName>``."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 32
        self.maxdeque = self.maxdict = 32
        self.maxstring = self.maxother = self.maxlong = PAYLOAD_KEPT

    def repr_instance(self, x: Any, level: int) -> str:
        cls = type(x)
        if _own_code(cls, "__repr__"):
            return f"<{cls.__qualname__}>"
        made_by = _repr_made_by(cls)
        if made_by is not None:
            # the standard library's __repr__ of a dataclass or a namedtuple calls its
            # fields' (the program's, maybe): its words made here, each field walked
            if level <= 0:
                return self.fillvalue
            fields = _fields(x, made_by)
            if fields is not None:
                name = cls.__qualname__ if made_by is dataclasses else cls.__name__
                inner = ", ".join(f"{k}={self.repr1(v, level - 1)}" for k, v in fields)
                return f"{name}({inner})"
        try:
            return repr(x)
        except Exception:
            return f"<{cls.__qualname__}>"


def _repr_made_by(cls: type) -> Any:
    """The module (dataclasses, collections) whose made-up ``__repr__`` ``cls`` has, or None."""
    code = getattr(getattr(cls, "__repr__", None), "__code__", None)
    if code is None:
        return None
    for module in (dataclasses, collections):
        if code.co_filename == module.__file__:
            return module
    return None


def _fields(x: Any, made_by: Any) -> list[tuple[str, Any]] | None:
    """(name, value) of what the made-up ``__repr__`` shows, None if it is not one of those."""
    try:
        if made_by is dataclasses:
            if not dataclasses.is_dataclass(x):
                return None
            return [(f.name, getattr(x, f.name)) for f in dataclasses.fields(x) if f.repr]
        names = getattr(type(x), "_fields", None)
        if not isinstance(x, tuple) or not isinstance(names, tuple):
            return None
        return list(zip(names, x))
    except Exception:
        return None


_PROGRAM_REPR = _ProgramRepr()


def shown_repr(value: Any) -> str:
    """``repr(value)`` — in a traced program, without running the program's code; an
    object's memory address (a default repr's ``at 0x7f…``) left out: it differs every
    run, and a virtual log is the same every run."""
    return without_address(repr(value) if _program_code[0] else _PROGRAM_REPR.repr(value))


def without_address(text: str) -> str:
    """``text`` with a default repr's ``at 0x7f…`` as ``at 0x…``."""
    return _ADDRESS.sub(" at 0x…", text) if " at 0x" in text else text


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def raised_text(e: BaseException) -> str:
    """``Type: message`` of an exception the program raised (its own ``__str__`` not run
    in a traced program: ``Type`` alone)."""
    if not _program_code[0] and _own_code(type(e), "__str__"):
        return type(e).__name__
    try:
        message = str(e)
    except Exception:
        message = ""
    return f"{type(e).__name__}: {message}"


def show_plain(value: Any) -> str:
    """``show_value``, by ``shown_repr``. An int's words made directly: the same as
    reprlib's while they fit (no cut, no address), and the words of a long chain's steps
    went through reprlib's dispatch twice a step when its events were written."""
    if value.__class__ is int:
        text = int.__repr__(value)
        if len(text) <= _INT_WORDS:
            return text
    return show_value(value, shown_repr)


_INT_WORDS = 60  # show_value's limit; reprlib's (PAYLOAD_KEPT) is longer
assert _INT_WORDS <= PAYLOAD_KEPT


def plural(n: int, word: str) -> str:
    """``1 byte``, ``2 bytes``."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def failure_type(f: Any) -> str:
    """The name of a failure's exception class — or of what stands for it: a Perspective
    Broker ``CopiedFailure`` carries the remote class's qualified name, as bytes."""
    kind = getattr(f, "type", None)
    if isinstance(kind, type):
        return kind.__name__
    if isinstance(kind, bytes):
        kind = kind.decode("utf-8", "replace")
    return str(kind).rsplit(".", 1)[-1] if kind is not None else "?"


def failure_message(f: Failure) -> str:
    """A failure's message on one line (FirstError's own str() is a multi-line repr)."""
    exc = f.value
    if isinstance(exc, defer.FirstError):
        inner = exc.subFailure
        return f"#{exc.index} {failure_type(inner)}: {failure_message(inner)}".rstrip(": ")
    if not _program_code[0] and isinstance(exc, BaseException) and _own_code(type(exc), "__str__"):
        return ""  # (its own __str__: the program's code)
    try:
        text = " ".join(f.getErrorMessage().split())
    except Exception:  # a broken __str__ in the person's exception
        text = ""
    return text if len(text) <= 120 else text[:117] + "..."


def deferred_name(d: Any) -> str:
    token = d.__dict__.get("_rr") if isinstance(d, defer.Deferred) else None
    name = getattr(getattr(token, "rec", None), "name", "") if token is not None else ""
    return name


def show_result(value: Any) -> str:
    if isinstance(value, Failure):
        message = failure_message(value)
        return f"Failure({failure_type(value)}: {message})" if message else \
            f"Failure({failure_type(value)})"
    if isinstance(value, defer.Deferred):
        name = deferred_name(value)
        return f"<Deferred {name}>" if name else "<Deferred>"
    try:
        return show_plain(value)
    except Exception:
        return f"<{type(value).__name__}>"


def plain_result(value: Any, depth: int = 0) -> Any:
    """A JSON-friendly form of a result for event data (bounded in size)."""
    if isinstance(value, Failure):
        return {"failure": failure_type(value), "message": failure_message(value)}
    if isinstance(value, defer.Deferred):
        return {"deferred": deferred_name(value)}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # the exact types only: a subclass's own __iter__, __len__, __getitem__ or __bytes__
    # are the program's (a lazy result set that raises until fetched broke its chain)
    cls = value.__class__
    if cls is str:
        return value if len(value) <= PAYLOAD_KEPT else value[:PAYLOAD_KEPT] + "…"
    if (cls is list or cls is tuple) and depth < 3:
        items = [plain_result(v, depth + 1) for v in value[:32]]
        return items + (["…"] if len(value) > 32 else [])
    if cls is bytes or cls is bytearray:
        return payload(bytes(value))["data"]
    try:
        text = shown_repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= PAYLOAD_KEPT else text[:PAYLOAD_KEPT] + "…"


def bytes_text(data: bytes) -> str:
    shown = repr(data[:PAYLOAD_SHOWN * 2])
    return shown if len(shown) <= PAYLOAD_SHOWN else shown[:PAYLOAD_SHOWN - 3] + "..."


def payload(data: bytes, size: int | None = None) -> dict[str, Any]:
    """``data`` fields for a chunk of bytes: a prefix and the length (``size``, when
    ``data`` is the kept prefix of a longer chunk), never the whole."""
    return {"bytes": len(data) if size is None else size,
            "data": data[:PAYLOAD_KEPT].decode("utf-8", "replace")}


def label_of(fn: Callable[..., Any] | None) -> str:
    """What a callable reads as in the log: a STEP's text, ``d2.callback``, a qualname."""
    if fn is None:
        return ""
    fn = getattr(fn, "__wrapped__", fn)
    label = getattr(fn, "_rr_label", None)
    if label:
        return str(label)
    owner = getattr(fn, "__self__", None)
    if owner is not None and isinstance(owner, defer.Deferred):  # (an ABC: no call for None)
        name = deferred_name(owner)
        if name:
            return f"{name}.{getattr(fn, '__name__', '?')}"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name is None:
        func = getattr(fn, "func", None)  # functools.partial
        if func is not None:
            return label_of(func)
        name = type(fn).__name__
    name = str(name)
    if " at 0x" in name:  # (automat's "<implementation for <function f at 0x7f…>>": the
        name = _ADDRESS.sub("", name)  # same words every run)
    return name


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def reason_text(reason: Any) -> str:
    if isinstance(reason, Failure):
        return f"{failure_type(reason)}: {failure_message(reason)}"
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}: {reason}"
    return str(reason)
