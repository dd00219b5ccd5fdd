"""A person's own program on the recording reactor (SPEC §7).

* ``trace_main`` — the ``trace`` command: a script or ``-m`` module, headless or ``--line``.
* ``launch`` — runs it as ``python`` would (argv, ``__main__``, exit codes, tracebacks).
* ``recording`` — the engine's reactor installed before it, the files written after it.
* ``guard`` — a program that installs another reactor: exit 2 and one line.
* ``loopback`` — on the virtual clock, connections elsewhere are refused.
* ``asyncio_reactor`` — ``AsyncioSelectorReactor``, hooked at asyncio's seams.
* ``plugin`` / ``twisted_plugin`` — the ``repl`` reactor of ``twist``/``twistd``/``trial``.
* ``view`` — the ``view`` command: a recorded event file, read back.
"""
