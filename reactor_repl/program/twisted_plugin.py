"""reactor-repl's reactor plugins, for ``twist``, ``twistd -n`` and ``trial``:
``--reactor=repl`` (the platform's reactor, recorded) and ``--reactor=repl-asyncio``
(``AsyncioSelectorReactor``, recorded).

Twisted finds plugins only in ``twisted/plugins/`` directories on ``sys.path``. The wheel
ships this file as ``twisted/plugins/reactor_repl_plugin.py`` (``pyproject.toml``:
hatchling's ``force-include``, which the editable wheel of ``pip install -e .`` carries
too), so it lands beside Twisted's own plugins. It imports nothing of reactor_repl: the
recording starts only when a launcher installs one of these reactors.
"""

from twisted.application.reactors import Reactor

repl = Reactor(
    "repl", "reactor_repl.program.plugin",
    "reactor-repl's recording reactor (events to the file in $REACTOR_REPL_EVENTS)")

repl_asyncio = Reactor(
    "repl-asyncio", "reactor_repl.program.asyncio_plugin",
    "reactor-repl's recording AsyncioSelectorReactor (events to $REACTOR_REPL_EVENTS)")
