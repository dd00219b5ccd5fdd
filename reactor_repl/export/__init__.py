"""What an exported program is made of, besides plain Twisted and ``runtime``.

``export FILE.py`` writes a session as a standalone program that prints ``KIND NAME``
for each dispatch, as the explorer logs it. The program copies the source of what it
uses from these modules (``views/pyexport/copying.py``), so it imports nothing of
reactor-repl, and the pieces it runs are these modules, linted and tested here:

* ``printing`` — one line per dispatch, under the names the explorer gave: Deferreds'
  steps and results, readers, TCP connections, the names callbacks make at run time.
* ``pacing`` — the explorer's turns: a line runs once the loop has done what was due,
  ``wait S`` lets S seconds pass, a thread job's result is due when its sleep ends.
* ``pausing`` — ``break``, ``step`` and ``continue``, as the virtual clock does them.
"""
