"""The person's own Python in a session: ``use`` a module, and name its objects.

``use FILE.py`` / ``use package.module`` imports the module into the session's
namespace (the one ``py`` lines use) in the reactor thread, as a program would
import it: what its top level does on the reactor is recorded like any code.
Commands then name its objects as ``module.attr`` or ``module:attr``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import sysconfig
import traceback
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

from reactor_repl.engine.core import CommandError

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

TRACEBACK_LINES = 40  # of an import error, shown in the log


def namespace(eng: Engine) -> dict[str, Any]:
    from reactor_repl.engine.commands.session import py_namespace

    return py_namespace(eng, named=False)  # (a named object is a py line's to see)


# the modules `use` imported (by their name in sys.modules): `use` of one again reloads
# it, as a person editing it expects; any other module already imported (Twisted's, the
# standard library's, one a used module imports) is taken as it is, as `import` does
PERSONS: set[str] = set()


def _persons_file(module: ModuleType) -> bool:
    """The module's file is the person's: not Python's own library nor an installed
    package's (those are taken as they are: reloading Twisted's defer unhooked it) —
    wherever it is installed (a distribution's own folder, PYTHONPATH, an editable
    checkout: the distributions' top-level names say so)."""
    path = getattr(module, "__file__", None)
    if not path:
        return False
    if module.__name__.split(".", 1)[0] in _installed_names():
        return False
    path = os.path.realpath(path)
    libraries = {sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib",
                                                     "platlib")}
    if any(part in ("site-packages", "dist-packages") for part in path.split(os.sep)):
        return False
    return not any(lib and path.startswith(os.path.realpath(lib) + os.sep) for lib in libraries)


_INSTALLED: set[str] = set()


def _installed_names() -> set[str]:
    """The top-level names installed distributions provide (twisted, zope, reactor_repl
    …; once: reading them takes a tenth of a second). A module found on PYTHONPATH with
    such a name (a copy of Twisted's) is not taken for the person's either."""
    if not _INSTALLED:
        import importlib.metadata

        try:
            _INSTALLED.update(importlib.metadata.packages_distributions())
        except Exception:
            pass
        _INSTALLED.update({"twisted", "zope", "reactor_repl", "prompt_toolkit", "pygments",
                           "automat", "attr", "attrs", "constantly", "incremental",
                           "hyperlink", "typing_extensions"})
    return _INSTALLED


def use(eng: Engine, spec: str) -> tuple[ModuleType, str]:
    """Import (or reload) a module and put it in the namespace under its name; how:
    "imported", "reloaded", or "taken as it is" (imported already, not the person's)."""
    module, how = _use(eng, spec)
    if how == "reloaded":
        PERSONS.add(module.__name__)
    return module, how


def _again(module: ModuleType) -> tuple[ModuleType, str]:
    """A module imported already: reloaded if it is the person's own — used before, or
    their file that another of their modules imported — else taken as it is."""
    if module.__name__ in PERSONS or _persons_file(module):
        return importlib.reload(module), "reloaded"
    return module, "taken as it is"


def _use(eng: Engine, spec: str) -> tuple[ModuleType, str]:
    ns = namespace(eng)
    if spec.endswith(".py"):
        path = os.path.abspath(spec)
        if not os.path.isfile(path):
            raise CommandError(f"no file {spec}", "give the path of a .py file, or a module name",
                               word=spec)
        name = os.path.splitext(os.path.basename(path))[0]
        parts = os.path.realpath(path).split(os.sep)
        for lib in ("site-packages", "dist-packages"):
            if lib in parts[:-1]:  # an installed package's file, imported anew as a copy
                dotted = ".".join(parts[parts.index(lib) + 1:])[:-3].removesuffix(".__init__")
                raise CommandError(f"{spec} is a file of an installed package: by path it "
                                   "would be a second copy of the module (its objects not "
                                   "the ones Twisted and the session use)",
                                   f"use {dotted}", word=spec)
        held = ns.get(name)
        if held is not None and (held is eng.reactor or isinstance(held, ModuleType)
                                 and not _persons_file(held)):
            # (the names the session starts with: commands/session.py's py_namespace)
            what = "the reactor" if held is eng.reactor else held.__name__
            raise CommandError(
                f"a module named {name} would hide the session's {name} ({what}) for every "
                "py line and command", f"rename {os.path.basename(path)}", word=spec)
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # as python does for a script: its siblings import
        old = sys.modules.get(name)
        how = "imported"
        if old is not None and os.path.abspath(getattr(old, "__file__", "") or "") == path:
            module, how = _again(old)
        elif old is not None:
            raise CommandError(
                f"a module named {name} is imported already "
                f"({getattr(old, '__file__', None) or 'built in'}); this file would take its "
                "name for every import in the session", f"rename {os.path.basename(path)}")
        else:
            loaded = importlib.util.spec_from_file_location(name, path)
            if loaded is None or loaded.loader is None:
                raise CommandError(f"cannot import {spec}")
            module = importlib.util.module_from_spec(loaded)
            sys.modules[name] = module
            PERSONS.add(name)
            try:
                loaded.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        ns[name] = module
        return module, how
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)  # as `python -m` does: the folder's packages import
    how = "imported"
    if spec in sys.modules:
        module, how = _again(sys.modules[spec])
    else:
        try:
            module = importlib.import_module(spec)
        except ModuleNotFoundError as e:
            if e.name is None or not spec.startswith(e.name):
                raise  # a module it imports is missing: its traceback says where
            raise CommandError(f"no module named {e.name}", "give the path of a .py file, or "
                               "the name of a module importable from this folder",
                               word=spec) from None
        PERSONS.add(spec)
    top = spec.split(".", 1)[0]
    ns[top] = sys.modules[top]  # as `import package.module` binds the package
    last = spec.rsplit(".", 1)[-1]
    if last not in ns or isinstance(ns[last], ModuleType) and ns[last] is module:
        ns[last] = module  # and, for short, the module (the session's own names stay)
    return module, how


def import_failed(eng: Engine, spec: str, exc: BaseException, where: str = "") -> None:
    """An exception while importing: its traceback in the log; the session goes on.
    ``where``: the FILE:LINE of the ``use`` line (a file's)."""
    tb = exc.__traceback__
    frames = [f for f in traceback.extract_tb(tb) if not _ours(f.filename)]
    kept = ["Traceback (most recent call last):",
            *"".join(traceback.format_list(frames)).rstrip("\n").splitlines(),
            *"".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n").splitlines()
            ][-TRACEBACK_LINES:]
    head = (f"{where}: " if where else "") + f"use {spec}: {type(exc).__name__}: {exc}"
    eng.record("error", "", head, {"lines": [head, *kept], "message": head, "hint": "",
                                   "command": f"use {spec}"})


def _ours(filename: str) -> bool:
    """Frames of reactor-repl and of the import machinery: not the person's code."""
    norm = filename.replace(os.sep, "/")
    return "/reactor_repl/" in norm or norm.startswith("<frozen importlib")


def resolve(eng: Engine, ref: str) -> Any:
    """``module.attr`` or ``module:attr`` (attr may be dotted) → the object; what cannot
    be found is the error of the line's word ``ref`` (its column, not the command's)."""
    ns = namespace(eng)
    if ":" in ref:
        mod_path, attr_path = ref.split(":", 1)
    else:
        mod_path, _, attr_path = ref.rpartition(".")
    if not mod_path:  # one word: `call mymod` (a module, or nothing in use)
        known = ns.get(ref)
        theirs = [n for n in callables_of(eng) if n.startswith(ref + ".")]
        if isinstance(known, ModuleType):
            raise CommandError(f"{ref} is a module, not something to call",
                               "name what in it to call, as module.function"
                               + (f": {', '.join(theirs[:6])}" if theirs else ""), word=ref)
        raise CommandError(f"{ref}: name a module's function, as module.function",
                           "use FILE.py first, then module.function", word=ref)
    try:
        return _walk(_module(ns, mod_path), mod_path, attr_path)
    except CommandError as e:
        if not e.word:
            e.word = ref
        raise


def _walk(obj: Any, walked: str, path: str) -> Any:
    """``obj.a.b`` for ``path`` "a.b"; a missing name is the line's error, with a hint."""
    for part in path.split(".") if path else []:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            names = [n for n in dir(obj) if not n.startswith("_")]
            from reactor_repl.language.parser import suggest

            raise CommandError(f"{walked} has no {part}",
                               suggest(part, names) or f"its names: {', '.join(names[:8])}"
                               ) from None
        walked += "." + part
    return obj


def resolve_callable(eng: Engine, ref: str,
                     takes: str = "call takes a function or class",
                     fits: Callable[[Any], bool] = callable) -> Any:
    """``resolve``, refused here when it is not something to call (an int ran into a
    TypeError at the timer's firing, with no line to point at); the hint names the
    module's callables that ``fits`` (spawn: its coroutine functions)."""
    obj = resolve(eng, ref)
    if not callable(obj):
        mod = ref.split(":", 1)[0] if ":" in ref else ref.rpartition(".")[0]
        names = [n for n in callables_of(eng) if n.startswith(mod + ".")
                 and fits(_quietly(eng, n))]
        raise CommandError(f"{ref} is {_a(type(obj).__name__)}, not something to call",
                           takes + (f": {', '.join(names[:6])}" if names else ""))
    return obj


def _quietly(eng: Engine, ref: str) -> Any:
    """``resolve`` for a hint: None where it cannot."""
    try:
        return resolve(eng, ref)
    except CommandError:
        return None


def spawnable(fn: Any) -> bool:
    """An ``async def`` or ``inlineCallbacks`` (or plain generator) function: what
    ``spawn`` starts."""
    import inspect

    inner = getattr(fn, "__wrapped__", fn)
    return inspect.iscoroutinefunction(inner) or inspect.isgeneratorfunction(inner)


def check_arguments(fn: Any, ref: str, args: list[Any]) -> None:
    """The arguments fit ``fn``'s signature (a missing one was a bare TypeError)."""
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # (a builtin without one: its own call says)
    try:
        sig.bind(*args)
    except TypeError as e:
        raise CommandError(f"{ref}: {e}", f"spawn {ref} takes {_arguments(sig)}") from None


def _arguments(sig: Any) -> str:
    params = [p.name for p in sig.parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    return ("ARGS: " + " ".join(params)) if params else "no arguments"


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _module(ns: dict[str, Any], path: str) -> Any:
    first, _, rest = path.partition(".")
    if first not in ns:
        if path in sys.modules:
            return sys.modules[path]
        raise CommandError(f"no module {first} in this session", f"use {first}.py first "
                           "(or use package.module)")
    return _walk(ns[first], first, rest)


def callables_of(eng: Engine) -> list[str]:
    """``module.attr`` for the callables and classes of the modules in use (completion)."""
    ns = namespace(eng)
    # the person's modules: not Python's library (`py import shutil` counted its
    # functions as in use, and Tab offered them after call) nor an installed package's
    modules = {name: value for name, value in list(ns.items())
               if isinstance(value, ModuleType) and not name.startswith("_")
               and _persons_file(value)}
    for spec in list(PERSONS):  # `use package.module`: by the path it was used by
        if "." in spec and spec.split(".", 1)[0] in ns and spec in sys.modules:
            modules[spec] = sys.modules[spec]
    out = set()
    for name, value in modules.items():
        for attr, obj in list(vars(value).items()):
            if not attr.startswith("_") and callable(obj) and \
                    getattr(obj, "__module__", None) == value.__name__:
                out.add(f"{name}.{attr}")
    return sorted(out)
