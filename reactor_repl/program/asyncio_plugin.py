"""The ``repl-asyncio`` reactor plugin's module (``--reactor=repl-asyncio``): Twisted's
launchers import a plugin's module by its name (``--help-reactors`` lists a reactor whose
module does not import as unavailable), then call its ``install()``."""

from __future__ import annotations

from reactor_repl.program.plugin import Recording, install as _install


def install() -> Recording:
    """``AsyncioSelectorReactor``, recorded."""
    return _install("asyncio")
