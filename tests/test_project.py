"""The project keeps its promises: CI runs the README's test line; every command is handled."""

from __future__ import annotations

import os
import re

import pytest

from support import ROOT

from reactor_repl.engine.commands import HANDLERS
from reactor_repl.language.table import COMMANDS


def _quick_start() -> list[str]:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, re.S)
    assert block, "README has a Quick start with a sh block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_exactly_the_readmes_test_command():
    lines = _quick_start()
    assert len(lines) == 2
    install_and_start, install_and_test = lines
    assert "reactor-repl" in install_and_start and "pytest" in install_and_test
    ci = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read().splitlines()
    assert install_and_test in ci


# in the table (help, completion, lexer) before their handlers: SPEC §7 and §8. The lead
# removes a name from here with its handler.
ANNOUNCED: set[str] = set()


def test_every_command_of_the_table_is_found_by_its_name_in_one_table():
    """A prompt command in the driver's PROMPT, every other in the engine's HANDLERS."""
    from reactor_repl.session.driver import PROMPT

    missing = [c.name for c in COMMANDS
               if c.name not in (PROMPT if c.where == "prompt" else HANDLERS)]
    assert sorted(missing) == sorted(ANNOUNCED)
    assert not set(PROMPT) - {c.name for c in COMMANDS if c.where == "prompt"}


# what each layer may import of the others (README "How it works"): the observation layer
# knows nothing of commands, the engine nothing of sessions and views
LAYERS = {
    "observe": {"observe"},
    "language": {"language"},
    "engine": {"engine", "observe", "language", "export", "runtime"},
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_imports_only_the_layers_below_it(layer):
    import ast

    allowed = LAYERS[layer]
    wrong = []
    folder = os.path.join(ROOT, "reactor_repl", layer)
    for dirpath, _, names in os.walk(folder):
        for name in names:
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            tree = ast.parse(open(path, encoding="utf-8").read(), path)
            for node in ast.walk(tree):
                mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                        [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                for mod in mods:
                    parts = mod.split(".")
                    if parts[0] == "reactor_repl" and len(parts) > 1 \
                            and parts[1] not in allowed:
                        wrong.append(f"{os.path.relpath(path, ROOT)}:{node.lineno} {mod}")
    assert wrong == []
