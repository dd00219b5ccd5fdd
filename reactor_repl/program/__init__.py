"""A person's own program on the recording reactor (SPEC §7).

``launch`` runs a script or module as ``python`` would (argv, ``__main__``, exit codes,
tracebacks); ``recording`` installs the engine's instrumented reactor before it and
writes what was recorded when it ends; ``guard`` refuses a program that installs
another reactor; ``loopback`` keeps a virtual-clock program on loopback; ``asyncio``
instruments ``AsyncioSelectorReactor``; ``plugin`` is the ``repl`` reactor of
``twist``/``twistd``/``trial``; ``stream`` reads a recorded event file back.
"""
