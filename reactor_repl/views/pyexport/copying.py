"""Definitions copied from reactor-repl's modules into a program, with all they need.

A generated program names what it uses (``show``, ``NamedReader``, ``job`` …).
``Copier.need`` finds each name's definition in the modules a program may draw on,
and with it every name that definition uses: another definition of that module
(copied too), an import of it from reactor-repl (copied from there), or any other
import (kept as an import of the program). A table computed from another
(``language/kinds``: which kinds are dispatches, which a program prints) is taken by
its value, as a literal. So a program carries the source it runs and imports nothing
of reactor-repl. Definitions keep their modules' order, and a
module comes after those it takes definitions from, so what a class statement or an
assignment uses at once is defined before it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import symtable
import sys
import textwrap
from dataclasses import dataclass, field

OURS = "reactor_repl"
# tables a program takes by value (a literal of what they computed), not by their source
BY_VALUE = ("reactor_repl.language.kinds",)


class Unresolved(Exception):
    """A name a copied definition uses that neither its module nor builtins define."""


@dataclass
class Definition:
    module: str
    name: str
    line: int  # where it starts in its module: definitions keep their modules' order
    source: str


@dataclass
class _Module:
    name: str
    source: str
    doc: str
    # name → (first line, source) of each module-level def, class and assignment
    defs: dict[str, tuple[int, str]] = field(default_factory=dict)
    # name → ("from", module, original name) or ("import", module, "")
    imports: dict[str, tuple[str, str, str]] = field(default_factory=dict)


_modules: dict[str, _Module] = {}


def _module(name: str) -> _Module:
    m = _modules.get(name)
    if m is None:
        source = inspect.getsource(importlib.import_module(name))
        m = _modules[name] = _read(name, source)
    return m


def _read(name: str, source: str) -> _Module:
    tree = ast.parse(source)
    lines = source.splitlines()
    m = _Module(name, source, (ast.get_docstring(tree) or "").split("\n")[0])
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for a in node.names:
                m.imports[a.asname or a.name] = ("from", node.module, a.name)
            continue
        elif isinstance(node, ast.Import):
            for a in node.names:
                m.imports[a.asname or a.name.split(".")[0]] = ("import", a.name, "")
            continue
        else:
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "\n".join(lines[first - 1:node.end_lineno])
        for n in names:
            m.defs[n] = (first, text)
    return m


def literal(value: object) -> str:
    """Python for a table's value, the same text on every run (a set's items sorted)."""
    if isinstance(value, (set, frozenset, tuple)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        body = textwrap.fill(", ".join(repr(i) for i in items), 84, initial_indent="    ",
                             subsequent_indent="    ", break_on_hyphens=False)
        opening, closing = (("frozenset({", "})") if isinstance(value, (set, frozenset))
                            else ("(", ",)" if len(items) == 1 else ")"))
        return f"{opening}\n{body}\n{closing}"
    return repr(value)


def free_names(source: str) -> set[str]:
    """The global names a piece of source uses (reads, or assigns through ``global``)."""
    top = symtable.symtable(source, "<copied>", "exec")
    out: set[str] = set()

    def walk(table: symtable.SymbolTable, is_top: bool) -> None:
        for s in table.get_symbols():
            if is_top:
                if s.is_referenced() and not s.is_assigned() and not s.is_imported():
                    out.add(s.get_name())
            elif s.is_global() and (s.is_referenced() or s.is_assigned()):
                out.add(s.get_name())
        for child in table.get_children():
            walk(child, False)

    walk(top, True)
    return out


class Copier:
    """What a program takes from reactor-repl: definitions, and the imports they need."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules = modules  # where a program's own names are looked up, in order
        self.defs: dict[tuple[str, str], Definition] = {}
        self.imports: set[tuple[str, str, str]] = set()
        self.after: dict[str, set[str]] = {}  # module → modules it takes definitions from

    def provides(self, name: str) -> bool:
        return any(name in _module(m).defs for m in self.modules)

    def names(self) -> set[str]:
        """Every name a program could take from these modules (its variables avoid them)."""
        out: set[str] = set()
        for m in self.modules:
            mod = _module(m)
            out |= set(mod.defs) | set(mod.imports)
        return out

    def need(self, name: str) -> None:
        """The program uses ``name``: copy its definition (or import it) with what it needs."""
        for m in self.modules:
            if name in _module(m).defs:
                self._copy(m, name)
                return
        raise Unresolved(f"no module a program draws on defines {name}")

    def use_import(self, module: str, name: str = "") -> None:
        """The program's own code imports ``name`` from ``module`` (or ``import module``)."""
        self.imports.add(("from", module, name) if name else ("import", module, ""))

    def _copy(self, module: str, name: str) -> None:
        if (module, name) in self.defs:
            return
        mod = _module(module)
        line, text = mod.defs[name]
        self.defs[(module, name)] = Definition(module, name, line, text)
        for used in sorted(free_names(text)):
            self._resolve(module, used)

    def _copy_value(self, module: str, source: str, name: str) -> None:
        """``name`` as a literal of its value in ``source`` (a table's computed set)."""
        self.after.setdefault(module, set()).add(source)
        if (source, name) not in self.defs:
            value = getattr(importlib.import_module(source), name)
            self.defs[(source, name)] = Definition(source, name, 0, f"{name} = {literal(value)}")

    def _resolve(self, module: str, name: str) -> None:
        mod = _module(module)
        if name in mod.defs:
            self._copy(module, name)
            return
        imported = mod.imports.get(name)
        if imported is not None:
            how, source, original = imported
            if source in BY_VALUE and how == "from":
                self._copy_value(module, source, name)
                return
            if source.split(".")[0] == OURS:
                if how != "from" or original != name:
                    raise Unresolved(f"{module} imports {name} from {source} in a way a "
                                     "program cannot copy (as another name, or a module)")
                self.after.setdefault(module, set()).add(source)
                self._copy(source, name)
                return
            self.imports.add(imported)
            return
        if hasattr(builtins, name) or name == "__name__":
            return
        raise Unresolved(f"{module} uses {name}, which it neither defines nor imports")

    # ------------------------------------------------------------------ output
    def ordered(self) -> list[tuple[str, list[Definition]]]:
        """(module, its definitions in its order), a module after those it draws on."""
        by_module: dict[str, list[Definition]] = {}
        for d in self.defs.values():
            by_module.setdefault(d.module, []).append(d)
        done: list[str] = []

        def place(m: str, path: tuple[str, ...] = ()) -> None:
            if m in done or m in path:
                return
            for dep in sorted(self.after.get(m, ())):
                place(dep, path + (m,))
            done.append(m)

        for m in sorted(by_module, key=lambda m: (self.modules.index(m)
                                                  if m in self.modules else -1, m)):
            place(m)
        return [(m, sorted(by_module[m], key=lambda d: d.line)) for m in done if m in by_module]

    def import_lines(self) -> list[str]:
        """``import x`` lines, then ``from x import a, b`` lines, each group sorted."""
        plain = sorted({f"import {mod}" for how, mod, _ in self.imports if how == "import"})
        froms: dict[str, set[str]] = {}
        for how, mod, name in self.imports:
            if how == "from":
                froms.setdefault(mod, set()).add(name)
        std = [m for m in sorted(froms) if m.split(".")[0] in sys.stdlib_module_names]
        other = [m for m in sorted(froms) if m not in std]
        out = plain + [f"from {m} import {', '.join(sorted(froms[m]))}" for m in std]
        if out and other:
            out.append("")
        out += [f"from {m} import {', '.join(sorted(froms[m]))}" for m in other]
        return out

    def doc_of(self, module: str) -> str:
        if module in BY_VALUE:
            return (importlib.import_module(module).__doc__ or "").split("\n")[0] + \
                " (the values a program needs)"
        return _module(module).doc

    def source(self) -> str:
        """The copied definitions, a header before each module's."""
        parts = []
        for module, defs in self.ordered():
            short = module.split(".")[-1] + ".py"
            head = textwrap.wrap(f"---- from reactor-repl's {short}: {self.doc_of(module)}",
                                 86, subsequent_indent="     ")
            text = "\n".join("# " + line for line in head) + "\n\n"
            last = None
            for d in dict.fromkeys(d.source for d in defs):  # a, b = … : one statement
                simple = not d.startswith(("def ", "class ", "@", "async "))
                if last is not None:
                    text += "\n" if simple and last else "\n\n\n"
                text += d
                last = simple
            parts.append(text)
        return "\n\n\n".join(parts)
